"""The base of every API view: DRF's APIView plus Idempotency-Key on writes."""

from rest_framework.views import APIView

from apps.core.auth.authentication import user_id_of
from apps.core.http import idempotency

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def validated(serializer_class, data) -> dict:
    """`data` checked by an input serializer; a DRF ValidationError (400 invalid, with fields) otherwise."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ApiView(APIView):
    # No docstring: drf-spectacular would publish it as the description of every view without one.
    # Subclass this for every endpoint; `self.user_id` is the verified caller's `sub`.
    # A write with an Idempotency-Key runs its handler through `idempotency.run_once` once the caller is
    # authenticated (keys are per user), through DRF's own hook: `initial` runs inside dispatch's error
    # handling, authenticates, and is followed by DRF looking the handler up, so it puts the wrapped
    # handler in its place on this instance.

    @property
    def user_id(self) -> str:
        return user_id_of(self.request.user)

    def initial(self, request, *args, **kwargs):
        key = request.headers.get(idempotency.HEADER)
        # Read before anything parses it (Django then serves the parsers from the cached bytes).
        body = request.body if key is not None and request.method in UNSAFE_METHODS else b""
        super().initial(request, *args, **kwargs)
        method = request.method.lower()
        handler = getattr(self, method, None) if method in self.http_method_names else None
        if key is None or request.method not in UNSAFE_METHODS or handler is None or not request.user.is_authenticated:
            return
        request_fingerprint = idempotency.fingerprint(request.method, request.path_info, body)

        def run_once(request, *args, **kwargs):
            return idempotency.run_once(user_id=self.user_id, key=key, request_fingerprint=request_fingerprint,
                                        handler=lambda: handler(request, *args, **kwargs))

        setattr(self, method, run_once)
