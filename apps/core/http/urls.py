"""URL helpers: API paths answer with and without a trailing slash (API.md), never redirecting."""

from django.urls import path


def both(route: str, view, name: str | None = None) -> list:
    """`route` and `route/` to the same view; the name goes to the slash-less one."""
    route = route.rstrip("/")
    return [path(route, view, name=name), path(f"{route}/", view)]
