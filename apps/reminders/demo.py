"""Demo reminders: the demo batches' timelines replayed through the follow rules (apps.reminders.follow), so the
milk batch has a calibrated history (its completed cycles), and each batch the automatic reminders its state
calls for, placed out of the demo user's quiet hours."""

import datetime as dt

from apps.accounts import repository as accounts_repository
from apps.batches.repository import Batch, batches_iter
from apps.events.repository import events_iter
from apps.reminders import calibration, follow, repository, services
from apps.reminders.repository import Calibrations, FollowState


def _replay(batch: Batch, user: follow.UserTime, samples: list[float]) -> follow.Cycle:
    """The batch's cycle after its timeline, as the follow rules saw it (samples collected on the way)."""
    state = follow.Batchlike(batch.kind, "active", False, batch.started_at,
                             follow.Conditions(batch.temperature_c, batch.grains_g, batch.liquid_ml))
    cycle = follow.initial_cycle(state)
    for event in sorted(events_iter(user_id=batch.user_id, batch_id=batch.id), key=lambda e: e.occurred_at):
        if event.type == "status_changed" and event.status:
            new = follow.Batchlike(state.kind, event.status, False, state.started_at, state.conditions)
            plan = follow.plan_batch_update(state, new, cycle, user, now=event.occurred_at)
            state = new
        else:
            plan = follow.plan_event(state, cycle, user, type=event.type, occurred_at=event.occurred_at,
                                     temperature_c=event.temperature_c, now=event.occurred_at)
        if plan is not None:
            cycle = plan.cycle
            if plan.sample is not None:
                samples.append(plan.sample)
    return cycle


def seed(*, user_id: str, email: str, now: dt.datetime) -> None:
    """Follow state, calibration and pending automatic reminders for the demo user's batches."""
    profile = accounts_repository.profile_get(user_id=user_id)
    timezone = profile.timezone if profile else "UTC"
    quiet = profile.quiet_hours if profile else None
    batches = list(batches_iter(user_id=user_id))
    samples: dict[str, list[float]] = {"milk": [], "water": []}
    cycles = {}
    for batch in sorted(batches, key=lambda b: b.started_at):
        plain = services._user_time(timezone=timezone, quiet_hours=quiet, samples=[])
        cycles[batch.id] = _replay(batch, plain, samples[batch.kind])
    samples = {kind: found[-calibration.LAST_CYCLES:] for kind, found in samples.items()}
    calibrations = Calibrations(samples, None)
    ops = [repository.calibration_write_op(user_id=user_id, samples=samples, expected_rev=None)]
    for batch in batches:
        context = services.FollowContext(batch, FollowState(cycles[batch.id], {}, None), timezone, quiet, calibrations)
        user = services._user_time(timezone=timezone, quiet_hours=quiet, samples=samples[batch.kind])
        off = follow.Batchlike(batch.kind, batch.status, False, batch.started_at,
                               follow.Conditions(batch.temperature_c, batch.grains_g, batch.liquid_ml))
        on = follow.Batchlike(off.kind, off.status, batch.auto_reminders, off.started_at, off.conditions)
        plan = follow.plan_batch_update(off, on, cycles[batch.id], user, now=now)
        plan = plan or follow.Plan(cycles[batch.id], {}, set())
        ops += services._plan_ops(batch=batch, context=context, plan=plan, now=now)
    repository.execute(ops)
