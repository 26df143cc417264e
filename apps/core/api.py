"""The base of every API view: DRF's APIView plus Idempotency-Key on writes."""

from rest_framework.views import APIView

from apps.core import idempotency
from apps.core.authentication import user_id_of

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def validated(serializer_class, data) -> dict:
    """`data` checked by an input serializer; a DRF ValidationError (400 invalid, with fields) otherwise."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ApiView(APIView):
    """Subclass this for every endpoint; `self.user_id` is the verified caller's `sub`."""

    @property
    def user_id(self) -> str:
        return user_id_of(self.request.user)

    def dispatch(self, request, *args, **kwargs):
        # DRF's APIView.dispatch, with the handler wrapped in the idempotency check once the
        # caller is authenticated (keys are per user).
        self.args, self.kwargs = args, kwargs
        django_request = request
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            key = request.headers.get(idempotency.HEADER)
            # Read before anything parses it (Django then serves the parsers from the cached bytes).
            raw_body = django_request.body if key is not None and request.method in UNSAFE_METHODS else b""
            self.initial(request, *args, **kwargs)
            method = request.method.lower()
            handler = getattr(self, method, None) if method in self.http_method_names else None
            handler = handler or self.http_method_not_allowed
            if key is not None and request.method in UNSAFE_METHODS and request.user.is_authenticated:
                response = idempotency.run_once(
                    user_id=self.user_id,
                    key=key,
                    # path_info: the route, the same with or without a stage or custom domain in front.
                    request_fingerprint=idempotency.fingerprint(request.method, request.path_info, raw_body),
                    handler=lambda: handler(request, *args, **kwargs),
                )
            else:
                response = handler(request, *args, **kwargs)
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response
