"""URL helpers: API paths answer with and without a trailing slash (API.md), never redirecting; and
URLconfs imported on first use rather than at a Lambda container's cold start."""

import re

from django.urls import URLResolver, path
from django.urls.resolvers import RoutePattern


def both(route: str, view, name: str | None = None) -> list:
    """`route` and `route/` to the same view; the name goes to the slash-less one."""
    route = route.rstrip("/")
    return [path(route, view, name=name), path(f"{route}/", view)]


def lazy_include(prefix: str, urlconf: str, *, first_segments: tuple[str, ...] = (),
                 namespace: str | None = None) -> URLResolver:
    """`path(prefix, include(urlconf))`, except that `urlconf` (and the views it imports) is imported on the
    first request it may serve, or the first reverse(), instead of when the root URLconf loads.

    `include()` imports its module at once, so every app's views would load on a container's first request
    whatever it asks for. Several apps share the prefix /api/v1/: `first_segments` names the first path
    segments an app serves (a lookahead, so nothing is consumed), and a request for another app's path never
    imports this one. A route outside its app's `first_segments` would 404 (tests/core/test_urls.py checks)."""
    return URLResolver(_PrefixPattern(prefix, first_segments), urlconf, app_name=namespace, namespace=namespace)


class _PrefixPattern(RoutePattern):
    """A route prefix that also requires what follows it to start with one of `first_segments` (if any).
    It consumes only the prefix and reads as the prefix (reverse(), the OpenAPI paths)."""

    def __init__(self, prefix: str, first_segments: tuple[str, ...]) -> None:
        super().__init__(prefix, is_endpoint=False)
        alternatives = "|".join(re.escape(s) for s in first_segments)
        self._rest = re.compile(f"(?:{alternatives})(?:/|$)") if first_segments else None

    def match(self, path: str):
        match = super().match(path)
        if match is None or (self._rest is not None and not self._rest.match(match[0])):
            return None
        return match
