"""Timeline rules and writes: events (checked and written in one transaction) and photo uploads."""

import dataclasses
import datetime as dt
import logging
from typing import Any

from django.conf import settings

from apps.batches import services as batch_services
from apps.core import clock, ids
from apps.core.cursors import decode_cursor, encode_cursor
from apps.core.errors import Invalid, NotFound, PayloadTooLarge
from apps.events import photos, repository
from apps.events.repository import Event

logger = logging.getLogger("kefir.events")

CLIENT_TYPES = ("fed", "strained", "second_ferment_started", "bottled", "tasted", "temperature", "note", "photo")
TYPES = (*CLIENT_TYPES, "status_changed")


def _require_id(value: str) -> str:
    if not ids.is_id(value):
        raise NotFound()
    return value


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


def _check_photo(*, user_id: str, batch_id: str, photo_key: str) -> None:
    bad_key = not photo_key.startswith(photos.photo_prefix(user_id, batch_id)) or ".." in photo_key
    if bad_key or not photos.photo_exists(photo_key):
        # A missing batch (or another user's) is 404, as for every other event.
        batch_services.batch_require(user_id=user_id, batch_id=batch_id)
        raise Invalid("photo_key is not an uploaded photo of this batch.",
                      fields={"photo_key": ["Upload the photo first (POST /batches/{id}/photos)."]})


def event_list(*, user_id: str, batch_id: str, type: str | None, limit: int,
               cursor: str | None) -> tuple[list[Event], str | None]:
    """A page of the batch's events, newest occurred_at first, optionally of one type."""
    _require_id(batch_id)
    scope = batch_services.events_scope(user_id=user_id, batch_id=batch_id, type=type)
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
    if type == "photo":
        _check_photo(user_id=user_id, batch_id=batch_id, photo_key=photo_key)
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
    if not repository.event_create(event=event):
        raise NotFound("No such batch.")
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
    """Delete an event (and its photo object)."""
    event = event_require(user_id=user_id, batch_id=batch_id, event_id=event_id)
    repository.event_delete(event=event)
    if event.photo_key:
        photos.delete_photo(event.photo_key)


def photo_upload_create(*, user_id: str, batch_id: str, content_type: str, size: int) -> dict:
    """A presigned POST for one photo of the caller's batch: exact key, type, 1 B..10 MiB, 300 s."""
    batch_services.batch_require(user_id=user_id, batch_id=batch_id)
    if size > photos.MAX_PHOTO_BYTES:
        raise PayloadTooLarge(f"A photo may be at most {photos.MAX_PHOTO_BYTES} bytes (10 MiB).")
    key = photos.photo_key(user_id=user_id, batch_id=batch_id, photo_id=ids.new_id(), content_type=content_type)
    upload = photos.presigned_upload(key=key, content_type=content_type)
    return {"photo_key": key, "upload": {"url": upload["url"], "fields": upload["fields"]},
            "expires_in": settings.PRESIGNED_URL_EXPIRES_S}
