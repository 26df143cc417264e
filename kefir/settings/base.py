"""Every setting of the project. Stage modules (local, test, aws) override a handful of values."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    """An environment variable, with empty strings read as unset."""
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


STAGE = env("KEFIR_STAGE", "local")
SECRET_KEY = env("DJANGO_SECRET_KEY", "insecure-local-only-key-do-not-use-in-deployed-stages-0123456789")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [h for h in (env("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver") or "").split(",") if h]

INSTALLED_APPS = [
    # Not "django.contrib.admin": its autodiscover() would import every app's admin module at start-up;
    # the support console's site (apps.support.sites) registers what it shows itself.
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "apps.core",
    "apps.accounts",
    "apps.batches",
    "apps.events",
    "apps.reminders",
    "apps.devices",
    "apps.grains",
    "apps.exports",
    "apps.support",
]

MIDDLEWARE = [
    "apps.core.http.middleware.RequestIdMiddleware",
    "apps.core.http.middleware.AccessLogMiddleware",
    "apps.core.http.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (admin, browsable API) straight from the app, also behind the Zappa handler.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Support console: a staff session's user, re-checked with the identity provider every 15 minutes.
    "apps.support.middleware.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kefir.urls"
WSGI_APPLICATION = "kefir.wsgi.application"
# Paths answer with and without a trailing slash (see kefir.urls); never redirect a POST.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Django's relational database holds only the admin's bookkeeping (DESIGN.md: Identity).
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env("DJANGO_SQLITE_PATH", str(BASE_DIR / ".local" / "django.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Signed cookies: any Lambda container accepts any session, no session table needed.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_HTTPONLY = True
# A CSRF refusal under /api/ answers in API.md's envelope; the support console keeps Django's page.
CSRF_FAILURE_VIEW = "apps.core.http.views.csrf_failure"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Local and tests: WhiteNoise serves straight from the apps' static folders, no collectstatic needed.
# Deployed stages (aws.py) serve the hashed, compressed files collected into the package.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# --- AWS -----------------------------------------------------------------------------------
AWS_REGION = env("AWS_REGION", env("AWS_DEFAULT_REGION", "us-east-1"))
# One endpoint for every AWS service (the local emulator); None on AWS.
AWS_ENDPOINT_URL = env("AWS_ENDPOINT_URL")
# True where the emulator may be bootstrapped (table, bucket, user pool created if missing).
LOCAL_AWS = False

DYNAMODB_TABLE_NAME = env("DYNAMODB_TABLE_NAME", f"kefir-app-{STAGE}")
# Bounded so a slow DynamoDB can never outlast API Gateway's 29 s:
# (1 + retries) x (connect + read) = 3 x 4 s = 12 s at worst.
DYNAMODB_CONNECT_TIMEOUT_S = 1
DYNAMODB_READ_TIMEOUT_S = 3
DYNAMODB_MAX_RETRIES = 2
AWS_CONNECT_TIMEOUT_S = 2
AWS_READ_TIMEOUT_S = 5
AWS_MAX_ATTEMPTS = 3

PHOTOS_BUCKET = env("PHOTOS_BUCKET", f"kefir-photos-{STAGE}")
PRESIGNED_URL_EXPIRES_S = 300

COGNITO_REGION = env("COGNITO_REGION", AWS_REGION)
COGNITO_USER_POOL_ID = env("COGNITO_USER_POOL_ID")
COGNITO_APP_CLIENT_ID = env("COGNITO_APP_CLIENT_ID")
COGNITO_USER_POOL_NAME = env("COGNITO_USER_POOL_NAME", f"kefir-{STAGE}")
# Optional overrides; by default derived from region and pool id (see apps.core.identity_config).
COGNITO_ISSUER = env("COGNITO_ISSUER")
COGNITO_JWKS_URL = env("COGNITO_JWKS_URL")
# An unknown `kid` refreshes the JWKS at most this often, so forged kids cannot hammer Cognito.
JWKS_MIN_REFRESH_INTERVAL_S = 30
JWKS_CACHE_TTL_S = 6 * 3600
JWT_LEEWAY_S = 5
# "cognito" on AWS; "local" runs the Cognito trigger functions in-process against the emulator.
IDENTITY_PROVIDER = env("IDENTITY_PROVIDER", "cognito")

STORAGES = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": PHOTOS_BUCKET,
            "region_name": AWS_REGION,
            "endpoint_url": AWS_ENDPOINT_URL,
            "addressing_style": "path" if AWS_ENDPOINT_URL else None,
            "signature_version": "s3v4",
            "querystring_expire": PRESIGNED_URL_EXPIRES_S,
            "file_overwrite": False,
            "default_acl": None,
        },
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Runtime -------------------------------------------------------------------------------
# The cyclic garbage collector, tuned at start-up (apps.core.apps). Python's first threshold, 700, starts
# a young collection whenever 700 more containers are alive than at the last one; a batch with its
# 50-event timeline holds about 800 at once (the items' attribute dicts), so nearly every such request
# paid a collection that freed nothing. And every so often a full collection walked all ~300,000 objects
# of the loaded code (~90 ms). So the SnapStart snapshot is taken after gc.freeze() (apps.core.snapstart:
# those objects are never scanned again) and the first threshold is 2000. gc.callbacks over 100 warm batch
# details: 0.43 ms of collection per request before, 0.20 ms after (bench/README.md). Higher values trade
# that for rarer, longer pauses.
GC_THRESHOLDS = (2000, 10, 10)

# --- Product -------------------------------------------------------------------------------
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
EXPO_PUSH_URL = env("EXPO_PUSH_URL", "https://exp.host/--/api/v2/push/send")
# Request bodies above this size get 413 payload_too_large before anything is parsed.
API_MAX_BODY_BYTES = 64 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
IDEMPOTENCY_TTL_S = 24 * 3600
# Account data packages (POST /api/v1/exports): zips under EXPORTS_PREFIX, one folder per user, removed
# after EXPORT_RETENTION_DAYS by the item's TTL and the bucket's lifecycle rule on that prefix.
EXPORTS_PREFIX = "exports/"
EXPORT_RETENTION_DAYS = 7
# A pending export older than this (the longest a Lambda task can run, plus margin) counts as failed.
EXPORT_STALE_AFTER_S = 20 * 60

# Client IP for the per-IP login limit: the last X-Forwarded-For entry when behind API Gateway (aws.py),
# REMOTE_ADDR otherwise (see apps.accounts.views.client_ip).
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / ".local" / "emails"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Kefir <no-reply@kefir.local>")

# --- DRF -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Bearer tokens first; a staff member signed in at /admin/ can also use the browsable API (CSRF enforced).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.core.auth.authentication.CognitoAccessTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "apps.core.http.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%S.%fZ",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Kefir API",
    "DESCRIPTION": "The API of the Kefir app: batches, timelines, photos, reminders, sharing, exports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/(v1/)?",
    "PREPROCESSING_HOOKS": [
        "apps.accounts.openapi.register_bearer_scheme",
        "apps.core.http.schema.drop_trailing_slash_twins",
    ],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.http.schema.add_error_responses",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    # Several resources have a `kind` and a `status`, each with its own values: name each set.
    "ENUM_NAME_OVERRIDES": {
        "BatchKindEnum": "apps.batches.machine.KINDS",
        "BatchStatusEnum": "apps.batches.machine.STATUSES",
        "ReminderKindEnum": "apps.reminders.services.KINDS",
        "ReminderStatusEnum": "apps.reminders.services.STATUSES",
        "ExportStatusEnum": ["pending", "ready", "failed"],
        "ExportPendingStatusEnum": ["pending"],
        "TypeEnum": "apps.events.services.TYPES",  # the name it had before grains history entries had a type
        "GrainsHistoryTypeEnum": "apps.grains.serializers.HISTORY_TYPES",
        "GrainsGrowthSourceEnum": "apps.grains.serializers.GROWTH_SOURCES",
        "GrainsSplitToEnum": "apps.grains.services.SPLIT_TARGETS",
    },
}

CORS_ALLOWED_ORIGINS = [o for o in (env("CORS_ALLOWED_ORIGINS", "") or "").split(",") if o]
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After"]

X_FRAME_OPTIONS = "DENY"

# --- Support console (the admin) ----------------------------------------------------------------
# A staff session asks the identity provider again after this long: leaving the group locks them out.
SUPPORT_GROUP_RECHECK_S = 15 * 60

# --- Logging: one JSON object per line, scrubbed of tokens and email addresses ------------------
LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub": {"()": "apps.core.logging.ScrubSecretsFilter"}},
    "formatters": {"json": {"()": "apps.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["scrub"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "botocore": {"level": "WARNING"},
        "pynamodb": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        "werkzeug": {"level": "WARNING"},
        # Zappa's own Common Log line per request repeats our access line (apps.core.http.middleware) with the
        # raw path, which may hold a share token (/b/<token>): ours names the route pattern instead.
        "zappa.wsgi": {"level": "WARNING"},
    },
}

# Erased accounts: how long a process trusts its "not revoked" answer for a user, and how long the
# revocation is kept (past the longest access token life, 60 min).
REVOCATION_CHECK_INTERVAL_S = 60
REVOKED_USER_RETENTION_S = 2 * 3600

# A delivery run stops claiming reminders after this long, well inside the Lambda timeout (30 s,
# zappa_settings.json); what is left stays pending for the next run five minutes later.
REMINDER_RUN_BUDGET_S = 20
EXPO_PUSH_TIMEOUT_S = 8
# The due index spreads each hour over this many partitions (DUE#{hour}#{shard}); the scheduled run fans
# out one worker per shard when more is due than one run sends. Only ever raise it: a reminder keeps the
# shard it was written with (its hash modulo the count then), and a run reads shards 0..count-1.
# bench/README.md ("Reminder capacity") explains the default.
REMINDER_SHARDS = int(env("REMINDER_SHARDS", "16"))
# At most this many due reminders are sent by the scheduled run itself; more fans out to the shard workers.
REMINDER_RUN_CAPACITY = 2000
# Expo accepts about 600 notifications a second per project; every run and worker shares it.
EXPO_PUSH_RATE_PER_S = 600
# Claims and settlements are written 100 to a TransactWriteItems request. An engine without
# transactions (dynalite, in the concurrency tests) takes one conditional UpdateItem per reminder instead.
DYNAMODB_TRANSACTIONS = True
