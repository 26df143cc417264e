"""Accounts' access patterns: profiles, login sessions and rate windows. The only module here that
knows a key format."""

import datetime as dt
import math
from dataclasses import dataclass

from pynamodb.exceptions import DeleteError, PutError, UpdateError

from apps.accounts.models import LoginSessionItem, ProfileItem, RateWindowItem
from apps.core import clock
from apps.core.aws.table import ItemRead, WriteOp
from apps.core.http.errors import Unavailable

PROFILE_SK = "PROFILE"


@dataclass(frozen=True)
class Profile:
    id: str
    email: str
    created_at: dt.datetime
    timezone: str
    temperature_unit: str
    quiet_hours: dict | None = None  # {"start": "HH:MM", "end": "HH:MM"}


# Settings a PATCH may leave out (keep) or set; quiet_hours may be set to None (none).
KEEP = object()


@dataclass(frozen=True)
class LoginSession:
    email_hash: str
    failed_attempts: int
    expires_at: dt.datetime
    provider_state: str | None


def _conditional_failed(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


# --- profiles ----------------------------------------------------------------------------------
def _profile_key(user_id: str) -> tuple[str, str]:
    return f"USER#{user_id}", PROFILE_SK


def _profile(item: ProfileItem) -> Profile:
    return Profile(
        id=item.PK.removeprefix("USER#"), email=item.email, created_at=clock.parse(item.created_at),
        timezone=item.timezone, temperature_unit=item.temperature_unit,
        quiet_hours={"start": item.quiet_start, "end": item.quiet_end} if item.quiet_start else None,
    )


def profile_read(*, user_id: str) -> ItemRead:
    """The user's profile for apps.core.aws.table.read_together (a Profile, or None)."""
    pk, sk = _profile_key(user_id)
    return ItemRead(ProfileItem, pk, sk, lambda item: _profile(item) if item is not None else None)


def _settings_actions(*, timezone: str | None, temperature_unit: str | None, quiet_hours) -> list:
    actions = []
    if timezone is not None:
        actions.append(ProfileItem.timezone.set(timezone))
    if temperature_unit is not None:
        actions.append(ProfileItem.temperature_unit.set(temperature_unit))
    if quiet_hours is None:
        actions += [ProfileItem.quiet_start.remove(), ProfileItem.quiet_end.remove()]
    elif quiet_hours is not KEEP:
        actions += [ProfileItem.quiet_start.set(quiet_hours["start"]), ProfileItem.quiet_end.set(quiet_hours["end"])]
    return actions


def profile_settings_op(*, current: Profile, timezone: str | None, temperature_unit: str | None,
                        quiet_hours) -> WriteOp:
    """Change the given settings, if the profile still has the timezone and quiet hours `current` has (the
    reminders re-placed in the same transaction were placed for those)."""
    item = ProfileItem(*_profile_key(current.id))
    actions = _settings_actions(timezone=timezone, temperature_unit=temperature_unit, quiet_hours=quiet_hours)
    condition = ProfileItem.PK.exists() & (ProfileItem.timezone == current.timezone)
    if current.quiet_hours:
        condition &= (ProfileItem.quiet_start == current.quiet_hours["start"]) & (
            ProfileItem.quiet_end == current.quiet_hours["end"])
    else:
        condition &= ProfileItem.quiet_start.does_not_exist()
    return lambda transaction: transaction.update(item, actions=actions, condition=condition)


def profile_get(*, user_id: str) -> Profile | None:
    """The user's profile, or None if it was never created."""
    try:
        return _profile(ProfileItem.get(*_profile_key(user_id)))
    except ProfileItem.DoesNotExist:
        return None


def profile_create_if_missing(*, user_id: str, email: str, created_at: dt.datetime, timezone: str,
                              temperature_unit: str) -> Profile:
    """Create the profile unless it exists; returns the stored one either way."""
    pk, sk = _profile_key(user_id)
    item = ProfileItem(
        pk, sk, GSI1PK=f"EMAIL#{email}", GSI1SK=PROFILE_SK, email=email, created_at=clock.isoformat(created_at),
        timezone=timezone, temperature_unit=temperature_unit,
    )
    try:
        item.save(condition=ProfileItem.PK.does_not_exist())
    except PutError as exc:
        if not _conditional_failed(exc):
            raise
        return _profile(ProfileItem.get(pk, sk, consistent_read=True))
    return _profile(item)


def profile_update_settings(*, user_id: str, timezone: str | None, temperature_unit: str | None,
                            quiet_hours=KEEP) -> Profile | None:
    """Change the given settings of an existing profile; None if there is no profile."""
    item = ProfileItem(*_profile_key(user_id))
    actions = _settings_actions(timezone=timezone, temperature_unit=temperature_unit, quiet_hours=quiet_hours)
    if not actions:
        return profile_get(user_id=user_id)
    try:
        item.update(actions=actions, condition=ProfileItem.PK.exists())
    except UpdateError as exc:
        if _conditional_failed(exc):
            return None
        raise
    return _profile(item)


def profile_user_id_by_email(*, email: str) -> str | None:
    """The sub of the profile with this email (GSI1), or None."""
    for item in ProfileItem.gsi1.query(f"EMAIL#{email}", ProfileItem.GSI1SK == PROFILE_SK, limit=1):
        return item.PK.removeprefix("USER#")
    return None


def profile_delete(*, user_id: str) -> None:
    """Remove the profile (no error if it is gone already)."""
    try:
        ProfileItem(*_profile_key(user_id)).delete()
    except DeleteError:
        pass


# --- login sessions ----------------------------------------------------------------------------
def _session_key(session_hash: str) -> tuple[str, str]:
    return f"LOGINSESSION#{session_hash}", "LOGINSESSION"


def login_session_create(*, session_hash: str, email_hash: str, failed_attempts: int, expires_at: dt.datetime,
                         provider_state: str | None, delete_after: dt.datetime) -> None:
    """Store a new login step; DynamoDB's TTL removes it after `delete_after`."""
    LoginSessionItem(
        *_session_key(session_hash), email_hash=email_hash, failed_attempts=failed_attempts,
        expires_at=clock.isoformat(expires_at), provider_state=provider_state,
        TTL=clock.epoch_seconds(delete_after),
    ).save(condition=LoginSessionItem.PK.does_not_exist())


def login_session_consume(*, session_hash: str, email_hash: str) -> LoginSession | None:
    """Mark the session used and return it, atomically; None if unknown, used already or another email's."""
    item = LoginSessionItem(*_session_key(session_hash))
    try:
        item.update(
            actions=[LoginSessionItem.used.set(True)],
            condition=(LoginSessionItem.PK.exists() & LoginSessionItem.used.does_not_exist()
                       & (LoginSessionItem.email_hash == email_hash)),
        )
    except UpdateError as exc:
        if _conditional_failed(exc):
            return None
        raise
    return LoginSession(
        email_hash=item.email_hash, failed_attempts=int(item.failed_attempts),
        expires_at=clock.parse(item.expires_at), provider_state=item.provider_state,
    )


# --- rate windows ------------------------------------------------------------------------------
def _rate_key(scope: str, key_hash: str) -> tuple[str, str]:
    return f"RATE#{scope}#{key_hash}", "RATE"


def rate_hit(*, scope: str, key_hash: str, now: dt.datetime, window_s: int, limit: int) -> int | None:
    """Count one hit unless `limit` hits fell in the last `window_s`; then the seconds until one expires.

    A sliding window (exact, unlike fixed hourly buckets): the item holds the recent hit times and is
    replaced only if nobody changed it meanwhile (revision check), so concurrent Lambdas never lose a hit.
    """
    pk, sk = _rate_key(scope, key_hash)
    now_s = now.timestamp()
    for _ in range(5):
        try:
            current = RateWindowItem.get(pk, sk, consistent_read=True)
        except RateWindowItem.DoesNotExist:
            current = None
        hits = [float(h) for h in (current.hits if current else []) if float(h) > now_s - window_s]
        if len(hits) >= limit:
            return max(1, math.ceil(min(hits) + window_s - now_s))
        hits.append(now_s)
        item = RateWindowItem(pk, sk, hits=hits, revision=(current.revision + 1) if current else 1,
                              TTL=math.ceil(now_s + window_s + 60))
        condition = (RateWindowItem.revision == current.revision) if current else RateWindowItem.PK.does_not_exist()
        try:
            item.save(condition=condition)
            return None
        except PutError as exc:
            if not _conditional_failed(exc):
                raise
    raise Unavailable("Too many concurrent requests; try again shortly.")


def rate_forget(*, scope: str, key_hash: str) -> None:
    """Remove a key's window (account erasure)."""
    try:
        RateWindowItem(*_rate_key(scope, key_hash)).delete()
    except DeleteError:
        pass
