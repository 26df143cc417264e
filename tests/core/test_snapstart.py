"""SnapStart: restored copies of one snapshot are each their own, and a first request finds everything loaded.

A separate Python process plays a Lambda execution environment (tests/core/snapstart_process.py): init
through Zappa's handler, the before-snapshot hooks, then two forked children as two environments restored
from that snapshot. It reaches the emulator through a relay on loopback that records which connection
carried each request, so the test can see whether a restored copy reused a connection made before it.
"""

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from apps.core import clock
from apps.core.aws.tasks import this_function
from tests.fakes.tcp_proxy import RecordingProxy

pytestmark = pytest.mark.django_db
MAX_MODULES_IMPORTED_BY_A_FIRST_REQUEST = 10


@pytest.fixture
def lambda_environment(aws_server, user, user_api):
    """What the process reported, and the relay's record of the connections it made."""
    batches = [user_api.post("/api/v1/batches", {"name": f"Copy {n}", "kind": "milk"}, format="json").json()["id"]
               for n in range(2)]
    port = int(aws_server.rsplit(":", 1)[1])
    with RecordingProxy(port) as proxy:
        arguments = {"token": user.access_token, "batches": batches,
                     "emails": ["copy-0@example.com", "copy-1@example.com"],
                     "same_millisecond": clock.isoformat(dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC))}
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kefir.settings.test", "KEFIR_TEST_AWS_PORT": str(proxy.port),
               "COGNITO_USER_POOL_ID": settings.COGNITO_USER_POOL_ID,
               "COGNITO_APP_CLIENT_ID": settings.COGNITO_APP_CLIENT_ID}
        result = subprocess.run([sys.executable, "-m", "tests.core.snapstart_process", json.dumps(arguments)],
                                cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        yield json.loads(result.stdout.strip().splitlines()[-1]), list(proxy.connections)


def test_two_restored_copies_draw_different_random_values_ids_share_tokens_and_login_codes(lambda_environment):
    report, _connections = lambda_environment
    first, second = report["copies"]
    assert first["random"] != second["random"]
    assert first["ulid"] != second["ulid"]
    assert report["ulid_before_snapshot"] not in (first["ulid"], second["ulid"])
    assert first["ulid"][:10] == second["ulid"][:10] == report["ulid_before_snapshot"][:10]  # the same millisecond
    assert first["share_token"] != second["share_token"]
    assert len(first["login_code"]) == len(second["login_code"]) == 6
    assert first["login_code"] != second["login_code"]


def test_no_restored_copy_reuses_a_connection_opened_before_the_snapshot(lambda_environment):
    report, connections = lambda_environment
    restored_at = report["restored_at"]
    before = [c for c in connections if c.request_times and c.request_times[0] < restored_at]
    after = [c for c in connections if c.request_times and c.request_times[0] >= restored_at]
    assert before, "the environment made requests before the snapshot"
    for connection in before:
        assert max(connection.request_times) < restored_at, f"connection {connection.id} was used after a restore"
    assert len(after) >= 2  # each copy opened its own


def test_a_first_request_after_a_restore_imports_at_most_ten_modules(lambda_environment):
    report, _connections = lambda_environment
    for copy in report["copies"]:
        assert copy["first_request_status"] == 200
        assert len(copy["modules"]) <= MAX_MODULES_IMPORTED_BY_A_FIRST_REQUEST, copy["modules"]


def test_the_warm_up_requests_reach_the_code_they_are_for():
    from apps.core.snapstart import WARM_UP_REQUESTS, serve_internal

    for method, path, expected in WARM_UP_REQUESTS:
        assert serve_internal(method, path) == expected, (method, path)


def test_background_tasks_go_to_the_published_version_that_runs_them(monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    assert this_function() is None  # off Lambda: run in-process
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "kefir-app-dev")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", "42")
    assert this_function() == "kefir-app-dev:42"  # SnapStart restores published versions only
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    assert this_function() == "kefir-app-dev"
