"""Batch rules and writes: creation, optimistic-locked edits, the status machine, cascading delete,
share links and the public view."""

import dataclasses
import datetime as dt
import logging
import re
import secrets
from typing import Any

from apps.batches import machine, repository
from apps.batches.repository import Batch, BatchPage, BatchWithTimeline
from apps.core import clock, hooks, ids
from apps.core.http.cursors import decode_cursor, encode_cursor
from apps.core.http.errors import Conflict, Invalid, InvalidTransition, NotFound
from apps.events import photo_deletion
from apps.events import repository as events_repository
from apps.events.repository import Event
from apps.events.services import events_scope
from apps.grains import repository as grains_repository
from apps.grains import services as grains_services

logger = logging.getLogger("kefir.batches")
TIMELINE_LIMIT = 50
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32): 256 bits


@dataclasses.dataclass(frozen=True)
class ShareResult:
    token: str
    url: str
    created: bool


def _require_id(batch_id: str) -> str:
    # Ids become part of keys: anything that is not one of our ids cannot name a batch.
    if not ids.is_id(batch_id):
        raise NotFound()
    return batch_id


def batch_require(*, user_id: str, batch_id: str) -> Batch:
    """The caller's batch, or NotFound (another user's batch is indistinguishable from a missing one)."""
    batch = repository.batch_get(user_id=user_id, batch_id=_require_id(batch_id))
    if batch is None:
        raise NotFound("No such batch.")
    return batch


def batch_list(*, user_id: str, status_filter: str | None, limit: int,
               cursor: str | None) -> tuple[list[Batch], str | None]:
    """A page of the caller's batches, newest first, and the cursor of the next page."""
    scope = f"batches:{user_id}:{status_filter or ''}"
    page: BatchPage = repository.batches_page(
        user_id=user_id, status=status_filter, limit=limit, position=decode_cursor(cursor, scope=scope)
    )
    return page.batches, encode_cursor(page.next_position, scope=scope)


def batch_create(*, user_id: str, name: str, kind: str, status: str = "active",
                 started_at: dt.datetime | None = None, temperature_c: float | None = None,
                 grains_g: float | None = None, liquid_ml: float | None = None, sugar_g: float | None = None,
                 notes: str = "", grains_id: str | None = None, auto_reminders: bool = True) -> Batch:
    """Create a batch (version 1), with the automatic reminder its status calls for in the same transaction;
    started from grains, grains_g defaults to their estimated mass."""
    now = clock.now()
    if grains_id is not None:
        grains = grains_services.grains_for_batch(user_id=user_id, grains_id=grains_id, kind=kind)
        grains_g = grains_services.estimated_mass_g(grains, now=now) if grains_g is None else grains_g
    batch = Batch(
        id=ids.new_id(at=now), user_id=user_id, name=name, kind=kind, status=status,
        started_at=started_at or now, created_at=now, updated_at=now, version=1,
        temperature_c=temperature_c, grains_g=grains_g, liquid_ml=liquid_ml, sugar_g=sugar_g, notes=notes or "",
        grains_id=grains_id, auto_reminders=auto_reminders,
    )
    from apps.reminders import services as reminders  # loaded by the requests that need it (cold starts)

    if reminders.batch_needs_following(batch=batch):
        reminders.batch_create_following(batch=batch)
    else:
        repository.batch_create(batch=batch)
    return batch


def batch_detail(*, user_id: str, batch_id: str) -> tuple[BatchWithTimeline, str | None]:
    """The batch with its newest 50 events (one Query) and the cursor of the rest of the timeline."""
    found = repository.batch_with_timeline(user_id=user_id, batch_id=_require_id(batch_id), limit=TIMELINE_LIMIT)
    if found is None:
        raise NotFound("No such batch.")
    cursor = encode_cursor(found.next_position, scope=events_scope(user_id=user_id, batch_id=batch_id, type=None))
    return found, cursor


def batch_update(*, user_id: str, batch_id: str, version: int, changes: dict[str, Any]) -> Batch:
    """Apply `changes` if `version` is current: 409 if stale, 400 invalid_transition for a forbidden
    status change. A status change writes the batch, a status_changed event and the batch's reminders in
    one transaction (_batch_update_following)."""
    _require_id(batch_id)
    _check_grains(user_id=user_id, batch_id=batch_id, changes=changes)
    now = clock.now()
    from apps.reminders import services as reminders  # loaded by the requests that need it (cold starts)

    if any(name in changes for name in reminders.FOLLOWED_FIELDS):
        return _batch_update_following(user_id=user_id, batch_id=batch_id, version=version, changes=changes,
                                       now=now)
    updated = repository.batch_update(
        user_id=user_id, batch_id=batch_id, expected_version=version, changes=changes, updated_at=now
    )
    if updated is None:
        _raise_missing_or_stale(user_id=user_id, batch_id=batch_id)
    return updated


def _check_grains(*, user_id: str, batch_id: str, changes: dict[str, Any]) -> None:
    # The linked grains stay the user's own and of the batch's kind: new grains are checked against the new
    # (or stored) kind, a new kind against the stored grains (unless those were deleted since).
    grains_id, kind = changes.get("grains_id"), changes.get("kind")
    if grains_id is not None:
        kind = kind or batch_require(user_id=user_id, batch_id=batch_id).kind
        grains_services.grains_for_batch(user_id=user_id, grains_id=grains_id, kind=kind)
    elif kind is not None and "grains_id" not in changes:
        current = batch_require(user_id=user_id, batch_id=batch_id)
        linked = (grains_repository.grains_get(user_id=user_id, grains_id=current.grains_id)
                  if current.grains_id and current.kind != kind else None)
        if linked is not None and linked.kind != kind:
            raise Invalid("The batch's grains are of another kind.", fields={
                "kind": [f"The batch's grains are {linked.kind} kefir grains."],
                "grains_id": ["Send other grains (or null) with the new kind."]})


def _batch_update_following(*, user_id: str, batch_id: str, version: int, changes: dict[str, Any],
                            now: dt.datetime) -> Batch:
    # A PATCH of what reminders follow (status, conditions, auto_reminders): the batch, its status_changed event,
    # its cycle and its automatic reminders in one transaction, after one read.
    from apps.reminders import services as reminders

    def decide(current: Batch) -> tuple[dict[str, Any], list]:
        if current.version != version:
            raise Conflict("The batch changed since you loaded it (stale version); reload it and try again.")
        wanted = dict(changes)
        ops = []
        new_status = wanted.get("status")
        if new_status == current.status:
            wanted.pop("status")
        elif new_status is not None:
            if not machine.is_allowed(current.status, new_status):
                allowed = list(machine.allowed_next(current.status))
                raise InvalidTransition(
                    f"A batch cannot go from {current.status} to {new_status}.", fields={"status": allowed}
                )
            event = Event(
                id=ids.new_id(at=now), batch_id=batch_id, user_id=user_id, type="status_changed",
                occurred_at=now, note=f"{machine.LABELS[current.status]} → {machine.LABELS[new_status]}",
                status=new_status, created_at=now,
            )
            ops.append(events_repository.event_put_op(event=event))
        ops.insert(0, repository.batch_update_op(current=current, changes=wanted, updated_at=now))
        return wanted, ops

    return reminders.batch_update_following(user_id=user_id, batch_id=batch_id, decide=decide)


def _raise_missing_or_stale(*, user_id: str, batch_id: str) -> None:
    batch_require(user_id=user_id, batch_id=batch_id)
    raise Conflict("The batch changed since you loaded it (stale version); reload it and try again.")


def batch_delete(*, user_id: str, batch_id: str) -> None:
    """Delete the batch, its share link, photos and events, then tell other apps (reminders)."""
    batch = batch_require(user_id=user_id, batch_id=batch_id)
    # The batch item goes last: if anything fails half-way, a retry still finds the batch and finishes.
    if batch.share_token:
        repository.share_delete(token=batch.share_token)
    photo_deletion.batch_photos_delete(user_id=user_id, batch_id=batch_id)
    events_repository.events_delete(user_id=user_id, batch_id=batch_id)
    repository.batch_delete(user_id=user_id, batch_id=batch_id)
    hooks.batch_deleted.send(sender=batch_delete, user_id=user_id, batch_id=batch_id)
    logger.info("batch deleted", extra={"user_id": user_id, "batch_id": batch_id})


def share_create(*, user_id: str, batch_id: str) -> ShareResult:
    """The batch's public link, created on first call; later calls return the same link."""
    for _ in range(3):
        batch = batch_require(user_id=user_id, batch_id=batch_id)
        if batch.share_token:
            return ShareResult(batch.share_token, repository.share_url(batch.share_token), created=False)
        token = secrets.token_urlsafe(32)
        if repository.share_create(batch=batch, token=token, created_at=clock.now()):
            return ShareResult(token, repository.share_url(token), created=True)
        # Lost a race with another share (or a delete): look again.
    raise Conflict("The batch is changing; try again.")


def share_revoke(*, user_id: str, batch_id: str) -> None:
    """Revoke the batch's public link (nothing to do if it is not shared)."""
    for _ in range(3):
        batch = batch_require(user_id=user_id, batch_id=batch_id)
        if repository.share_remove(batch=batch):
            return
    raise Conflict("The batch is changing; try again.")


def public_batch_get(*, token: str) -> BatchWithTimeline:
    """The shared batch and its newest events; NotFound for unknown or revoked tokens."""
    if not TOKEN_PATTERN.match(token or ""):
        raise NotFound()
    found = repository.public_batch(token=token, limit=TIMELINE_LIMIT)
    if found is None:
        raise NotFound()
    return found
