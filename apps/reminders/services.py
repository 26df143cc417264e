"""Reminder rules: scheduling, rescheduling, cancelling, listing, timing suggestions, and the automatic
reminders that follow the batch (apps.reminders.follow's rules, written with the change that caused them)."""

import dataclasses
import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from apps.accounts import repository as accounts_repository
from apps.batches import repository as batches_repository
from apps.batches.repository import Batch, batch_get
from apps.core import clock, ids
from apps.core.aws.table import WriteOp, read_together, write_together
from apps.core.http.cursors import decode_cursor, encode_cursor
from apps.core.http.errors import Conflict, Invalid, NotFound
from apps.reminders import calibration, follow, repository, timing
from apps.reminders.follow import Batchlike, Conditions, Plan, UserTime, Wanted
from apps.reminders.quiet_hours import QuietHours
from apps.reminders.repository import Calibrations, FollowState, Reminder

logger = logging.getLogger("kefir.reminders")

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
        current=current, due_at=due_at, message=changes.get("message"), set_message="message" in changes,
        updated_at=now,
    ):
        raise Conflict(f"Only a pending reminder can change; this one is {_status_now(user_id, reminder_id)}.")
    updated = dataclasses.replace(current, updated_at=now, source="user", attempts=0 if due_at else current.attempts)
    if due_at is not None:
        updated = dataclasses.replace(updated, due_at=due_at)
    if "message" in changes:
        updated = dataclasses.replace(updated, message=changes["message"] or None)
    return updated


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
    if current.status == "pending" and repository.reminder_cancel(current=current, at=clock.now()):
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
    """When to strain, second-ferment or feed one of the caller's batches: the timing model from the batch's
    current cycle, at the user's calibrated pace (one TransactGetItems)."""
    if not ids.is_id(batch_id):
        raise NotFound("No such batch.")
    batch, state, calibrations = read_together(
        batches_repository.batch_read(user_id=user_id, batch_id=batch_id),
        repository.follow_read(user_id=user_id, batch_id=batch_id),
        repository.calibration_read(user_id=user_id))
    if batch is None:
        raise NotFound("No such batch.")
    cycle = state.cycle or follow.initial_cycle(_batchlike(batch))
    first, second = cycle.first, cycle.second
    start = first or second
    since = start.since if start else (cycle.rest_since or batch.started_at)
    return timing.suggest(
        kind=batch.kind, status=batch.status, started_at=first.since if first else since, now=clock.now(),
        temperature_c=cycle.conditions.temperature_c, grains_g=cycle.conditions.grains_g,
        liquid_ml=cycle.conditions.liquid_ml,
        calibration=calibration.factor_of(calibrations.samples.get(batch.kind, [])),
        done=first.done if first else 0.0, strained_at=None if first else (cycle.strained_at or since),
        second=(second.since, second.done) if second else None, rest_since=cycle.rest_since,
    )


def calibration_of(*, user_id: str) -> dict[str, timing.Calibration]:
    """The caller's calibration per kind of kefir (one GetItem)."""
    samples = repository.calibration_get(user_id=user_id).samples
    return {kind: calibration.factor_of(samples.get(kind, [])) for kind in timing.KINDS}


# --- reminders that follow the batch ---------------------------------------------------------------------

# Event types that can change a batch's cycle or its automatic reminders (the others are one write, as before).
FOLLOWED_EVENT_TYPES = ("fed", "strained", "second_ferment_started", "temperature")
# Batch fields whose change a PATCH must follow.
FOLLOWED_FIELDS = ("status", "temperature_c", "grains_g", "liquid_ml", "auto_reminders", "kind")
ATTEMPTS = 3


@dataclass(frozen=True)
class FollowContext:
    """What one read gives a following write: the batch, its follow state, the owner's settings and
    calibration."""

    batch: Batch | None
    state: FollowState
    timezone: str
    quiet_hours: dict | None
    calibrations: Calibrations


def _batchlike(batch: Batch) -> Batchlike:
    return Batchlike(batch.kind, batch.status, batch.auto_reminders, batch.started_at,
                     Conditions(batch.temperature_c, batch.grains_g, batch.liquid_ml))


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _user_time(*, timezone: str, quiet_hours: dict | None, samples: list[float]) -> UserTime:
    return UserTime(_zone(timezone), QuietHours.parse(quiet_hours), calibration.factor_of(samples))


def _context(*, user_id: str, batch_id: str, heal: bool) -> FollowContext:
    batch, state, profile, calibrations = read_together(
        batches_repository.batch_read(user_id=user_id, batch_id=batch_id),
        repository.follow_read(user_id=user_id, batch_id=batch_id),
        accounts_repository.profile_read(user_id=user_id),
        repository.calibration_read(user_id=user_id))
    if heal and state.pending:
        # A write failed: make sure the pending set names only reminders still pending and automatic (it
        # always should; this is the one place that would notice, and repair, one that does not).
        found = read_together(*repository.reminders_get(user_id=user_id, reminder_ids=list(state.pending.values())))
        live = {r.id for r in found if r is not None and r.status == "pending" and r.source == "auto"}
        state = FollowState(state.cycle, {k: v for k, v in state.pending.items() if v in live}, state.rev)
    return FollowContext(batch, state, profile.timezone if profile else "UTC",
                         profile.quiet_hours if profile else None, calibrations)


def _follow_write(*, user_id: str, batch_id: str, build: Callable[[FollowContext], list[WriteOp]]) -> FollowContext:
    """Read what the change needs (1 request), build its writes, write them in one transaction (1 request);
    when a condition failed (a concurrent change), read again and retry."""
    for attempt in range(ATTEMPTS):
        context = _context(user_id=user_id, batch_id=batch_id, heal=attempt > 0)
        if context.batch is None:
            raise NotFound("No such batch.")
        if write_together(build(context)):
            return context
    raise Conflict("The batch is changing; try again.")


def _reminder_of(batch: Batch, wanted: Wanted, now: dt.datetime) -> Reminder:
    return Reminder(
        id=ids.new_id(at=now), user_id=batch.user_id, batch_id=batch.id, kind=wanted.kind, due_at=wanted.due_at,
        message=None, status="pending", sent_at=None, created_at=now, updated_at=now, source="auto",
        reason=wanted.reason, model_due_at=wanted.model_due_at, spoils_at=wanted.spoils_at,
        reason_base=wanted.reason_base,
    )


def _plan_ops(*, batch: Batch, context: FollowContext, plan: Plan, now: dt.datetime) -> list[WriteOp]:
    """The writes that carry out `plan`: reminders placed, re-timed and cancelled, the follow state, and the
    calibration when a cycle completed."""
    user_id = batch.user_id
    pending = dict(context.state.pending)
    ops: list[WriteOp] = []
    for kind in sorted(plan.cancel):
        reminder_id = pending.pop(kind, None)
        if reminder_id:
            ops.append(repository.reminder_cancel_auto_op(user_id=user_id, reminder_id=reminder_id, at=now))
    for kind, wanted in plan.place.items():
        replaced = pending.pop(kind, None)
        if replaced:
            ops.append(repository.reminder_cancel_auto_op(user_id=user_id, reminder_id=replaced, at=now))
        reminder = _reminder_of(batch, wanted, now)
        ops.append(repository.reminder_place_op(reminder=reminder))
        pending[kind] = reminder.id
    for kind, wanted in plan.retime.items():
        reminder_id = pending.get(kind)
        if reminder_id:
            ops.append(repository.reminder_retime_op(
                user_id=user_id, reminder_id=reminder_id, due_at=wanted.due_at, model_due_at=wanted.model_due_at,
                spoils_at=wanted.spoils_at, reason=wanted.reason, reason_base=wanted.reason_base, at=now))
    ops.append(repository.follow_write_op(user_id=user_id, batch_id=batch.id, cycle=plan.cycle, pending=pending,
                                          expected_rev=context.state.rev))
    if plan.sample is not None:
        samples = dict(context.calibrations.samples)
        samples[batch.kind] = calibration.with_sample(samples.get(batch.kind, []), plan.sample)
        ops.append(repository.calibration_write_op(user_id=user_id, samples=samples,
                                                   expected_rev=context.calibrations.rev))
    return ops


def _user_of(context: FollowContext, kind: str) -> UserTime:
    return _user_time(timezone=context.timezone, quiet_hours=context.quiet_hours,
                      samples=context.calibrations.samples.get(kind, []))


def event_add_following(*, user_id: str, batch_id: str, type: str, occurred_at: dt.datetime,
                        temperature_c: float | None, event_op: WriteOp) -> None:
    """Write a timeline event together with what it does to the batch's cycle and automatic reminders: one
    read and one transaction (2 DynamoDB requests); NotFound if the batch is not the user's."""
    now = clock.now()

    def build(context: FollowContext) -> list[WriteOp]:
        batch = context.batch
        cycle = context.state.cycle or follow.initial_cycle(_batchlike(batch))
        plan = follow.plan_event(_batchlike(batch), cycle, _user_of(context, batch.kind), type=type,
                                 occurred_at=occurred_at, temperature_c=temperature_c, now=now)
        ops = [event_op, batches_repository.batch_exists_op(user_id=user_id, batch_id=batch_id)]
        if plan is not None:
            ops += _plan_ops(batch=batch, context=context, plan=plan, now=now)
        return ops

    _follow_write(user_id=user_id, batch_id=batch_id, build=build)


def batch_create_following(*, batch: Batch) -> None:
    """Store a new batch with the automatic reminder its status calls for, in one transaction (after one read
    of the owner's settings and calibration: 2 DynamoDB requests)."""
    now = clock.now()
    profile, calibrations = read_together(accounts_repository.profile_read(user_id=batch.user_id),
                                          repository.calibration_read(user_id=batch.user_id))
    context = FollowContext(batch, FollowState(None, {}, None), profile.timezone if profile else "UTC",
                            profile.quiet_hours if profile else None, calibrations)
    plan = follow.plan_batch_created(_batchlike(batch), _user_of(context, batch.kind), now=now)
    ops = [batches_repository.batch_put_op(batch=batch), *_plan_ops(batch=batch, context=context, plan=plan, now=now)]
    if not write_together(ops):
        raise Conflict("The batch could not be created; try again.")


def batch_needs_following(*, batch: Batch) -> bool:
    """True when a new batch gets an automatic reminder (else it is stored alone, in one PutItem)."""
    return batch.auto_reminders and batch.status in ("active", "second_ferment", "in_fridge")


def batch_update_following(*, user_id: str, batch_id: str,
                           decide: Callable[[Batch], tuple[dict, list[WriteOp]]]) -> Batch:
    """Apply a PATCH that touches what reminders follow: `decide(current)` checks it against the batch as read
    (version, status machine) and returns the changes and the batch's own writes; they are written with the
    cycle's and reminders' changes in one transaction (2 DynamoDB requests). The batch as it is now."""
    now = clock.now()
    result: list[Batch] = []

    def build(context: FollowContext) -> list[WriteOp]:
        current = context.batch
        changes, batch_ops = decide(current)
        values = {k: ("" if k == "notes" and v is None else v) for k, v in changes.items()}
        updated = dataclasses.replace(current, **values, updated_at=now, version=current.version + 1)
        result[:] = [updated]
        cycle = context.state.cycle or follow.initial_cycle(_batchlike(current))
        plan = follow.plan_batch_update(_batchlike(current), _batchlike(updated), cycle,
                                        _user_of(context, updated.kind), now=now)
        if plan is None:
            return batch_ops
        return [*batch_ops, *_plan_ops(batch=updated, context=context, plan=plan, now=now)]

    _follow_write(user_id=user_id, batch_id=batch_id, build=build)
    return result[0]


def follow_next_feed(*, sent: Reminder) -> Reminder | None:
    """After an automatic weekly feed was pushed: the next one, a week after it, while the grains still rest in
    the fridge (API.md: "the next one is placed when one is sent")."""
    if sent.source != "auto" or sent.kind != "feed":
        return None
    now = clock.now()
    placed: list[Reminder] = []

    def build(context: FollowContext) -> list[WriteOp]:
        batch = context.batch
        placed.clear()
        cycle = context.state.cycle or follow.initial_cycle(_batchlike(batch))
        if batch.status != "in_fridge" or not batch.auto_reminders or "feed" in context.state.pending:
            return []
        after = max(sent.model_due_at or sent.due_at, now - timing.FRIDGE_FEED_INTERVAL)
        wanted = follow.wanted_feed(_batchlike(batch), cycle, _user_of(context, batch.kind), now=now, after=after)
        if wanted is None:
            return []
        reminder = _reminder_of(batch, wanted, now)
        placed.append(reminder)
        return [repository.reminder_place_op(reminder=reminder),
                repository.follow_write_op(user_id=batch.user_id, batch_id=batch.id, cycle=cycle,
                                           pending={**context.state.pending, "feed": reminder.id},
                                           expected_rev=context.state.rev)]

    try:
        _follow_write(user_id=sent.user_id, batch_id=sent.batch_id, build=_skip_empty(build))
    except NotFound:
        return None
    return placed[0] if placed else None


def _skip_empty(build: Callable[[FollowContext], list[WriteOp]]) -> Callable[[FollowContext], list[WriteOp]]:
    # Nothing to write is a success: write_together() of nothing would be refused by DynamoDB.
    def wrapped(context: FollowContext) -> list[WriteOp]:
        ops = build(context)
        return ops or [batches_repository.batch_exists_op(user_id=context.batch.user_id, batch_id=context.batch.id)]
    return wrapped


def reminders_replace_for_settings(*, user_id: str, timezone: str, quiet_hours: dict | None,
                                   with_write: WriteOp) -> bool:
    """Re-place the user's pending automatic reminders for a new timezone or quiet hours, written with
    `with_write` (the settings) in one transaction: one Query of the reminders, then one TransactWriteItems
    per 99 moved reminders. False when a condition failed (something changed meanwhile: nothing written)."""
    now = clock.now()
    user = _user_time(timezone=timezone, quiet_hours=quiet_hours, samples=[])
    ops: list[WriteOp] = [with_write]
    for reminder in repository.reminders_of(user_id=user_id, status="pending"):
        if reminder.source != "auto" or reminder.model_due_at is None or reminder.spoils_at is None:
            continue
        due_at, reason = follow.replace_in_quiet_hours(
            model_due_at=reminder.model_due_at, spoils_at=reminder.spoils_at,
            reason_base=reminder.reason_base or reminder.reason or "", user=user, now=now)
        if due_at == reminder.due_at and reason == reminder.reason:
            continue
        ops.append(repository.reminder_retime_op(
            user_id=user_id, reminder_id=reminder.id, due_at=due_at, model_due_at=reminder.model_due_at,
            spoils_at=reminder.spoils_at, reason=reason, reason_base=reminder.reason_base or "", at=now,
            same_model_due_at=True))
    first, rest = ops[:MAX_TRANSACTION_ITEMS], ops[MAX_TRANSACTION_ITEMS:]
    if not write_together(first):
        return False
    for start in range(0, len(rest), MAX_TRANSACTION_ITEMS):
        if not write_together(rest[start:start + MAX_TRANSACTION_ITEMS]):
            logger.warning("some automatic reminders were not re-placed", extra={"user_id": user_id})
    return True


MAX_TRANSACTION_ITEMS = 100


def reminders_remove_for_batch(*, user_id: str, batch_id: str) -> int:
    """Remove a deleted batch's reminders and follow state (idempotent); how many reminders went."""
    count = repository.reminders_delete_for_batch(user_id=user_id, batch_id=batch_id)
    repository.follow_delete(user_id=user_id, batch_id=batch_id)
    return count
