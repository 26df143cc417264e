"""The follow rules on their own (no I/O): re-timing keeps the fraction of the ferment already done, and
calibration samples are actual / model time, as properties (Hypothesis)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.reminders import calibration, follow, timing
from apps.reminders.follow import Batchlike, Conditions, UserTime
from apps.reminders.timing import Calibration

START = dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC)
UTC = ZoneInfo("UTC")


def hours(temperature_c, kind="milk", ml_per_g=15.0):
    return timing.first_ferment_hours(kind=kind, temperature_c=temperature_c, ml_per_g=ml_per_g)


def batch(temperature_c, kind="milk", status="active", auto=True):
    return Batchlike(kind, status, auto, START, Conditions(temperature_c, 20.0, 300.0))


def user(factor=1.0, based_on=0):
    return UserTime(UTC, None, Calibration(factor, based_on))


@settings(max_examples=200, deadline=None)
@given(first_c=st.floats(4, 30), then_c=st.floats(4, 30), fraction=st.floats(0.05, 0.95),
       factor=st.floats(0.5, 2.0), kind=st.sampled_from(timing.KINDS))
def test_a_temperature_change_keeps_the_fraction_done_and_runs_the_rest_at_the_new_temperature(
        first_c, then_c, fraction, factor, kind):
    ml_per_g = 300.0 / 20.0
    before = hours(first_c, kind, ml_per_g) * factor
    changed_at = START + dt.timedelta(hours=before * fraction)
    created = follow.plan_batch_created(batch(first_c, kind), user(factor, 3), now=START)
    plan = follow.plan_event(batch(first_c, kind), created.cycle, user(factor, 3), type="temperature",
                             occurred_at=changed_at, temperature_c=then_c, now=changed_at)
    expected = changed_at + dt.timedelta(hours=(1 - fraction) * hours(then_c, kind, ml_per_g) * factor)
    assert abs(plan.retime["strain"].model_due_at - expected) <= dt.timedelta(seconds=2)
    assert plan.cycle.first.done == pytest.approx(fraction * factor, rel=1e-6)


@settings(max_examples=200, deadline=None)
@given(temperature_c=st.floats(4, 30), took=st.floats(0.3, 3.0))
def test_a_strained_cycle_samples_actual_over_model_time(temperature_c, took):
    model_h = hours(temperature_c)
    created = follow.plan_batch_created(batch(temperature_c), user(), now=START)
    strained_at = START + dt.timedelta(hours=model_h * took)
    plan = follow.plan_event(batch(temperature_c), created.cycle, user(), type="strained", occurred_at=strained_at,
                             temperature_c=None, now=strained_at)
    assert plan.cancel == {"strain"} and plan.cycle.first is None
    if dt.timedelta(hours=4) <= strained_at - START <= dt.timedelta(hours=96):
        assert abs(plan.sample - took) < 1e-6
    else:
        assert plan.sample is None


def test_the_factor_is_the_clamped_median_of_the_last_ten():
    assert calibration.factor_of([]) == Calibration(1.0, 0)
    assert calibration.factor_of([1.2, 1.5, 1.3]) == Calibration(1.3, 3)
    assert calibration.factor_of([3.0, 4.0]).factor == 2.0
    assert calibration.factor_of([0.1] * 4 + [1.0] * 10) == Calibration(1.0, 10)
    assert calibration.with_sample([1.0] * 10, 1.5) == [1.0] * 9 + [1.5]


def test_a_fed_before_the_current_cycle_changes_nothing():
    created = follow.plan_batch_created(batch(22), user(), now=START)
    later = follow.plan_event(batch(22), created.cycle, user(), type="fed", occurred_at=START + dt.timedelta(hours=5),
                              temperature_c=None, now=START + dt.timedelta(hours=5))
    assert follow.plan_event(batch(22), later.cycle, user(), type="fed", occurred_at=START + dt.timedelta(hours=1),
                             temperature_c=None, now=START + dt.timedelta(hours=6)) is None


def test_without_auto_reminders_the_cycle_is_still_followed_for_calibration():
    created = follow.plan_batch_created(batch(22, auto=False), user(), now=START)
    assert created.place == {} and created.cycle.first is not None
    plan = follow.plan_event(batch(22, auto=False), created.cycle, user(), type="strained",
                             occurred_at=START + dt.timedelta(hours=20), temperature_c=None,
                             now=START + dt.timedelta(hours=20))
    assert plan.sample is not None and plan.cancel == set()
