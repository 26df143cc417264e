"""Timeline events: the only door to event items (keys are private to the repositories)."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from pynamodb.exceptions import TransactWriteError

from apps.batches import keys
from apps.batches.models import BatchItem
from apps.core import clock
from apps.core.dynamodb import WriteOp, transact_write
from apps.core.models import TableItem
from apps.events.models import EventItem

ITER_PAGE_SIZE = 100


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


# What a batch's timeline Query (batches_repository.batch_with_timeline, events_page) reads of its batch and
# event items: every attribute but those its own keys already give, the partition key and each item's
# user_id and batch_id (and the batch list's GSI keys, which the conversions do not read). They are a third
# of a 50-event response: DynamoDB sends less, and botocore and PynamoDB read less (51 items: 386 -> 299 us
# in a loop). timeline_item() puts them back on each item read.
_KNOWN_FROM_THE_KEYS = {"PK", "user_id", "batch_id", "GSI1PK", "GSI1SK"}
TIMELINE_ATTRIBUTES = sorted({attribute.attr_name for model in (BatchItem, EventItem)
                              for name, attribute in model.get_attributes().items()
                              if name not in _KNOWN_FROM_THE_KEYS})


def timeline_item(item: TableItem, *, user_id: str, batch_id: str) -> TableItem:
    """An item of a timeline Query (read with TIMELINE_ATTRIBUTES), with what its keys say put back."""
    item.attribute_values.update(PK=keys.user_pk(user_id), user_id=user_id, batch_id=batch_id)
    return item


def item_position(item: TableItem) -> dict:
    """The LastEvaluatedKey DynamoDB would give for a base-table query stopped after `item`."""
    return {"PK": {"S": item.PK}, "SK": {"S": item.SK}}


def events_page(*, user_id: str, batch_id: str, type: str | None, limit: int,
                position: dict | None) -> EventPage:
    """A page of a batch's events, newest first, in one Query (the first page also finds the batch)."""
    condition = BatchItem.kind.exists() | (EventItem.type == type) if type else None
    # The first page starts at the batch's META item (it sorts first descending): that proves the
    # batch is the caller's in the same request. Later pages start after an event of a valid cursor.
    want = limit + 1 + (0 if position else 1)
    results = TableItem.query(
        keys.user_pk(user_id), TableItem.SK.startswith(keys.batch_prefix(batch_id)),
        filter_condition=condition, scan_index_forward=False, limit=want, page_size=want,
        last_evaluated_key=position, attributes_to_get=TIMELINE_ATTRIBUTES,
    )
    batch_found = position is not None
    items: list[EventItem] = []
    for item in results:
        if isinstance(item, BatchItem):
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


def event_create(*, event: Event) -> bool:
    """Store the event if its batch exists and is the user's (one transaction); False otherwise."""
    meta = BatchItem(keys.user_pk(event.user_id), keys.batch_sk(event.batch_id))
    try:
        with transact_write() as transaction:
            transaction.condition_check(BatchItem, meta.PK, meta.SK, condition=BatchItem.PK.exists())
            transaction.save(event_item(event), condition=EventItem.PK.does_not_exist())
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


def event_delete(*, event: Event) -> None:
    """Remove the event (no error if it is already gone)."""
    event_item(event).delete()


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
