"""`Idempotency-Key` (API.md): the same key with the same request within 24 h returns the first
response and writes nothing more.

Keys are per user. A request that fails (4xx/5xx) releases its key so the client can retry. The
same key with a different request, or while the first is still running, is `409 conflict`.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Callable

from django.conf import settings
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from apps.core import clock, repository
from apps.core.http.errors import Conflict, Invalid

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


def validate_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise Invalid(
            "The Idempotency-Key header must be 1 to 255 printable characters.",
            fields={HEADER: ["Must be 1 to 255 printable characters."]},
        )
    return key


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def run_once(*, user_id: str, key: str, request_fingerprint: str, handler: Callable[[], Response]) -> Response:
    """Run `handler` unless this key already ran it; then return the stored first response."""
    key = validate_key(key)
    now = clock.now()
    now_epoch = clock.epoch_seconds(now)
    expires_at = clock.epoch_seconds(now + dt.timedelta(seconds=settings.IDEMPOTENCY_TTL_S))
    created_at = clock.isoformat(now)
    claimed = repository.idempotency_claim(
        user_id=user_id, key=key, fingerprint=request_fingerprint, created_at=created_at, expires_at=expires_at
    )
    if not claimed:
        stored = repository.idempotency_get(user_id=user_id, key=key, now_epoch=now_epoch)
        if stored is None:
            claimed = repository.idempotency_replace_expired(
                user_id=user_id, key=key, fingerprint=request_fingerprint, created_at=created_at,
                expires_at=expires_at, now_epoch=now_epoch,
            )
            if not claimed:
                raise Conflict("A request with this Idempotency-Key is in progress; retry shortly.")
        elif stored.fingerprint != request_fingerprint:
            raise Conflict("This Idempotency-Key was used with a different request.")
        elif stored.state != "done":
            raise Conflict("A request with this Idempotency-Key is in progress; retry shortly.")
        else:
            data = json.loads(stored.body) if stored.body else None
            return Response(data, status=stored.status_code, headers={REPLAY_HEADER: "true"})
    try:
        response = handler()
    except BaseException:
        repository.idempotency_release(user_id=user_id, key=key)
        raise
    if 200 <= response.status_code < 300:
        body = "" if response.data is None else JSONRenderer().render(response.data).decode()
        repository.idempotency_complete(user_id=user_id, key=key, status_code=response.status_code, body=body)
    else:
        repository.idempotency_release(user_id=user_id, key=key)
    return response
