"""Reminders that follow the batch: the cycle's state and what each change does to the automatic reminders.

Pure rules (no I/O, no clock): the services read the state, call `plan(...)`, and write what it returns in
one transaction with the change itself.

The cycle's state (`Cycle`) is what re-timing needs: when the current first ferment started, since when its
current conditions hold and how much of the model's time it had done by then (`timing.progress`), the same
for a running second ferment, since when the grains rest in the fridge, and the conditions now. Automatic
reminders are placed at the model's time x the user's factor (calibration), then moved out of quiet hours.

Decisions where API.md is silent:
- An event logged late counts at its `occurred_at`: a `fed` before the current cycle's start is an older
  cycle and changes nothing; a `temperature` before the current conditions began counts from when they began
  (the elapsed part keeps its conditions).
- A `fed` event carries its `temperature_c`, if given, into the new cycle. A `fed` while the grains rest in
  the fridge re-times the weekly `feed` to 7 days after it (they were just fed). A `fed` on a batch in its
  second ferment or finished changes nothing.
- A status change to `active` starts a new cycle at that moment (grains back at work), cancelling a pending
  `feed`. `auto_reminders` turned back on places what the state calls for (none already past).
- Editing or deleting an event does not replay the timeline: reminders follow what was logged, when it was
  logged; a person moves or deletes a reminder to correct one (it then becomes theirs).
"""

import datetime as dt
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from apps.reminders import quiet_hours, timing
from apps.reminders.quiet_hours import QuietHours
from apps.reminders.timing import Calibration

AUTO_KINDS = ("strain", "second_ferment_done", "feed")
# Cycles shorter or longer than these are not counted by calibration (a forgotten jar, a mislogged time).
CALIBRATION_MIN = dt.timedelta(hours=4)
CALIBRATION_MAX = dt.timedelta(hours=96)


@dataclass(frozen=True)
class Conditions:
    temperature_c: float | None = None
    grains_g: float | None = None
    liquid_ml: float | None = None


@dataclass(frozen=True)
class Progress:
    """One ferment on the model: started at `started_at`; `done` of the model's time was behind it at `since`."""

    started_at: dt.datetime
    since: dt.datetime
    done: float = 0.0


@dataclass(frozen=True)
class Cycle:
    conditions: Conditions = field(default_factory=Conditions)
    first: Progress | None = None  # the open first ferment (None once strained)
    strained_at: dt.datetime | None = None  # when the last first ferment was strained
    second: Progress | None = None  # a running second ferment
    rest_since: dt.datetime | None = None  # in the fridge since


@dataclass(frozen=True)
class Batchlike:
    """What the rules read of a batch."""

    kind: str
    status: str
    auto_reminders: bool
    started_at: dt.datetime
    conditions: Conditions


@dataclass(frozen=True)
class UserTime:
    """The user's settings the placement needs, and their calibration of this batch's kind."""

    zone: ZoneInfo
    quiet: QuietHours | None
    calibration: Calibration


@dataclass(frozen=True)
class Wanted:
    """An automatic reminder as it should be pending now."""

    kind: str
    due_at: dt.datetime  # where it goes (after quiet hours)
    model_due_at: dt.datetime  # the model's time x factor, before quiet hours
    spoils_at: dt.datetime
    reason: str  # the whole sentence
    reason_base: str  # without what quiet hours added (re-placement when settings change starts from it)


@dataclass(frozen=True)
class Plan:
    cycle: Cycle
    place: dict[str, Wanted]  # kind -> the reminder to have pending (replacing a pending one of that kind)
    cancel: set[str]  # kinds whose pending auto reminder is cancelled
    retime: dict[str, Wanted] = field(default_factory=dict)  # kind -> new time, for a pending one only
    sample: float | None = None  # a completed cycle's actual ÷ model time, for calibration


def initial_cycle(batch: Batchlike) -> Cycle:
    """The state of a batch that has none stored (new, or from before reminders followed batches)."""
    start = batch.started_at
    if batch.status == "active":
        return Cycle(batch.conditions, first=Progress(start, start))
    if batch.status == "second_ferment":
        return Cycle(batch.conditions, second=Progress(start, start))
    if batch.status == "in_fridge":
        return Cycle(batch.conditions, rest_since=start)
    return Cycle(batch.conditions)


def _first_hours(kind: str, conditions: Conditions) -> float:
    temperature = conditions.temperature_c
    ratio = timing.ml_per_gram(kind=kind, grains_g=conditions.grains_g, liquid_ml=conditions.liquid_ml)
    return timing.first_ferment_hours(
        kind=kind, temperature_c=timing.REFERENCE_TEMPERATURE_C if temperature is None else temperature,
        ml_per_g=ratio)


def _second_hours(conditions: Conditions) -> float:
    temperature = conditions.temperature_c
    return timing.second_ferment_hours(
        temperature_c=timing.REFERENCE_TEMPERATURE_C if temperature is None else temperature)


def _advance(progress: Progress | None, hours: float, at: dt.datetime) -> Progress | None:
    if progress is None or at <= progress.since:
        return progress
    return replace(progress, since=at, done=timing.progress(done=progress.done, since=progress.since, at=at,
                                                             hours=hours))


def change_conditions(cycle: Cycle, *, kind: str, at: dt.datetime, conditions: Conditions) -> Cycle:
    """The cycle after its conditions changed at `at`: what elapsed counts at the old ones."""
    first = _advance(cycle.first, _first_hours(kind, cycle.conditions), at)
    second = _advance(cycle.second, _second_hours(cycle.conditions), at)
    return replace(cycle, first=first, second=second, conditions=conditions)


def _describe(conditions: Conditions) -> tuple[float, str, list[str]]:
    assumed = []
    temperature = conditions.temperature_c
    if temperature is None:
        temperature = timing.REFERENCE_TEMPERATURE_C
        assumed.append(f"{timing.REFERENCE_TEMPERATURE_C:g} °C")
    if not (conditions.grains_g and conditions.liquid_ml):
        assumed.append("the usual ratio")
    return temperature, " and ".join(assumed), assumed


def wanted_strain(batch: Batchlike, cycle: Cycle, user: UserTime, *, now: dt.datetime,
                  retimed: bool = False) -> Wanted | None:
    """The strain reminder of the open first ferment (None when there is none)."""
    if cycle.first is None:
        return None
    hours = _first_hours(batch.kind, cycle.conditions)
    factor = user.calibration.factor
    model_due = timing.ready_at(done=cycle.first.done, since=cycle.first.since, hours=hours, factor=factor)
    temperature, _, assumed = _describe(cycle.conditions)
    ratio = timing.format_ratio(timing.ml_per_gram(kind=batch.kind, grains_g=cycle.conditions.grains_g,
                                                   liquid_ml=cycle.conditions.liquid_ml))
    text = f"~{round(hours * factor)} h at {temperature:g} °C with {ratio} grains"
    if assumed:
        text += f" ({' and '.join(assumed)} assumed)"
    if user.calibration.describe():
        text += f", {user.calibration.describe()}"
    if retimed and cycle.first.done > 0:
        percent = min(100, round(100 * cycle.first.done / factor))
        text = f"re-timed: {percent} % done when the conditions changed, the rest at {text}"
    return _wanted("strain", batch.kind, model_due, f"strain: {text}", user, now)


def wanted_second(batch: Batchlike, cycle: Cycle, user: UserTime, *, now: dt.datetime) -> Wanted | None:
    """The second_ferment_done reminder of a running second ferment."""
    if cycle.second is None:
        return None
    hours = _second_hours(cycle.conditions)
    model_due = timing.ready_at(done=cycle.second.done, since=cycle.second.since, hours=hours)
    temperature, _, _ = _describe(cycle.conditions)
    reason = f"~{round(hours)} h sealed second ferment at {temperature:g} °C, then move it to the fridge"
    return _wanted("second_ferment_done", batch.kind, model_due, reason, user, now)


def wanted_feed(batch: Batchlike, cycle: Cycle, user: UserTime, *, now: dt.datetime,
                after: dt.datetime) -> Wanted | None:
    """The next weekly feed of grains resting in the fridge, a week after `after`."""
    if cycle.rest_since is None:
        return None
    due = after + timing.FRIDGE_FEED_INTERVAL
    food = "fresh milk" if batch.kind == "milk" else "fresh sugar water"
    rest = due - cycle.rest_since
    if rest > timing.LONG_REST:
        reason = (f"resting in the fridge for {rest.days} days by then: over 3 weeks weakens grains, so give them "
                  f"{food} now and wake them up at room temperature soon")
    else:
        reason = f"grains resting in the fridge need {food} about once a week"
    return _wanted("feed", batch.kind, max(due, now), reason, user, now)


def _wanted(kind: str, batch_kind: str, model_due: dt.datetime, reason: str, user: UserTime,
            now: dt.datetime) -> Wanted:
    model_due = model_due.replace(microsecond=0)
    spoils_at = model_due + timing.SPOILS_AFTER[batch_kind]
    placed = quiet_hours.place(model_due, zone=user.zone, quiet=user.quiet, spoils_at=spoils_at, now=now)
    at = max(placed.at, now).replace(microsecond=0)
    full = f"{reason}; {placed.note}" if placed.note else reason
    return Wanted(kind, at, model_due, spoils_at, full, reason)


def replace_in_quiet_hours(*, model_due_at: dt.datetime, spoils_at: dt.datetime, reason_base: str,
                           user: UserTime, now: dt.datetime) -> tuple[dt.datetime, str]:
    """Where a pending auto reminder goes under (new) settings: its time and whole reason."""
    placed = quiet_hours.place(model_due_at, zone=user.zone, quiet=user.quiet, spoils_at=spoils_at, now=now)
    reason = f"{reason_base}; {placed.note}" if placed.note else reason_base
    return max(placed.at, now).replace(microsecond=0), reason


def _start_cycle(batch: Batchlike, cycle: Cycle, at: dt.datetime, conditions: Conditions) -> Cycle:
    return replace(cycle, conditions=conditions, first=Progress(at, at), strained_at=None)


def _with_auto(batch: Batchlike, plan: Plan) -> Plan:
    if batch.auto_reminders:
        return Plan(plan.cycle, plan.place, plan.cancel - set(plan.place), plan.retime, plan.sample)
    return Plan(plan.cycle, {}, set(), sample=plan.sample)


def _future(wanted: Wanted | None, now: dt.datetime) -> dict[str, Wanted]:
    # A reminder whose model time has passed is not placed (events may be logged late).
    if wanted is None or wanted.model_due_at < now:
        return {}
    return {wanted.kind: wanted}


def _present(wanted: Wanted | None) -> dict[str, Wanted]:
    return {} if wanted is None else {wanted.kind: wanted}


def plan_batch_created(batch: Batchlike, user: UserTime, *, now: dt.datetime) -> Plan:
    """A new batch: its cycle, and the reminder its status calls for."""
    cycle = initial_cycle(batch)
    return _with_auto(batch, Plan(cycle, _everything_due(batch, cycle, user, now=now), set()))


def _everything_due(batch: Batchlike, cycle: Cycle, user: UserTime, *, now: dt.datetime) -> dict[str, Wanted]:
    if batch.status == "active":
        return {**_future(wanted_strain(batch, cycle, user, now=now), now),
                **_future(wanted_second(batch, cycle, user, now=now), now)}
    if batch.status == "second_ferment":
        return _future(wanted_second(batch, cycle, user, now=now), now)
    if batch.status == "in_fridge" and cycle.rest_since is not None:
        weeks = max(0, (now - cycle.rest_since) // timing.FRIDGE_FEED_INTERVAL)
        return _present(wanted_feed(batch, cycle, user, now=now,
                                    after=cycle.rest_since + weeks * timing.FRIDGE_FEED_INTERVAL))
    return {}


def plan_event(batch: Batchlike, cycle: Cycle, user: UserTime, *, type: str, occurred_at: dt.datetime,
               temperature_c: float | None, now: dt.datetime) -> Plan | None:
    """What a timeline event does to the cycle and the auto reminders; None when it does nothing."""
    if type == "fed":
        if batch.status == "in_fridge" and cycle.rest_since is not None:
            return _with_auto(batch, Plan(cycle, _present(wanted_feed(batch, cycle, user, now=now,
                                                                      after=occurred_at)), set()))
        if batch.status != "active" or (cycle.first and occurred_at < cycle.first.started_at):
            return None
        conditions = cycle.conditions
        if temperature_c is not None:
            conditions = replace(conditions, temperature_c=temperature_c)
        new = _start_cycle(batch, cycle, occurred_at, conditions)
        # The previous cycle's strain reminder goes either way (a new one replaces it unless already past).
        return _with_auto(batch, Plan(new, _future(wanted_strain(batch, new, user, now=now), now), {"strain"}))
    if type == "strained":
        first = cycle.first
        if first is None or occurred_at < first.started_at:
            return None
        sample = None
        actual = occurred_at - first.started_at
        if CALIBRATION_MIN <= actual <= CALIBRATION_MAX:
            hours = _first_hours(batch.kind, cycle.conditions)
            sample = timing.progress(done=first.done, since=first.since, at=occurred_at, hours=hours)
        new = replace(cycle, first=None, strained_at=occurred_at)
        return Plan(new, {}, {"strain"} if batch.auto_reminders else set(), sample=sample)
    if type == "second_ferment_started":
        new = replace(cycle, second=Progress(occurred_at, occurred_at))
        return _with_auto(batch, Plan(new, _present(wanted_second(batch, new, user, now=now)), set()))
    if type == "temperature" and temperature_c is not None:
        since = max([occurred_at] + [p.since for p in (cycle.first, cycle.second) if p is not None])
        new = change_conditions(cycle, kind=batch.kind, at=since,
                                conditions=replace(cycle.conditions, temperature_c=temperature_c))
        return _with_auto(batch, Plan(new, {}, set(), retime=_retimed(batch, new, user, now=now)))
    return None


def _retimed(batch: Batchlike, cycle: Cycle, user: UserTime, *, now: dt.datetime) -> dict[str, Wanted]:
    """Pending strain/second ferment reminders at their new times (the service keeps only those pending)."""
    found = {}
    if batch.status in ("active", "second_ferment"):
        found.update(_present(wanted_strain(batch, cycle, user, now=now, retimed=True)))
        found.update(_present(wanted_second(batch, cycle, user, now=now)))
    return found


def plan_batch_update(old: Batchlike, new: Batchlike, cycle: Cycle, user: UserTime, *,
                      now: dt.datetime) -> Plan | None:
    """What a PATCH does to the cycle and the auto reminders; None when it touches neither."""
    conditions_changed = old.conditions != new.conditions or old.kind != new.kind
    if not conditions_changed and old.status == new.status and old.auto_reminders == new.auto_reminders:
        return None
    place: dict[str, Wanted] = {}
    cancel: set[str] = set()
    retime_only: dict[str, Wanted] = {}
    if conditions_changed:
        merged = Conditions(
            new.conditions.temperature_c if new.conditions.temperature_c != old.conditions.temperature_c
            else cycle.conditions.temperature_c,
            new.conditions.grains_g, new.conditions.liquid_ml)
        cycle = change_conditions(cycle, kind=old.kind, at=now, conditions=merged)
        retime_only = _retimed(new, cycle, user, now=now)
    if new.status != old.status:
        if new.status == "active":
            cycle = replace(_start_cycle(new, cycle, now, cycle.conditions), rest_since=None)
            place.update(_future(wanted_strain(new, cycle, user, now=now), now))
            cancel.update({"feed", "strain"})
        elif new.status == "second_ferment":
            cycle = replace(cycle, second=cycle.second or Progress(now, now))
            place.update(_present(wanted_second(new, cycle, user, now=now)))
            cancel.add("strain")
        elif new.status == "in_fridge":
            cycle = replace(cycle, first=None, second=None, rest_since=now)
            cancel.update({"strain", "second_ferment_done"})
            place.update(_present(wanted_feed(new, cycle, user, now=now, after=now)))
        else:  # completed, archived
            cycle = replace(cycle, first=None, second=None, rest_since=None)
            cancel.update(AUTO_KINDS)
    if new.auto_reminders and not old.auto_reminders:
        place = {**_everything_due(new, cycle, user, now=now), **place}
    if not new.auto_reminders:
        return Plan(cycle, {}, set(AUTO_KINDS) if old.auto_reminders else set())
    cancel -= set(place)
    return Plan(cycle, place, cancel, retime={k: v for k, v in retime_only.items() if k not in cancel})
