"""Batches and share links: the only door to their items (with events, a batch's timeline)."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from pynamodb.exceptions import TransactWriteError, UpdateError

from apps.batches import keys as batch_keys
from apps.batches.models import BatchItem, ShareItem
from apps.core import clock
from apps.core.aws.table import ItemRead, TableItem, WriteOp, transact_write
from apps.events import keys
from apps.events import repository as events_repository
from apps.events.models import EventItem
from apps.events.repository import Event, condition_failed

ITER_PAGE_SIZE = 100
# What the batch detail's timeline Query reads: its batch item and its events, without what the keys give.
TIMELINE_ATTRIBUTES = events_repository.timeline_attributes(BatchItem)
WRITABLE = ("name", "kind", "status", "started_at", "temperature_c", "grains_g", "liquid_ml", "sugar_g", "notes",
            "grains_id", "auto_reminders")


@dataclass(frozen=True)
class Batch:
    id: str
    user_id: str
    name: str
    kind: str
    status: str
    started_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    temperature_c: float | None = None
    grains_g: float | None = None
    liquid_ml: float | None = None
    sugar_g: float | None = None
    notes: str = ""
    share_token: str | None = None
    grains_id: str | None = None
    auto_reminders: bool = True

    @property
    def share_url(self) -> str | None:
        return share_url(self.share_token) if self.share_token else None


@dataclass(frozen=True)
class BatchPage:
    batches: list[Batch]
    next_position: dict | None


@dataclass(frozen=True)
class BatchWithTimeline:
    batch: Batch
    timeline: list[Event]
    next_position: dict | None


@dataclass(frozen=True)
class ShareLink:
    token: str
    user_id: str
    batch_id: str
    created_at: dt.datetime


def share_url(token: str) -> str:
    """The public page of a share token."""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/b/{token}"


def _batch(item: BatchItem) -> Batch:
    return Batch(
        id=item.batch_id, user_id=item.user_id, name=item.name, kind=item.kind, status=item.status,
        started_at=clock.parse(item.started_at), created_at=clock.parse(item.created_at),
        updated_at=clock.parse(item.updated_at), version=int(item.version), temperature_c=item.temperature_c,
        grains_g=item.grains_g, liquid_ml=item.liquid_ml, sugar_g=item.sugar_g, notes=item.notes or "",
        share_token=item.share_token, grains_id=item.grains_id, auto_reminders=item.auto_reminders is not False,
    )


def _stored(value: Any) -> Any:
    return clock.isoformat(value) if isinstance(value, dt.datetime) else value


def _item(batch: Batch) -> BatchItem:
    return BatchItem(
        keys.user_pk(batch.user_id), keys.batch_sk(batch.id),
        GSI1PK=batch_keys.batch_list_pk(batch.user_id), GSI1SK=batch.id,
        batch_id=batch.id, user_id=batch.user_id, name=batch.name, kind=batch.kind, status=batch.status,
        started_at=_stored(batch.started_at), temperature_c=batch.temperature_c, grains_g=batch.grains_g,
        liquid_ml=batch.liquid_ml, sugar_g=batch.sugar_g, notes=batch.notes or None,
        created_at=_stored(batch.created_at), updated_at=_stored(batch.updated_at), version=batch.version,
        share_token=batch.share_token, grains_id=batch.grains_id,
        auto_reminders=None if batch.auto_reminders else False,
    )


def _gsi_position(item: BatchItem) -> dict:
    return {"PK": {"S": item.PK}, "SK": {"S": item.SK}, "GSI1PK": {"S": item.GSI1PK}, "GSI1SK": {"S": item.GSI1SK}}


def batch_get(*, user_id: str, batch_id: str) -> Batch | None:
    """The user's batch, or None if it does not exist or is someone else's."""
    try:
        return _batch(BatchItem.get(keys.user_pk(user_id), keys.batch_sk(batch_id), consistent_read=True))
    except BatchItem.DoesNotExist:
        return None


def batches_get_many(*, keys_of: list[tuple[str, str]]) -> dict[tuple[str, str], Batch]:
    """Many users' batches by (user_id, batch_id), in BatchGetItem requests of 100 (the reminder
    processor's read); the ones that exist, by their key."""
    wanted = list(dict.fromkeys(keys_of))
    found: dict[tuple[str, str], Batch] = {}
    for item in BatchItem.batch_get([(keys.user_pk(user_id), keys.batch_sk(batch_id)) for user_id, batch_id in wanted],
                                    consistent_read=True):
        batch = _batch(item)
        found[(batch.user_id, batch.id)] = batch
    return found


def batches_page(*, user_id: str, status: str | None, limit: int, position: dict | None) -> BatchPage:
    """A page of the user's batches, newest first (one GSI1 Query without a status filter)."""
    results = BatchItem.gsi1.query(
        batch_keys.batch_list_pk(user_id), scan_index_forward=False,
        filter_condition=(BatchItem.status == status) if status else None,
        limit=limit + 1, page_size=limit + 1, last_evaluated_key=position,
    )
    items = [item for item in results if isinstance(item, BatchItem)]
    following = _gsi_position(items[limit - 1]) if len(items) > limit else None
    return BatchPage([_batch(i) for i in items[:limit]], following)


def batches_iter(*, user_id: str) -> Iterator[Batch]:
    """All of the user's batches, page by page, newest first."""
    for item in BatchItem.gsi1.query(batch_keys.batch_list_pk(user_id), scan_index_forward=False,
                                     page_size=ITER_PAGE_SIZE):
        if isinstance(item, BatchItem):
            yield _batch(item)


def batch_with_timeline(*, user_id: str, batch_id: str, limit: int = 50) -> BatchWithTimeline | None:
    """The batch and its newest `limit` events in ONE Query (META sorts first when descending)."""
    want = limit + 2  # the batch, `limit` events, and one more to know whether a next page exists
    batch: Batch | None = None
    items: list[EventItem] = []
    for item in TableItem.query(
        keys.user_pk(user_id), TableItem.SK.startswith(keys.batch_prefix(batch_id)),
        scan_index_forward=False, limit=want, page_size=want,
        attributes_to_get=TIMELINE_ATTRIBUTES,
    ):
        if isinstance(item, BatchItem):
            batch = _batch(events_repository.timeline_item(item, user_id=user_id, batch_id=batch_id))
        elif isinstance(item, EventItem):
            items.append(events_repository.timeline_item(item, user_id=user_id, batch_id=batch_id))
    if batch is None:
        return None
    following = events_repository.item_position(items[limit - 1]) if len(items) > limit else None
    return BatchWithTimeline(batch, [events_repository.event_from_item(i) for i in items[:limit]], following)


def batch_create(*, batch: Batch) -> None:
    """Store a new batch."""
    _item(batch).save(condition=BatchItem.PK.does_not_exist())


def _actions(changes: dict[str, Any]) -> list:
    actions = []
    for name, value in changes.items():
        if name not in WRITABLE and name != "updated_at":
            raise ValueError(f"not a writable batch field: {name}")
        attribute = getattr(BatchItem, name)
        if name == "auto_reminders":  # stored only when false (absent: the default, true)
            actions.append(attribute.remove() if value else attribute.set(False))
            continue
        actions.append(attribute.remove() if value is None or value == "" else attribute.set(_stored(value)))
    return actions


def batch_update(*, user_id: str, batch_id: str, expected_version: int, changes: dict[str, Any],
                 updated_at: dt.datetime) -> Batch | None:
    """Apply `changes` if the stored version is `expected_version` (one UpdateItem); None if not."""
    item = BatchItem(keys.user_pk(user_id), keys.batch_sk(batch_id))
    actions = [*_actions({**changes, "updated_at": updated_at}), BatchItem.version.set(expected_version + 1)]
    try:
        item.update(actions=actions, condition=BatchItem.version == expected_version)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return _batch(item)


def batch_read(*, user_id: str, batch_id: str) -> ItemRead:
    """The batch for apps.core.aws.table.read_together (a Batch, or None)."""
    return ItemRead(BatchItem, keys.user_pk(user_id), keys.batch_sk(batch_id),
                    lambda item: _batch(item) if item is not None else None)


def batch_put_op(*, batch: Batch) -> WriteOp:
    """Store a new batch, in a write_together() transaction."""
    item = _item(batch)
    return lambda transaction: transaction.save(item, condition=BatchItem.PK.does_not_exist())


def batch_exists_op(*, user_id: str, batch_id: str) -> WriteOp:
    """Require the batch to exist (a condition check in a write_together() transaction)."""
    return lambda transaction: transaction.condition_check(
        BatchItem, keys.user_pk(user_id), keys.batch_sk(batch_id), condition=BatchItem.PK.exists())


def batch_update_op(*, current: Batch, changes: dict[str, Any], updated_at: dt.datetime) -> WriteOp:
    """Apply `changes` if `current.version` is still stored, in a write_together() transaction."""
    item = BatchItem(keys.user_pk(current.user_id), keys.batch_sk(current.id))
    actions = [*_actions({**changes, "updated_at": updated_at}), BatchItem.version.set(current.version + 1)]
    return lambda transaction: transaction.update(item, actions=actions,
                                                  condition=BatchItem.version == current.version)


def batch_delete(*, user_id: str, batch_id: str) -> None:
    """Remove the batch item (no error if it is already gone)."""
    BatchItem(keys.user_pk(user_id), keys.batch_sk(batch_id)).delete()


def share_get(*, token: str) -> ShareLink | None:
    """The share link of a token, or None when unknown or revoked."""
    try:
        item = ShareItem.get(batch_keys.share_pk(token), batch_keys.SHARE_SK)
    except ShareItem.DoesNotExist:
        return None
    return ShareLink(token=token, user_id=item.user_id, batch_id=item.batch_id, created_at=clock.parse(item.created_at))


def share_create(*, batch: Batch, token: str, created_at: dt.datetime) -> bool:
    """Store the link and mark the batch shared (one transaction); False if the batch changed or is gone."""
    share = ShareItem(batch_keys.share_pk(token), batch_keys.SHARE_SK, user_id=batch.user_id, batch_id=batch.id,
                      created_at=clock.isoformat(created_at))
    item = BatchItem(keys.user_pk(batch.user_id), keys.batch_sk(batch.id))
    try:
        with transact_write() as transaction:
            transaction.save(share, condition=ShareItem.PK.does_not_exist())
            transaction.update(item, actions=[BatchItem.share_token.set(token)],
                               condition=BatchItem.PK.exists() & BatchItem.share_token.does_not_exist())
    except TransactWriteError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def share_remove(*, batch: Batch) -> bool:
    """Revoke the batch's link and unmark the batch (one transaction); False if the batch changed."""
    if batch.share_token is None:
        return True
    item = BatchItem(keys.user_pk(batch.user_id), keys.batch_sk(batch.id))
    try:
        with transact_write() as transaction:
            transaction.delete(ShareItem(batch_keys.share_pk(batch.share_token), batch_keys.SHARE_SK))
            transaction.update(item, actions=[BatchItem.share_token.remove()],
                               condition=BatchItem.share_token == batch.share_token)
    except TransactWriteError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def share_delete(*, token: str) -> None:
    """Remove a share link item by token (no error if it is already gone)."""
    ShareItem(batch_keys.share_pk(token), batch_keys.SHARE_SK).delete()


def public_batch(*, token: str, limit: int = 50) -> BatchWithTimeline | None:
    """The shared batch and its newest events, in two requests (the link, then one Query)."""
    link = share_get(token=token)
    if link is None:
        return None
    found = batch_with_timeline(user_id=link.user_id, batch_id=link.batch_id, limit=limit)
    if found is None or found.batch.share_token != token:
        return None
    return found
