"""The project's URLs plus a few probe views for core behaviour (auth, errors, idempotency, cursors)."""

import itertools

from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response

from apps.core.http.api import ApiView
from apps.core.http.cursors import decode_cursor, encode_cursor
from kefir.urls import handler400, handler403, handler404, handler500  # noqa: F401 (the root URLconf names them)
from kefir.urls import urlpatterns as project_urlpatterns

writes = itertools.count(1)


class WhoAmI(ApiView):
    def get(self, request):
        return Response({"id": self.user_id})


class Boom(ApiView):
    def get(self, request):
        raise RuntimeError("secret internal detail: table kefir-app-test USER#abc")


class CreateThing(ApiView):
    class Input(serializers.Serializer):
        name = serializers.CharField(max_length=10)

    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"n": next(writes), "name": data.validated_data["name"]}, status=201)


class Numbers(ApiView):
    """0..9 in pages of 3, with a cursor scoped to the caller."""

    def get(self, request):
        position = decode_cursor(request.query_params.get("cursor"), scope=f"numbers:{self.user_id}")
        start = position["next"] if position else 0
        page = list(range(start, min(start + 3, 10)))
        following = start + 3 if start + 3 < 10 else None
        cursor = encode_cursor({"next": following} if following else None, scope=f"numbers:{self.user_id}")
        return Response({"results": page, "next_cursor": cursor})


def plain_boom(request):
    """A plain Django view under /api/ that fails: Django's handler500 answers, not DRF's exception handler."""
    raise RuntimeError("secret internal detail: table kefir-app-test USER#abc")


urlpatterns = [
    path("api/probe/plain-boom", plain_boom),
    path("probe/whoami", WhoAmI.as_view()),
    path("probe/boom", Boom.as_view()),
    path("probe/things", CreateThing.as_view()),
    path("probe/numbers", Numbers.as_view()),
    *project_urlpatterns,
]
