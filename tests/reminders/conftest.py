import datetime as dt
import secrets

import pytest

from apps.core import clock
from tests.fakes.expo import FakeExpo

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
