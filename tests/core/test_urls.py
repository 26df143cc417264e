"""The root URLconf loads lazily: a container's first request imports only what that request needs."""

import importlib
import json
import os
import subprocess
import sys

from django.conf import settings
from django.urls import URLPattern, URLResolver

from kefir.urls import API_APPS

# A fresh process serves one request through the WSGI handler (no django.test, which is itself heavy),
# then prints which of these modules it imported.
COLD_REQUEST = """
import json, sys, wsgiref.util
from django.core.wsgi import get_wsgi_application
app = get_wsgi_application()
environ = {"REQUEST_METHOD": "GET", "PATH_INFO": sys.argv[1]}
wsgiref.util.setup_testing_defaults(environ)
statuses = []
body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
watched = json.loads(sys.argv[2])
print(json.dumps({"status": statuses[0], "imported": [m for m in watched if m in sys.modules]}))
"""
HEAVY = [
    "drf_spectacular.openapi", "django.test", "jinja2", "apps.support.sites", "django.db.migrations.executor",
    "django.contrib.auth.admin", "whitenoise.middleware", "apps.support.staff", "apps.accounts.providers",
    "cryptography.fernet",  # the cursors' cipher: loaded when a cursor is first made or read
    "jwt", "cryptography.x509",  # PyJWT and the x509 machinery it loads: apps.core.jws verifies tokens
    "ulid",  # ids are made on first use (apps.core.ids)
    "apps.reminders.services",  # imported by its batch_deleted receiver when a batch is deleted
    *[f"apps.{app}.views" for app in API_APPS],
]


def _first_request(path: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kefir.settings.test"}
    result = subprocess.run([sys.executable, "-c", COLD_REQUEST, path, json.dumps(HEAVY)], cwd=settings.BASE_DIR,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_first_health_check_imports_no_app_views_no_admin_and_no_schema_machinery():
    outcome = _first_request("/api/health")
    assert outcome == {"status": "200 OK", "imported": []}


def test_a_first_api_request_imports_only_its_own_apps_views():
    outcome = _first_request("/api/v1/devices")  # 401 without a token, after resolving the route
    assert outcome["status"].startswith("401")
    assert outcome["imported"] == ["apps.devices.views"]


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def test_every_route_of_an_app_starts_with_one_of_the_segments_it_declares():
    for app, segments in API_APPS.items():
        routes = list(_routes(importlib.import_module(f"apps.{app}.urls").urlpatterns))
        assert routes
        for route in routes:
            assert route.split("/")[0] in segments, f"apps.{app}.urls: {route!r} would never be reached"


def test_reverse_still_finds_every_lazily_included_name(api):
    from django.urls import reverse

    assert reverse("admin:index") == "/admin/"
    assert reverse("public-batch-page", args=["t0k"]) == "/b/t0k"
    response = api.get("/api/v1/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
