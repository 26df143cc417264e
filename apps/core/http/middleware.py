"""Request id, one access log line per request, and the body-size limit."""

import logging
import re
import time
import uuid

from django.conf import settings

from apps.core.http.errors import PayloadTooLarge, is_api, json_error_response

access_log = logging.getLogger("kefir.access")
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Every response carries X-Request-ID: the client's (when sane) or a new one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        client_value = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = client_value if _CLIENT_REQUEST_ID.match(client_value) else uuid.uuid4().hex
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class AccessLogMiddleware:
    """One JSON line per request: method, route (never the raw path: it may hold a share token),
    status, duration_ms, request_id, user_id. Never a header, a query string or a body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        match = getattr(request, "resolver_match", None)
        route = f"/{match.route}" if match is not None and match.route else "<unmatched>"
        user = request.__dict__.get("user")
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "path": route,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "request_id": getattr(request, "request_id", None),
                # The token's sub, or a session user's username (session users are mirrored by sub).
                "user_id": getattr(user, "username", None) if getattr(user, "is_authenticated", False) else None,
            },
        )
        return response


class BodySizeLimitMiddleware:
    """413 payload_too_large before a byte of an oversized body is read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # path_info: behind a named API Gateway stage, `path` starts with the stage (/dev/api/...).
        if length > settings.API_MAX_BODY_BYTES and is_api(request):
            return json_error_response(PayloadTooLarge(
                f"The request body is larger than {settings.API_MAX_BODY_BYTES} bytes."
            ))
        return self.get_response(request)
