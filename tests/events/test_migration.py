"""`manage.py migrate_photo_keys`: legacy photo objects move to opaque keys, idempotently, and a run
interrupted at any step (faults at botocore's boundary) is completed by the next run."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from apps.core import clock, ids
from apps.events import photos
from apps.events import repository as events_repository
from kefir import aws
from tests import factory, faults
from tests.exports import builders

PNG = b"\x89PNG\r\n\x1a\n" + b"legacy kefir" * 50


def s3():
    return aws.client("s3")


def bucket() -> dict[str, bytes]:
    """Every object in the bucket with its bytes."""
    pages = s3().get_paginator("list_objects_v2").paginate(Bucket=settings.PHOTOS_BUCKET)
    keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
    return {key: s3().get_object(Bucket=settings.PHOTOS_BUCKET, Key=key)["Body"].read() for key in keys}


def tags_of(key: str) -> dict:
    tags = s3().get_object_tagging(Bucket=settings.PHOTOS_BUCKET, Key=key)["TagSet"]
    return {tag["Key"]: tag["Value"] for tag in tags}


def legacy_photo(user_id: str, batch_id: str, content: bytes, *, events: int = 1,
                 content_type: str = "image/png") -> str:
    """An object of the legacy layout, held by `events` photo events (as before issue 21)."""
    key = photos.legacy_key(user_id=user_id, batch_id=batch_id, photo_id=ids.new_id(), content_type=content_type)
    s3().put_object(Bucket=settings.PHOTOS_BUCKET, Key=key, Body=content, ContentType=content_type)
    for _ in range(events):
        builders.make_event(user_id, batch_id, type="photo", photo_key=key)
    return key


def run(**options) -> str:
    from io import StringIO

    out = StringIO()
    call_command("migrate_photo_keys", stdout=out, **options)
    return out.getvalue()


def counts(output: str) -> dict[str, str]:
    last = output.strip().splitlines()[-1]
    return dict(part.split("=") for part in last.split())


@pytest.fixture
def legacy(user):
    """Two batches of one user with legacy photos: two attached (one of them held by two events), one
    never attached; and a second user's photo."""
    first = builders.make_batch(user.id)
    second = builders.make_batch(user.id, name="Water kefir", kind="water")
    someone = factory.make_user()
    theirs = builders.make_batch(someone.id)
    photo_held_twice = legacy_photo(user.id, first.id, PNG + b"2", events=2, content_type="image/jpeg")
    return {
        "user": user, "someone": someone, "held": {photo_held_twice: 2},
        "first": first.id, "second": second.id, "theirs": theirs.id,
        "photos": {
            legacy_photo(user.id, first.id, PNG + b"1"): PNG + b"1",
            photo_held_twice: PNG + b"2",
            legacy_photo(user.id, second.id, PNG + b"3", events=0): PNG + b"3",
            legacy_photo(someone.id, theirs.id, PNG + b"4"): PNG + b"4",
        },
    }


def assert_fully_migrated(data: dict) -> None:
    """Every legacy photo is at exactly one opaque key with its bytes, an UPLOAD# item and the right tag;
    every event points at it; nothing else is in the bucket."""
    objects = bucket()
    assert not [key for key in objects if key.startswith("users/")]
    owners = {data["user"].id, data["someone"].id}
    uploads = [u for owner in owners for u in events_repository.uploads_iter(user_id=owner)]
    assert sorted(u.legacy_key for u in uploads) == sorted(data["photos"])  # one upload per photo
    assert sorted(objects) == sorted(u.key for u in uploads)  # one object per upload, no strays
    for upload in uploads:
        assert photos.upload_id_of(upload.key) == upload.id
        assert objects[upload.key] == data["photos"][upload.legacy_key]
        owner, batch = upload.legacy_key.split("/")[1], upload.legacy_key.split("/")[3]
        assert (upload.user_id, upload.batch_id) == (owner, batch)
        held = [e for e in events_repository.events_iter(user_id=owner) if e.photo_key == upload.key]
        assert upload.attached == bool(held)
        assert tags_of(upload.key) == {"attached": "true" if held else "false"}
        assert (upload.expires_at is None) == upload.attached
        head = s3().head_object(Bucket=settings.PHOTOS_BUCKET, Key=upload.key)
        assert head["ContentType"] == upload.content_type
    for owner in owners:
        assert not [e for e in events_repository.events_iter(user_id=owner)
                    if e.photo_key and e.photo_key.startswith("users/")]
    for upload in uploads:  # every event that held the old key holds the new one
        assert len([e for e in events_repository.events_iter(user_id=upload.user_id)
                    if e.photo_key == upload.key]) == data.get("held", {}).get(upload.legacy_key, upload.attached)


def test_the_migration_moves_every_legacy_photo_and_a_second_run_changes_nothing(legacy):
    s3().put_object(Bucket=settings.PHOTOS_BUCKET, Key=f"users/{legacy['user'].id}/notes.txt", Body=b"?")
    output = run()
    assert counts(output) == {"pages": "1", "listed": "5", "migrated": "3", "unattached": "1",
                              "events_rewritten": "4", "vanished": "0", "skipped": "1", "failed": "0",
                              "stopped_at_limit": "False"}
    s3().delete_object(Bucket=settings.PHOTOS_BUCKET, Key=f"users/{legacy['user'].id}/notes.txt")
    assert_fully_migrated(legacy)
    before = bucket()
    uploads_before = sorted(u.key for u in events_repository.uploads_iter(user_id=legacy["user"].id))
    assert counts(run())["listed"] == "0"
    assert bucket() == before
    assert sorted(u.key for u in events_repository.uploads_iter(user_id=legacy["user"].id)) == uploads_before


def test_the_migration_pages_through_the_listing_and_reports_each_page(legacy):
    output = run(page_size=2)
    assert [line.split(":")[0] for line in output.splitlines()[:-1]] == ["page 1", "page 2"]
    assert counts(output)["pages"] == "2" and counts(output)["listed"] == "4"
    assert_fully_migrated(legacy)


def test_a_limited_run_stops_and_the_next_runs_finish(legacy):
    assert counts(run(limit=1))["stopped_at_limit"] == "True"
    assert len([k for k in bucket() if k.startswith("users/")]) == 3
    assert counts(run(limit=2))["stopped_at_limit"] == "True"
    assert counts(run())["listed"] == "1"
    assert_fully_migrated(legacy)


# Each step of one photo's migration, interrupted: (which client, the operation that fails, how many of
# that operation succeed first). The first run fails for that photo; the next run completes it.
STEPS = {
    "journal item not written": ("dynamodb", "PutItem", 0),
    "crash before the copy": ("s3", "CopyObject", 0),
    "crash after the copy, before any event": ("dynamodb", "UpdateItem", 0),
    "crash after rewriting one of two events": ("dynamodb", "UpdateItem", 1),
    "crash before deleting the old object": ("s3", "DeleteObject", 0),
    "crash while reading the journal": ("dynamodb", "Query", 1),
}


@pytest.mark.parametrize("step", STEPS)
def test_a_run_interrupted_at_each_step_is_completed_by_the_next_run(user, step):
    client, operation, after = STEPS[step]
    batch = builders.make_batch(user.id)
    key = legacy_photo(user.id, batch.id, PNG, events=2)
    data = {"user": user, "someone": user, "photos": {key: PNG}, "held": {key: 2}}
    inject = faults.s3 if client == "s3" else faults.dynamodb
    with inject(fault="s3-unavailable" if client == "s3" else "throttle", operations={operation},
                after=after) as failed:
        with pytest.raises(CommandError, match="1 photo"):
            run()
    assert failed, "the fault never fired"
    assert bucket()[key] == PNG  # the old object stays until everything else is done
    held = [e.photo_key for e in events_repository.events_iter(user_id=user.id)]
    assert len(held) == 2 and all(k == key or photos.upload_id_of(k) for k in held)
    assert len(list(events_repository.uploads_iter(user_id=user.id))) <= 1  # never two journal items

    assert counts(run())["failed"] == "0"
    assert_fully_migrated(data)
    assert len(bucket()) == 1


def test_a_photo_deleted_by_its_owner_during_an_interrupted_migration_is_not_resurrected(user, user_api):
    batch = builders.make_batch(user.id)
    key = legacy_photo(user.id, batch.id, PNG)
    with faults.dynamodb(fault="throttle", operations={"UpdateItem"}), pytest.raises(CommandError):
        run()  # copied, not yet rewritten
    (event,) = events_repository.events_iter(user_id=user.id)
    assert event.photo_key == key
    assert user_api.delete(f"/api/v1/batches/{batch.id}/events/{event.id}").status_code == 204
    assert counts(run())["listed"] == "0"
    # The owner's delete took the legacy object and the copy the interrupted run had made.
    assert bucket() == {}
    assert list(events_repository.uploads_iter(user_id=user.id)) == []


def test_erasure_finds_legacy_and_migrated_photos(user):
    batch = builders.make_batch(user.id)
    migrated = legacy_photo(user.id, batch.id, PNG)
    run()
    unmigrated = legacy_photo(user.id, batch.id, PNG + b"2")
    assert len(bucket()) == 2 and migrated not in bucket()
    from apps.accounts import deletion

    deletion.account_delete(user_id=user.id)
    assert bucket() == {} and unmigrated
    assert list(events_repository.uploads_iter(user_id=user.id)) == []


def test_an_unattached_migrated_photo_expires_like_any_upload(user):
    batch = builders.make_batch(user.id)
    with clock.frozen(dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)):
        legacy_photo(user.id, batch.id, PNG, events=0)
        run()
    (upload,) = events_repository.uploads_iter(user_id=user.id)
    assert not upload.attached and upload.expires_at == dt.datetime(2026, 5, 3, 8, 0, tzinfo=dt.UTC)
    assert tags_of(upload.key) == {"attached": "false"}
