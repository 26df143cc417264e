import base64
import json

import pytest
import requests

from apps.events import repository
from tests.batches.helpers import create_batch

JPEG = b"\xff\xd8\xff\xe0" + b"kefir" * 200 + b"\xff\xd9"


def request_upload(api, batch_id: str, **overrides):
    body = {"content_type": "image/jpeg", "size": len(JPEG), **overrides}
    return api.post(f"/api/v1/batches/{batch_id}/photos", body, format="json")


def upload(api, batch_id: str) -> str:
    grant = request_upload(api, batch_id).json()
    files = {"file": ("photo.jpg", JPEG, "image/jpeg")}
    response = requests.post(grant["upload"]["url"], data=grant["upload"]["fields"], files=files, timeout=10)
    assert response.status_code in (200, 204), response.text
    return grant["photo_key"]


def policy_of(grant: dict) -> dict:
    return json.loads(base64.b64decode(grant["upload"]["fields"]["policy"]))


def test_the_presigned_post_pins_the_key_type_and_size_and_expires_in_300_s(user_api, user):
    batch = create_batch(user_api)
    response = request_upload(user_api, batch["id"], content_type="image/png")
    assert response.status_code == 201
    grant = response.json()
    assert grant["expires_in"] == 300
    key = grant["photo_key"]
    assert key.startswith(f"users/{user.id}/batches/{batch['id']}/photos/") and key.endswith(".png")
    assert grant["upload"]["fields"]["key"] == key
    assert grant["upload"]["fields"]["Content-Type"] == "image/png"
    conditions = policy_of(grant)["conditions"]
    assert {"key": key} in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, 10 * 1024 * 1024] in conditions
    assert not any(isinstance(c, list) and c[0] == "starts-with" for c in conditions)


def test_each_upload_gets_its_own_key(user_api):
    batch = create_batch(user_api)
    keys = {request_upload(user_api, batch["id"]).json()["photo_key"] for _ in range(3)}
    assert len(keys) == 3


@pytest.mark.parametrize("body, field", [
    ({"content_type": "image/gif"}, "content_type"), ({"size": 0}, "size"), ({"size": "big"}, "size"),
])
def test_bad_upload_requests_are_400(user_api, body, field):
    batch = create_batch(user_api)
    response = request_upload(user_api, batch["id"], **body)
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_a_photo_over_10_mib_is_413(user_api):
    batch = create_batch(user_api)
    assert request_upload(user_api, batch["id"], size=10 * 1024 * 1024).status_code == 201
    response = request_upload(user_api, batch["id"], size=10 * 1024 * 1024 + 1)
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"


def test_an_uploaded_photo_becomes_a_photo_event_with_a_working_url(user_api):
    batch = create_batch(user_api)
    key = upload(user_api, batch["id"])
    response = user_api.post(f"/api/v1/batches/{batch['id']}/events",
                             {"type": "photo", "photo_key": key, "note": "Day 1"}, format="json")
    assert response.status_code == 201
    timeline = user_api.get(f"/api/v1/batches/{batch['id']}").json()["timeline"]
    assert [(e["type"], e["photo_key"]) for e in timeline] == [("photo", key)]
    url = timeline[0]["photo_url"]
    assert "X-Amz-Expires=300" in url
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200 and fetched.content == JPEG


def test_a_photo_event_needs_an_uploaded_object(user_api, user):
    batch = create_batch(user_api)
    key = request_upload(user_api, batch["id"]).json()["photo_key"]  # granted, never uploaded
    response = user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "photo", "photo_key": key},
                             format="json")
    assert response.status_code == 400 and "photo_key" in response.json()["error"]["fields"]
    assert list(repository.events_iter(user_id=user.id)) == []


def test_a_photo_of_another_batch_is_400(user_api):
    first, second = create_batch(user_api), create_batch(user_api)
    key = upload(user_api, first["id"])
    for bad in (key, f"users/x/../{key}", "/etc/passwd"):
        response = user_api.post(f"/api/v1/batches/{second['id']}/events", {"type": "photo", "photo_key": bad},
                                 format="json")
        assert response.status_code == 400


def test_deleting_a_photo_event_deletes_the_photo(user_api):
    batch = create_batch(user_api)
    key = upload(user_api, batch["id"])
    event = user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "photo", "photo_key": key},
                          format="json").json()
    assert user_api.delete(f"/api/v1/batches/{batch['id']}/events/{event['id']}").status_code == 204
    response = user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "photo", "photo_key": key},
                             format="json")
    assert response.status_code == 400
