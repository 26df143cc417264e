"""Reminder and push-ticket access patterns (the only module that knows their keys).

Keys (DESIGN.md): a reminder is PK USER#{sub} / SK REMINDER#{id}. While it is pending it also sits
in the sparse due index: GSI1PK DUE#{yyyy-mm-ddThh} (UTC hour of due_at) / GSI1SK {due_at}#{id};
sent, failed and cancelled reminders drop out of it, so the processor only ever reads live work and
spreads it over one partition per hour. Push tickets waiting for their receipt are
PK PUSHTICKETS#{yyyy-mm-ddThh} (hour sent) / SK {ticket_id}, with a TTL of a day (Expo's receipt life).
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pynamodb.exceptions import UpdateError

from apps.core import clock
from apps.reminders.models import PushTicketItem, ReminderItem

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
    gsi1pk, gsi1sk = _due_keys(reminder.due_at, reminder.id)
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
        gsi1pk, gsi1sk = _due_keys(due_at, reminder_id)
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


def _finish(item: ReminderItem, status: str, at: dt.datetime, claim_id: str, extra: list | None = None) -> bool:
    return _conditional_update(item, [
        ReminderItem.status.set(status), ReminderItem.updated_at.set(clock.isoformat(at)),
        ReminderItem.GSI1PK.remove(), ReminderItem.GSI1SK.remove(), ReminderItem.claim_id.remove(),
        ReminderItem.claimed_until_ms.remove(), ReminderItem.TTL.set(_ttl(at, FINISHED_RETENTION)), *(extra or []),
    ], ReminderItem.claim_id == claim_id)


def reminder_mark_sent(*, user_id: str, reminder_id: str, claim_id: str, at: dt.datetime) -> bool:
    """Record that our claim was pushed: sent, out of the due index."""
    return _finish(_ref(user_id, reminder_id), "sent", at, claim_id, [ReminderItem.sent_at.set(clock.isoformat(at))])


def reminder_drop(*, user_id: str, reminder_id: str, claim_id: str, at: dt.datetime) -> bool:
    """Cancel a claimed reminder that must not be sent (its batch is gone)."""
    return _finish(_ref(user_id, reminder_id), "cancelled", at, claim_id)


def reminder_release(*, user_id: str, reminder_id: str, claim_id: str, at: dt.datetime, attempts: int,
                     max_attempts: int) -> str | None:
    """Give a claim back after a failed delivery, counting the attempt: "pending" (a later run retries) or
    "failed" once `attempts` reaches `max_attempts`; None if the claim was no longer ours."""
    item = _ref(user_id, reminder_id)
    if attempts >= max_attempts:
        ok = _finish(item, "failed", at, claim_id, [ReminderItem.attempts.set(attempts)])
        return "failed" if ok else None
    ok = _conditional_update(item, [
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
