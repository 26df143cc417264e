"""Lambda SnapStart: build everything a request needs before the snapshot; make each restored copy its own.

On a published version Lambda runs init once (Zappa builds Django at import when the function's
environment has INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT), calls the before-snapshot hooks, and snapshots
the process's memory and disk. Every cold start then restores that snapshot, so several execution
environments start from the same bytes, and calls the after-restore hooks before the first event.
The hooks are registered with AWS's `snapshot-restore-py` when the core app is ready; outside Lambda
nothing calls them (tests and `bench/bench_restore.py` call them through the same registry).

Before the snapshot (`prepare_snapshot`):
- import and build what a request needs: every URLconf and view (the resolver populated), the OpenAPI
  schema (drf-spectacular's machinery and every serializer), the admin's templates, botocore's clients
  (DynamoDB through PynamoDB, S3, Cognito, django-storages' S3) and the pool's JWKS; one read of each
  kind the API makes (GetItem, Query, GSI Query) of a partition that holds nothing, since botocore
  builds an operation's serializer, parser and endpoint on its first call;
- what apps connect to `hooks.before_snapshot` (the support console migrates its SQLite database, so a
  staff sign-in does not pay for it);
- a few requests through the WSGI app that touch nothing remote (health, an unauthenticated list, an
  unknown path, the admin's login page, an unknown share page), so the lazy paths are taken;
- then every connection is closed, and the garbage collector freezes what init made.

After a restore (`restore`), in well under 10 ms (`bench/bench_restore.py` measures it):
- `random` is reseeded, and python-ulid's generator is replaced: its monotonic state (the last
  timestamp and randomness) would otherwise be shared by every copy, so two copies making an id for
  the same millisecond would make the same id. `secrets`, `uuid4` and `os.urandom` read the kernel,
  which Lambda reseeds on restore;
- HTTP connections opened before the snapshot are dropped (botocore's pools), so no two copies share
  a socket; Django's database connections are closed;
- caches whose freshness counts from when they were filled start again: the JWKS is refetched in the
  background (the snapshot's keys serve meanwhile: see JwksCache.revalidate), the verified-token and
  revocation caches are emptied;
- what apps connect to `hooks.after_restore` (the support console checks its database file again:
  Lambda keeps `/tmp` in the snapshot, as it snapshots memory and disk, but the check costs one stat and
  keeps the console correct if it ever did not).
"""

import gc
import io
import logging
import random
import time
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger("kefir.snapstart")

# Requests served through the WSGI app before the snapshot, with the status each must get (anything else, e.g.
# a redirect, means the warm-up did not reach the code it is for): none reaches DynamoDB, S3 or Cognito.
WARM_UP_REQUESTS = (
    ("GET", "/api/health", 200),
    ("GET", "/api/v1/batches", 401),  # authentication, the exception handler, the error envelope
    ("POST", "/api/v1/no-such-endpoint", 404),  # the envelope for an unknown path
    ("GET", "/admin/login/", 200),  # the admin's templates, sessions, CSRF
    ("GET", "/b/not-a-share-token", 404),  # the public page's template (a malformed token is never looked up)
)


def register() -> None:
    """Register the hooks with Lambda's runtime (called once, when the core app is ready)."""
    from snapshot_restore_py import register_after_restore, register_before_snapshot

    register_before_snapshot(prepare_snapshot)
    register_after_restore(restore)


def prepare_snapshot() -> None:
    """Everything that can be done before the first request, done now (see the module's docstring)."""
    started = time.perf_counter()
    _load_urls_and_views()
    _build_schema()
    _build_clients()
    from apps.core import hooks, repository
    from apps.core.auth.authentication import prefetch_jwks

    repository.table_warm_up()
    prefetch_jwks()
    hooks.before_snapshot.send(sender=None)
    for method, path, expected in WARM_UP_REQUESTS:
        status = serve_internal(method, path)
        if status != expected:
            logger.warning("snapshot warm-up: %s %s answered %s, not %s", method, path, status, expected)
    close_connections()
    gc.collect()
    gc.freeze()
    logger.info("snapshot prepared", extra={"duration_ms": round((time.perf_counter() - started) * 1000, 1)})


def restore() -> None:
    """Make this restored copy of the snapshot its own (see the module's docstring)."""
    import ulid

    from apps.core import hooks
    from apps.core.auth import revocation
    from apps.core.auth.authentication import jwks_cache, verified_tokens

    random.seed()  # from os.urandom
    ulid.default_generator = ulid.ULIDGenerator()  # python-ulid's documented way to replace it
    close_connections()
    verified_tokens.clear()
    revocation.clear_cache()
    jwks_cache.revalidate()
    hooks.after_restore.send(sender=None)


def close_connections() -> None:
    """Close every pooled connection this process holds (the next request opens new ones)."""
    from django.core.files.storage import default_storage
    from django.db import connections

    from apps.core.aws.table import connection
    from kefir import aws

    for client in (*aws.clients(), connection().client, _storage_client(default_storage)):
        if client is not None:
            client.close()  # botocore: closes the endpoint's pools; the client stays usable
    connections.close_all()


def _storage_client(storage) -> object | None:
    connection = getattr(storage, "connection", None)  # django-storages' S3 resource (per thread)
    return connection.meta.client if connection is not None else None


def serve_internal(method: str, path: str) -> int:
    """Serve one request through a WSGI handler of this project, in-process; returns its status."""
    from django.core.handlers.wsgi import WSGIHandler

    host = (settings.ALLOWED_HOSTS[0].lstrip(".") if settings.ALLOWED_HOSTS and settings.ALLOWED_HOSTS[0] != "*"
            else "localhost")
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": host, "SERVER_PORT": "443", "HTTP_HOST": host, "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_ACCEPT": "application/json", "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "0",
        "HTTP_X_FORWARDED_PROTO": "https",  # as API Gateway sends it (deployed settings redirect plain HTTP)
        "wsgi.version": (1, 0), "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(), "wsgi.multithread": False, "wsgi.multiprocess": False,
        "wsgi.run_once": False, "REMOTE_ADDR": "127.0.0.1",
    }
    statuses: list[int] = []

    def start_response(status: str, headers: list, exc_info=None) -> Callable:
        statuses.append(int(status.split(" ", 1)[0]))
        return lambda data: None

    response = WSGIHandler()(environ, start_response)
    try:
        for _chunk in response:
            pass
    finally:
        close = getattr(response, "close", None)
        if close is not None:
            close()
    return statuses[0]


def _load_urls_and_views() -> None:
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018 (populating it imports every URLconf and view)


def _build_schema() -> None:
    from drf_spectacular.settings import spectacular_settings

    spectacular_settings.DEFAULT_GENERATOR_CLASS().get_schema(request=None, public=True)


def _build_clients() -> None:
    from django.core.files.storage import default_storage

    from apps.core.aws.table import connection
    from kefir import aws

    connection().client  # noqa: B018 (PynamoDB creates its botocore client on first use)
    aws.client("s3")
    aws.client("cognito-idp")
    default_storage.url("photos/warm-up")  # django-storages' S3 resource and a presigned GET, made locally
