"""Support console fixtures: staff and plain users with real identities, a demo-like user with data, and
signing in through the two-step code form exactly as a person does."""

import datetime as dt
import re
import struct
import zlib
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import set_script_prefix

from apps.batches import services as batches
from apps.core import clock
from apps.devices import services as devices
from apps.events import services as events
from apps.reminders import services as reminders
from kefir import aws
from tests import factory


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


# The photo the demo-like user uploaded: a small kefir-coloured square.
PNG = _png(160, 120, (236, 228, 208))
CODE = re.compile(r"\b(\d{6})\b")


@dataclass(frozen=True)
class DemoData:
    user: factory.TestUser
    batch_id: str
    fridge_batch_id: str
    reminder_id: str
    device_id: str
    photo_key: str


def last_code(email: str) -> str:
    """The code in the newest email sent to `email`."""
    sent = [m for m in mail.outbox if email in m.to]
    assert sent, f"no email was sent to {email}"
    return CODE.search(sent[-1].body).group(1)


def sign_in(client: Client, email: str, *, next_url: str = "/admin/"):
    """Both steps of the admin's sign-in form; returns the last response."""
    response = client.post("/admin/login/", {"step": "email", "email": email, "next": next_url})
    assert response.status_code == 200, response.status_code
    assert b'name="code"' in response.content
    return client.post("/admin/login/", {"step": "code", "code": last_code(email), "next": next_url})


@pytest.fixture(autouse=True)
def root_script_prefix():
    """Serve from `/`: Zappa's handler (tests/deploy) sets the thread's script prefix to its stage (`/dev`)."""
    set_script_prefix("/")
    yield
    set_script_prefix("/")


@pytest.fixture
def staff_member():
    return factory.make_user(groups=("staff",))


@pytest.fixture
def staff_client(staff_member, db):
    client = Client()
    response = sign_in(client, staff_member.email)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    return client


def seed_demo_like(email: str | None = None) -> DemoData:
    """A user with two batches (one active, one in the fridge), a timeline with a photo, a reminder, a device."""
    user = factory.make_user(email)
    now = clock.now()
    batch = batches.batch_create(user_id=user.id, name="Morning milk kefir", kind="milk", temperature_c=22.5,
                                 grains_g=15, liquid_ml=500, started_at=now - dt.timedelta(hours=20))
    fridge = batches.batch_create(user_id=user.id, name="Coconut water kefir", kind="water", status="in_fridge",
                                  sugar_g=30, started_at=now - dt.timedelta(days=3))
    events.event_create(user_id=user.id, batch_id=batch.id, type="fed", note="Fresh whole milk",
                        occurred_at=now - dt.timedelta(hours=20))
    events.event_create(user_id=user.id, batch_id=batch.id, type="tasted", rating=4, note="Tangy",
                        occurred_at=now - dt.timedelta(hours=2))
    key = events.photo_upload_create(user_id=user.id, batch_id=batch.id, content_type="image/png",
                                     size=len(PNG))["photo_key"]
    aws.client("s3").put_object(Bucket=settings.PHOTOS_BUCKET, Key=key, Body=PNG, ContentType="image/png")
    events.event_create(user_id=user.id, batch_id=batch.id, type="photo", photo_key=key,
                        occurred_at=now - dt.timedelta(hours=1))
    reminder = reminders.reminder_schedule(user_id=user.id, batch_id=batch.id, kind="strain",
                                           due_at=now + dt.timedelta(hours=4), message="Time to strain")
    device, _ = devices.device_register(user_id=user.id, token="ExponentPushToken[demo-support-test]",
                                        platform="ios", name="Demo iPhone")
    batches.share_create(user_id=user.id, batch_id=batch.id)
    return DemoData(user, batch.id, fridge.id, reminder.id, device.id, key)


@pytest.fixture
def demo():
    return seed_demo_like()
