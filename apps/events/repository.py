"""Timeline events: the only door to event items (keys are private to the repositories)."""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.operand import Path
from pynamodb.transactions import TransactWrite

from apps.core import clock
from apps.core.aws.table import TableItem, WriteOp, transact_write
from apps.events import keys
from apps.events.models import EventItem, UploadItem

ITER_PAGE_SIZE = 100
_UPLOAD_PREFIX = "UPLOAD#"


def _upload_sk(upload_id: str) -> str:
    return f"{_UPLOAD_PREFIX}{upload_id}"


@dataclass(frozen=True)
class Event:
    id: str
    batch_id: str
    user_id: str
    type: str
    occurred_at: dt.datetime
    note: str | None = None
    temperature_c: float | None = None
    rating: int | None = None
    photo_key: str | None = None
    status: str | None = None  # status_changed only: the batch's new status
    created_at: dt.datetime | None = None


@dataclass(frozen=True)
class EventPage:
    batch_found: bool
    events: list[Event]
    next_position: dict | None


def event_from_item(item: EventItem) -> Event:
    """An event item as its dataclass (also used by the batches repository's timeline query)."""
    return Event(
        id=item.event_id, batch_id=item.batch_id, user_id=item.user_id, type=item.type,
        occurred_at=clock.parse(item.occurred_at), note=item.note, temperature_c=item.temperature_c,
        rating=int(item.rating) if item.rating is not None else None, photo_key=item.photo_key,
        status=item.status, created_at=clock.parse(item.created_at),
    )


def event_item(event: Event) -> EventItem:
    """The item to store for `event` (the batches repository puts status_changed events with it)."""
    occurred_at = clock.isoformat(event.occurred_at)
    return EventItem(
        keys.user_pk(event.user_id), keys.event_sk(event.batch_id, occurred_at, event.id),
        event_id=event.id, batch_id=event.batch_id, user_id=event.user_id, type=event.type,
        occurred_at=occurred_at, note=event.note, temperature_c=event.temperature_c, rating=event.rating,
        photo_key=event.photo_key, status=event.status, created_at=clock.isoformat(event.created_at or clock.now()),
    )


# What a batch's timeline Query (events_page here, batch_with_timeline in the batches repository) reads of
# its items: every attribute but those its own keys already give, the partition key and each item's user_id
# and batch_id (and the batch list's GSI keys, which the conversions do not read). They are a third of a
# 50-event response: DynamoDB sends less, and botocore and PynamoDB read less (51 items: 386 -> 299 us in a
# loop). timeline_item() puts them back on each item read.
_KNOWN_FROM_THE_KEYS = {"PK", "user_id", "batch_id", "GSI1PK", "GSI1SK"}


def timeline_attributes(*models: type[TableItem]) -> list[str]:
    """The attributes a timeline Query reads of event items and of `models`' items (the batch's META)."""
    return sorted({attribute.attr_name for model in (EventItem, *models)
                   for name, attribute in model.get_attributes().items() if name not in _KNOWN_FROM_THE_KEYS})


# events_page only needs to see the batch's META item (the proof the batch is the caller's), not read it.
EVENT_ATTRIBUTES = timeline_attributes()


def timeline_item(item: TableItem, *, user_id: str, batch_id: str) -> TableItem:
    """An item of a timeline Query (read with timeline_attributes()), with what its keys say put back."""
    item.attribute_values.update(PK=keys.user_pk(user_id), user_id=user_id, batch_id=batch_id)
    return item


def item_position(item: TableItem) -> dict:
    """The LastEvaluatedKey DynamoDB would give for a base-table query stopped after `item`."""
    return {"PK": {"S": item.PK}, "SK": {"S": item.SK}}


def batch_exists(*, user_id: str, batch_id: str) -> bool:
    """Whether the user has this batch (a strongly consistent GetItem of its META item)."""
    try:
        TableItem.get(keys.user_pk(user_id), keys.batch_sk(batch_id), consistent_read=True,
                      attributes_to_get=["PK", "SK", "ItemType"])
    except TableItem.DoesNotExist:
        return False
    return True


def _check_batch_exists(transaction: TransactWrite, *, user_id: str, batch_id: str) -> None:
    """In a transaction: the batch's META item must exist (the batch is the user's), or it is cancelled."""
    transaction.condition_check(TableItem, keys.user_pk(user_id), keys.batch_sk(batch_id),
                                condition=TableItem.PK.exists())


def events_page(*, user_id: str, batch_id: str, type: str | None, limit: int,
                position: dict | None) -> EventPage:
    """A page of a batch's events, newest first, in one Query (the first page also finds the batch)."""
    meta_sk = keys.batch_sk(batch_id)
    # A filter cannot name the sort key: the META item is kept by its item type (a Path by name, as the
    # discriminator attribute serializes classes, not their names).
    is_meta = Path(TableItem.item_type.attr_name) == keys.BATCH_ITEM_TYPE
    condition = is_meta | (EventItem.type == type) if type else None
    # The first page starts at the batch's META item (it sorts first descending): that proves the
    # batch is the caller's in the same request. Later pages start after an event of a valid cursor.
    want = limit + 1 + (0 if position else 1)
    results = TableItem.query(
        keys.user_pk(user_id), TableItem.SK.startswith(keys.batch_prefix(batch_id)),
        filter_condition=condition, scan_index_forward=False, limit=want, page_size=want,
        last_evaluated_key=position, attributes_to_get=EVENT_ATTRIBUTES,
    )
    batch_found = position is not None
    items: list[EventItem] = []
    for item in results:
        if item.SK == meta_sk:
            batch_found = True
        elif isinstance(item, EventItem):
            items.append(timeline_item(item, user_id=user_id, batch_id=batch_id))
    if not batch_found:
        return EventPage(False, [], None)
    following = item_position(items[limit - 1]) if len(items) > limit else None
    return EventPage(True, [event_from_item(i) for i in items[:limit]], following)


def events_iter(*, user_id: str, batch_id: str | None = None) -> Iterator[Event]:
    """All events of a user (or of one of their batches), page by page, newest first per batch."""
    prefix = keys.event_prefix(batch_id) if batch_id else "BATCH#"
    for item in TableItem.query(
        keys.user_pk(user_id), TableItem.SK.startswith(prefix), scan_index_forward=False,
        page_size=ITER_PAGE_SIZE,
    ):
        if isinstance(item, EventItem):
            yield event_from_item(item)


def event_create(*, event: Event, upload_id: str | None = None) -> bool:
    """Store the event if its batch exists and is the user's (one transaction); False otherwise.
    With `upload_id`, the same transaction marks that upload attached (clearing its TTL), and fails
    unless it is an unattached upload of the event's batch (see upload_conflicts)."""
    try:
        with transact_write() as transaction:
            _check_batch_exists(transaction, user_id=event.user_id, batch_id=event.batch_id)
            transaction.save(event_item(event), condition=EventItem.PK.does_not_exist())
            if upload_id is not None:
                transaction.update(
                    UploadItem(keys.user_pk(event.user_id), _upload_sk(upload_id)),
                    actions=[UploadItem.attached.set(True), UploadItem.TTL.remove()],
                    condition=(UploadItem.PK.exists() & (UploadItem.batch_id == event.batch_id)
                               & (UploadItem.attached == False)),  # noqa: E712 (a condition, not a test)
                )
    except TransactWriteError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def event_put_op(*, event: Event) -> WriteOp:
    """Store a new event, in a write_together() transaction (with its batch's existence checked there)."""
    item = event_item(event)
    return lambda transaction: transaction.save(item, condition=EventItem.PK.does_not_exist())


def event_get(*, user_id: str, batch_id: str, event_id: str) -> Event | None:
    """One event of the user's batch by id (its sort key holds occurred_at, so this filters a Query)."""
    for item in TableItem.query(
        keys.user_pk(user_id), TableItem.SK.startswith(keys.event_prefix(batch_id)),
        filter_condition=EventItem.event_id == event_id, page_size=ITER_PAGE_SIZE,
    ):
        if isinstance(item, EventItem):
            return event_from_item(item)
    return None


def event_replace(*, old: Event, new: Event) -> bool:
    """Overwrite an event (moving it when occurred_at changed); False if it vanished meanwhile."""
    old_item, new_item = event_item(old), event_item(new)
    try:
        with transact_write() as transaction:
            if old_item.SK == new_item.SK:
                transaction.save(new_item, condition=EventItem.PK.exists())
            else:
                transaction.delete(old_item, condition=EventItem.PK.exists())
                transaction.save(new_item, condition=EventItem.PK.does_not_exist())
    except TransactWriteError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def event_delete(*, event: Event, upload_id: str | None = None) -> None:
    """Remove the event, and with `upload_id` its upload item in the same request (no error if gone)."""
    if upload_id is None:
        event_item(event).delete()
        return
    with transact_write() as transaction:
        transaction.delete(event_item(event))
        transaction.delete(UploadItem(keys.user_pk(event.user_id), _upload_sk(upload_id)))


def events_with_photo(*, user_id: str, batch_id: str, photo_key: str) -> list[Event]:
    """The batch's events whose photo_key is `photo_key` (a filtered Query: the migration's lookup)."""
    return [event_from_item(item) for item in TableItem.query(
        keys.user_pk(user_id), TableItem.SK.startswith(keys.event_prefix(batch_id)),
        filter_condition=EventItem.photo_key == photo_key, page_size=ITER_PAGE_SIZE,
    ) if isinstance(item, EventItem)]


def event_photo_key_replace(*, event: Event, old_key: str, new_key: str) -> bool:
    """Point the event at `new_key` if it still holds `old_key` (one conditional update); False if not."""
    try:
        event_item(event).update(actions=[EventItem.photo_key.set(new_key)],
                                 condition=EventItem.photo_key == old_key)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def events_delete(*, user_id: str, batch_id: str | None = None) -> int:
    """Remove all events of a user's batch (or of the user); returns how many went."""
    prefix = keys.event_prefix(batch_id) if batch_id else "BATCH#"
    count = 0
    with EventItem.batch_write() as batch:
        for item in TableItem.query(
            keys.user_pk(user_id), TableItem.SK.startswith(prefix), page_size=ITER_PAGE_SIZE,
        ):
            if isinstance(item, EventItem):
                batch.delete(item)
                count += 1
    return count


def condition_failed(exc: TransactWriteError) -> bool:
    """True when a transaction was cancelled because one of its conditions did not hold."""
    return exc.cause_response_code == "TransactionCanceledException" and any(
        reason and reason.code == "ConditionalCheckFailed" for reason in (exc.cancellation_reasons or [])
    )


# -- photo uploads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    id: str
    user_id: str
    batch_id: str
    key: str  # the S3 object's key
    content_type: str
    created_at: dt.datetime
    attached: bool = False
    expires_at: dt.datetime | None = None  # the item's TTL while unattached
    legacy_key: str | None = None  # migrated uploads: the object's key in the old layout


def _upload_from_item(item: UploadItem) -> Upload:
    ttl = item.TTL
    return Upload(
        id=item.upload_id, user_id=item.user_id, batch_id=item.batch_id, key=item.object_key,
        content_type=item.content_type, created_at=clock.parse(item.created_at), attached=bool(item.attached),
        expires_at=dt.datetime.fromtimestamp(ttl, dt.UTC) if ttl is not None else None,
        legacy_key=item.legacy_key,
    )


def _upload_item(upload: Upload) -> UploadItem:
    return UploadItem(
        keys.user_pk(upload.user_id), _upload_sk(upload.id), upload_id=upload.id, user_id=upload.user_id,
        batch_id=upload.batch_id, object_key=upload.key, content_type=upload.content_type,
        created_at=clock.isoformat(upload.created_at), attached=upload.attached, legacy_key=upload.legacy_key,
        TTL=clock.epoch_seconds(upload.expires_at) if upload.expires_at else None,
    )


def upload_create(*, upload: Upload) -> bool:
    """Record an upload if its batch exists and is the user's (one transaction); False otherwise."""
    try:
        with transact_write() as transaction:
            _check_batch_exists(transaction, user_id=upload.user_id, batch_id=upload.batch_id)
            transaction.save(_upload_item(upload), condition=UploadItem.PK.does_not_exist())
    except TransactWriteError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def upload_put(*, upload: Upload) -> bool:
    """Record an upload unless one with its id exists (one conditional put; the migration's journal)."""
    try:
        _upload_item(upload).save(condition=UploadItem.PK.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def upload_get(*, user_id: str, upload_id: str) -> Upload | None:
    """One upload of the user (a strongly consistent GetItem: it is read right after it is written)."""
    try:
        item = UploadItem.get(keys.user_pk(user_id), _upload_sk(upload_id), consistent_read=True)
    except UploadItem.DoesNotExist:
        return None
    return _upload_from_item(item) if isinstance(item, UploadItem) else None


def uploads_iter(*, user_id: str, batch_id: str | None = None) -> Iterator[Upload]:
    """Every upload of the user (or of one of their batches: the same Query, filtered), page by page."""
    condition = UploadItem.batch_id == batch_id if batch_id else None
    for item in TableItem.query(keys.user_pk(user_id), TableItem.SK.startswith(_UPLOAD_PREFIX),
                                filter_condition=condition, page_size=ITER_PAGE_SIZE):
        if isinstance(item, UploadItem):
            yield _upload_from_item(item)


def uploads_of_legacy_key(*, user_id: str, legacy_key: str) -> list[Upload]:
    """The user's uploads migrated from `legacy_key` (a filtered, strongly consistent Query of their own
    uploads; at most one, unless a migration is under way)."""
    return [_upload_from_item(item) for item in TableItem.query(
        keys.user_pk(user_id), TableItem.SK.startswith(_UPLOAD_PREFIX), consistent_read=True,
        filter_condition=UploadItem.legacy_key == legacy_key, page_size=ITER_PAGE_SIZE,
    ) if isinstance(item, UploadItem)]


def uploads_delete(*, uploads: Iterable[Upload]) -> int:
    """Remove these upload items (BatchWriteItem, 25 per request); returns how many."""
    count = 0
    with UploadItem.batch_write() as batch:
        for upload in uploads:
            batch.delete(UploadItem(keys.user_pk(upload.user_id), _upload_sk(upload.id)))
            count += 1
    return count
