"""The growth model: the exponential fit of weighings and the estimates it gives (pure functions)."""

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.grains import growth
from apps.grains.growth import Point

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
rates = st.floats(min_value=growth.MIN_RATE_PER_DAY, max_value=growth.MAX_RATE_PER_DAY)
# Days between weighings: at least one (closer ones measure the scale, not growth), at most three weeks.
gaps = st.lists(st.floats(min_value=1.0, max_value=21.0), min_size=1, max_size=7)
masses = st.floats(min_value=0.5, max_value=200.0)


def _at(days: float) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


def _exact_weighings(rate: float, first_mass_g: float, day_gaps: list[float], start_day: float = 0.0) -> list[Point]:
    days, points = start_day, [Point(_at(start_day), first_mass_g)]
    for gap in day_gaps:
        days += gap
        points.append(Point(_at(days), first_mass_g * math.exp(rate * (days - start_day))))
    return points


@given(rate=rates, first_mass_g=masses, day_gaps=gaps)
def test_a_fit_of_exact_exponential_data_recovers_its_rate(rate, first_mass_g, day_gaps):
    fit = growth.fit_rate(_exact_weighings(rate, first_mass_g, day_gaps))
    assert fit is not None
    assert fit.rate_per_day == pytest.approx(rate, abs=1e-9)
    assert fit.based_on == min(len(day_gaps) + 1, growth.FIT_WEIGHINGS)


@given(rate=rates, before=gaps, after=gaps, first_mass_g=masses, kept=st.floats(min_value=0.05, max_value=0.95))
def test_a_split_starts_a_new_curve_with_the_same_slope_and_the_rate_is_still_recovered(rate, before, after,
                                                                                         first_mass_g, kept):
    first = _exact_weighings(rate, first_mass_g, before)
    split_day = (first[-1].at - T0).total_seconds() / 86400 + 0.5
    mass_at_split = first_mass_g * math.exp(rate * split_day) * kept
    second = _exact_weighings(rate, mass_at_split, after, start_day=split_day + 0.25)
    fit = growth.fit_rate([*first, Point(_at(split_day), None), *second])
    assert fit is not None and fit.rate_per_day == pytest.approx(rate, abs=1e-9)


def test_a_naive_fit_across_a_split_would_see_the_grains_shrink_the_segmented_one_does_not():
    # 20 -> 22 -> 24.2 g at +10 %/week, half given away, then 12.1 -> 13.31 g: still +10 %/week.
    weekly = math.log(1.1) / 7
    points = [Point(_at(0), 20), Point(_at(7), 22), Point(_at(14), 24.2), Point(_at(14.1), None),
              Point(_at(14.2), 12.1), Point(_at(21.2), 13.31)]
    assert growth.fit_rate(points).rate_per_day == pytest.approx(weekly, rel=1e-6)


def test_only_the_last_six_weighings_count():
    old = _exact_weighings(math.log(0.6) / 7, 50, [7, 7, 7])  # shrinking, long ago
    recent = _exact_weighings(math.log(1.2) / 7, 20, [7] * 5, start_day=30)
    fit = growth.fit_rate([*old, *recent])
    assert fit.based_on == 6 and fit.rate_per_day == pytest.approx(math.log(1.2) / 7, rel=1e-9)


@pytest.mark.parametrize("points", [
    [],
    [Point(_at(0), 20)],
    [Point(_at(0), 20), Point(_at(0.5), 22)],  # less than a day apart: the scale's noise, not growth
    [Point(_at(0), 20), Point(_at(3), None), Point(_at(7), 22)],  # a split between the only two
    [Point(_at(0), 20), Point(_at(3), 0), Point(_at(7), 22)],  # 0 g: the grains were gone; a new curve
])
def test_without_two_weighings_a_day_apart_on_one_curve_there_is_no_fit(points):
    assert growth.fit_rate(points) is None


def test_a_fit_beyond_the_sane_range_is_clamped():
    assert growth.fit_rate([Point(_at(0), 10), Point(_at(1), 100)]).rate_per_day == growth.MAX_RATE_PER_DAY
    assert growth.fit_rate([Point(_at(0), 100), Point(_at(1), 10)]).rate_per_day == growth.MIN_RATE_PER_DAY
    assert growth.weekly_growth(growth.MAX_RATE_PER_DAY) == pytest.approx(3.0)
    assert growth.weekly_growth(growth.MIN_RATE_PER_DAY) == pytest.approx(-0.5)


def test_the_default_rate_is_ten_percent_a_week():
    assert growth.estimate(mass_g=20, since=T0, rate_per_day=growth.DEFAULT_RATE_PER_DAY, now=_at(7)) == 22.0
    assert growth.weekly_growth(growth.DEFAULT_RATE_PER_DAY) == pytest.approx(0.1)


@given(mass_g=st.floats(min_value=0, max_value=5000), rate=st.floats(min_value=-1, max_value=1),
       days=st.floats(min_value=-30, max_value=365 * 60))
def test_estimates_stay_within_the_apis_range(mass_g, rate, days):
    estimated = growth.estimate(mass_g=mass_g, since=T0, rate_per_day=rate, now=T0 + dt.timedelta(days=days))
    assert 0 <= estimated <= growth.MAX_MASS_G
    assert estimated == round(estimated, 1)


@given(mass_g=st.floats(min_value=0.1, max_value=5000), rate=rates, days=st.floats(min_value=0, max_value=3650))
def test_an_estimate_is_the_mass_grown_at_the_rate(mass_g, rate, days):
    estimated = growth.estimate(mass_g=mass_g, since=T0, rate_per_day=rate, now=T0 + dt.timedelta(days=days))
    # In logarithms: ten years at the fastest rate would overflow a float (exp of more than 709).
    grown_log = math.log(mass_g) + rate * days
    expected = growth.MAX_MASS_G if grown_log >= math.log(growth.MAX_MASS_G) else math.exp(grown_log)
    assert estimated == pytest.approx(expected, abs=0.05 + 1e-9 * expected)


def test_a_time_before_the_last_mass_does_not_shrink_the_estimate():
    assert growth.estimate(mass_g=20, since=T0, rate_per_day=0.05, now=T0 - dt.timedelta(days=3)) == 20.0
