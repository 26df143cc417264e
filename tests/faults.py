"""Fault injection at botocore's boundary: the request never reaches the emulator, and botocore
sees exactly what AWS would have answered (a throttling error, a timeout, a dead endpoint)."""

import contextlib
import json
from collections.abc import Iterator

from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from apps.core.aws.table import connection
from kefir import aws


class _RawResponse:
    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **kwargs):
        yield self._body


def _error_response(status: int, code: str, message: str, *, json_protocol: bool) -> AWSResponse:
    if json_protocol:
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}).encode()
        headers = {"x-amzn-ErrorType": code, "Content-Type": "application/x-amz-json-1.0"}
    else:
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
        headers = {"Content-Type": "application/xml"}
    return AWSResponse("https://fault.invalid", status, headers, _RawResponse(body))


@contextlib.contextmanager
def inject(client, *, service: str, operations: set[str] | None = None, fault: str = "throttle",
           after: int = 0) -> Iterator[list]:
    """Make `client`'s matching requests fail with `fault` ("throttle", "timeout", "unreachable",
    "s3-unavailable"), letting the first `after` of them through (a fault part-way through a job);
    yields the list of operations that were failed."""
    failed: list[str] = []
    passed = [0]

    def handler(event_name: str, request, **kwargs):
        operation = event_name.rsplit(".", 1)[-1]
        if operations is not None and operation not in operations:
            return None
        if passed[0] < after:
            passed[0] += 1
            return None
        failed.append(operation)
        if fault == "throttle":
            return _error_response(400, "ThrottlingException", "Rate exceeded", json_protocol=True)
        if fault == "timeout":
            raise ReadTimeoutError(endpoint_url=request.url)
        if fault == "unreachable":
            raise EndpointConnectionError(endpoint_url=request.url)
        if fault == "s3-unavailable":
            return _error_response(503, "ServiceUnavailable", "Please reduce your request rate.", json_protocol=False)
        raise ValueError(fault)

    client.meta.events.register_first(f"before-send.{service}", handler)
    try:
        yield failed
    finally:
        client.meta.events.unregister(f"before-send.{service}", handler)


def dynamodb(**kwargs):
    """Faults on the table's connection (PynamoDB's botocore client)."""
    return inject(connection().client, service="dynamodb", **kwargs)


def s3(**kwargs):
    """Faults on the process's S3 client."""
    return inject(aws.client("s3"), service="s3", **kwargs)
