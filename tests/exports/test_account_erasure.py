"""The proof of DELETE /api/v1/me: after it, nothing of the user remains anywhere we store data.

The user first uses every feature through the API (profile, batches, a shared batch, events, an
uploaded photo, a reminder, grains weighed and split, a device, a finished export); a second
user does the same and must keep everything. Then the whole table is scanned and the whole bucket
listed (fine in a test, never on a request path).
"""

import datetime as dt

import pytest
import requests
from django.conf import settings

from apps.accounts import deletion
from apps.core import clock
from kefir import aws
from tests.exports import builders


def _use_every_feature(client, *, device_token: str, idempotency_key: str | None = None) -> dict:
    assert client.patch("/api/v1/me", {"settings": {"timezone": "Europe/Paris"}}, format="json").status_code == 200
    batch = client.post("/api/v1/batches", {"name": "Milk kefir", "kind": "milk", "notes": "=secret"},
                        format="json", **({"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}))
    assert batch.status_code == 201, batch.content
    batch_id = batch.json()["id"]
    second = client.post("/api/v1/batches", {"name": "Water kefir", "kind": "water"}, format="json")
    assert second.status_code == 201
    share = client.post(f"/api/v1/batches/{batch_id}/share")
    assert share.status_code == 201
    upload = client.post(f"/api/v1/batches/{batch_id}/photos",
                         {"content_type": "image/jpeg", "size": len(builders.JPEG_BYTES)}, format="json")
    assert upload.status_code == 201, upload.content
    posted = requests.post(upload.json()["upload"]["url"], data=upload.json()["upload"]["fields"],
                           files={"file": ("kefir.jpg", builders.JPEG_BYTES, "image/jpeg")}, timeout=10)
    assert posted.status_code in (200, 201, 204), posted.text
    for body in ({"type": "photo", "photo_key": upload.json()["photo_key"]}, {"type": "fed", "note": "fed 1 l"}):
        assert client.post(f"/api/v1/batches/{batch_id}/events", body, format="json").status_code == 201
    due_at = clock.isoformat(clock.now() + dt.timedelta(hours=6))
    reminder = client.post("/api/v1/reminders", {"batch_id": batch_id, "kind": "strain", "due_at": due_at},
                           format="json")
    assert reminder.status_code == 201, reminder.content
    grains = client.post("/api/v1/grains", {"name": "Grains", "kind": "milk", "mass_g": 20}, format="json")
    assert grains.status_code == 201, grains.content
    grains_url = f"/api/v1/grains/{grains.json()['id']}"
    assert client.post(f"{grains_url}/weighings", {"mass_g": 22}, format="json").status_code == 201
    assert client.post(f"{grains_url}/splits", {"mass_g": 5, "to": "new"}, format="json").status_code == 201
    device = client.post("/api/v1/devices", {"token": device_token, "platform": "android"}, format="json")
    assert device.status_code == 201
    export = client.post("/api/v1/exports", {"format": "json"}, format="json")
    assert client.get(f"/api/v1/exports/{export.json()['id']}").json()["status"] == "ready"
    return {"share_token": share.json()["token"], "photo_key": upload.json()["photo_key"]}


def _scan_table() -> list[dict]:
    pages = aws.client("dynamodb").get_paginator("scan").paginate(TableName=settings.DYNAMODB_TABLE_NAME)
    return [item for page in pages for item in page["Items"]]


def _strings(value) -> list[str]:
    """Every string inside a DynamoDB attribute value (maps, lists and sets included)."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _mentions(item: dict, needles: tuple[str, ...]) -> bool:
    return any(needle in text for text in _strings(item) for needle in needles)


def _bucket_keys() -> list[str]:
    pages = aws.client("s3").get_paginator("list_objects_v2").paginate(Bucket=settings.PHOTOS_BUCKET)
    return [obj["Key"] for page in pages for obj in page.get("Contents", [])]


def _identity_exists(email: str) -> bool:
    idp = aws.client("cognito-idp")
    pool_id = settings.COGNITO_USER_POOL_ID
    try:
        idp.admin_get_user(UserPoolId=pool_id, Username=email)
    except idp.exceptions.UserNotFoundException:
        return False
    return True


def test_after_delete_me_nothing_of_the_user_remains_but_the_revocation_marker(user, user_api, other_user, other_api):
    mine = _use_every_feature(user_api, device_token="ExponentPushToken[mine12345678]")
    _use_every_feature(other_api, device_token="ExponentPushToken[theirs123456]")
    me = (user.id, user.email, mine["share_token"])
    # The check below can see the user: every kind of item they own mentions them.
    assert {item["ItemType"]["S"] for item in _scan_table() if _mentions(item, me)} == {
        "profile", "batch", "share", "event", "reminder", "reminder_follow", "device", "export", "upload",
        "grains", "grains_log"}
    assert any(user.id in key for key in _bucket_keys())  # the export (exports/{sub}/...)
    assert mine["photo_key"] in _bucket_keys()  # photo keys name nobody: the item is how erasure finds them
    theirs_before = [item for item in _scan_table() if _mentions(item, (other_user.id,))]
    their_objects_before = sorted(k for k in _bucket_keys() if k != mine["photo_key"] and user.id not in k)

    response = user_api.delete("/api/v1/me")
    assert response.status_code == 204

    remaining = [item for item in _scan_table() if _mentions(item, me)]
    # The one exception: the marker that makes the erased user's still-unexpired tokens fail
    # (apps.core.auth.revocation). It names the sub in its key and holds nothing else of the user.
    assert len(remaining) == 1, [item["PK"] for item in remaining]
    (marker,) = remaining
    assert set(marker) == {"PK", "SK", "ItemType", "revoked_at", "TTL"}
    assert marker["PK"] == {"S": f"REVOKED#{user.id}"}
    assert marker["SK"] == {"S": "REVOKED"} and marker["ItemType"] == {"S": "revoked_user"}
    assert not _mentions({k: v for k, v in marker.items() if k != "PK"}, me)
    revoked_at = clock.parse(marker["revoked_at"]["S"])  # a time, nothing about the person
    expires = dt.datetime.fromtimestamp(int(marker["TTL"]["N"]), tz=dt.UTC)
    assert dt.timedelta(0) < expires - revoked_at <= dt.timedelta(seconds=settings.REVOKED_USER_RETENTION_S)

    assert [key for key in _bucket_keys() if user.id in key] == []
    assert mine["photo_key"] not in _bucket_keys()
    assert not _identity_exists(user.email)
    assert user_api.get("/api/v1/me").status_code == 401
    assert other_api.get(f"/api/v1/public/b/{mine['share_token']}").status_code == 404

    # The other user keeps every item and object.
    assert [item for item in _scan_table() if _mentions(item, (other_user.id,))] == theirs_before
    assert sorted(_bucket_keys()) == their_objects_before
    assert other_api.get("/api/v1/me").status_code == 200


def test_erasing_again_after_it_finished_changes_nothing_and_raises_nothing(user, user_api):
    _use_every_feature(user_api, device_token="ExponentPushToken[again1234567]")
    assert user_api.delete("/api/v1/me").status_code == 204
    table_after, bucket_after = _scan_table(), _bucket_keys()
    deletion.account_delete(user_id=user.id)
    assert _bucket_keys() == bucket_after
    assert [i for i in _scan_table() if i["PK"]["S"] != f"REVOKED#{user.id}"] == [
        i for i in table_after if i["PK"]["S"] != f"REVOKED#{user.id}"]


@pytest.mark.parametrize("app", ["reminders", "devices", "events", "batches", "exports", "accounts"])
def test_every_app_in_the_erasure_order_provides_erase_user(app):
    from apps.core import hooks

    assert app in hooks.ERASURE_ORDER
    module = __import__(f"apps.{app}.erasure", fromlist=["erase_user"])
    assert callable(module.erase_user)


def test_idempotency_records_of_an_erased_user_are_gone_too(user, user_api):
    _use_every_feature(user_api, device_token="ExponentPushToken[idemp1234567]", idempotency_key="first-batch")
    stored = [i for i in _scan_table() if i["SK"]["S"].startswith("IDEMPOTENCY#") and _mentions(i, (user.id,))]
    assert len(stored) == 1
    assert user_api.delete("/api/v1/me").status_code == 204
    # Idempotency records live in the user's partition (apps/core/repository.py), so erasure finds them.
    assert [i for i in _scan_table() if i["SK"]["S"].startswith("IDEMPOTENCY#") and _mentions(i, (user.id,))] == []


def _fail_half_way(client) -> None:
    from tests import faults

    with faults.s3(fault="s3-unavailable", operations={"DeleteObjects"}):
        failed = client.delete("/api/v1/me")
    assert failed.status_code == 503
    assert failed.json()["error"]["code"] == "unavailable"


def test_an_erasure_that_failed_half_way_is_finished_by_running_it_again(user, user_api):
    mine = _use_every_feature(user_api, device_token="ExponentPushToken[retry1234567]")
    _fail_half_way(user_api)
    assert mine["photo_key"] in _bucket_keys()  # the photos were not deleted
    deletion.account_delete(user_id=user.id)
    assert [key for key in _bucket_keys() if user.id in key or key == mine["photo_key"]] == []
    assert [i["PK"]["S"] for i in _scan_table() if _mentions(i, (user.id, user.email))] == [f"REVOKED#{user.id}"]
    assert not _identity_exists(user.email)


def test_a_delete_me_that_failed_half_way_can_be_retried_by_the_client(user, user_api):
    _use_every_feature(user_api, device_token="ExponentPushToken[client123456]")
    _fail_half_way(user_api)
    assert user_api.delete("/api/v1/me").status_code == 204
