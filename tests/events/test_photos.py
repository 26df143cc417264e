"""Photo uploads: presigned POSTs to opaque keys, UPLOAD# items, attaching, tags and deletion."""

import base64
import datetime as dt
import json
import re

import pytest
import requests
from django.conf import settings

from apps.core import clock
from apps.core.aws.counting import count_requests
from apps.events import repository
from kefir import aws
from tests import faults
from tests.batches.helpers import add_event, create_batch

JPEG = b"\xff\xd8\xff\xe0" + b"kefir" * 200 + b"\xff\xd9"
OPAQUE_KEY = re.compile(r"^photos/[0-9a-f]{32}$")


def request_upload(api, batch_id: str, **overrides):
    body = {"content_type": "image/jpeg", "size": len(JPEG), **overrides}
    return api.post(f"/api/v1/batches/{batch_id}/photos", body, format="json")


def upload(api, batch_id: str) -> str:
    grant = request_upload(api, batch_id).json()
    files = {"file": ("photo.jpg", JPEG, "image/jpeg")}
    response = requests.post(grant["upload"]["url"], data=grant["upload"]["fields"], files=files, timeout=10)
    assert response.status_code in (200, 204), response.text
    return grant["photo_key"]


def attach(api, batch_id: str, key: str):
    return api.post(f"/api/v1/batches/{batch_id}/events", {"type": "photo", "photo_key": key}, format="json")


def policy_of(grant: dict) -> dict:
    return json.loads(base64.b64decode(grant["upload"]["fields"]["policy"]))


def tags_of(key: str) -> dict:
    tags = aws.client("s3").get_object_tagging(Bucket=settings.PHOTOS_BUCKET, Key=key)["TagSet"]
    return {tag["Key"]: tag["Value"] for tag in tags}


def upload_of(user, key: str) -> repository.Upload:
    (found,) = [u for u in repository.uploads_iter(user_id=user.id) if u.key == key]
    return found


class S3Requests:
    """The S3 requests sent inside the block, by operation (the DynamoDB counter's twin)."""

    def __enter__(self):
        self.operations = []
        aws.client("s3").meta.events.register("before-send.s3", self._count)
        return self

    def _count(self, event_name, **kwargs):
        self.operations.append(event_name.rsplit(".", 1)[-1])

    def __exit__(self, *exc):
        aws.client("s3").meta.events.unregister("before-send.s3", self._count)


ATTACHED_FALSE = "<Tagging><TagSet><Tag><Key>attached</Key><Value>false</Value></Tag></TagSet></Tagging>"


def test_the_presigned_post_pins_the_opaque_key_type_size_and_expiring_tag(user_api, user):
    batch = create_batch(user_api)
    response = request_upload(user_api, batch["id"], content_type="image/png")
    assert response.status_code == 201
    grant = response.json()
    assert set(grant) == {"photo_key", "upload", "expires_in"} and grant["expires_in"] == 300
    key = grant["photo_key"]
    assert OPAQUE_KEY.match(key), key
    assert user.id not in key and batch["id"] not in key
    fields = grant["upload"]["fields"]
    assert fields["key"] == key and fields["Content-Type"] == "image/png"
    assert fields["tagging"] == ATTACHED_FALSE
    conditions = policy_of(grant)["conditions"]
    assert {"key": key} in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert {"tagging": ATTACHED_FALSE} in conditions  # S3 refuses a POST that drops or changes the tag
    assert ["content-length-range", 1, 10 * 1024 * 1024] in conditions
    assert not any(isinstance(c, list) and c[0] == "starts-with" for c in conditions)


def test_an_upload_is_recorded_as_an_unattached_upload_item_that_expires(user_api, user):
    batch = create_batch(user_api)
    with clock.frozen(dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)):
        key = request_upload(user_api, batch["id"], content_type="image/webp").json()["photo_key"]
    found = upload_of(user, key)
    assert (found.user_id, found.batch_id, found.content_type, found.attached) == (
        user.id, batch["id"], "image/webp", False)
    assert found.created_at == dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    assert found.expires_at == dt.datetime(2026, 3, 3, 12, 0, tzinfo=dt.UTC)
    assert found.id == key.removeprefix("photos/")


def test_granting_an_upload_is_one_dynamodb_request_and_no_s3_request(user_api):
    batch = create_batch(user_api)
    with count_requests() as dynamodb, S3Requests() as s3:
        assert request_upload(user_api, batch["id"]).status_code == 201
    assert dynamodb.operations == ["TransactWriteItems"]  # check the batch + put the UPLOAD# item
    assert s3.operations == []  # presigning is local


def test_each_upload_gets_its_own_random_key(user_api):
    batch = create_batch(user_api)
    keys = [request_upload(user_api, batch["id"]).json()["photo_key"] for _ in range(3)]
    assert len(set(keys)) == 3 and all(OPAQUE_KEY.match(k) for k in keys)


@pytest.mark.parametrize("body, field", [
    ({"content_type": "image/gif"}, "content_type"), ({"size": 0}, "size"), ({"size": "big"}, "size"),
])
def test_bad_upload_requests_are_400_and_record_nothing(user_api, user, body, field):
    batch = create_batch(user_api)
    response = request_upload(user_api, batch["id"], **body)
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert list(repository.uploads_iter(user_id=user.id)) == []


def test_a_photo_over_10_mib_is_413_and_records_nothing(user_api, user):
    batch = create_batch(user_api)
    assert request_upload(user_api, batch["id"], size=10 * 1024 * 1024).status_code == 201
    response = request_upload(user_api, batch["id"], size=10 * 1024 * 1024 + 1)
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
    assert len(list(repository.uploads_iter(user_id=user.id))) == 1


def test_an_upload_for_another_users_batch_is_404_and_records_nothing(user_api, other_api, other_user):
    theirs = create_batch(other_api)
    for size in (100, 10 * 1024 * 1024 + 1):
        response = request_upload(user_api, theirs["id"], size=size)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert list(repository.uploads_iter(user_id=other_user.id)) == []


def test_an_uploaded_photo_becomes_a_photo_event_with_a_working_url_and_stops_expiring(user_api, user):
    batch = create_batch(user_api)
    key = upload(user_api, batch["id"])
    response = user_api.post(f"/api/v1/batches/{batch['id']}/events",
                             {"type": "photo", "photo_key": key, "note": "Day 1"}, format="json")
    assert response.status_code == 201
    timeline = user_api.get(f"/api/v1/batches/{batch['id']}").json()["timeline"]
    assert [(e["type"], e["photo_key"]) for e in timeline] == [("photo", key)]
    url = timeline[0]["photo_url"]
    assert "X-Amz-Expires=300" in url and user.id not in url
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200 and fetched.content == JPEG
    assert tags_of(key) == {"attached": "true"}
    attached = upload_of(user, key)
    assert attached.attached and attached.expires_at is None


def test_attaching_a_photo_costs_two_dynamodb_requests_and_one_s3_request(user_api):
    batch = create_batch(user_api)
    key = upload(user_api, batch["id"])
    with count_requests() as dynamodb, S3Requests() as s3:
        assert attach(user_api, batch["id"], key).status_code == 201
    assert dynamodb.operations == ["GetItem", "TransactWriteItems"]  # the upload; event + upload attached
    assert s3.operations == ["PutObjectTagging"]  # attached=true, and the proof the object exists


def test_a_photo_event_needs_an_uploaded_object(user_api, user):
    batch = create_batch(user_api)
    key = request_upload(user_api, batch["id"]).json()["photo_key"]  # granted, never uploaded
    response = attach(user_api, batch["id"], key)
    assert response.status_code == 400 and "photo_key" in response.json()["error"]["fields"]
    assert list(repository.events_iter(user_id=user.id)) == []
    assert upload_of(user, key).attached is False


def test_a_photo_of_another_batch_or_a_forged_or_legacy_key_is_400(user_api, user):
    first, second = create_batch(user_api), create_batch(user_api)
    key = upload(user_api, first["id"])
    forged = "photos/" + "0" * 32
    legacy = f"users/{user.id}/batches/{second['id']}/photos/01HZZZZZZZZZZZZZZZZZZZZZZZ.jpg"
    for bad in (key, forged, legacy, f"{key}/../{key}", "/etc/passwd", "photos/", key.upper()):
        response = attach(user_api, second["id"], bad)
        assert response.status_code == 400, bad
        assert response.json()["error"]["code"] == "invalid"
    assert list(repository.events_iter(user_id=user.id)) == []
    # Not retagged. (S3 would show attached=false from the POST's tagging field; moto ignores that field.)
    assert tags_of(key).get("attached") != "true"


def test_another_users_upload_is_400_and_stays_theirs(user_api, user, other_api, other_user):
    mine, theirs = create_batch(user_api), create_batch(other_api)
    their_key = upload(other_api, theirs["id"])
    assert attach(user_api, mine["id"], their_key).status_code == 400
    assert attach(user_api, theirs["id"], their_key).status_code == 404  # their batch is not found
    assert upload_of(other_user, their_key).attached is False
    assert attach(other_api, theirs["id"], their_key).status_code == 201


def test_an_upload_is_attached_to_one_event_only(user_api, user):
    batch = create_batch(user_api)
    key = upload(user_api, batch["id"])
    assert attach(user_api, batch["id"], key).status_code == 201
    again = attach(user_api, batch["id"], key)
    assert again.status_code == 400 and "already attached" in again.json()["error"]["message"]
    assert len(list(repository.events_iter(user_id=user.id))) == 1
    assert tags_of(key) == {"attached": "true"}


def test_an_upload_not_attached_within_20_hours_has_expired(user_api, user):
    batch = create_batch(user_api)
    start = clock.now()
    with clock.frozen(start) as advance:
        key = upload(user_api, batch["id"])
        advance(dt.timedelta(hours=20, seconds=1))
        response = attach(user_api, batch["id"], key)
    assert response.status_code == 400 and "expired" in response.json()["error"]["message"]
    assert upload_of(user, key).attached is False and tags_of(key).get("attached") != "true"


def test_a_failed_attach_leaves_the_object_expiring_and_a_retry_succeeds(user_api, user):
    batch = create_batch(user_api)
    key = upload(user_api, batch["id"])
    with faults.dynamodb(fault="throttle", operations={"TransactWriteItems"}) as failed:
        response = attach(user_api, batch["id"], key)
    assert failed == ["TransactWriteItems"] and response.status_code == 503
    assert list(repository.events_iter(user_id=user.id)) == []
    assert tags_of(key) == {"attached": "false"}  # retagged: the lifecycle rule still deletes it
    assert upload_of(user, key).attached is False
    assert attach(user_api, batch["id"], key).status_code == 201
    assert tags_of(key) == {"attached": "true"}


def test_deleting_a_photo_event_deletes_the_photo_and_its_upload(user_api, user):
    batch = create_batch(user_api)
    key = upload(user_api, batch["id"])
    event = attach(user_api, batch["id"], key).json()
    with count_requests() as dynamodb, S3Requests() as s3:
        assert user_api.delete(f"/api/v1/batches/{batch['id']}/events/{event['id']}").status_code == 204
    assert dynamodb.operations == ["Query", "TransactWriteItems"] and s3.operations == ["DeleteObject"]
    assert list(repository.uploads_iter(user_id=user.id)) == []
    listing = aws.client("s3").list_objects_v2(Bucket=settings.PHOTOS_BUCKET)
    assert listing.get("Contents", []) == []
    assert attach(user_api, batch["id"], key).status_code == 400


def test_deleting_a_batch_finds_its_photos_through_one_query_of_the_upload_items(user_api, user):
    def delete_counts(batch: dict) -> tuple[list[str], list[str]]:
        add_event(user_api, batch["id"])
        with count_requests() as dynamodb, S3Requests() as s3:
            assert user_api.delete(f"/api/v1/batches/{batch['id']}").status_code == 204
        return sorted(dynamodb.operations), s3.operations

    plain = delete_counts(create_batch(user_api))
    with_photos = create_batch(user_api)
    for _ in range(3):
        attach(user_api, with_photos["id"], upload(user_api, with_photos["id"]))
    upload(user_api, with_photos["id"])  # never attached: deleted now too, not left to expire
    dynamodb, s3 = delete_counts(with_photos)
    # The uploads' Query runs either way; photos add one BatchWriteItem (their items) and one DeleteObjects
    # (their objects). The ListObjectsV2 is the legacy layout's sweep, until migrate_photo_keys has run.
    assert plain[1] == ["ListObjectsV2"] and s3 == ["DeleteObjects", "ListObjectsV2"]
    assert sorted([*plain[0], "BatchWriteItem"]) == dynamodb
    assert list(repository.uploads_iter(user_id=user.id)) == []
    assert aws.client("s3").list_objects_v2(Bucket=settings.PHOTOS_BUCKET).get("Contents", []) == []
