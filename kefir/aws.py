"""AWS clients, built once per process (warm Lambda containers reuse their connections).

Local mode points every client at the emulator through settings.AWS_ENDPOINT_URL.
"""

import functools
import threading
from typing import Any

import boto3
import botocore
import botocore.config
from django.conf import settings

# A fixed User-Agent. Without one, botocore composes its default (SDK, OS, Python, feature and config
# metadata, each sanitised) twice per request; a fixed string takes its cheap path. Measured ~150 us of
# CPU per DynamoDB request (bench/README.md, "Warm latency").
USER_AGENT = f"kefir botocore/{botocore.__version__}"


@functools.cache
def _session() -> boto3.session.Session:
    return boto3.session.Session()


_clients: dict[str, Any] = {}
_lock = threading.Lock()


def client(service: str) -> Any:
    """The one boto3 client of `service` for this process, with bounded timeouts and retries."""
    found = _clients.get(service)
    if found is None:
        with _lock:
            found = _clients.get(service) or _clients.setdefault(service, _new_client(service))
    return found


def clients() -> tuple[Any, ...]:
    """Every client made so far (closing their connections after a SnapStart restore)."""
    return tuple(_clients.values())


def _new_client(service: str) -> Any:
    config = botocore.config.Config(
        user_agent=USER_AGENT,
        connect_timeout=settings.AWS_CONNECT_TIMEOUT_S,
        read_timeout=settings.AWS_READ_TIMEOUT_S,
        retries={"total_max_attempts": settings.AWS_MAX_ATTEMPTS, "mode": "standard"},
        signature_version="s3v4" if service == "s3" else None,
        s3={"addressing_style": "path"} if service == "s3" and settings.AWS_ENDPOINT_URL else None,
    )
    region = settings.COGNITO_REGION if service == "cognito-idp" else settings.AWS_REGION
    return _session().client(
        service, region_name=region, endpoint_url=settings.AWS_ENDPOINT_URL or None, config=config
    )


def reset_clients() -> None:
    """Forget cached clients (tests that change endpoints or settings)."""
    with _lock:
        _clients.clear()
    _session.cache_clear()
