"""Opaque list cursors: a page's position, encrypted and authenticated with the secret key.

A cursor is bound to its list (`scope`, e.g. "batches:<sub>"): altered, foreign or garbage cursors
all fail the same way, with `400 invalid` on the `cursor` field.
"""

import base64
import functools
import hashlib
import json
from typing import TYPE_CHECKING, Any

from django.conf import settings

from apps.core.http.errors import Invalid

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

MAX_CURSOR_LENGTH = 4096


@functools.cache
def _fernet(secret_key: str) -> "Fernet":
    # Imported on first use: Fernet's ciphers cost ~10 ms of a cold start, and a first page needs no cursor.
    from cryptography.fernet import Fernet

    key = hashlib.sha256(f"kefir-cursor:{secret_key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encode_cursor(position: dict[str, Any] | None, *, scope: str) -> str | None:
    """The cursor for `position` (a DynamoDB LastEvaluatedKey or similar), or None at the end."""
    if not position:
        return None
    payload = json.dumps({"s": scope, "p": position}, separators=(",", ":"), sort_keys=True)
    return _fernet(settings.SECRET_KEY).encrypt(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, scope: str) -> dict[str, Any] | None:
    """The position a cursor stands for; Invalid if it was altered or belongs to another list."""
    if cursor in (None, ""):
        return None
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _invalid()
    fernet = _fernet(settings.SECRET_KEY)
    from cryptography.fernet import InvalidToken

    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(fernet.decrypt(padded.encode()))
    except (InvalidToken, ValueError, TypeError):
        raise _invalid() from None
    if not isinstance(payload, dict) or payload.get("s") != scope or not isinstance(payload.get("p"), dict):
        raise _invalid()
    return payload["p"]


def _invalid() -> Invalid:
    return Invalid("The cursor is not valid for this list.", fields={"cursor": ["Invalid cursor."]})
