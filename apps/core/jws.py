"""RS256 JSON Web Tokens: the compact form of RFC 7515 and the registered claims of RFC 7519, verified
with cryptography's RSA primitives.

Why not PyJWT, which verified our tokens until issue 9: importing it costs every cold start about 45 ms
(measured in the unzipped package), because its algorithms module imports cryptography's x509 and key
serialization machinery, none of which a JWKS key needs. Verifying a Cognito access token takes three
steps:
- decode base64url JSON segments;
- check the RSASSA-PKCS1-v1_5 SHA-256 signature. This is cryptography's `RSAPublicKey.verify`, the same
  call PyJWT makes; nothing cryptographic is written here;
- check the registered time claims.

This module is stricter than PyJWT where PyJWT is lenient:
- a time claim must be a JSON number, not a numeric string;
- segments must be unpadded base64url;
- a `crit` or `b64` header is refused.
Cognito sends none of these. tests/core/test_jws.py checks, on generated tokens, that this module accepts
exactly what PyJWT accepts, apart from these three rules. PyJWT stays pinned: pycognito (the sign-in flow)
and the tests use it.
"""

import base64
import json
import math
import re
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey, RSAPublicNumbers
from cryptography.hazmat.primitives.hashes import SHA256

ALGORITHM = "RS256"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")  # RFC 7515 §2: base64url, no padding


class InvalidJWT(Exception):
    """Not a well-formed RS256 token, a bad signature, or a claim that fails (the message says which)."""


def b64url_decode(segment: str) -> bytes:
    if not _BASE64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise InvalidJWT("not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def rsa_signing_key(jwk: dict[str, Any]) -> RSAPublicKey:
    """The public key of an RSA signing JWK for RS256 (RFC 7518 §6.3.1: `n` and `e`, big-endian)."""
    if jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig" or jwk.get("alg", ALGORITHM) != ALGORITHM:
        raise InvalidJWT("not an RS256 signing key")
    n, e = jwk.get("n"), jwk.get("e")
    if not isinstance(n, str) or not isinstance(e, str):
        raise InvalidJWT("n and e must be strings")
    try:
        return RSAPublicNumbers(int.from_bytes(b64url_decode(e), "big"),
                                int.from_bytes(b64url_decode(n), "big")).public_key()
    except ValueError as exc:  # cryptography refuses an impossible key (e.g. even or 1 exponent)
        raise InvalidJWT("not a valid RSA key") from exc


def unverified_header(token: str) -> dict[str, Any]:
    """The token's header, to choose the key (`kid`); nothing in it is trusted yet."""
    return _json_object(b64url_decode(_segments(token)[0]))


def verify(token: str, key: RSAPublicKey, *, issuer: str, leeway: float, required: tuple[str, ...]) -> dict[str, Any]:
    """The claims of `token` if it is RS256-signed by `key`, `iss` is `issuer`, and `exp`, `iat` and `nbf`
    hold (with `leeway` seconds either way), and every `required` claim is present; InvalidJWT otherwise."""
    header_b64, payload_b64, signature_b64 = _segments(token)
    header = _json_object(b64url_decode(header_b64))
    if header.get("alg") != ALGORITHM:
        raise InvalidJWT("algorithm")
    if "crit" in header or "b64" in header:  # RFC 7515 §4.1.11: extensions we do not implement
        raise InvalidJWT("unsupported header")
    # Decoded before the signature check: that also proves both segments base64url, so the signing input is ASCII.
    payload, signature = b64url_decode(payload_b64), b64url_decode(signature_b64)
    try:
        key.verify(signature, f"{header_b64}.{payload_b64}".encode("ascii"), PKCS1v15(), SHA256())
    except InvalidSignature:
        raise InvalidJWT("signature") from None
    claims = _json_object(payload)
    _check_claims(claims, issuer=issuer, leeway=leeway, required=required)
    return claims


def _segments(token: str) -> list[str]:
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        raise InvalidJWT("not a JWS compact serialization")
    return parts


def _json_object(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError:  # also UnicodeDecodeError
        raise InvalidJWT("not a JSON segment") from None
    if not isinstance(value, dict):
        raise InvalidJWT("not a JSON object")
    return value


def _check_claims(claims: dict[str, Any], *, issuer: str, leeway: float, required: tuple[str, ...]) -> None:
    for name in required:
        if claims.get(name) is None:
            raise InvalidJWT(f"missing {name}")
    now = time.time()
    # Whole seconds, as RFC 7519's NumericDate is usually sent and as PyJWT compares them.
    if "iat" in claims and _seconds(claims, "iat") > now + leeway:
        raise InvalidJWT("iat in the future")
    if "nbf" in claims and _seconds(claims, "nbf") > now + leeway:
        raise InvalidJWT("not yet valid")
    if "exp" in claims and _seconds(claims, "exp") <= now - leeway:
        raise InvalidJWT("expired")
    if claims.get("iss") != issuer or not isinstance(claims.get("iss"), str):
        raise InvalidJWT("issuer")
    for name in ("sub", "jti"):
        if name in claims and not isinstance(claims[name], str):
            raise InvalidJWT(f"{name} must be a string")


def _seconds(claims: dict[str, Any], name: str) -> int:
    value = claims[name]
    if type(value) not in (int, float) or (type(value) is float and not math.isfinite(value)):
        raise InvalidJWT(f"{name} must be a number")
    return int(value)
