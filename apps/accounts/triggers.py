"""The Cognito custom-auth triggers of the email one-time-code login (CUSTOM_AUTH).

On AWS, Cognito invokes these as Lambda triggers (wired through Zappa) with its documented event
shapes: `{"version", "triggerSource", "region", "userPoolId", "userName", "callerContext",
"request": {...}, "response": {...}}`; each fills `event["response"]` and returns the event. Locally,
apps.accounts.providers.LocalProvider calls the same functions in-process with the same events.

The code: 6 digits from `secrets`, emailed once per login, valid CODE_TTL_S, MAX_ATTEMPTS tries. Only
its keyed hash travels in the challenge (challengeMetadata and privateChallengeParameters, which
Cognito never shows a client); the code itself exists only in the email.
"""

import hashlib
import hmac
import logging
import re
import secrets
from typing import Any

from django.conf import settings
from django.core.mail import send_mail

from apps.core import clock

logger = logging.getLogger("kefir.accounts")

CHALLENGE_NAME = "CUSTOM_CHALLENGE"
CODE_TTL_S = 180
MAX_ATTEMPTS = 3
CODE_DIGITS = 6
METADATA_PREFIX = "EMAIL_OTP"
_CODE = re.compile(r"^\d{6}$")


def code_hash(code: str, salt: str) -> str:
    """The keyed hash of a code: without SECRET_KEY, a leaked hash cannot be brute-forced offline."""
    key = hashlib.sha256(f"kefir-login-code:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def _failed_attempts(session: list[dict[str, Any]]) -> int:
    return sum(1 for step in session if step.get("challengeResult") is not True)


def define_auth_challenge(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Decide the next step: tokens after a right answer, failure after MAX_ATTEMPTS wrong ones or anything
    that is not our challenge, otherwise (again) our custom challenge."""
    request = event.get("request") or {}
    session = request.get("session") or []
    response = event.setdefault("response", {})
    ours = all(step.get("challengeName") == CHALLENGE_NAME for step in session)
    if ours and session and session[-1].get("challengeResult") is True and not request.get("userNotFound"):
        response.update(issueTokens=True, failAuthentication=False)
        response.pop("challengeName", None)
    elif not ours or _failed_attempts(session) >= MAX_ATTEMPTS:
        response.update(issueTokens=False, failAuthentication=True)
        response.pop("challengeName", None)
    else:
        response.update(challengeName=CHALLENGE_NAME, issueTokens=False, failAuthentication=False)
    return event


def _previous_code(session: list[dict[str, Any]]) -> tuple[str, str, int] | None:
    """(salt, hash, expires epoch) of the code this login already emailed, from the last challenge."""
    for step in reversed(session):
        parts = str(step.get("challengeMetadata") or "").split(":")
        if len(parts) == 4 and parts[0] == METADATA_PREFIX and parts[3].isdigit():
            return parts[1], parts[2], int(parts[3])
    return None


def create_auth_challenge(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Email a new code on a login's first challenge; on a retry, present the same code again."""
    request = event.get("request") or {}
    previous = _previous_code(request.get("session") or [])
    if previous is not None:
        salt, hashed, expires_epoch = previous
    else:
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        salt = secrets.token_hex(16)
        hashed = code_hash(code, salt)
        expires_epoch = clock.epoch_seconds(clock.now()) + CODE_TTL_S
        email = (request.get("userAttributes") or {}).get("email")
        # A user Cognito could not find gets the same challenge but no email (nobody to send it to).
        if email and not request.get("userNotFound"):
            send_code_email(email=email, code=code)
        logger.info("login code created", extra={"user_pool": event.get("userPoolId")})
    event.setdefault("response", {}).update(
        publicChallengeParameters={"challenge": "EMAIL_OTP", "expires_at": str(expires_epoch)},
        privateChallengeParameters={"salt": salt, "code_hash": hashed, "expires_at": str(expires_epoch)},
        challengeMetadata=f"{METADATA_PREFIX}:{salt}:{hashed}:{expires_epoch}",
    )
    return event


def verify_auth_challenge_response(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """answerCorrect when the answer is the emailed code and it has not expired."""
    request = event.get("request") or {}
    private = request.get("privateChallengeParameters") or {}
    answer = str(request.get("challengeAnswer") or "").strip()
    expires_at = str(private.get("expires_at") or "")
    correct = bool(
        not request.get("userNotFound")
        and _CODE.match(answer)
        and expires_at.isdigit()
        and clock.epoch_seconds(clock.now()) < int(expires_at)
        and hmac.compare_digest(code_hash(answer, str(private.get("salt") or "")), str(private.get("code_hash") or ""))
    )
    event.setdefault("response", {})["answerCorrect"] = correct
    return event


def send_code_email(*, email: str, code: str) -> None:
    """The login email through Django's email backend (console locally, SES deployed)."""
    minutes = CODE_TTL_S // 60
    send_mail(
        subject=f"Your Kefir login code: {code}",
        message=(
            f"Your Kefir login code is {code}\n\n"
            f"It is valid for {minutes} minutes. If you did not ask to log in, you can ignore this email.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[email],
        fail_silently=False,
    )
