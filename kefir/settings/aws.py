"""Deployed stages (dev, prod) on Lambda. Refuses to start when a required variable is missing."""

from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

from .base import *


def required(name: str) -> str:
    value = env(name)
    if value is None:
        raise ImproperlyConfigured(
            f"Environment variable {name} is required in deployed stages "
            "(set it in zappa_settings.json or aws_environment_variables)."
        )
    return value


STAGE = required("KEFIR_STAGE")
SECRET_KEY = required("DJANGO_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = required("DJANGO_ALLOWED_HOSTS").split(",")
AWS_ENDPOINT_URL = None
DYNAMODB_TABLE_NAME = required("DYNAMODB_TABLE_NAME")
PHOTOS_BUCKET = required("PHOTOS_BUCKET")
COGNITO_USER_POOL_ID = required("COGNITO_USER_POOL_ID")
COGNITO_APP_CLIENT_ID = required("COGNITO_APP_CLIENT_ID")
PUBLIC_BASE_URL = required("PUBLIC_BASE_URL")
# The app is served under PUBLIC_BASE_URL's path: on the execute-api URL (infra/deploy.sh), under the stage
# (/dev). Pages must link their static files there. A relative STATIC_URL would not do: Django prefixes it
# with the script prefix of whichever request (or start-up code) reads the setting first, and caches that.
STATIC_URL = urlparse(PUBLIC_BASE_URL).path.rstrip("/") + "/static/"
# WhiteNoise matches request.path_info (the path without the stage), where they are under /static/.
WHITENOISE_STATIC_PREFIX = "/static/"
DEFAULT_FROM_EMAIL = required("DEFAULT_FROM_EMAIL")
IDENTITY_PROVIDER = "cognito"
STORAGES["default"]["OPTIONS"].update(bucket_name=PHOTOS_BUCKET, endpoint_url=None, addressing_style=None)
# API Gateway appends the caller's address to X-Forwarded-For (apps.accounts.views.client_ip).
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", True)
# Login codes go out through SES in deployed stages.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django_ses.SESBackend")
AWS_SES_REGION_NAME = env("AWS_SES_REGION_NAME", AWS_REGION)
AWS_SES_REGION_ENDPOINT = f"email.{AWS_SES_REGION_NAME}.amazonaws.com"

# Static files: collected into the package at build time (scripts/build_package.sh), with hashed names
# (cached for a year by browsers) and precompressed copies; WhiteNoise scans them at init, so it is in
# the SnapStart snapshot.
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False

# Lambda's only writable place; the admin's bookkeeping database is created there on first use.
DATABASES["default"]["NAME"] = "/tmp/kefir-django.sqlite3"  # noqa: S108

# API Gateway terminates TLS and forwards the original scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS if host and not host.startswith(".")]
