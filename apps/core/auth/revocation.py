"""Tokens of an erased account stop working, though they stay cryptographically valid until `exp`.

Checking DynamoDB on every request would double the cost of the cheapest calls, so each process
remembers a user's answer for REVOCATION_CHECK_INTERVAL_S: revocation is immediate in the process
that erased the account and takes at most that long everywhere else.
"""

import datetime as dt
import threading
import time

from django.conf import settings

from apps.core import clock, repository

_checked: dict[str, tuple[bool, float]] = {}
_lock = threading.Lock()
MAX_CACHED_USERS = 10_000


def is_revoked(user_id: str) -> bool:
    """Whether the user's tokens are revoked (cached per process for a short interval)."""
    now = time.monotonic()
    with _lock:
        cached = _checked.get(user_id)
    if cached is not None and (cached[0] or now - cached[1] < settings.REVOCATION_CHECK_INTERVAL_S):
        return cached[0]
    revoked = repository.user_is_revoked(user_id=user_id)
    with _lock:
        if len(_checked) >= MAX_CACHED_USERS:
            _checked.clear()
        _checked[user_id] = (revoked, now)
    return revoked


def revoke(user_id: str) -> None:
    """Revoke every token of the user, here at once and in other processes within the interval."""
    now = clock.now()
    expires = now + dt.timedelta(seconds=settings.REVOKED_USER_RETENTION_S)
    repository.user_revoke(user_id=user_id, revoked_at=clock.isoformat(now), expires_at=clock.epoch_seconds(expires))
    with _lock:
        _checked[user_id] = (True, time.monotonic())


def clear_cache() -> None:
    with _lock:
        _checked.clear()
