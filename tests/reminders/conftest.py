import datetime as dt
import secrets

import pytest

from apps.core import clock
from apps.reminders import pacing, repository
from tests.fakes.expo import FakeExpo
from tests.fakes.moto_transactions import table_copied_once

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def expo(settings):
    """A fake Expo push server on loopback; the app pushes to it."""
    with FakeExpo() as fake:
        settings.EXPO_PUSH_URL = fake.push_url
        settings.EXPO_PUSH_TIMEOUT_S = 0.5
        yield fake


@pytest.fixture
def frozen():
    """The clock frozen at NOW; call it with a timedelta to move on."""
    with clock.frozen(NOW) as advance:
        yield advance


@pytest.fixture(autouse=True)
def moto_transactions_copy_the_table_once():
    """moto copies the whole table once per transaction item; once per call will do (tests/fakes/)."""
    with table_copied_once():
        yield


@pytest.fixture(autouse=True)
def no_real_waits():
    """Backoff and rate waits of delivery runs take no real time (pacing.simulated); yields the waits."""
    with pacing.simulated() as waits:
        yield waits


@pytest.fixture
def dynalite(tmp_path):
    """dynalite (tests/dynalite, installed by `make test`) on a free loopback port; its URL."""
    import pathlib
    import shutil
    import socket
    import subprocess
    import time

    cli = pathlib.Path(__file__).resolve().parent.parent / "dynalite" / "node_modules" / "dynalite" / "cli.js"
    if not cli.exists():
        pytest.fail("dynalite is not installed: run `make test`, or `npm ci --prefix tests/dynalite`")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: dynalite needs it")
    process = subprocess.Popen([node, str(cli), "--host", "127.0.0.1", "--port", str(port), "--createTableMs", "0"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("dynalite did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def all_due(*, now, lookback=dt.timedelta(hours=48)):
    """Every pending reminder due by `now` in the due index, over all shards."""
    found = [r for shard in range(repository.shard_count())
             for r in repository.reminders_due(shard=shard, since=now - lookback, now=now)]
    return sorted(found, key=lambda r: (r.due_at, r.id))


def make_batch(api, **overrides):
    """A batch created through the public API as `api`'s user; its JSON. Without automatic reminders unless
    asked (`auto_reminders=True`): most tests here are about the reminders a person makes."""
    fields = {"name": "Morning kefir", "kind": "milk", "temperature_c": 23.0, "grains_g": 20.0, "liquid_ml": 300.0,
              "auto_reminders": False}
    fields.update(overrides)
    if isinstance(fields.get("started_at"), dt.datetime):
        fields["started_at"] = clock.isoformat(fields["started_at"])
    response = api.post("/api/v1/batches", fields, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def new_token() -> str:
    return f"ExponentPushToken[{secrets.token_urlsafe(16)}]"


def register_device(api, token=None, platform="ios"):
    response = api.post("/api/v1/devices", {"token": token or new_token(), "platform": platform}, format="json")
    assert response.status_code in (200, 201), response.json()
    return response.json()


def schedule(api, batch_id, due_at, kind="strain", message=None):
    body = {"batch_id": batch_id, "kind": kind, "due_at": clock.isoformat(due_at)}
    if message is not None:
        body["message"] = message
    response = api.post("/api/v1/reminders", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()
