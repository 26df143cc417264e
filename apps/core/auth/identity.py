"""Where the user pool is: ids, issuer and JWKS URL, from settings (or the emulator in local mode)."""

import functools
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class PoolConfig:
    region: str
    user_pool_id: str
    app_client_id: str

    @property
    def issuer(self) -> str:
        return settings.COGNITO_ISSUER or (
            f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"
        )

    @property
    def jwks_url(self) -> str:
        if settings.COGNITO_JWKS_URL:
            return settings.COGNITO_JWKS_URL
        if settings.AWS_ENDPOINT_URL:
            # The emulator serves the pool's keys under its own host, with the same path.
            return f"{settings.AWS_ENDPOINT_URL.rstrip('/')}/{self.user_pool_id}/.well-known/jwks.json"
        return f"{self.issuer}/.well-known/jwks.json"


@functools.cache
def pool_config() -> PoolConfig:
    """The user pool this process verifies tokens of and signs users in to."""
    pool_id, client_id = settings.COGNITO_USER_POOL_ID, settings.COGNITO_APP_CLIENT_ID
    if not (pool_id and client_id):
        if not settings.LOCAL_AWS:
            raise RuntimeError("COGNITO_USER_POOL_ID and COGNITO_APP_CLIENT_ID must be set")
        from apps.core.aws import bootstrap

        pool_id, client_id = bootstrap.ensure_user_pool()
    return PoolConfig(region=settings.COGNITO_REGION, user_pool_id=pool_id, app_client_id=client_id)


def reset() -> None:
    """Forget the resolved pool (tests recreate the emulator's pool between tests)."""
    pool_config.cache_clear()
