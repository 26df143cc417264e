"""Our errors, and the one place that turns any error into API.md's envelope.

Services raise ApiError subclasses; DRF, Django and infrastructure errors are mapped here too, so a
client always gets `{"error": {"code", "message", "fields"?}}` and never a stack trace.
"""

import logging
from typing import Any

from botocore.exceptions import (
    ConnectionError as BotocoreConnectionError,
)
from botocore.exceptions import (
    ConnectTimeoutError,
    ReadTimeoutError,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

logger = logging.getLogger("kefir.errors")

THROTTLING_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "SlowDown",
}


class ApiError(Exception):
    """An error a client should see, with its HTTP status and machine code."""

    status_code = 400
    code = "invalid"
    default_message = "The request is not valid."

    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None,
                 extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.fields = fields
        self.extra = extra or {}
        self.headers = headers or {}


class Invalid(ApiError):
    pass


class NotAuthenticated(ApiError):
    status_code, code, default_message = 401, "not_authenticated", "Authentication credentials are missing or invalid."


class PermissionDeniedError(ApiError):
    status_code, code, default_message = 403, "permission_denied", "You may not do this."


class NotFound(ApiError):
    status_code, code, default_message = 404, "not_found", "Not found."


class Conflict(ApiError):
    status_code, code, default_message = 409, "conflict", "The resource changed; reload it and try again."


class InvalidTransition(ApiError):
    code, default_message = "invalid_transition", "This status change is not allowed."


class PayloadTooLarge(ApiError):
    status_code, code, default_message = 413, "payload_too_large", "The request body is too large."


class Throttled(ApiError):
    status_code, code, default_message = 429, "throttled", "Too many requests; try again later."

    def __init__(self, message: str | None = None, *, retry_after_s: int = 60, **kwargs: Any):
        super().__init__(message, headers={"Retry-After": str(max(1, int(retry_after_s)))}, **kwargs)


class Unavailable(ApiError):
    status_code, code, default_message = 503, "unavailable", "The service is busy; try again shortly."

    def __init__(self, message: str | None = None, *, retry_after_s: int = 1, **kwargs: Any):
        super().__init__(message, headers={"Retry-After": str(retry_after_s)}, **kwargs)


class ServerError(ApiError):
    status_code, code, default_message = 500, "server_error", "Something went wrong on our side."


def envelope(code: str, message: str, *, fields: dict | None = None, extra: dict | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    if extra:
        body.update(extra)
    return {"error": body}


def flatten_fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation detail as {"field" or "parent.child": [messages]}."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "non_field_errors" if key == "non_field_errors" and not prefix else f"{prefix}{key}"
            out.update(flatten_fields(value, f"{name}."))
        return out
    if isinstance(detail, list) and detail and all(isinstance(v, str) for v in detail):
        return {prefix.rstrip(".") or "non_field_errors": [str(v) for v in detail]}
    if isinstance(detail, list):
        out = {}
        for index, value in enumerate(detail):
            out.update(flatten_fields(value, f"{prefix}{index}."))
        return out
    return {prefix.rstrip(".") or "non_field_errors": [str(detail)]}


def _is_unavailable(exc: BaseException) -> bool:
    """DynamoDB/S3/Cognito throttling, timeouts and unreachable endpoints."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectTimeoutError | ReadTimeoutError | BotocoreConnectionError):
            return True
        response = getattr(current, "response", None)
        if isinstance(response, dict) and response.get("Error", {}).get("Code") in THROTTLING_CODES:
            return True
        # An AWS 5xx (a HEAD answer has no body, so no error code to go by).
        if isinstance(response, dict) and response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
            return True
        if getattr(current, "cause_response_code", None) in THROTTLING_CODES:
            return True
        current = getattr(current, "cause", None) or current.__cause__ or current.__context__
    return False


def to_api_error(exc: BaseException) -> ApiError:
    """Any exception as the ApiError a client should see."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, drf.ValidationError):
        return Invalid("Some fields are not valid.", fields=flatten_fields(exc.detail))
    if isinstance(exc, drf.ParseError):
        return Invalid(f"The request body could not be parsed: {exc.detail}")
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        return NotAuthenticated(str(exc.detail))
    if isinstance(exc, drf.PermissionDenied | DjangoPermissionDenied):
        return PermissionDeniedError()
    if isinstance(exc, drf.NotFound | Http404):
        return NotFound()
    if isinstance(exc, drf.MethodNotAllowed):
        error = ApiError(str(exc.detail))
        error.status_code, error.code = 405, "method_not_allowed"
        return error
    if isinstance(exc, drf.NotAcceptable):
        error = ApiError(str(exc.detail))
        error.status_code, error.code = 406, "not_acceptable"
        return error
    if isinstance(exc, drf.UnsupportedMediaType):
        error = ApiError(str(exc.detail))
        error.status_code, error.code = 415, "unsupported_media_type"
        return error
    if isinstance(exc, drf.Throttled):
        return Throttled(retry_after_s=int(exc.wait or 60))
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if _is_unavailable(exc):
        logger.warning("upstream unavailable: %s", type(exc).__name__)
        return Unavailable()
    logger.error("unhandled exception", exc_info=exc)
    return ServerError()


def error_body(error: ApiError) -> dict:
    return envelope(error.code, error.message, fields=error.fields, extra=error.extra)


def exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's EXCEPTION_HANDLER: every error raised in an API view becomes the envelope."""
    error = to_api_error(exc)
    response = Response(error_body(error), status=error.status_code, headers=error.headers)
    if error.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def is_api(request) -> bool:
    """Whether the request is for the API (its errors answer in the envelope).

    `path_info`, not `path`: behind API Gateway on a named stage, `path` starts with the stage (`/dev/api/...`,
    the stage being the WSGI SCRIPT_NAME), while `path_info` is the path the URLconf routes."""
    return request.path_info.startswith("/api/")


def json_error_response(error: ApiError) -> JsonResponse:
    """The envelope outside DRF (middleware, Django's 404/500 handlers)."""
    response = JsonResponse(error_body(error), status=error.status_code)
    for name, value in error.headers.items():
        response[name] = value
    return response
