"""Data for export tests, saved through the owning apps' repositories (their API may not exist yet)."""

import datetime as dt

from django.conf import settings

from apps.batches import repository as batches_repository
from apps.core import clock, ids
from apps.events import photos
from apps.events import repository as events_repository
from kefir import aws

JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"kefir photo bytes " * 64 + b"\xff\xd9"


def make_batch(user_id: str, **overrides) -> batches_repository.Batch:
    now = overrides.pop("at", None) or clock.now()
    fields = dict(
        id=ids.new_id(at=now), user_id=user_id, name="Milk kefir", kind="milk", status="active", started_at=now,
        created_at=now, updated_at=now, version=1, temperature_c=21.5, grains_g=20, liquid_ml=500, notes="",
    )
    fields.update(overrides)
    batch = batches_repository.Batch(**fields)
    batches_repository.batch_create(batch=batch)
    return batch


def make_event(user_id: str, batch_id: str, **overrides) -> events_repository.Event:
    now = clock.now()
    fields = dict(id=ids.new_id(), batch_id=batch_id, user_id=user_id, type="note", occurred_at=now, created_at=now)
    fields.update(overrides)
    event = events_repository.Event(**fields)
    assert events_repository.event_create(event=event)
    return event


def make_photo_event(user_id: str, batch_id: str, content: bytes = JPEG_BYTES) -> events_repository.Event:
    """A photo event whose object exists in the bucket, with its attached upload item (as after the app's
    presigned upload and the event that took it)."""
    upload_id = photos.new_upload_id()
    upload = events_repository.Upload(id=upload_id, user_id=user_id, batch_id=batch_id,
                                      key=photos.photo_key(upload_id), content_type="image/jpeg",
                                      created_at=clock.now(), attached=True)
    assert events_repository.upload_put(upload=upload)
    aws.client("s3").put_object(Bucket=settings.PHOTOS_BUCKET, Key=upload.key, Body=content,
                                ContentType="image/jpeg", Tagging="attached=true")
    return make_event(user_id, batch_id, type="photo", photo_key=upload.key)


def make_events(user_id: str, batch_id: str, count: int, *, start: dt.datetime | None = None) -> None:
    start = start or clock.now() - dt.timedelta(days=1)
    for index in range(count):
        make_event(user_id, batch_id, type="fed", occurred_at=start + dt.timedelta(minutes=index),
                   note=f"feeding {index}")
