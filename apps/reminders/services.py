"""Reminder rules: scheduling, rescheduling, cancelling, listing, and timing suggestions."""

import datetime as dt

from apps.batches.repository import batch_get
from apps.core import clock, ids
from apps.core.http.cursors import decode_cursor, encode_cursor
from apps.core.http.errors import Conflict, Invalid, NotFound
from apps.reminders import repository, timing
from apps.reminders.repository import Reminder

KINDS = ("strain", "feed", "second_ferment_done", "move_to_fridge", "custom")
STATUSES = ("pending", "sent", "failed", "cancelled")
# A client's clock may lag ours a little; a reminder set "now" must not be refused.
PAST_TOLERANCE = dt.timedelta(minutes=1)
MAX_AHEAD = clock.HORIZON


def _require_batch(*, user_id: str, batch_id: str):
    batch = batch_get(user_id=user_id, batch_id=batch_id) if ids.is_id(batch_id) else None
    if batch is None:
        raise NotFound("No such batch.")
    return batch


def _check_due_at(due_at: dt.datetime, now: dt.datetime) -> None:
    if due_at < now - PAST_TOLERANCE:
        raise Invalid("Some fields are not valid.", fields={"due_at": ["Must not be in the past."]})
    if due_at > now + MAX_AHEAD:
        raise Invalid("Some fields are not valid.", fields={"due_at": ["Must be within a year from now."]})


def _require_reminder(*, user_id: str, reminder_id: str) -> Reminder:
    reminder = repository.reminder_get(user_id=user_id, reminder_id=reminder_id) if ids.is_id(reminder_id) else None
    if reminder is None:
        raise NotFound("No such reminder.")
    return reminder


def reminder_schedule(*, user_id: str, batch_id: str, kind: str, due_at: dt.datetime,
                      message: str | None = None) -> Reminder:
    """Create a pending reminder for one of the caller's batches."""
    now = clock.now()
    _check_due_at(due_at, now)
    _require_batch(user_id=user_id, batch_id=batch_id)
    reminder = Reminder(
        id=ids.new_id(at=now), user_id=user_id, batch_id=batch_id, kind=kind, due_at=due_at,
        message=message or None, status="pending", sent_at=None, created_at=now, updated_at=now,
    )
    repository.reminder_put(reminder=reminder)
    return reminder


def reminder_get(*, user_id: str, reminder_id: str) -> Reminder:
    """One of the caller's reminders; NotFound otherwise."""
    return _require_reminder(user_id=user_id, reminder_id=reminder_id)


def reminder_update(*, user_id: str, reminder_id: str, changes: dict) -> Reminder:
    """Move a pending reminder and/or change its message; Conflict once it was sent or cancelled."""
    current = _require_reminder(user_id=user_id, reminder_id=reminder_id)
    now = clock.now()
    due_at = changes.get("due_at")
    if due_at is not None:
        _check_due_at(due_at, now)
    if current.status != "pending" or not repository.reminder_reschedule(
        user_id=user_id, reminder_id=reminder_id, due_at=due_at, message=changes.get("message"),
        set_message="message" in changes, updated_at=now,
    ):
        raise Conflict(f"Only a pending reminder can change; this one is {_status_now(user_id, reminder_id)}.")
    return _require_reminder(user_id=user_id, reminder_id=reminder_id)


def _status_now(user_id: str, reminder_id: str) -> str:
    reminder = repository.reminder_get(user_id=user_id, reminder_id=reminder_id)
    if reminder is None:
        raise NotFound("No such reminder.")
    return reminder.status


def reminder_cancel(*, user_id: str, reminder_id: str) -> None:
    """Cancel a pending reminder (it is never sent); a finished one is removed from the list."""
    current = _require_reminder(user_id=user_id, reminder_id=reminder_id)
    if current.status == "cancelled":
        return
    if current.status == "pending" and repository.reminder_cancel(
        user_id=user_id, reminder_id=reminder_id, at=clock.now()
    ):
        return
    if _status_now(user_id, reminder_id) in ("sent", "failed"):
        repository.reminder_delete(user_id=user_id, reminder_id=reminder_id)


def reminder_list(*, user_id: str, status: str | None, batch_id: str | None, limit: int,
                  cursor: str | None) -> tuple[list[Reminder], str | None]:
    """A page of the caller's reminders, soonest due first, and the next page's cursor."""
    scope = f"reminders:{user_id}:{status or ''}:{batch_id or ''}"
    position = decode_cursor(cursor, scope=scope)
    if batch_id is not None and not ids.is_id(batch_id):
        return [], None
    found = repository.reminders_of(user_id=user_id, status=status, batch_id=batch_id)
    if position is not None:
        after = (str(position.get("d", "")), str(position.get("i", "")))
        found = [r for r in found if (clock.isoformat(r.due_at), r.id) > after]
    page = found[:limit]
    next_position = None
    if len(found) > limit:
        last = page[-1]
        next_position = {"d": clock.isoformat(last.due_at), "i": last.id}
    return page, encode_cursor(next_position, scope=scope)


def reminder_suggestions(*, user_id: str, batch_id: str) -> list[timing.Suggestion]:
    """When to strain, second-ferment or feed one of the caller's batches (the timing model)."""
    batch = _require_batch(user_id=user_id, batch_id=batch_id)
    return timing.suggest(
        kind=batch.kind, status=batch.status, started_at=batch.started_at, now=clock.now(),
        temperature_c=batch.temperature_c, grains_g=batch.grains_g, liquid_ml=batch.liquid_ml,
    )


def reminders_remove_for_batch(*, user_id: str, batch_id: str) -> int:
    """Remove a deleted batch's reminders (idempotent); how many went."""
    return repository.reminders_delete_for_batch(user_id=user_id, batch_id=batch_id)
