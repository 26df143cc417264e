"""DRF authentication with Cognito access tokens, verified with PyJWT.

RS256 only; signature against the pool's JWKS (cached per process; an unknown `kid` refreshes it
once, at most every JWKS_MIN_REFRESH_INTERVAL_S); `iss`, `exp`, `token_use == "access"` and
`client_id` checked. The same code verifies the emulator's tokens in local mode and tests.
A token that passed is remembered (bounded, per process) until it expires, so a client's next
requests to a warm container skip the signature check; `exp` is checked on every use.

The keys are cached here rather than by PyJWT's PyJWKClient: it refetches the JWKS for every unknown
`kid`, so tokens with made-up kids could make each request wait for (and hammer) Cognito; this cache
refreshes at most every JWKS_MIN_REFRESH_INTERVAL_S, and after a SnapStart restore in the background.
"""

import json
import logging
import threading
import time
import urllib.request
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import jwt
from django.conf import settings
from rest_framework import authentication, exceptions

from apps.core.auth import revocation
from apps.core.auth.identity import pool_config

logger = logging.getLogger("kefir.auth")
# Claims every access token of ours carries (`aud` is not one: Cognito access tokens have none).
REQUIRED_CLAIMS = ("exp", "iat", "iss", "sub", "token_use", "client_id")
ALGORITHM = "RS256"


class JwksCache:
    """A pool's signing keys by `kid`, fetched over HTTPS and cached for the process."""

    def __init__(self) -> None:
        self._keys: dict[str, Any] = {}
        self._url: str | None = None
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def key(self, url: str, kid: str) -> Any | None:
        with self._lock:
            now = time.monotonic()
            stale = url != self._url or now - self._fetched_at > settings.JWKS_CACHE_TTL_S
            if stale or (kid not in self._keys and now - self._fetched_at >= settings.JWKS_MIN_REFRESH_INTERVAL_S):
                self._store(url, _fetch_keys(url), now)
            return self._keys.get(kid)

    def prefetch(self, url: str) -> None:
        """Fetch the keys now unless they are already cached (before a SnapStart snapshot)."""
        with self._lock:
            if url != self._url or not self._keys:
                self._store(url, _fetch_keys(url), time.monotonic())

    def revalidate(self) -> None:
        """After a SnapStart restore: the snapshot's keys may be days old, so fetch them again in the
        background. Their age restarts now, so requests keep using them (no request waits for Cognito)
        until the fresh set replaces them; an unknown `kid` still refreshes at once, as always."""
        with self._lock:
            url = self._url
            if url is None:
                return
            self._fetched_at = time.monotonic()
        threading.Thread(target=self._refetch, args=(url,), name="jwks-revalidate", daemon=True).start()

    def _refetch(self, url: str) -> None:
        keys = _fetch_keys(url)  # outside the lock: lookups go on with the current keys meanwhile
        if keys is not None:
            with self._lock:
                if self._url == url:
                    self._keys, self._fetched_at = keys, time.monotonic()

    def _store(self, url: str, keys: dict | None, now: float) -> None:
        if keys is None:
            if url != self._url:
                self._keys = {}
            return
        self._keys, self._url, self._fetched_at = keys, url, now

    def clear(self) -> None:
        with self._lock:
            self._keys, self._url, self._fetched_at = {}, None, 0.0


def _fetch_keys(url: str) -> dict[str, Any] | None:
    """The signing keys the JWKS at `url` holds, by `kid`; None (logged) when it cannot be fetched."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310 (https/emulator URL from settings)
            document = json.load(response)
    except (OSError, ValueError) as exc:
        logger.warning("could not fetch the JWKS: %s", type(exc).__name__)
        return None
    keys = {}
    for data in document.get("keys", []) if isinstance(document, dict) else []:
        if not (isinstance(data, dict) and isinstance(data.get("kid"), str) and data["kid"]
                and data.get("use", "sig") == "sig"):
            continue
        try:
            keys[data["kid"]] = jwt.PyJWK(data, ALGORITHM).key
        except jwt.PyJWKError:  # not an RSA key, or not a valid one
            continue
    return keys


jwks_cache = JwksCache()


def prefetch_jwks() -> None:
    """Fill the JWKS cache before a SnapStart snapshot, so no restored copy's first request waits for Cognito.
    Local mode (a pool created on first use) has nothing to fetch from yet; a failure is logged only."""
    if not (settings.COGNITO_USER_POOL_ID and settings.COGNITO_APP_CLIENT_ID):
        return
    try:
        jwks_cache.prefetch(pool_config().jwks_url)
    except Exception as exc:
        logger.warning("could not prefetch the JWKS: %s", type(exc).__name__)


class InvalidToken(Exception):
    """The token is not a valid access token of our pool and app client."""


class VerifiedTokens:
    """Claims of tokens that passed verification, by (issuer, app client, token), until `exp`."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._claims: OrderedDict[tuple[str, str, str], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> dict[str, Any] | None:
        with self._lock:
            claims = self._claims.get(key)
            if claims is None:
                return None
            if claims["exp"] + settings.JWT_LEEWAY_S <= time.time():
                del self._claims[key]
                return None
            self._claims.move_to_end(key)
            return claims

    def put(self, key: tuple[str, str, str], claims: dict[str, Any]) -> None:
        with self._lock:
            self._claims[key] = claims
            self._claims.move_to_end(key)
            while len(self._claims) > self._size:
                self._claims.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._claims.clear()


verified_tokens = VerifiedTokens()


def verify_access_token(token: str) -> dict[str, Any]:
    """The claims of a valid access token of our pool and app client; InvalidToken otherwise."""
    config = pool_config()
    cache_key = (config.issuer, config.app_client_id, token)
    claims = verified_tokens.get(cache_key)
    if claims is not None:
        return claims
    claims = _verify(token, config)
    verified_tokens.put(cache_key, claims)
    return claims


def _verify(token: str, config) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken("malformed") from exc
    if header.get("alg") != ALGORITHM:  # before the key lookup: no JWKS refresh for such a token
        raise InvalidToken("algorithm")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise InvalidToken("kid")
    key = jwks_cache.key(config.jwks_url, kid)
    if key is None:
        raise InvalidToken("unknown kid")
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], issuer=config.issuer, leeway=settings.JWT_LEEWAY_S,
                            options={"require": list(REQUIRED_CLAIMS)})
    except jwt.PyJWTError as exc:
        raise InvalidToken(type(exc).__name__) from exc
    if claims.get("token_use") != "access":
        raise InvalidToken("token_use")
    if claims.get("client_id") != config.app_client_id:
        raise InvalidToken("client_id")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise InvalidToken("sub")
    return claims


@dataclass(frozen=True)
class TokenUser:
    """The caller, as the verified token says: `id` is the Cognito `sub`."""

    id: str
    groups: tuple[str, ...] = ()
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    is_authenticated = True
    is_anonymous = False
    is_active = True

    @property
    def pk(self) -> str:
        return self.id

    @property
    def username(self) -> str:
        return self.id

    @property
    def is_staff(self) -> bool:
        return bool({"staff", "admin"} & set(self.groups))

    @property
    def is_superuser(self) -> bool:
        return "admin" in self.groups


class CognitoAccessTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request) -> tuple[TokenUser, str] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip() or " " in token.strip():
            raise exceptions.AuthenticationFailed("Use the Authorization header 'Bearer <access token>'.")
        try:
            claims = verify_access_token(token.strip())
        except InvalidToken as exc:
            raise exceptions.AuthenticationFailed("The access token is invalid or expired.") from exc
        if revocation.is_revoked(claims["sub"]) and not _may_use_revoked_token(request):
            raise exceptions.AuthenticationFailed("The access token is invalid or expired.")
        groups = tuple(g for g in claims.get("cognito:groups", []) if isinstance(g, str))
        return TokenUser(id=claims["sub"], groups=groups, claims=claims), token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


def _may_use_revoked_token(request) -> bool:
    """A revoked (erasing) account's tokens can do nothing but what the view allows, e.g. retrying
    DELETE /me after a partial failure: views list such methods in `allow_revoked_tokens`."""
    view = (getattr(request, "parser_context", None) or {}).get("view")
    return request.method in getattr(view, "allow_revoked_tokens", ())


def user_id_of(user: Any) -> str:
    """The Cognito `sub` of an authenticated caller (token user, or a session user mirrored by sub)."""
    if isinstance(user, TokenUser):
        return user.id
    user_id = getattr(user, "username", None)
    if not getattr(user, "is_authenticated", False) or not user_id:
        raise exceptions.NotAuthenticated()
    return user_id
