"""Faults at botocore's boundary on real endpoints: a clear 503, and nothing half-written."""

from apps.events import repository
from tests import faults
from tests.batches.helpers import create_batch
from tests.events.test_photos import upload


def assert_unavailable(response):
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    assert int(response["Retry-After"]) >= 1


def test_s3_unavailable_when_a_photo_event_checks_its_upload_is_503_and_writes_nothing(user_api, user):
    batch = create_batch(user_api)
    key = upload(user_api, batch["id"])
    with faults.s3(fault="s3-unavailable", operations={"PutObjectTagging"}) as failed:
        response = user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "photo", "photo_key": key},
                                 format="json")
    assert failed == ["PutObjectTagging", "PutObjectTagging"]  # attached=true, then the undo: attached=false
    assert_unavailable(response)
    assert list(repository.events_iter(user_id=user.id, batch_id=batch["id"])) == []
    assert [u.attached for u in repository.uploads_iter(user_id=user.id)] == [False]


def test_s3_unreachable_when_granting_an_upload_is_still_a_grant(user_api):
    # Presigning is local: granting an upload needs no S3 round trip, so it works while S3 is down.
    batch = create_batch(user_api)
    with faults.s3(fault="unreachable") as failed:
        response = user_api.post(f"/api/v1/batches/{batch['id']}/photos",
                                 {"content_type": "image/jpeg", "size": 1000}, format="json")
    assert response.status_code == 201 and failed == []


def test_a_throttled_status_change_is_503_and_changes_nothing(user_api, user):
    batch = create_batch(user_api)
    with faults.dynamodb(fault="throttle", operations={"TransactWriteItems"}) as failed:
        response = user_api.patch(f"/api/v1/batches/{batch['id']}",
                                  {"version": batch["version"], "status": "in_fridge"}, format="json")
    assert failed == ["TransactWriteItems"]
    assert_unavailable(response)
    after = user_api.get(f"/api/v1/batches/{batch['id']}").json()
    assert (after["status"], after["version"]) == ("active", batch["version"])
    assert [e["type"] for e in after["timeline"]] == []


def test_a_timed_out_event_write_is_503_and_a_retry_succeeds(user_api, user):
    batch = create_batch(user_api)
    with faults.dynamodb(fault="timeout", operations={"TransactWriteItems"}):
        assert_unavailable(user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "fed"}, format="json"))
    assert list(repository.events_iter(user_id=user.id, batch_id=batch["id"])) == []
    assert user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "fed"}, format="json").status_code == 201
