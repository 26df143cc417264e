"""`make run`: everything on this machine, AWS emulated by moto's server unless AWS_ENDPOINT_URL is set."""

import os
from pathlib import Path

from .base import *

DEBUG = env_bool("DJANGO_DEBUG", True)
LOCAL_AWS = True
IDENTITY_PROVIDER = env("IDENTITY_PROVIDER", "local")
DYNAMODB_TABLE_NAME = env("DYNAMODB_TABLE_NAME", "kefir-app-local")
PHOTOS_BUCKET = env("PHOTOS_BUCKET", "kefir-photos-local")
COGNITO_USER_POOL_NAME = env("COGNITO_USER_POOL_NAME", "kefir-local")
# The runner (apps.core.management.commands.runlocal) starts the emulator on this port.
LOCAL_AWS_PORT = int(env("LOCAL_AWS_PORT", "5100"))
# With AWS_ENDPOINT_URL set, `make run` starts no emulator and uses that endpoint for everything.
LOCAL_AWS_EXTERNAL = env("AWS_ENDPOINT_URL") is not None
AWS_ENDPOINT_URL = env("AWS_ENDPOINT_URL", f"http://127.0.0.1:{LOCAL_AWS_PORT}")
STORAGES["default"]["OPTIONS"].update(
    bucket_name=PHOTOS_BUCKET, endpoint_url=AWS_ENDPOINT_URL, addressing_style="path"
)
# Where `make run` keeps its data between runs (emulator snapshot, photos, the admin's SQLite).
LOCAL_STATE_DIR = Path(env("KEFIR_LOCAL_STATE_DIR", str(BASE_DIR / ".local")))
DATABASES["default"]["NAME"] = env("DJANGO_SQLITE_PATH", str(LOCAL_STATE_DIR / "django.sqlite3"))
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", f"http://127.0.0.1:{env('PORT', '8000')}")
CORS_ALLOWED_ORIGINS = CORS_ALLOWED_ORIGINS or ["http://localhost:8081", "http://localhost:19006"]

# The emulator accepts any credentials; never let a developer's real ones reach it.
for _name, _value in {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}.items():
    os.environ.setdefault(_name, _value)
os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY", "HASH")
# Anything that builds its own boto3 client (moto's helpers, a shell's boto3) finds the emulator through
# botocore's variable.
os.environ.setdefault("AWS_ENDPOINT_URL", AWS_ENDPOINT_URL)
