"""Login with an emailed one-time code, tokens, and the profile (/me).

The client holds an opaque `session`: a random token whose hash keys one login step in the table
(TTL). Each step is single-use (consumed atomically), bound to its email, and remembers how many wrong
codes came before and when the code expires (CODE_TTL_S after login, however many retries), whatever the
identity provider. Emails and client IPs appear in keys only as keyed hashes.
"""

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import zoneinfo
from dataclasses import dataclass

from django.conf import settings

from apps.accounts import repository, triggers
from apps.accounts.providers import Tokens, get_provider
from apps.accounts.repository import KEEP, Profile
from apps.core import clock
from apps.core.auth.authentication import InvalidToken, verify_access_token
from apps.core.http.errors import ApiError, Conflict, Invalid, NotFound, ServerError, Throttled

logger = logging.getLogger("kefir.accounts")

CHALLENGE = "EMAIL_OTP"
CODES_PER_EMAIL_PER_HOUR = 5
LOGINS_PER_IP_PER_HOUR = 30
RATE_WINDOW_S = 3600
# Expired sessions stay this long so a late answer hears "code_expired" rather than "unknown session".
SESSION_KEEP_S = 3600
DEFAULT_TIMEZONE = "UTC"
DEFAULT_TEMPERATURE_UNIT = "C"
TEMPERATURE_UNITS = ("C", "F")
EMAIL_RATE_SCOPE = "login-email"
IP_RATE_SCOPE = "login-ip"


class InvalidCode(ApiError):
    status_code, code, default_message = 400, "invalid_code", "The code is not right; try again with the new session."


class CodeExpired(ApiError):
    status_code, code, default_message = 400, "code_expired", "The code has expired; ask for a new one."


class TooManyAttempts(ApiError):
    status_code, code, default_message = 429, "too_many_attempts", "Too many wrong codes; ask for a new one."


@dataclass(frozen=True)
class LoginChallenge:
    session: str
    challenge: str
    expires_in: int


@dataclass(frozen=True)
class LoginResult:
    tokens: Tokens
    user_id: str
    groups: tuple[str, ...]


def normalize_email(email: str) -> str:
    """Emails are case-insensitive here (the pool is too): one account per address."""
    return email.strip().lower()


def rate_key_hash(scope: str, key: str) -> str:
    """The key of a rate window: a keyed hash, so no email or IP is readable in the table."""
    return _keyed_hash(scope, key)


def _keyed_hash(kind: str, value: str) -> str:
    key = hashlib.sha256(f"kefir-accounts-{kind}:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def email_hash(email: str) -> str:
    return _keyed_hash("email", normalize_email(email))


def _session_hash(session: str) -> str:
    return hashlib.sha256(session.encode()).hexdigest()


def _new_session(*, email: str, failed_attempts: int, expires_at: dt.datetime, provider_state: str | None) -> str:
    session = secrets.token_urlsafe(32)
    repository.login_session_create(
        session_hash=_session_hash(session), email_hash=email_hash(email), failed_attempts=failed_attempts,
        expires_at=expires_at, provider_state=provider_state,
        delete_after=expires_at + dt.timedelta(seconds=SESSION_KEEP_S),
    )
    return session


def _check_rate(*, scope: str, key: str, limit: int, now: dt.datetime) -> None:
    retry_after = repository.rate_hit(scope=scope, key_hash=rate_key_hash(scope, key), now=now,
                                      window_s=RATE_WINDOW_S, limit=limit)
    if retry_after is not None:
        logger.info("login throttled", extra={"scope": scope})
        raise Throttled("Too many login requests; try again later.", retry_after_s=retry_after)


def auth_login_start(*, email: str, client_ip: str) -> LoginChallenge:
    """Email a 6-digit code (signing a new address up); the same answer whether or not it had an account."""
    email = normalize_email(email)
    now = clock.now()
    _check_rate(scope=IP_RATE_SCOPE, key=client_ip or "unknown", limit=LOGINS_PER_IP_PER_HOUR, now=now)
    _check_rate(scope=EMAIL_RATE_SCOPE, key=email, limit=CODES_PER_EMAIL_PER_HOUR, now=now)
    state = get_provider().start_login(email=email)
    expires_at = now + dt.timedelta(seconds=triggers.CODE_TTL_S)
    session = _new_session(email=email, failed_attempts=0, expires_at=expires_at, provider_state=state)
    logger.info("login code requested")
    return LoginChallenge(session=session, challenge=CHALLENGE, expires_in=triggers.CODE_TTL_S)


def auth_login_verify(*, email: str, session: str, code: str) -> LoginResult:
    """Tokens for the right code, with the user's sub and groups; the profile is created on first login."""
    email = normalize_email(email)
    step = repository.login_session_consume(session_hash=_session_hash(session), email_hash=email_hash(email))
    if step is None:
        raise Invalid("This session is unknown or was used already; ask for a new code.",
                      fields={"session": ["Unknown or already used session."]})
    if step.failed_attempts >= triggers.MAX_ATTEMPTS:
        raise TooManyAttempts()
    if clock.now() >= step.expires_at:
        raise CodeExpired()
    answer = get_provider().answer_challenge(email=email, state=step.provider_state, code=code)
    if answer.outcome == "expired":
        raise CodeExpired()
    if answer.outcome in {"wrong", "failed"}:
        # After the last try the new session is dead (its next use answers too_many_attempts).
        failed = step.failed_attempts + 1 if answer.outcome == "wrong" else triggers.MAX_ATTEMPTS
        next_session = _new_session(email=email, failed_attempts=failed, expires_at=step.expires_at,
                                    provider_state=answer.next_state if answer.outcome == "wrong" else None)
        logger.info("login code rejected", extra={"failed_attempts": failed})
        raise InvalidCode(extra={"session": next_session})
    tokens = answer.tokens
    try:
        claims = verify_access_token(tokens.access_token)
    except InvalidToken as exc:  # the pool just issued it: a misconfiguration, not the client's fault
        logger.error("the identity provider issued a token we cannot verify: %s", exc)
        raise ServerError() from exc
    user_id = claims["sub"]
    _ensure_profile(user_id=user_id, email=email)
    groups = tuple(g for g in claims.get("cognito:groups", []) if isinstance(g, str))
    logger.info("login succeeded", extra={"user_id": user_id})
    return LoginResult(tokens=tokens, user_id=user_id, groups=groups)


def auth_refresh(*, refresh_token: str) -> Tokens:
    """New access and id tokens for a refresh token; 401 when it is invalid, expired or revoked."""
    return get_provider().refresh(refresh_token=refresh_token)


def auth_logout(*, user_id: str) -> None:
    """Revoke the user's refresh tokens (every device): they can no longer get new access tokens."""
    get_provider().sign_out(sub=user_id)
    logger.info("logged out", extra={"user_id": user_id})


def _ensure_profile(*, user_id: str, email: str) -> Profile:
    return repository.profile_create_if_missing(
        user_id=user_id, email=email, created_at=clock.now(), timezone=DEFAULT_TIMEZONE,
        temperature_unit=DEFAULT_TEMPERATURE_UNIT,
    )


def profile_get(*, user_id: str) -> Profile:
    """The caller's profile; a user created outside the login flow (e.g. by an admin) gets one from the
    identity's email on first use; 404 if the identity is gone."""
    profile = repository.profile_get(user_id=user_id)
    if profile is not None:
        return profile
    identity = get_provider().get_user(user_id)
    if identity is None or not identity.email:
        raise NotFound("No profile for this user.")
    return _ensure_profile(user_id=user_id, email=normalize_email(identity.email))


def profile_update_settings(*, user_id: str, timezone: str | None = None, temperature_unit: str | None = None,
                            quiet_hours=KEEP) -> Profile:
    """Change the given settings (the others stay); `timezone` an IANA name, `temperature_unit` C or F,
    `quiet_hours` {"start", "end"} or None. A new timezone or quiet hours re-place the user's pending automatic
    reminders in the same transaction."""
    errors = {}
    if timezone is not None and not is_timezone(timezone):
        errors["settings.timezone"] = ["Not an IANA time zone name, e.g. Europe/Berlin."]
    if temperature_unit is not None and temperature_unit not in TEMPERATURE_UNITS:
        errors["settings.temperature_unit"] = ['Must be "C" or "F".']
    if errors:
        raise Invalid("Some fields are not valid.", fields=errors)
    if quiet_hours not in (KEEP, None):
        quiet_hours = {"start": quiet_hours["start"], "end": quiet_hours["end"]}
    current = profile_get(user_id=user_id)
    for _ in range(3):
        moves = ((timezone is not None and timezone != current.timezone)
                 or (quiet_hours is not KEEP and quiet_hours != current.quiet_hours))
        if not moves:
            updated = repository.profile_update_settings(user_id=user_id, timezone=timezone,
                                                         temperature_unit=temperature_unit, quiet_hours=quiet_hours)
            if updated is None:
                raise NotFound("No profile for this user.")
            return updated
        from apps.reminders import services as reminders  # only a change of timezone or quiet hours needs it

        new = Profile(current.id, current.email, current.created_at, timezone or current.timezone,
                      temperature_unit or current.temperature_unit,
                      current.quiet_hours if quiet_hours is KEEP else quiet_hours)
        write = repository.profile_settings_op(current=current, timezone=timezone, temperature_unit=temperature_unit,
                                               quiet_hours=quiet_hours)
        if reminders.reminders_replace_for_settings(user_id=user_id, timezone=new.timezone,
                                                    quiet_hours=new.quiet_hours, with_write=write):
            return new
        current = profile_get(user_id=user_id)  # changed meanwhile (or a reminder was sent): again
    raise Conflict("Your settings or reminders are changing; try again.")


def is_timezone(name: str) -> bool:
    """True for an IANA time zone name the tz database knows."""
    zones = _available_zones()
    if zones:
        return name in zones
    try:  # no tz database listing (a minimal runtime image): ask zoneinfo directly
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


_ZONES: set[str] | None = None


def _available_zones() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = zoneinfo.available_timezones() | {"UTC"}
    return _ZONES
