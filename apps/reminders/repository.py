"""Reminder, follow-state, calibration, push-ticket and delivery-run access patterns (the only module that
knows their keys).

Keys (DESIGN.md): a reminder is PK USER#{sub} / SK REMINDER#{id}.

The due index. While a reminder is pending it also sits in the sparse GSI1 as
GSI1PK DUE#{yyyy-mm-ddThh}#{shard} / GSI1SK {due_at}#{id}, where the shard is a stable hash of the reminder
id (blake2b, not Python's salted hash()) modulo settings.REMINDER_SHARDS and the hour is due_at's UTC hour, or
the hour of the write when due_at is already past (see `due_index_keys`). `due_index_keys` is the one
function that computes them; every writer of a pending reminder (`_new_item`, re-timing, rescheduling, the
re-index) uses it. Sent, failed and cancelled reminders drop out of the index, so a run only reads live work,
and a busy hour is spread over REMINDER_SHARDS partitions instead of one. Reminders written before sharding
sit under the legacy key DUE#{yyyy-mm-ddThh}: `manage.py reindex_due_reminders` moves them (see
legacy_due_rekey).

Watermarks. A run does not read 48 hours of buckets every five minutes; it reads from where the last
completed run left off. Items PK REMINDERRUN:
- SK WATERMARK#due#{shard:03d}, position = an hour: every pending reminder of that shard indexed before this
  hour has been settled. A run that completes writes min(hour of the earliest reminder it left pending,
  hour of now - WATERMARK_MARGIN): the margin covers the index's replication lag and clocks a little apart.
  A run reads hours [watermark, now], never further back than its lookback (48 h, also the range when there
  is no watermark). Because a reminder is never indexed under an hour before the hour it is written in, no
  writer (the API's one minute of tolerance, an automatic reminder placed "now" for an overdue step, a
  quiet-hours move, a demo seed of past cycles) can put live work behind a watermark.
- SK WATERMARK#receipts, position = an instant: every push ticket sent before it has had its receipt
  read (or was given up). The next receipt check reads tickets sent from there on.
All of them come back in ONE Query, and a completed run writes them in one BatchWriteItem (a shard worker
writes its own item), so an empty run costs shards x due hours + receipt hours + 2 requests. Two runs that
overlap may write in either order: each writes a position no later than any reminder it saw and did not
settle, so the later write can only be more conservative or equally safe, never skip live work.

Push tickets waiting for their receipt are PK PUSHTICKETS#{yyyy-mm-ddThh} (hour sent) /
SK {sent_at_ms:013d}#{ticket_id}, with a TTL of a day (Expo's receipt life); a receipt check reads a time
range of them and leaves them to the TTL. One partition per hour is enough here: tickets are written at
Expo's rate at most (600 a second), under a partition's 1,000 writes a second, whatever the user count.

Reminders that follow the batch (issue 20) add two items per user partition, so that a timeline event which
re-times reminders costs one read and one transaction (2 DynamoDB requests):
- follow state, PK USER#{sub} / SK FOLLOW#{batch_id}: the batch's cycle (`state`, JSON of follow.Cycle: the
  current first ferment's start, since when its conditions hold and the model progress done by then, the same
  for a second ferment, the fridge rest's start, and the conditions now), `pending`, the ids of the batch's
  pending auto reminders as a string set of "{kind}:{id}", and `rev`, bumped by every write of either. Every
  change of an auto reminder's pending state changes `pending` in the same transaction (placing, re-timing
  and cancelling here; the processor's settlements, one FOLLOW update per batch however many of its
  reminders a settlement transaction ends; a person's PATCH or DELETE), so the set is exact, and a writer that
  read `rev` writes only if it is unchanged. A batch without the item (older data, or never followed) has the
  state its fields imply and no pending auto reminder. On an engine without transactions (dynalite in the
  tests, DYNAMODB_TRANSACTIONS=False) a settlement writes the reminder, then its batch's FOLLOW item, as two
  single conditional updates: see `_write_conditionally`.
- calibration, PK USER#{sub} / SK CALIBRATION: per kind, the last 10 completed cycles' samples (actual ÷
  model time), oldest first, and `rev`.
An event's read is ONE TransactGetItems of the batch item, its follow state, the user's profile (timezone,
quiet hours) and calibration; its write ONE TransactWriteItems of the event, the batch's existence check, the
follow state, each placed/re-timed/cancelled reminder and, for a `strained`, the calibration. Auto reminders
also carry `model_due_at`, `spoils_at` and `reason_base`, so new settings re-place them without reading the
batches (a Query of the user's reminders, then one transaction).
"""

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from django.conf import settings
from pynamodb.exceptions import TransactWriteError, UpdateError

from apps.core import clock
from apps.core.aws.table import ItemRead, WriteOp, transact_write, transaction_condition_failed
from apps.reminders.follow import Conditions, Cycle, Progress
from apps.reminders.models import CalibrationItem, FollowItem, PushTicketItem, ReminderItem, RunWatermarkItem

REMINDER_PREFIX = "REMINDER#"
# Finished reminders (sent, failed, cancelled) stay visible for this long, then TTL removes them; it
# keeps a user's partition, which the list reads whole, bounded.
FINISHED_RETENTION = dt.timedelta(days=90)
TICKET_RETENTION = dt.timedelta(hours=26)
RUN_PK = "REMINDERRUN"
DUE_WATERMARK = "WATERMARK#due#"
RECEIPTS_WATERMARK = "WATERMARK#receipts"
TRANSACTION_ITEMS = 100  # DynamoDB's limit per TransactWriteItems
FOLLOW_PREFIX = "FOLLOW#"
CALIBRATION_SK = "CALIBRATION"

logger = logging.getLogger("kefir.reminders")


@dataclass(frozen=True)
class Reminder:
    id: str
    user_id: str
    batch_id: str
    kind: str
    due_at: dt.datetime
    message: str | None
    status: str
    sent_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    attempts: int = 0
    claim_id: str | None = None
    claimed_until_ms: int | None = None
    source: str = "user"
    reason: str | None = None
    model_due_at: dt.datetime | None = None
    spoils_at: dt.datetime | None = None
    reason_base: str | None = None


@dataclass(frozen=True)
class FollowState:
    """A batch's follow item: its cycle, pending auto reminders by kind, and revision (None: no item yet)."""

    cycle: Cycle | None
    pending: dict[str, str]
    rev: int | None


@dataclass(frozen=True)
class Calibrations:
    samples: dict[str, list[float]]
    rev: int | None


@dataclass(frozen=True)
class Ticket:
    ticket_id: str
    user_id: str
    device_id: str
    token: str
    reminder_id: str
    sent_at_ms: int


def _pk(user_id: str) -> str:
    return f"USER#{user_id}"


def _sk(reminder_id: str) -> str:
    return f"{REMINDER_PREFIX}{reminder_id}"


def _hour(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H")


def _follow_sk(batch_id: str) -> str:
    return f"{FOLLOW_PREFIX}{batch_id}"


def shard_count() -> int:
    """How many partitions each hour of the due index is spread over (settings.REMINDER_SHARDS)."""
    return int(settings.REMINDER_SHARDS)


def reminder_shard(reminder_id: str, shards: int | None = None) -> int:
    """The reminder's due-index shard: a stable hash of its id (the same in every process and release)."""
    digest = hashlib.blake2b(reminder_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % (shards or shard_count())


def due_index_keys(*, reminder_id: str, due_at: dt.datetime, shards: int | None = None,
                   now: dt.datetime | None = None) -> tuple[str, str]:
    """(GSI1PK, GSI1SK) of a pending reminder: DUE#{yyyy-mm-ddThh}#{shard} / {due_at}#{id}.

    The one place the due index's keys are made: every writer of a pending reminder calls it. The hour is
    due_at's, or the hour of `now` (the write's time) when due_at is already past: a run that has moved its
    watermark past due_at's hour would never read that bucket again, while the current hour is always read
    by the next run. The sort key keeps due_at, so the reminder sorts first in its bucket and is due at once.
    """
    written = clock.now() if now is None else now
    hour = due_at if due_at >= written else written
    return (f"DUE#{_hour(hour)}#{reminder_shard(reminder_id, shards)}",
            f"{clock.isoformat(due_at)}#{reminder_id}")


def _due_partition(hour: dt.datetime, shard: int) -> str:
    return f"DUE#{_hour(hour)}#{shard}"


def _legacy_due_partition(gsi1pk: str | None) -> bool:
    return bool(gsi1pk) and gsi1pk.startswith("DUE#") and gsi1pk.count("#") == 1


def _ttl(at: dt.datetime, keep: dt.timedelta) -> int:
    return clock.epoch_seconds(at + keep)


def _time_or_none(value: str | None) -> dt.datetime | None:
    return clock.parse(value) if value else None


def _to_reminder(item: ReminderItem) -> Reminder:
    return Reminder(
        id=item.reminder_id, user_id=item.user_id, batch_id=item.batch_id, kind=item.kind,
        due_at=clock.parse(item.due_at), message=item.message, status=item.status,
        sent_at=clock.parse(item.sent_at) if item.sent_at else None, created_at=clock.parse(item.created_at),
        updated_at=clock.parse(item.updated_at), attempts=int(item.attempts or 0), claim_id=item.claim_id,
        claimed_until_ms=int(item.claimed_until_ms) if item.claimed_until_ms is not None else None,
        source=item.source or "user", reason=item.reason, model_due_at=_time_or_none(item.model_due_at),
        spoils_at=_time_or_none(item.spoils_at), reason_base=item.reason_base,
    )


def _ref(user_id: str, reminder_id: str) -> ReminderItem:
    return ReminderItem(_pk(user_id), _sk(reminder_id))


def _conditional_update(item: ReminderItem, actions: list, condition) -> bool:
    try:
        item.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


# --- the API's access patterns -------------------------------------------------------------------

def _new_item(reminder: Reminder) -> ReminderItem:
    gsi1pk, gsi1sk = due_index_keys(reminder_id=reminder.id, due_at=reminder.due_at)
    stored = lambda value: clock.isoformat(value) if value is not None else None  # noqa: E731
    return ReminderItem(
        _pk(reminder.user_id), _sk(reminder.id), GSI1PK=gsi1pk, GSI1SK=gsi1sk,
        reminder_id=reminder.id, user_id=reminder.user_id, batch_id=reminder.batch_id, kind=reminder.kind,
        due_at=clock.isoformat(reminder.due_at), message=reminder.message, status=reminder.status,
        created_at=clock.isoformat(reminder.created_at), updated_at=clock.isoformat(reminder.updated_at),
        attempts=0, source=reminder.source, reason=reminder.reason, model_due_at=stored(reminder.model_due_at),
        spoils_at=stored(reminder.spoils_at), reason_base=reminder.reason_base,
    )


def reminder_put(*, reminder: Reminder) -> None:
    """Store a new pending reminder (in the due index)."""
    _new_item(reminder).save(condition=ReminderItem.PK.does_not_exist())


def reminder_get(*, user_id: str, reminder_id: str) -> Reminder | None:
    """One of the user's reminders, or None."""
    try:
        item = ReminderItem.get(_pk(user_id), _sk(reminder_id), consistent_read=True)
    except ReminderItem.DoesNotExist:
        return None
    return _to_reminder(item)


def reminders_of(*, user_id: str, status: str | None = None, batch_id: str | None = None) -> list[Reminder]:
    """All of the user's reminders matching the filters, soonest due first.

    One Query of the user's partition (reminders only), sorted here: a user has at most a few hundred
    reminders (finished ones expire after FINISHED_RETENTION), which is cheaper than a second index.
    """
    condition = None
    if status is not None:
        condition = ReminderItem.status == status
    if batch_id is not None:
        by_batch = ReminderItem.batch_id == batch_id
        condition = by_batch if condition is None else condition & by_batch
    items = ReminderItem.query(_pk(user_id), ReminderItem.SK.startswith(REMINDER_PREFIX),
                               filter_condition=condition, consistent_read=True)
    found = [_to_reminder(item) for item in items if isinstance(item, ReminderItem)]
    return sorted(found, key=lambda r: (r.due_at, r.id))


def _leaves_pending(reminder: Reminder) -> WriteOp | None:
    """The follow-state write that takes an auto reminder out of its batch's pending set (None for a user one)."""
    if reminder.source != "auto":
        return None
    return follow_unpend_op(user_id=reminder.user_id, batch_id=reminder.batch_id, kind=reminder.kind,
                            reminder_id=reminder.id)


def _update_with(item: ReminderItem, actions: list, condition, also: WriteOp | None) -> bool:
    """The reminder's conditional update, in one transaction with `also` (its follow-state write) when there is
    one; False when the reminder's condition failed. A reminder whose follow item is gone (its batch is being
    deleted) is updated alone."""
    if also is None:
        return _conditional_update(item, actions, condition)
    try:
        with transact_write() as transaction:
            transaction.update(item, actions=actions, condition=condition)
            also(transaction)
    except TransactWriteError as exc:
        if not transaction_condition_failed(exc):
            raise
        if _follow_exists(item):
            return False
        return _conditional_update(item, actions, condition)
    return True


def _follow_exists(item: ReminderItem) -> bool:
    try:
        current = ReminderItem.get(item.PK, item.SK, consistent_read=True)
        FollowItem.get(current.PK, _follow_sk(current.batch_id), consistent_read=True)
    except (ReminderItem.DoesNotExist, FollowItem.DoesNotExist):
        return False
    return True


def reminder_reschedule(*, current: Reminder, due_at: dt.datetime | None, message: str | None,
                        set_message: bool, updated_at: dt.datetime) -> bool:
    """Change a pending reminder's time and/or message (a new time starts its attempts afresh); an auto
    reminder becomes the user's (and leaves its batch's pending set, in the same transaction). False if it is
    not pending."""
    reminder_id = current.id
    actions = [ReminderItem.updated_at.set(clock.isoformat(updated_at))]
    if due_at is not None:
        gsi1pk, gsi1sk = due_index_keys(reminder_id=reminder_id, due_at=due_at)
        actions += [ReminderItem.due_at.set(clock.isoformat(due_at)), ReminderItem.GSI1PK.set(gsi1pk),
                    ReminderItem.GSI1SK.set(gsi1sk), ReminderItem.attempts.set(0)]
    if set_message:
        actions.append(ReminderItem.message.set(message) if message else ReminderItem.message.remove())
    if current.source == "auto":
        actions.append(ReminderItem.source.set("user"))
    return _update_with(_ref(current.user_id, reminder_id), actions, _pending_as(current),
                        _leaves_pending(current))


def _pending_as(current: Reminder):
    # Pending, and still of the source it was read with (an auto one may have become the user's meanwhile).
    condition = ReminderItem.status == "pending"
    if current.source == "auto":
        return condition & (ReminderItem.source == "auto")
    return condition & (ReminderItem.source.does_not_exist() | (ReminderItem.source == "user"))


def reminder_cancel(*, current: Reminder, at: dt.datetime) -> bool:
    """Cancel a pending reminder (out of the due index, so no run sends it); False if not pending."""
    return _update_with(_ref(current.user_id, current.id), _cancel_actions(at), _pending_as(current),
                        _leaves_pending(current))


def _cancel_actions(at: dt.datetime) -> list:
    return [ReminderItem.status.set("cancelled"), ReminderItem.updated_at.set(clock.isoformat(at)),
            ReminderItem.GSI1PK.remove(), ReminderItem.GSI1SK.remove(),
            ReminderItem.TTL.set(_ttl(at, FINISHED_RETENTION))]


def reminder_delete(*, user_id: str, reminder_id: str) -> None:
    """Delete the reminder item outright (sent or failed reminders the user dismisses)."""
    _ref(user_id, reminder_id).delete()


def _items_of(user_id: str) -> Iterator[ReminderItem]:
    for item in ReminderItem.query(_pk(user_id), ReminderItem.SK.startswith(REMINDER_PREFIX), consistent_read=True):
        if isinstance(item, ReminderItem):
            yield item


def _delete_items(items: Iterable[ReminderItem]) -> int:
    count = 0
    with ReminderItem.batch_write() as batch:
        for item in items:
            batch.delete(item)
            count += 1
    return count


def reminders_delete_for_batch(*, user_id: str, batch_id: str) -> int:
    """Delete every reminder of one batch (any status); the number deleted."""
    return _delete_items(item for item in _items_of(user_id) if item.batch_id == batch_id)


def reminders_delete_all(*, user_id: str) -> int:
    """Delete every reminder of the user; the number deleted."""
    return _delete_items(list(_items_of(user_id)))


# --- the processor's access patterns --------------------------------------------------------------

def _hours(since: dt.datetime, until: dt.datetime) -> Iterator[dt.datetime]:
    hour = since.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    while hour <= until:
        yield hour
        hour += dt.timedelta(hours=1)


def reminders_due(*, shard: int, since: dt.datetime, now: dt.datetime, limit: int | None = None) -> list[Reminder]:
    """Pending reminders of one shard due at or before `now`, from the hour of `since` on, soonest first:
    one Query per hour bucket (more only past 1 MB). Stops once `limit` are found: what it did not read is
    due at or after the last one returned (each bucket is read in due order, the buckets in hour order)."""
    found: list[Reminder] = []
    upper = f"{clock.isoformat(now)}#~"  # "~" sorts after every id: everything due up to now
    for hour in _hours(since, now):
        items = ReminderItem.gsi1.query(_due_partition(hour, shard), ReminderItem.GSI1SK <= upper,
                                        page_size=None if limit is None else min(limit - len(found) + 1, 1000))
        for item in items:
            if isinstance(item, ReminderItem) and item.status == "pending":
                found.append(_to_reminder(item))
                if limit is not None and len(found) >= limit:
                    return found
    return found


@dataclass(frozen=True)
class Watermarks:
    """Where the next run starts (see the module docstring): per shard, the first due hour to read; and
    the instant from which push tickets still need their receipt read. None where nothing was written."""

    due: dict[int, dt.datetime]
    receipts_from: dt.datetime | None


def watermarks_get() -> Watermarks:
    """Every watermark, in one Query."""
    due: dict[int, dt.datetime] = {}
    receipts_from = None
    for item in RunWatermarkItem.query(RUN_PK, consistent_read=True):
        if item.SK == RECEIPTS_WATERMARK:
            receipts_from = clock.parse(item.position)
        elif item.SK.startswith(DUE_WATERMARK):
            due[int(item.SK.removeprefix(DUE_WATERMARK))] = clock.parse(item.position)
    return Watermarks(due, receipts_from)


def _watermark(sk: str, position: dt.datetime, at: dt.datetime) -> RunWatermarkItem:
    return RunWatermarkItem(RUN_PK, sk, position=clock.isoformat(position), written_at=clock.isoformat(at))


def watermarks_put(*, due: dict[int, dt.datetime], receipts_from: dt.datetime | None, at: dt.datetime) -> None:
    """Record where the next run starts: one BatchWriteItem per 25 watermarks (one request for 16 shards
    and the receipts), or one PutItem for a single one (a shard worker's)."""
    items = [_watermark(f"{DUE_WATERMARK}{shard:03d}", hour, at) for shard, hour in sorted(due.items())]
    if receipts_from is not None:
        items.append(_watermark(RECEIPTS_WATERMARK, receipts_from, at))
    if len(items) == 1:
        items[0].save()
        return
    with RunWatermarkItem.batch_write() as batch:
        for item in items:
            batch.save(item)


def watermarks_forget_due() -> int:
    """Delete the due watermarks, so the next run reads the whole lookback again (after a re-index)."""
    items = [i for i in RunWatermarkItem.query(RUN_PK, RunWatermarkItem.SK.startswith(DUE_WATERMARK),
                                                 consistent_read=True)]
    with RunWatermarkItem.batch_write() as batch:
        for item in items:
            batch.delete(item)
    return len(items)


# Claims and settlements. A claim is a conditional write: the reminder is still pending, unchanged since
# the due query read it, and unclaimed or its lease (claimed_until_ms) over. Settling is conditional on
# still holding the claim. A settlement that takes an automatic reminder out of pending (sent, failed,
# cancelled) takes it out of its batch's FOLLOW pending set in the same transaction: ONE update of the FOLLOW
# item per batch, removing all of that batch's entries at once (a transaction may touch an item only once),
# and counted towards the transaction's 100 items (a batch's reminders and its FOLLOW update always travel in
# the same transaction). A transaction whose conditions fail for some items is cancelled whole, and DynamoDB
# says which: a refused reminder is dropped (someone else holds or changed it); a FOLLOW item that is gone
# (its batch is being deleted) leaves its reminders to be written alone, as the API's writes do; a FOLLOW item
# that another transaction is writing at that moment is tried again (FOLLOW_CONFLICT_RETRIES times, then its
# reminders stay claimed, and the next run after the lease takes them). Then the rest is written again.

FOLLOW_CONFLICT_RETRIES = 3


def _claim_condition(reminder: Reminder, now_ms: int):
    return ((ReminderItem.status == "pending") & (ReminderItem.updated_at == clock.isoformat(reminder.updated_at))
            & (ReminderItem.claimed_until_ms.does_not_exist() | (ReminderItem.claimed_until_ms < now_ms)))


@dataclass(frozen=True)
class _Write:
    """One reminder's conditional update, and the FOLLOW entry it removes when it leaves a batch's pending set."""

    item: ReminderItem
    actions: list
    condition: object
    follow: tuple[str, str] | None = None  # (user_id, batch_id) of the FOLLOW item
    entry: str | None = None  # "{kind}:{id}" in its pending set


def _follow_unpend(user_id: str, batch_id: str, entries: Iterable[str]) -> tuple[FollowItem, list, object]:
    # rev is bumped, so a planner that read the FOLLOW item before re-reads it.
    return (FollowItem(_pk(user_id), _follow_sk(batch_id)),
            [FollowItem.pending.delete(set(entries)), FollowItem.rev.add(1)], FollowItem.PK.exists())


def _write_alone(write: _Write) -> bool:
    """Without transactions: the reminder's conditional update, then (if it was applied) its FOLLOW update,
    as two requests. Each is atomic on its own item; the pair is not (see `_write_conditionally`)."""
    if not _conditional_update(write.item, write.actions, write.condition):
        return False
    if write.follow is not None:
        _conditional_update(*_follow_unpend(*write.follow, [write.entry]))  # False: the batch is being deleted
    return True


def _write_conditionally(writes: list[_Write]) -> list[bool]:
    """Apply the writes; which of them were applied (see the comment above).

    With transactions (DynamoDB; moto): transactions of at most 100 items, each reminder's update atomic with
    its batch's FOLLOW update. Without them (dynalite, DYNAMODB_TRANSACTIONS=False): one UpdateItem per
    reminder, and one per FOLLOW update after it. Each claim is still a single conditional write, so a
    reminder is claimed by one run only and exactly-once delivery holds; what is not atomic there is a
    settlement and its FOLLOW update: a crash between the two leaves an entry in the pending set whose
    reminder is no longer pending, which the follow logic's healing read (services._context) drops on its next
    conflicting write.
    """
    if not getattr(settings, "DYNAMODB_TRANSACTIONS", True):
        return [_write_alone(write) for write in writes]
    applied = [False] * len(writes)
    groups: dict[object, list[int]] = {}  # a batch's FOLLOW (user_id, batch_id) or a lone reminder's index
    for index, write in enumerate(writes):
        groups.setdefault(write.follow if write.follow is not None else index, []).append(index)
    queue = list(groups.items())
    gone: set[tuple[str, str]] = set()
    while queue:
        taken: list[tuple[object, list[int]]] = []
        size = 0
        while queue:
            key, members = queue[0]
            need = len(members) + (1 if isinstance(key, tuple) else 0)
            if taken and size + need > TRANSACTION_ITEMS:
                break
            taken.append(queue.pop(0))
            size += need
        _transact(writes, taken, gone, applied)
    return applied


def _transact(writes: list[_Write], taken: list[tuple[object, list[int]]], gone: set[tuple[str, str]],
              applied: list[bool]) -> None:
    """Write `taken` (whole groups) in one transaction, again without what was refused, until it commits."""
    conflicts = 0
    while taken:
        ops: list[tuple[object, int | None]] = []  # what each item of the transaction is: (group, index or None)
        try:
            with transact_write() as transaction:
                for key, members in taken:
                    for index in members:
                        write = writes[index]
                        transaction.update(write.item, actions=write.actions, condition=write.condition)
                        ops.append((key, index))
                    if isinstance(key, tuple) and key not in gone:
                        item, actions, condition = _follow_unpend(*key, [writes[i].entry for i in members])
                        transaction.update(item, actions=actions, condition=condition)
                        ops.append((key, None))
        except TransactWriteError as exc:
            if exc.cause_response_code != "TransactionCanceledException":
                raise
            refused: set[int] = set()
            busy: set[object] = set()
            for (key, index), reason in zip(ops, exc.cancellation_reasons or [], strict=False):
                if reason is None:
                    continue
                if index is not None:
                    # ConditionalCheckFailed: not ours to write; TransactionConflict: another writer is on it
                    # right now (a concurrent run). Either way the reminder is dropped.
                    refused.add(index)
                elif reason.code == "ConditionalCheckFailed":
                    gone.add(key)
                else:
                    busy.add(key)
            if not refused and not busy and not (gone & {key for key, index in ops if index is None}):
                raise
            if busy:
                conflicts += 1
                if conflicts > FOLLOW_CONFLICT_RETRIES:
                    logger.warning("FOLLOW items busy: their reminders stay claimed", extra={"batches": len(busy)})
                    taken = [(key, members) for key, members in taken if key not in busy]
                else:
                    time.sleep(0.05 * conflicts)  # the other transaction (an event's, say) takes milliseconds
            taken = [(key, kept) for key, members in taken if (kept := [i for i in members if i not in refused])]
            continue
        for _, members in taken:
            for index in members:
                applied[index] = True
        return


def reminders_claim(*, reminders: list[Reminder], claim_id: str, now_ms: int, until_ms: int) -> list[Reminder]:
    """Take these due reminders for one run until `until_ms` (the lease); the ones now ours, as claimed.
    One request per 100 (plus one per cancelled transaction) with transactions, else one per reminder."""
    actions = [ReminderItem.claim_id.set(claim_id), ReminderItem.claimed_until_ms.set(until_ms)]
    writes = [_Write(_ref(r.user_id, r.id), actions, _claim_condition(r, now_ms)) for r in reminders]
    applied = _write_conditionally(writes)
    return [replace(r, claim_id=claim_id, claimed_until_ms=until_ms)
            for r, ok in zip(reminders, applied, strict=True) if ok]


OUTCOMES = ("sent", "cancelled", "failed", "retry", "unsent")
# Outcomes that take a reminder out of pending (and an automatic one out of its batch's FOLLOW pending set).
LEAVES_PENDING = ("sent", "cancelled", "failed")


@dataclass(frozen=True)
class Settlement:
    """How a claimed reminder ends its run: "sent"; "cancelled" (its batch is gone); "failed" (out of
    attempts); "retry" (an attempt counted, pending for a later run); "unsent" (the run ran out of time or
    Expo was unavailable: pending again, no attempt counted)."""

    reminder: Reminder
    outcome: str
    attempts: int | None = None


def _settle_actions(settlement: Settlement, at: dt.datetime) -> list:
    released = [ReminderItem.claim_id.remove(), ReminderItem.claimed_until_ms.remove()]
    if settlement.outcome == "unsent":
        return released
    stamped = [*released, ReminderItem.updated_at.set(clock.isoformat(at))]
    if settlement.outcome == "retry":
        return [*stamped, ReminderItem.attempts.set(settlement.attempts)]
    finished = [*stamped, ReminderItem.status.set(settlement.outcome), ReminderItem.GSI1PK.remove(),
                ReminderItem.GSI1SK.remove(), ReminderItem.TTL.set(_ttl(at, FINISHED_RETENTION))]
    if settlement.outcome == "sent":
        return [*finished, ReminderItem.sent_at.set(clock.isoformat(at))]
    if settlement.outcome == "failed":
        return [*finished, ReminderItem.attempts.set(settlement.attempts)]
    return finished


def _settle_write(settlement: Settlement, claim_id: str, at: dt.datetime) -> _Write:
    reminder = settlement.reminder
    item, actions = _ref(reminder.user_id, reminder.id), _settle_actions(settlement, at)
    condition = ReminderItem.claim_id == claim_id
    if reminder.source == "auto" and settlement.outcome in LEAVES_PENDING:
        return _Write(item, actions, condition, (reminder.user_id, reminder.batch_id), f"{reminder.kind}:{reminder.id}")
    return _Write(item, actions, condition)


def reminders_settle(*, settlements: list[Settlement], claim_id: str, at: dt.datetime) -> list[Settlement]:
    """Write how each claimed reminder ended, where `claim_id` still holds it; the settlements written. An
    automatic reminder that leaves pending leaves its batch's FOLLOW pending set in the same transaction.
    With transactions: one request per 100 items (a reminder each, plus one FOLLOW update per batch with
    automatic reminders ending), plus one per cancelled transaction; else one per reminder and FOLLOW entry."""
    for settlement in settlements:
        if settlement.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {settlement.outcome!r}")
    applied = _write_conditionally([_settle_write(s, claim_id, at) for s in settlements])
    return [s for s, ok in zip(settlements, applied, strict=True) if ok]


# --- re-indexing reminders written before sharding ------------------------------------------------

@dataclass(frozen=True)
class Reindexed:
    moved: int
    earliest_due: dt.datetime | None
    finished: bool  # the scan reached the end (False: stopped at `limit`; run again to continue)


def legacy_due_rekey(*, limit: int | None = None) -> Reindexed:
    """Move pending reminders from the legacy DUE#{hour} key to DUE#{hour}#{shard} (a one-off, admin-only
    Scan of GSI1, never on a request path). Each move is conditional on the item still holding the
    legacy key, so running it again, or after an interruption, moves only what is left."""
    moved = 0
    earliest: dt.datetime | None = None
    for item in ReminderItem.gsi1.scan(filter_condition=ReminderItem.GSI1PK.startswith("DUE#")):
        if not isinstance(item, ReminderItem) or not _legacy_due_partition(item.GSI1PK):
            continue
        if limit is not None and moved >= limit:
            return Reindexed(moved, earliest, False)
        due_at = clock.parse(item.due_at)
        gsi1pk, gsi1sk = due_index_keys(reminder_id=item.reminder_id, due_at=due_at)
        if _conditional_update(_ref(item.user_id, item.reminder_id),
                               [ReminderItem.GSI1PK.set(gsi1pk), ReminderItem.GSI1SK.set(gsi1sk)],
                               ReminderItem.GSI1PK == item.GSI1PK):
            moved += 1
            earliest = due_at if earliest is None else min(earliest, due_at)
    return Reindexed(moved, earliest, True)


# --- push tickets ---------------------------------------------------------------------------------

def _ticket_sk(sent_at_ms: int, ticket_id: str) -> str:
    return f"{sent_at_ms:013d}#{ticket_id}"


def tickets_put(*, tickets: list[Ticket], at: dt.datetime) -> None:
    """Remember push tickets whose receipts a later run checks (one BatchWriteItem per 25)."""
    with PushTicketItem.batch_write() as batch:
        for ticket in tickets:
            sent = dt.datetime.fromtimestamp(ticket.sent_at_ms / 1000, dt.UTC)
            batch.save(PushTicketItem(
                f"PUSHTICKETS#{_hour(sent)}", _ticket_sk(ticket.sent_at_ms, ticket.ticket_id),
                ticket_id=ticket.ticket_id, user_id=ticket.user_id, device_id=ticket.device_id, token=ticket.token,
                reminder_id=ticket.reminder_id, sent_at_ms=ticket.sent_at_ms, TTL=_ttl(at, TICKET_RETENTION),
            ))


def tickets_sent_between(*, since: dt.datetime, until: dt.datetime) -> list[Ticket]:
    """Stored tickets sent in [since, until): one Query per hour bucket (tickets expire by TTL)."""
    found: list[Ticket] = []
    since_ms, until_ms = int(since.timestamp() * 1000), int(until.timestamp() * 1000)
    if since_ms >= until_ms:
        return found
    last = until - dt.timedelta(milliseconds=1)
    condition = PushTicketItem.SK.between(f"{since_ms:013d}", f"{until_ms - 1:013d}#~")
    for hour in _hours(since, last):
        for item in PushTicketItem.query(f"PUSHTICKETS#{_hour(hour)}", condition):
            if isinstance(item, PushTicketItem) and since_ms <= int(item.sent_at_ms) < until_ms:
                found.append(Ticket(item.ticket_id, item.user_id, item.device_id, item.token, item.reminder_id,
                                    int(item.sent_at_ms)))
    return found


# --- reminders that follow the batch ----------------------------------------------------------------

def _time_text(value: dt.datetime | None) -> str | None:
    return clock.isoformat(value) if value is not None else None


def _progress_json(progress: Progress | None) -> dict | None:
    if progress is None:
        return None
    return {"started_at": clock.isoformat(progress.started_at), "since": clock.isoformat(progress.since),
            "done": progress.done}


def _progress_of(data: dict | None) -> Progress | None:
    if not data:
        return None
    return Progress(clock.parse(data["started_at"]), clock.parse(data["since"]), float(data["done"]))


def _cycle_json(cycle: Cycle) -> str:
    return json.dumps({
        "conditions": dataclasses.asdict(cycle.conditions), "first": _progress_json(cycle.first),
        "strained_at": _time_text(cycle.strained_at), "second": _progress_json(cycle.second),
        "rest_since": _time_text(cycle.rest_since),
    }, separators=(",", ":"))


def _cycle_of(text: str) -> Cycle:
    data = json.loads(text)
    return Cycle(
        conditions=Conditions(**data.get("conditions") or {}), first=_progress_of(data.get("first")),
        strained_at=_time_or_none(data.get("strained_at")), second=_progress_of(data.get("second")),
        rest_since=_time_or_none(data.get("rest_since")),
    )


def _follow_state(item: FollowItem | None) -> FollowState:
    if item is None:
        return FollowState(None, {}, None)
    pending = dict(entry.split(":", 1) for entry in (item.pending or ()))
    return FollowState(_cycle_of(item.state), pending, int(item.rev))


def follow_read(*, user_id: str, batch_id: str) -> ItemRead:
    """The batch's follow state, for apps.core.aws.table.read_together (a FollowState; rev None if none yet)."""
    return ItemRead(FollowItem, _pk(user_id), _follow_sk(batch_id), _follow_state)


def calibration_read(*, user_id: str) -> ItemRead:
    """The user's calibration samples, for read_together (a Calibrations; rev None if none yet)."""
    def convert(item: CalibrationItem | None) -> Calibrations:
        if item is None:
            return Calibrations({"milk": [], "water": []}, None)
        return Calibrations({"milk": [float(x) for x in item.milk or []],
                             "water": [float(x) for x in item.water or []]}, int(item.rev))
    return ItemRead(CalibrationItem, _pk(user_id), CALIBRATION_SK, convert)


def calibration_get(*, user_id: str) -> Calibrations:
    """The user's calibration samples (one GetItem)."""
    read = calibration_read(user_id=user_id)
    try:
        item = CalibrationItem.get(read.hash_key, read.range_key, consistent_read=True)
    except CalibrationItem.DoesNotExist:
        item = None
    return read.convert(item)


def calibration_write_op(*, user_id: str, samples: dict[str, list[float]], expected_rev: int | None) -> WriteOp:
    """Store the samples if nobody changed them since `expected_rev` was read."""
    item = CalibrationItem(_pk(user_id), CALIBRATION_SK, milk=samples.get("milk") or None,
                           water=samples.get("water") or None, rev=(expected_rev or 0) + 1)
    condition = (CalibrationItem.PK.does_not_exist() if expected_rev is None
                 else CalibrationItem.rev == expected_rev)
    return lambda transaction: transaction.save(item, condition=condition)


def follow_write_op(*, user_id: str, batch_id: str, cycle: Cycle, pending: dict[str, str],
                    expected_rev: int | None) -> WriteOp:
    """Store the batch's cycle and pending auto reminders if nobody changed them since `expected_rev`."""
    item = FollowItem(_pk(user_id), _follow_sk(batch_id), batch_id=batch_id, state=_cycle_json(cycle),
                      pending={f"{kind}:{rid}" for kind, rid in pending.items()} or None,
                      rev=(expected_rev or 0) + 1)
    condition = FollowItem.PK.does_not_exist() if expected_rev is None else FollowItem.rev == expected_rev
    return lambda transaction: transaction.save(item, condition=condition)


def follow_unpend_op(*, user_id: str, batch_id: str, kind: str, reminder_id: str) -> WriteOp:
    """Take one reminder out of the batch's pending set (and bump rev, so a concurrent planner re-reads)."""
    item, actions, condition = _follow_unpend(user_id, batch_id, [f"{kind}:{reminder_id}"])
    return lambda transaction: transaction.update(item, actions=actions, condition=condition)


def reminder_place_op(*, reminder: Reminder) -> WriteOp:
    """Store a new pending (auto) reminder, in the due index."""
    item = _new_item(reminder)
    return lambda transaction: transaction.save(item, condition=ReminderItem.PK.does_not_exist())


def reminder_retime_op(*, user_id: str, reminder_id: str, due_at: dt.datetime, model_due_at: dt.datetime,
                       spoils_at: dt.datetime, reason: str, reason_base: str, at: dt.datetime,
                       same_model_due_at: bool = False) -> WriteOp:
    """Move a pending auto reminder (condition: still pending and auto; with `same_model_due_at`, also still
    at that model time: a re-placement for new settings must not undo a concurrent re-timing)."""
    gsi1pk, gsi1sk = due_index_keys(reminder_id=reminder_id, due_at=due_at)
    actions = [ReminderItem.due_at.set(clock.isoformat(due_at)), ReminderItem.GSI1PK.set(gsi1pk),
               ReminderItem.GSI1SK.set(gsi1sk), ReminderItem.attempts.set(0),
               ReminderItem.model_due_at.set(clock.isoformat(model_due_at)),
               ReminderItem.spoils_at.set(clock.isoformat(spoils_at)), ReminderItem.reason.set(reason),
               ReminderItem.reason_base.set(reason_base), ReminderItem.updated_at.set(clock.isoformat(at))]
    item = _ref(user_id, reminder_id)
    condition = (ReminderItem.status == "pending") & (ReminderItem.source == "auto")
    if same_model_due_at:
        condition &= ReminderItem.model_due_at == clock.isoformat(model_due_at)
    return lambda transaction: transaction.update(item, actions=actions, condition=condition)


def reminder_cancel_auto_op(*, user_id: str, reminder_id: str, at: dt.datetime) -> WriteOp:
    """Cancel a pending auto reminder (condition: still pending and auto)."""
    item = _ref(user_id, reminder_id)
    condition = (ReminderItem.status == "pending") & (ReminderItem.source == "auto")
    actions = _cancel_actions(at)
    return lambda transaction: transaction.update(item, actions=actions, condition=condition)


def reminders_get(*, user_id: str, reminder_ids: list[str]) -> list[ItemRead]:
    """Reads of these reminders for read_together (a Reminder, or None when gone)."""
    return [ItemRead(ReminderItem, _pk(user_id), _sk(rid), lambda item: _to_reminder(item) if item else None)
            for rid in reminder_ids]


def follow_delete(*, user_id: str, batch_id: str) -> None:
    """Remove a batch's follow item (no error if it is gone)."""
    FollowItem(_pk(user_id), _follow_sk(batch_id)).delete()


def follow_delete_all(*, user_id: str) -> int:
    """Remove every follow item and the calibration of the user; how many went."""
    count = 0
    with FollowItem.batch_write() as batch:
        for item in FollowItem.query(_pk(user_id), FollowItem.SK.startswith(FOLLOW_PREFIX)):
            batch.delete(item)
            count += 1
    CalibrationItem(_pk(user_id), CALIBRATION_SK).delete()  # no error when there is none
    return count


def execute(ops: list[WriteOp]) -> None:
    """Apply ops in one transaction outside a request (demo data); raises on any failure."""
    with transact_write() as transaction:
        for op in ops:
            op(transaction)
