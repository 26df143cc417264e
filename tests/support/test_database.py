"""A fresh process (a new Lambda container) creates the admin's SQLite database on its first admin request, once;
API requests without a session cookie never touch it."""

import subprocess
import sys

from django.conf import settings

SCRIPT = """
import django
django.setup()
from django.db import connection
from django.test import Client
from apps.support import database

client = Client()
assert client.get("/api/health").status_code == 200
assert not database._ready and "auth_user" not in connection.introspection.table_names(), "API paid for the DB"
assert client.get("/admin/login/").status_code == 200
assert database._ready and "auth_user" in connection.introspection.table_names()
assert client.get("/admin/login/").status_code == 200
print("migrated once")
"""


def test_the_first_admin_request_of_a_fresh_process_creates_the_database():
    env = {"DJANGO_SETTINGS_MODULE": "kefir.settings.test", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=settings.BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "migrated once" in result.stdout
