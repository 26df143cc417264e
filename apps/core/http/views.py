"""Health, the API root, and the envelope for paths and errors outside DRF views."""

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.defaults import bad_request, page_not_found, permission_denied, server_error
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse

from apps.core.http.api import ApiView
from apps.core.http.errors import (
    Invalid,
    NotFound,
    PermissionDeniedError,
    ServerError,
    is_api,
    json_error_response,
)

logger = logging.getLogger("kefir.errors")


class HealthView(ApiView):
    """Liveness: answers without touching anything remote."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        auth=[],
        responses=inline_serializer("Health", {"status": serializers.CharField()}),
        summary="Liveness check (no auth, checks nothing remote)",
    )
    def get(self, request):
        return Response({"status": "ok"})


class ApiRootView(ApiView):
    """The browsable API's entry point: where the main lists are."""

    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request):
        links = {"schema": reverse("schema", request=request), "docs": reverse("swagger-ui", request=request)}
        return Response(links)


# csrf_exempt: an unknown path changes nothing, so whatever the method it is the 404 a GET gets, not a
# CSRF refusal.
@csrf_exempt
def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any unknown path under /api/: 404 in the envelope, in DEBUG too, whatever the method."""
    return json_error_response(NotFound("No such endpoint."))


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_not_found(request)
    return page_not_found(request, exception)


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Django's own 400s (e.g. a disallowed Host header, a suspicious request) under /api/.
    if is_api(request):
        return json_error_response(Invalid("The request was rejected."))
    return bad_request(request, exception)


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return json_error_response(PermissionDeniedError())
    return permission_denied(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return json_error_response(ServerError())
    return server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: under /api/, 403 permission_denied in the envelope; elsewhere (the support
    console) Django's own page. API views are csrf_exempt (DRF checks CSRF for session-authenticated calls
    and answers in the envelope), so this answers the /api/ paths served by plain Django views."""
    if is_api(request):
        return json_error_response(PermissionDeniedError("The request was refused: CSRF verification failed."))
    from django.views.csrf import csrf_failure as django_csrf_failure  # as Django's middleware: on a refusal only

    return django_csrf_failure(request, reason)
