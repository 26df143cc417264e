"""pytest: the same emulator as `make run`, on a free port chosen per test session."""

import os
import socket

from .base import *


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Chosen once per process; the session fixture in tests/conftest.py serves moto on it.
TEST_AWS_PORT = int(os.environ.setdefault("KEFIR_TEST_AWS_PORT", str(_free_port())))
AWS_ENDPOINT_URL = f"http://127.0.0.1:{TEST_AWS_PORT}"
AWS_REGION = COGNITO_REGION = "us-east-1"
LOCAL_AWS = True
IDENTITY_PROVIDER = "local"
STAGE = "test"
DYNAMODB_TABLE_NAME = "kefir-app-test"
PHOTOS_BUCKET = "kefir-photos-test"
COGNITO_USER_POOL_NAME = "kefir-test"
STORAGES["default"]["OPTIONS"].update(
    bucket_name=PHOTOS_BUCKET, endpoint_url=AWS_ENDPOINT_URL, addressing_style="path", region_name=AWS_REGION
)
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PUBLIC_BASE_URL = "http://testserver"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests retry nothing: a failure should show at once.
DYNAMODB_MAX_RETRIES = 0
AWS_MAX_ATTEMPTS = 1

for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY": "HASH",
}.items():
    os.environ[_name] = _value
# Anything that builds its own boto3 client (moto's helpers, a shell's boto3) finds the emulator through
# botocore's variable.
os.environ["AWS_ENDPOINT_URL"] = AWS_ENDPOINT_URL
