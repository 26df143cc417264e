"""A staff member's signed-in state, kept in the (signed cookie) session rather than as a database id:
any Lambda container's own SQLite mirrors the user from it, and group membership is re-checked with the
identity provider at least every SUPPORT_GROUP_RECHECK_S seconds."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.middleware.csrf import rotate_token

from apps.accounts.providers import get_provider
from apps.core import clock

logger = logging.getLogger("kefir.support")
SESSION_KEY = "kefir_staff"
STAFF_GROUPS = frozenset({"staff", "admin"})


@dataclass(frozen=True)
class StaffIdentity:
    sub: str
    email: str
    groups: tuple[str, ...]
    checked_at: dt.datetime

    @property
    def is_superuser(self) -> bool:
        return "admin" in self.groups


def is_staff_member(groups) -> bool:
    """True when the groups include `staff` or `admin`."""
    return bool(STAFF_GROUPS & set(groups))


def staff_sign_in(request, *, sub: str, email: str, groups: tuple[str, ...]) -> None:
    """Start a staff session (new session key and CSRF token, as Django's login does)."""
    request.session.cycle_key()
    rotate_token(request)
    request.session[SESSION_KEY] = {"sub": sub, "email": email, "groups": list(groups),
                                    "checked_at": clock.isoformat(clock.now())}


def staff_of(request) -> StaffIdentity | None:
    """The staff member this session belongs to, or None."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return StaffIdentity(str(data["sub"]), str(data["email"]), tuple(data["groups"]),
                             clock.parse(data["checked_at"]))
    except (KeyError, TypeError, ValueError):
        return None


def staff_recheck(request, staff: StaffIdentity) -> StaffIdentity | None:
    """The same staff member, re-asked of the identity provider if the last check is old; None if no longer staff."""
    now = clock.now()
    if now - staff.checked_at < dt.timedelta(seconds=settings.SUPPORT_GROUP_RECHECK_S):
        return staff
    user = get_provider().get_user(staff.sub)
    if user is None or not user.enabled or not is_staff_member(user.groups):
        logger.info("staff session ended: no longer a member of the staff groups", extra={"user_id": staff.sub})
        return None
    request.session[SESSION_KEY] = {"sub": staff.sub, "email": user.email or staff.email,
                                    "groups": list(user.groups), "checked_at": clock.isoformat(now)}
    return staff_of(request)


def mirrored_user(staff: StaffIdentity):
    """This process's Django user for the staff member (username = sub), created or updated to match."""
    user_model = get_user_model()
    # first_name is what the admin greets with ("Welcome, ..."): the email reads better than the sub.
    wanted = {"email": staff.email, "first_name": staff.email[:150], "is_staff": True,
              "is_superuser": staff.is_superuser, "is_active": True}
    user = user_model.objects.filter(username=staff.sub).first()
    if user is None:
        user = user_model(username=staff.sub, **wanted)
        user.set_unusable_password()
        user.save()
    elif any(getattr(user, name) != value for name, value in wanted.items()):
        for name, value in wanted.items():
            setattr(user, name, value)
        user.save(update_fields=list(wanted))
    return user
