"""Timeline rules and writes: events (checked and written in one transaction) and photo uploads."""

import dataclasses
import datetime as dt
import logging
from typing import Any, NoReturn

from django.conf import settings

from apps.core import clock, ids
from apps.core.http.cursors import decode_cursor, encode_cursor
from apps.core.http.errors import Invalid, NotFound, PayloadTooLarge
from apps.events import photos, repository
from apps.events.repository import Event, Upload

logger = logging.getLogger("kefir.events")

CLIENT_TYPES = ("fed", "strained", "second_ferment_started", "bottled", "tasted", "temperature", "note", "photo")
TYPES = (*CLIENT_TYPES, "status_changed")

# An upload must be attached within this window. Its object, tagged attached=false, becomes eligible for
# the bucket's lifecycle expiry 24 h after it was created (see apps.events.photos): attaching (which
# retags it attached=true) stops 4 h before that, so no attach races the lifecycle.
UPLOAD_ATTACH_WINDOW = dt.timedelta(hours=20)
# The UPLOAD# item of a never-attached upload outlives its object (gone within 48 h), then TTL removes it.
UPLOAD_ITEM_TTL = dt.timedelta(days=2)


def _require_id(value: str) -> str:
    if not ids.is_id(value):
        raise NotFound()
    return value


def events_scope(*, user_id: str, batch_id: str, type: str | None) -> str:
    """The cursor scope of a batch's event list (the batch detail's timeline cursor continues it)."""
    return f"events:{user_id}:{batch_id}:{type or ''}"


def _batch_require(*, user_id: str, batch_id: str) -> None:
    """NotFound unless the caller has this batch (another user's batch is indistinguishable from a missing one)."""
    if not repository.batch_exists(user_id=user_id, batch_id=batch_id):
        raise NotFound("No such batch.")


def _check_fields(*, type: str, rating: int | None, temperature_c: float | None,
                  photo_key: str | None) -> None:
    if type == "status_changed":
        raise Invalid("status_changed events are written by the server.", fields={"type": ["Not allowed."]})
    if rating is not None and type != "tasted":
        raise Invalid("Only tasted events have a rating.", fields={"rating": ["Only for tasted events."]})
    if type == "temperature" and temperature_c is None:
        raise Invalid("A temperature event needs temperature_c.", fields={"temperature_c": ["Required."]})
    if type == "photo" and not photo_key:
        raise Invalid("A photo event needs the photo_key of an upload.", fields={"photo_key": ["Required."]})
    if type != "photo" and photo_key:
        raise Invalid("Only photo events have a photo.", fields={"photo_key": ["Only for photo events."]})


def _photo_refused(*, user_id: str, batch_id: str, message: str) -> NoReturn:
    # A missing batch (or another user's) is 404, as for every other event.
    _batch_require(user_id=user_id, batch_id=batch_id)
    raise Invalid(message, fields={"photo_key": [message]})


def _photo_upload(*, user_id: str, batch_id: str, photo_key: str, now: dt.datetime) -> Upload:
    """The caller's unattached, unexpired upload of this batch that `photo_key` names; else 404 or 400."""
    upload_id = photos.upload_id_of(photo_key)
    # The key's shape proves nothing: the upload must be an item in the caller's own partition.
    upload = repository.upload_get(user_id=user_id, upload_id=upload_id) if upload_id else None
    if upload is None or upload.batch_id != batch_id or upload.key != photo_key:
        _photo_refused(user_id=user_id, batch_id=batch_id,
                       message="photo_key is not an upload of this batch (POST /batches/{id}/photos).")
    if upload.attached:
        _photo_refused(user_id=user_id, batch_id=batch_id,
                       message="This upload is already attached to an event; upload the photo again.")
    if now - upload.created_at > UPLOAD_ATTACH_WINDOW:
        _photo_refused(user_id=user_id, batch_id=batch_id,
                       message="This upload has expired (unattached uploads are deleted); upload the photo again.")
    return upload


def _release_photo(*, user_id: str, upload: Upload) -> None:
    """After a failed attach: tag the object attached=false again unless an event did take the upload,
    so that the lifecycle rule still deletes it. Best effort: the attach's own error is what the client
    gets; a failure here is logged with the object key (no user data) for an operator."""
    try:
        current = repository.upload_get(user_id=user_id, upload_id=upload.id)
        if current is not None and not current.attached:
            photos.tag_attached(upload.key, attached=False)
    except Exception:
        logger.exception("could not retag a photo attached=false after a failed attach; it may never expire",
                         extra={"photo_key": upload.key})


def event_list(*, user_id: str, batch_id: str, type: str | None, limit: int,
               cursor: str | None) -> tuple[list[Event], str | None]:
    """A page of the batch's events, newest occurred_at first, optionally of one type."""
    _require_id(batch_id)
    scope = events_scope(user_id=user_id, batch_id=batch_id, type=type)
    page = repository.events_page(
        user_id=user_id, batch_id=batch_id, type=type, limit=limit, position=decode_cursor(cursor, scope=scope)
    )
    if not page.batch_found:
        raise NotFound("No such batch.")
    return page.events, encode_cursor(page.next_position, scope=scope)


def event_create(*, user_id: str, batch_id: str, type: str, occurred_at: dt.datetime | None = None,
                 note: str | None = None, temperature_c: float | None = None, rating: int | None = None,
                 photo_key: str | None = None) -> Event:
    """Append an event to the caller's batch; 404 and nothing written if the batch is not theirs."""
    _require_id(batch_id)
    _check_fields(type=type, rating=rating, temperature_c=temperature_c, photo_key=photo_key)
    now = clock.now()
    event = Event(
        id=ids.new_id(at=now), batch_id=batch_id, user_id=user_id, type=type, occurred_at=occurred_at or now,
        note=note or None, temperature_c=temperature_c, rating=rating, photo_key=photo_key, created_at=now,
    )
    from apps.reminders import services as reminders  # loaded by the requests that need it (cold starts)

    if type in reminders.FOLLOWED_EVENT_TYPES:
        # The event, the batch's cycle and its automatic reminders: one read, one transaction.
        reminders.event_add_following(user_id=user_id, batch_id=batch_id, type=type, occurred_at=event.occurred_at,
                                      temperature_c=temperature_c, event_op=repository.event_put_op(event=event))
        return event
    if type != "photo":
        if not repository.event_create(event=event):
            raise NotFound("No such batch.")
        return event
    # A photo: its upload item (1 GetItem), its object retagged attached=true (1 PutObjectTagging), then
    # the event and the upload marked attached in one transaction. The tag goes first so that an event
    # never holds an object the lifecycle rule may still delete; if the transaction fails, it is undone.
    upload = _photo_upload(user_id=user_id, batch_id=batch_id, photo_key=photo_key, now=now)
    try:
        # The PutObjectTagging also proves the object exists (NoSuchKey otherwise).
        uploaded = photos.tag_attached(photo_key, attached=True)
        created = uploaded and repository.event_create(event=event, upload_id=upload.id)
    except Exception:
        _release_photo(user_id=user_id, upload=upload)
        raise
    if not uploaded:
        _photo_refused(user_id=user_id, batch_id=batch_id,
                       message="The photo was not uploaded: post the file to the upload URL first.")
    if not created:
        _release_photo(user_id=user_id, upload=upload)
        # The batch went meanwhile (404), or another event took the upload first (400).
        _photo_refused(user_id=user_id, batch_id=batch_id,
                       message="This upload is already attached to an event; upload the photo again.")
    return event


def event_require(*, user_id: str, batch_id: str, event_id: str) -> Event:
    """The caller's event of that batch, or NotFound."""
    event = repository.event_get(user_id=user_id, batch_id=_require_id(batch_id), event_id=_require_id(event_id))
    if event is None:
        raise NotFound("No such event.")
    return event


def event_update(*, user_id: str, batch_id: str, event_id: str, changes: dict[str, Any]) -> Event:
    """Edit an event's time, note, temperature or rating (its type and photo stay)."""
    current = event_require(user_id=user_id, batch_id=batch_id, event_id=event_id)
    if current.type == "status_changed" and set(changes) - {"note"}:
        raise Invalid("Only the note of a status_changed event can be edited.",
                      fields={k: ["Not editable on status_changed events."] for k in set(changes) - {"note"}})
    updated = dataclasses.replace(current, **changes)
    if current.type != "status_changed":
        _check_fields(type=updated.type, rating=updated.rating, temperature_c=updated.temperature_c,
                      photo_key=updated.photo_key)
    if updated.occurred_at is None:
        updated = dataclasses.replace(updated, occurred_at=current.occurred_at)
    if not repository.event_replace(old=current, new=updated):
        raise NotFound("No such event.")
    return updated


def event_delete(*, user_id: str, batch_id: str, event_id: str) -> None:
    """Delete an event (and its photo: the object first, then the event with its upload item, so a retry
    after a failure finishes and no object is left without the item that finds it)."""
    event = event_require(user_id=user_id, batch_id=batch_id, event_id=event_id)
    if event.photo_key:
        photos.delete_photo(event.photo_key)
        if photos.parse_legacy_key(event.photo_key):
            # Not migrated yet; a migration run may already have copied it (apps.events.migration): the
            # copy goes too (found through its journal item, after the old object is gone, so that a
            # copy made meanwhile is found), or it would outlive the photo its owner deleted.
            copies = repository.uploads_of_legacy_key(user_id=user_id, legacy_key=event.photo_key)
            photos.delete_photos(upload.key for upload in copies)
            repository.uploads_delete(uploads=copies)
    # Only the caller's own partition is touched: a key naming someone else's upload id deletes nothing.
    upload_id = photos.upload_id_of(event.photo_key) if event.photo_key else None
    repository.event_delete(event=event, upload_id=upload_id)


def photo_upload_create(*, user_id: str, batch_id: str, content_type: str, size: int) -> dict:
    """A presigned POST for one photo of the caller's batch (exact key, type, tag attached=false,
    1 B..10 MiB, 300 s) and its UPLOAD# item, written with a check of the batch in one transaction."""
    _require_id(batch_id)
    if size > photos.MAX_PHOTO_BYTES:
        _batch_require(user_id=user_id, batch_id=batch_id)  # a missing batch stays 404
        raise PayloadTooLarge(f"A photo may be at most {photos.MAX_PHOTO_BYTES} bytes (10 MiB).")
    now = clock.now()
    upload_id = photos.new_upload_id()
    upload = Upload(id=upload_id, user_id=user_id, batch_id=batch_id, key=photos.photo_key(upload_id),
                    content_type=content_type, created_at=now, expires_at=now + UPLOAD_ITEM_TTL)
    if not repository.upload_create(upload=upload):
        raise NotFound("No such batch.")
    grant = photos.presigned_upload(key=upload.key, content_type=content_type)
    return {"photo_key": upload.key, "upload": {"url": grant["url"], "fields": grant["fields"]},
            "expires_in": settings.PRESIGNED_URL_EXPIRES_S}
