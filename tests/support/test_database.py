"""A fresh process (a new Lambda container) creates the admin's SQLite database on its first admin request, once;
API requests without a session cookie never touch it. Also behind a named API Gateway stage, where the WSGI
SCRIPT_NAME is the stage (`/dev`) and Django's request.path starts with it."""

import subprocess
import sys

import pytest
from django.conf import settings

SCRIPT = """
import sys
import django
django.setup()
from django.db import connection
from django.test import Client
from apps.support import database

client = Client(SCRIPT_NAME=sys.argv[1])
assert client.get("/api/health").status_code == 200
assert not database._ready and "auth_user" not in connection.introspection.table_names(), "API paid for the DB"
assert client.get("/admin/").status_code == 302  # to the sign-in: the middleware prepared the database first
assert database._ready and "auth_user" in connection.introspection.table_names()
assert client.get("/admin/login/").status_code == 200
print("migrated once")
"""


@pytest.mark.parametrize("script_name", ["", "/dev"], ids=["at-the-root", "under-a-stage"])
def test_the_first_admin_request_of_a_fresh_process_creates_the_database(script_name):
    env = {"DJANGO_SETTINGS_MODULE": "kefir.settings.test", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", SCRIPT, script_name], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "migrated once" in result.stdout
