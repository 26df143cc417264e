"""Reminder, push-ticket and delivery-run access patterns (the only module that knows their keys).

Keys (DESIGN.md): a reminder is PK USER#{sub} / SK REMINDER#{id}.

The due index. While a reminder is pending it also sits in the sparse GSI1 as
GSI1PK DUE#{yyyy-mm-ddThh}#{shard} / GSI1SK {due_at}#{id}, where the hour is due_at's UTC hour and the shard
is a stable hash of the reminder id (blake2b, not Python's salted hash()) modulo settings.REMINDER_SHARDS.
`due_index_keys` is the one function that computes them; every writer of a pending reminder uses it. Sent,
failed and cancelled reminders drop out of the index, so a run only reads live work, and a busy hour is
spread over REMINDER_SHARDS partitions instead of one. Reminders written before sharding sit under the
legacy key DUE#{yyyy-mm-ddThh}: `manage.py reindex_due_reminders` moves them (see legacy_due_rekey).

Watermarks. A run does not read 48 hours of buckets every five minutes; it reads from where the last
completed run left off. Items PK REMINDERRUN:
- SK WATERMARK#due#{shard:03d}, position = an hour: every pending reminder of that shard due before this
  hour has been settled. A run that completes writes min(hour of the earliest reminder it left pending,
  hour of now - WATERMARK_MARGIN): the margin covers a reminder written with a due time slightly in the
  past (the API allows one minute) and the index's replication lag. A run reads hours [watermark, now],
  never further back than its lookback (48 h, also the range when there is no watermark).
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
"""

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from django.conf import settings
from pynamodb.exceptions import TransactWriteError, UpdateError

from apps.core import clock
from apps.core.dynamodb import transact_write
from apps.reminders.models import PushTicketItem, ReminderItem, RunWatermarkItem

REMINDER_PREFIX = "REMINDER#"
# Finished reminders (sent, failed, cancelled) stay visible for this long, then TTL removes them; it
# keeps a user's partition, which the list reads whole, bounded.
FINISHED_RETENTION = dt.timedelta(days=90)
TICKET_RETENTION = dt.timedelta(hours=26)
RUN_PK = "REMINDERRUN"
DUE_WATERMARK = "WATERMARK#due#"
RECEIPTS_WATERMARK = "WATERMARK#receipts"
TRANSACTION_ITEMS = 100  # DynamoDB's limit per TransactWriteItems


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


def shard_count() -> int:
    """How many partitions each hour of the due index is spread over (settings.REMINDER_SHARDS)."""
    return int(settings.REMINDER_SHARDS)


def reminder_shard(reminder_id: str, shards: int | None = None) -> int:
    """The reminder's due-index shard: a stable hash of its id (the same in every process and release)."""
    digest = hashlib.blake2b(reminder_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % (shards or shard_count())


def due_index_keys(*, reminder_id: str, due_at: dt.datetime, shards: int | None = None) -> tuple[str, str]:
    """(GSI1PK, GSI1SK) of a pending reminder: DUE#{yyyy-mm-ddThh}#{shard} / {due_at}#{id}.

    The one place the due index's keys are made: every writer of a pending reminder (scheduling,
    rescheduling, reminders written inside other apps' transactions) calls it. A reminder must not be
    written due more than the processor's WATERMARK_MARGIN in the past, or a run that already passed
    that hour misses it.
    """
    return (f"DUE#{_hour(due_at)}#{reminder_shard(reminder_id, shards)}",
            f"{clock.isoformat(due_at)}#{reminder_id}")


def _due_partition(hour: dt.datetime, shard: int) -> str:
    return f"DUE#{_hour(hour)}#{shard}"


def _legacy_due_partition(gsi1pk: str | None) -> bool:
    return bool(gsi1pk) and gsi1pk.startswith("DUE#") and gsi1pk.count("#") == 1


def _ttl(at: dt.datetime, keep: dt.timedelta) -> int:
    return clock.epoch_seconds(at + keep)


def _to_reminder(item: ReminderItem) -> Reminder:
    return Reminder(
        id=item.reminder_id, user_id=item.user_id, batch_id=item.batch_id, kind=item.kind,
        due_at=clock.parse(item.due_at), message=item.message, status=item.status,
        sent_at=clock.parse(item.sent_at) if item.sent_at else None, created_at=clock.parse(item.created_at),
        updated_at=clock.parse(item.updated_at), attempts=int(item.attempts or 0), claim_id=item.claim_id,
        claimed_until_ms=int(item.claimed_until_ms) if item.claimed_until_ms is not None else None,
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

def reminder_put(*, reminder: Reminder) -> None:
    """Store a new pending reminder (in the due index)."""
    gsi1pk, gsi1sk = due_index_keys(reminder_id=reminder.id, due_at=reminder.due_at)
    item = ReminderItem(
        _pk(reminder.user_id), _sk(reminder.id), GSI1PK=gsi1pk, GSI1SK=gsi1sk,
        reminder_id=reminder.id, user_id=reminder.user_id, batch_id=reminder.batch_id, kind=reminder.kind,
        due_at=clock.isoformat(reminder.due_at), message=reminder.message, status=reminder.status,
        created_at=clock.isoformat(reminder.created_at), updated_at=clock.isoformat(reminder.updated_at),
        attempts=0,
    )
    item.save(condition=ReminderItem.PK.does_not_exist())


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


def reminder_reschedule(*, user_id: str, reminder_id: str, due_at: dt.datetime | None, message: str | None,
                        set_message: bool, updated_at: dt.datetime) -> bool:
    """Change a pending reminder's time and/or message (a new time starts its attempts afresh); False if
    it is not pending."""
    actions = [ReminderItem.updated_at.set(clock.isoformat(updated_at))]
    if due_at is not None:
        gsi1pk, gsi1sk = due_index_keys(reminder_id=reminder_id, due_at=due_at)
        actions += [ReminderItem.due_at.set(clock.isoformat(due_at)), ReminderItem.GSI1PK.set(gsi1pk),
                    ReminderItem.GSI1SK.set(gsi1sk), ReminderItem.attempts.set(0)]
    if set_message:
        actions.append(ReminderItem.message.set(message) if message else ReminderItem.message.remove())
    return _conditional_update(_ref(user_id, reminder_id), actions, ReminderItem.status == "pending")


def reminder_cancel(*, user_id: str, reminder_id: str, at: dt.datetime) -> bool:
    """Cancel a pending reminder (out of the due index, so no run sends it); False if not pending."""
    return _conditional_update(_ref(user_id, reminder_id), [
        ReminderItem.status.set("cancelled"), ReminderItem.updated_at.set(clock.isoformat(at)),
        ReminderItem.GSI1PK.remove(), ReminderItem.GSI1SK.remove(), ReminderItem.TTL.set(_ttl(at, FINISHED_RETENTION)),
    ], ReminderItem.status == "pending")


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
# still holding the claim. Both go 100 to a transaction where the engine has them; a transaction whose
# condition fails for some items is cancelled whole, and DynamoDB says which: those are dropped (someone
# else holds or changed them) and the rest is written again.

def _claim_condition(reminder: Reminder, now_ms: int):
    return ((ReminderItem.status == "pending") & (ReminderItem.updated_at == clock.isoformat(reminder.updated_at))
            & (ReminderItem.claimed_until_ms.does_not_exist() | (ReminderItem.claimed_until_ms < now_ms)))


def _write_conditionally(writes: list[tuple[ReminderItem, list, object]]) -> list[bool]:
    """Apply (item, actions, condition) writes; which of them were applied. Transactions of up to 100
    where the engine has them, else one UpdateItem each."""
    if not getattr(settings, "DYNAMODB_TRANSACTIONS", True):
        return [_conditional_update(item, actions, condition) for item, actions, condition in writes]
    applied = [False] * len(writes)
    for start in range(0, len(writes), TRANSACTION_ITEMS):
        todo = list(range(start, min(start + TRANSACTION_ITEMS, len(writes))))
        while todo:
            try:
                with transact_write() as transaction:
                    for index in todo:
                        item, actions, condition = writes[index]
                        transaction.update(item, actions=actions, condition=condition)
            except TransactWriteError as exc:
                if exc.cause_response_code != "TransactionCanceledException":
                    raise
                reasons = exc.cancellation_reasons or []
                # ConditionalCheckFailed: not ours to write; TransactionConflict: another writer is on it
                # right now (a concurrent run). Either way the item is dropped; the rest is retried.
                refused = {todo[i] for i, reason in enumerate(reasons) if reason is not None}
                if not refused:
                    raise
                todo = [index for index in todo if index not in refused]
                continue
            for index in todo:
                applied[index] = True
            todo = []
    return applied


def reminders_claim(*, reminders: list[Reminder], claim_id: str, now_ms: int, until_ms: int) -> list[Reminder]:
    """Take these due reminders for one run until `until_ms` (the lease); the ones now ours, as claimed.
    One request per 100 (plus one per cancelled transaction) with transactions, else one per reminder."""
    actions = [ReminderItem.claim_id.set(claim_id), ReminderItem.claimed_until_ms.set(until_ms)]
    writes = [(_ref(r.user_id, r.id), actions, _claim_condition(r, now_ms)) for r in reminders]
    applied = _write_conditionally(writes)
    return [replace(r, claim_id=claim_id, claimed_until_ms=until_ms)
            for r, ok in zip(reminders, applied, strict=True) if ok]


OUTCOMES = ("sent", "cancelled", "failed", "retry", "unsent")


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


def reminders_settle(*, settlements: list[Settlement], claim_id: str, at: dt.datetime) -> list[Settlement]:
    """Write how each claimed reminder ended, where `claim_id` still holds it; the settlements written.
    One request per 100 with transactions (plus one per cancelled transaction), else one per reminder."""
    for settlement in settlements:
        if settlement.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {settlement.outcome!r}")
    writes = [(_ref(s.reminder.user_id, s.reminder.id), _settle_actions(s, at), ReminderItem.claim_id == claim_id)
              for s in settlements]
    applied = _write_conditionally(writes)
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
