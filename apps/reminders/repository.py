"""Reminder, follow-state, calibration and push-ticket access patterns (the only module that knows their keys).

Keys (DESIGN.md): a reminder is PK USER#{sub} / SK REMINDER#{id}. While it is pending it also sits
in the sparse due index: GSI1PK DUE#{yyyy-mm-ddThh} (UTC hour of due_at) / GSI1SK {due_at}#{id};
sent, failed and cancelled reminders drop out of it, so the processor only ever reads live work and
spreads it over one partition per hour. Every write that puts a reminder into the index builds its keys
with `_due_keys` (one place: sharding the index changes only it and `reminders_due`). Push tickets waiting
for their receipt are PK PUSHTICKETS#{yyyy-mm-ddThh} (hour sent) / SK {ticket_id}, with a TTL of a day
(Expo's receipt life).

Reminders that follow the batch (issue 20) add two items per user partition, so that a timeline event which
re-times reminders costs one read and one transaction (2 DynamoDB requests):
- follow state, PK USER#{sub} / SK FOLLOW#{batch_id}: the batch's cycle (`state`, JSON of follow.Cycle: the
  current first ferment's start, since when its conditions hold and the model progress done by then, the same
  for a second ferment, the fridge rest's start, and the conditions now), `pending`, the ids of the batch's
  pending auto reminders as a string set of "{kind}:{id}", and `rev`, bumped by every write of either. Every
  change of an auto reminder's pending state changes `pending` in the same transaction (placing, re-timing
  and cancelling here; the processor's sent/failed; a person's PATCH or DELETE), so the set is exact, and a
  writer that read `rev` writes only if it is unchanged. A batch without the item (older data, or never
  followed) has the state its fields imply and no pending auto reminder.
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
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pynamodb.exceptions import TransactWriteError, UpdateError

from apps.core import clock
from apps.core.aws.table import ItemRead, WriteOp, transact_write, transaction_condition_failed
from apps.reminders.follow import Conditions, Cycle, Progress
from apps.reminders.models import CalibrationItem, FollowItem, PushTicketItem, ReminderItem

REMINDER_PREFIX = "REMINDER#"
# Finished reminders (sent, failed, cancelled) stay visible for this long, then TTL removes them; it
# keeps a user's partition, which the list reads whole, bounded.
FINISHED_RETENTION = dt.timedelta(days=90)
TICKET_RETENTION = dt.timedelta(hours=26)


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


def _due_keys(due_at: dt.datetime, reminder_id: str) -> tuple[str, str]:
    return f"DUE#{_hour(due_at)}", f"{clock.isoformat(due_at)}#{reminder_id}"


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
    gsi1pk, gsi1sk = _due_keys(reminder.due_at, reminder.id)
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
        gsi1pk, gsi1sk = _due_keys(due_at, reminder_id)
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

def reminders_due(*, now: dt.datetime, lookback: dt.timedelta) -> list[Reminder]:
    """Pending reminders due at or before `now`, back to `now - lookback`: one Query per hour bucket."""
    found: list[Reminder] = []
    hour = (now - lookback).replace(minute=0, second=0, microsecond=0)
    upper = f"{clock.isoformat(now)}#~"  # "~" sorts after every id: everything due up to now
    while hour <= now:
        for item in ReminderItem.gsi1.query(f"DUE#{_hour(hour)}", ReminderItem.GSI1SK <= upper):
            if isinstance(item, ReminderItem) and item.status == "pending":
                found.append(_to_reminder(item))
        hour += dt.timedelta(hours=1)
    return sorted(found, key=lambda r: (r.due_at, r.id))


def reminder_claim(*, user_id: str, reminder_id: str, claim_id: str, now_ms: int, until_ms: int) -> Reminder | None:
    """Take the reminder for one run until `until_ms` (pending, and unclaimed or its claim expired);
    the reminder as it is now, or None if it is not ours to send."""
    item = _ref(user_id, reminder_id)
    condition = (ReminderItem.status == "pending") & (
        ReminderItem.claimed_until_ms.does_not_exist() | (ReminderItem.claimed_until_ms < now_ms)
    )
    ok = _conditional_update(item, [ReminderItem.claim_id.set(claim_id),
                                    ReminderItem.claimed_until_ms.set(until_ms)], condition)
    return _to_reminder(item) if ok else None


def _finish(reminder: Reminder, status: str, at: dt.datetime, claim_id: str, extra: list | None = None) -> bool:
    # An auto reminder leaves its batch's pending set in the same transaction.
    return _update_with(_ref(reminder.user_id, reminder.id), [
        ReminderItem.status.set(status), ReminderItem.updated_at.set(clock.isoformat(at)),
        ReminderItem.GSI1PK.remove(), ReminderItem.GSI1SK.remove(), ReminderItem.claim_id.remove(),
        ReminderItem.claimed_until_ms.remove(), ReminderItem.TTL.set(_ttl(at, FINISHED_RETENTION)), *(extra or []),
    ], ReminderItem.claim_id == claim_id, _leaves_pending(reminder))


def reminder_mark_sent(*, reminder: Reminder, claim_id: str, at: dt.datetime) -> bool:
    """Record that our claim was pushed: sent, out of the due index."""
    return _finish(reminder, "sent", at, claim_id, [ReminderItem.sent_at.set(clock.isoformat(at))])


def reminder_drop(*, reminder: Reminder, claim_id: str, at: dt.datetime) -> bool:
    """Cancel a claimed reminder that must not be sent (its batch is gone)."""
    return _finish(reminder, "cancelled", at, claim_id)


def reminder_release(*, reminder: Reminder, claim_id: str, at: dt.datetime, attempts: int,
                     max_attempts: int) -> str | None:
    """Give a claim back after a failed delivery, counting the attempt: "pending" (a later run retries) or
    "failed" once `attempts` reaches `max_attempts`; None if the claim was no longer ours."""
    if attempts >= max_attempts:
        ok = _finish(reminder, "failed", at, claim_id, [ReminderItem.attempts.set(attempts)])
        return "failed" if ok else None
    ok = _conditional_update(_ref(reminder.user_id, reminder.id), [
        ReminderItem.attempts.set(attempts), ReminderItem.updated_at.set(clock.isoformat(at)),
        ReminderItem.claim_id.remove(), ReminderItem.claimed_until_ms.remove(),
    ], ReminderItem.claim_id == claim_id)
    return "pending" if ok else None


def tickets_put(*, tickets: list[Ticket], at: dt.datetime) -> None:
    """Remember push tickets whose receipts a later run checks."""
    with PushTicketItem.batch_write() as batch:
        for ticket in tickets:
            batch.save(PushTicketItem(
                f"PUSHTICKETS#{_hour(at)}", ticket.ticket_id, ticket_id=ticket.ticket_id, user_id=ticket.user_id,
                device_id=ticket.device_id, token=ticket.token, reminder_id=ticket.reminder_id,
                sent_at_ms=ticket.sent_at_ms, TTL=_ttl(at, TICKET_RETENTION),
            ))


def tickets_waiting(*, now: dt.datetime, sent_before_ms: int, lookback: dt.timedelta) -> list[Ticket]:
    """Stored tickets sent before `sent_before_ms`, within `lookback`: one Query per hour bucket."""
    found: list[Ticket] = []
    hour = (now - lookback).replace(minute=0, second=0, microsecond=0)
    while hour <= now:
        items = PushTicketItem.query(f"PUSHTICKETS#{_hour(hour)}",
                                     filter_condition=PushTicketItem.sent_at_ms < sent_before_ms)
        for item in items:
            if isinstance(item, PushTicketItem):
                found.append(Ticket(item.ticket_id, item.user_id, item.device_id, item.token, item.reminder_id,
                                    int(item.sent_at_ms)))
        hour += dt.timedelta(hours=1)
    return found


def tickets_delete(*, tickets: list[Ticket]) -> None:
    """Forget tickets whose receipts were read."""
    with PushTicketItem.batch_write() as batch:
        for ticket in tickets:
            sent = dt.datetime.fromtimestamp(ticket.sent_at_ms / 1000, dt.UTC)
            batch.delete(PushTicketItem(f"PUSHTICKETS#{_hour(sent)}", ticket.ticket_id))


# --- reminders that follow the batch ----------------------------------------------------------------

FOLLOW_PREFIX = "FOLLOW#"
CALIBRATION_SK = "CALIBRATION"


def _follow_sk(batch_id: str) -> str:
    return f"{FOLLOW_PREFIX}{batch_id}"


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
    item = FollowItem(_pk(user_id), _follow_sk(batch_id))
    actions = [FollowItem.pending.delete({f"{kind}:{reminder_id}"}), FollowItem.rev.add(1)]
    return lambda transaction: transaction.update(item, actions=actions, condition=FollowItem.PK.exists())


def reminder_place_op(*, reminder: Reminder) -> WriteOp:
    """Store a new pending (auto) reminder, in the due index."""
    item = _new_item(reminder)
    return lambda transaction: transaction.save(item, condition=ReminderItem.PK.does_not_exist())


def reminder_retime_op(*, user_id: str, reminder_id: str, due_at: dt.datetime, model_due_at: dt.datetime,
                       spoils_at: dt.datetime, reason: str, reason_base: str, at: dt.datetime,
                       same_model_due_at: bool = False) -> WriteOp:
    """Move a pending auto reminder (condition: still pending and auto; with `same_model_due_at`, also still
    at that model time: a re-placement for new settings must not undo a concurrent re-timing)."""
    gsi1pk, gsi1sk = _due_keys(due_at, reminder_id)
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
