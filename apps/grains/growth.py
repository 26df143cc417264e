"""How grains grow: an exponential fit of the user's own weighings, and the mass it predicts.

The model: between two events that change it, a grains' mass grows as m(t) = m0 · e^(r·t), r per day.

- The rate r is fitted by least squares on ln(mass) against time, over the grains' last FIT_WEIGHINGS
  weighings (measured_at order).
- A split or a gift takes a piece away: the mass drops, but the grains that stay grow on at the same rate
  (growth is proportional to mass), so ln(mass) shifts down and keeps its slope. Weighings are therefore
  grouped into segments, a new segment starting at every split or gift (and at a weighing of 0 g, which
  has no logarithm: the grains were gone). Each segment keeps its own intercept and all share one slope:
  the pooled within-segment least-squares slope, sum((t - mean t)(y - mean y)) / sum((t - mean t)^2),
  the means taken per segment. A segment whose weighings span less than MIN_SEGMENT_SPAN measures the
  scale's noise more than growth and is left out. A fit needs at least one segment of two weighings a day or more apart.
- Without a fit (fewer than two such weighings), the rate is the grains' previous one if it was measured
  (or, for grains split off others, their parent's), else DEFAULT_RATE_PER_DAY: 10 %/week, the low end of
  the 10-20 %/week published for milk kefir.
- Rates are clamped to MIN..MAX_WEEKLY_FACTOR: grains halving in a week are dying, quadrupling in a week
  is faster than water kefir grains at their best; a fit beyond either is noise (a misread scale, two
  weighings an hour apart).
- An estimate is clamped to the API's 0..MAX_MASS_G and rounded to 0.1 g.
"""

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

FIT_WEIGHINGS = 6
MIN_SEGMENT_SPAN = dt.timedelta(days=1)
DEFAULT_WEEKLY_GROWTH = 0.10
DEFAULT_RATE_PER_DAY = math.log1p(DEFAULT_WEEKLY_GROWTH) / 7
MIN_WEEKLY_FACTOR, MAX_WEEKLY_FACTOR = 0.5, 4.0
MIN_RATE_PER_DAY = math.log(MIN_WEEKLY_FACTOR) / 7
MAX_RATE_PER_DAY = math.log(MAX_WEEKLY_FACTOR) / 7
MAX_MASS_G = 5000.0
DAY_S = 86400.0


@dataclass(frozen=True)
class Point:
    """One history entry as the fit sees it: a weighing (mass at a time) or a break (split, gift)."""

    at: dt.datetime
    mass_g: float | None  # a weighing's mass; None for a break
    order: str = ""  # ties at the same instant: the entry id (time-sortable)


@dataclass(frozen=True)
class Fit:
    rate_per_day: float
    based_on: int  # weighings in the segments that counted


def points(history: Iterable) -> list[Point]:
    """History entries (anything with `type`, `at`, `mass_g`, `id`) as the fit sees them: weighings, and
    splits and gifts as breaks; a `created` entry states a mass but was not weighed, so it is neither."""
    found = []
    for entry in history:
        if entry.type == "weighed":
            found.append(Point(entry.at, entry.mass_g, entry.id))
        elif entry.type in ("split", "given"):
            found.append(Point(entry.at, None, entry.id))
    return found


def clamp_rate(rate_per_day: float) -> float:
    """A rate within the sane range (see the module docstring)."""
    return min(MAX_RATE_PER_DAY, max(MIN_RATE_PER_DAY, rate_per_day))


def fit_rate(points: Iterable[Point]) -> Fit | None:
    """The pooled within-segment exponential fit over the last FIT_WEIGHINGS weighings, or None."""
    ordered = sorted(points, key=lambda p: (p.at, p.order))
    segment, tagged = 0, []
    for point in ordered:
        if point.mass_g is None or point.mass_g <= 0:
            segment += 1  # a split, a gift, or grains weighed at 0 g: what follows is a new curve
            continue
        tagged.append((segment, point))
    recent = tagged[-FIT_WEIGHINGS:]
    groups: dict[int, list[Point]] = {}
    for segment, point in recent:
        groups.setdefault(segment, []).append(point)
    origin = recent[0][1].at if recent else None
    sxx = sxy = 0.0
    based_on = 0
    for group in groups.values():
        if len(group) < 2 or group[-1].at - group[0].at < MIN_SEGMENT_SPAN:
            continue
        xs = [(p.at - origin).total_seconds() / DAY_S for p in group]
        ys = [math.log(p.mass_g) for p in group]
        mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx += sum((x - mean_x) ** 2 for x in xs)
        sxy += sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
        based_on += len(group)
    if based_on < 2 or sxx <= 0:
        return None
    return Fit(clamp_rate(sxy / sxx), based_on)


def estimate(*, mass_g: float, since: dt.datetime, rate_per_day: float, now: dt.datetime) -> float:
    """`mass_g` at `since`, grown at `rate_per_day` until `now`: within 0..MAX_MASS_G, to 0.1 g."""
    if mass_g <= 0:
        return 0.0
    days = max(0.0, (now - since).total_seconds() / DAY_S)
    # In logarithms, so that no mass and rate can overflow exp() (years without a weighing, a tiny mass).
    grown = math.log(mass_g) + clamp_rate(rate_per_day) * days
    if grown >= math.log(MAX_MASS_G):
        return MAX_MASS_G
    return round(min(MAX_MASS_G, max(0.0, math.exp(grown))), 1)


def weekly_growth(rate_per_day: float) -> float:
    """A daily rate as growth per week (0.1 = +10 %/week)."""
    return math.expm1(rate_per_day * 7)
