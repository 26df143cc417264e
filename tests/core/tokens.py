"""Tokens forged with the emulator's own signing key, to test each rule of the verifier."""

import time
import uuid

import jwt
from moto.utilities.utils import load_resource

from apps.core.auth import identity


def emulator_private_key():
    return jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json"), "RS256").key


def claims(sub: str, **overrides) -> dict:
    config = identity.pool_config()
    now = int(time.time())
    base = {
        "iss": config.issuer, "sub": sub, "client_id": config.app_client_id, "token_use": "access",
        "iat": now, "auth_time": now, "exp": now + 3600, "jti": str(uuid.uuid4()), "username": sub,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def forge(payload: dict, *, kid: str = "dummy", key=None, algorithm: str = "RS256") -> str:
    return jwt.encode(payload, key if key is not None else emulator_private_key(), algorithm=algorithm,
                      headers={"kid": kid})
