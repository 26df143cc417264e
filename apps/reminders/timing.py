"""The kefir timing model: how long a ferment takes, from its kind, temperature and grains ratio.

Pure functions (no I/O, no clock): `now` is passed in.

The shape, per the issue:  hours = base x (ml per g ÷ reference ratio)^0.5 x Q10^((22 - T) / 10)
with T clamped to 4-30 °C (kefir still ferments, slowly, at fridge temperature; above 30 °C the
grains are damaged, so the model stops getting faster there and warns instead).

Sources the constants were fitted to (third-party guidance, cross-checked against each other):
- kefirgrains.eu, "Milk kefir grain to milk ratio guide": 1:15 grains:milk is the standard ratio
  for a ~24 h ferment at 22 °C; with 15 g grains, 250 ml takes 24-30 h at 18-20 °C, 18-24 h at
  22-24 °C, 10-14 h at 26-28 °C; 500 ml 36-48 / 24-30 / 18-24 h; 1 l 48+ / 36-48 / 24-30 h.
  Doubling the milk per gram multiplies the time by ~1.5 and quadrupling it by ~2, hence the
  square root of the ratio.
- Yemoos milk kefir FAQ (parts 4 and 8): 18-28 °C is the working range, 22 °C ideal; kefir still
  ferments from 4 to 30 °C; above 30 °C (86 °F) damages the grains; ratios of 1:7 to 1:60.
- Water kefir guides (kefirkultures.com step 2, positivelyprobiotic.com): first ferment 24-48 h
  at 20-26 °C, up to ~72 h in a cold kitchen, 24-30 h in summer; second ferment 12-72 h.

Fitted constants (checked by tests/reminders/test_timing.py against every anchor of the issue):
milk 21 h at 22 °C and 1:15, water 44 h at 22 °C and 1:16, second ferment 30 h at 22 °C bounded
to 12-72 h, Q10 = 2.7 (a 10 °C rise makes fermentation 2.7x faster). A single Q10 cannot hit
both ends of every range in the chart (real fermentation speeds up faster above 24 °C than below
it), so the model matches the middle of each temperature band and stays within ~10 % at the edges.

Q10 = 2.7 is what the kefirgrains.eu ratio chart implies, fitted as above. The literature gives a little
less: Zajšek & Goršek (2010, "Modelling of batch kefir fermentation kinetics for ethanol production by mixed
natural microflora", Food and Bioproducts Processing) measured an activation energy of about 64 kJ/mol for
kefir grain fermentation, i.e. Q10 ≈ exp(Ea/R * 10/(T1 T2)) ≈ 2.4 around 20 °C. We keep the chart's 2.7
because the reminders must match what people following that guidance see; the difference (~6 % per 5 °C
away from 22 °C) is well inside how much grains differ from each other (a factor of two or more), which
calibration (apps.reminders.calibration) learns per user and kind: the model's time times the user's factor.

Progress: when the conditions change mid-ferment, the part already elapsed counts at the conditions it ran
at. `progress()` is the fraction of the (uncalibrated) model's time elapsed so far, summed over the segments
of constant conditions; a ferment is ready when its progress reaches the user's factor.
"""

import datetime as dt
import math
from dataclasses import dataclass

Q10 = 2.7
REFERENCE_TEMPERATURE_C = 22.0
MIN_MODEL_TEMPERATURE_C = 4.0
MAX_MODEL_TEMPERATURE_C = 30.0
HARMFUL_ABOVE_C = 30.0

MILK_BASE_HOURS = 21.0
MILK_REFERENCE_ML_PER_G = 15.0
WATER_BASE_HOURS = 44.0
WATER_REFERENCE_ML_PER_G = 16.0
SECOND_FERMENT_BASE_HOURS = 30.0
SECOND_FERMENT_MIN_HOURS, SECOND_FERMENT_MAX_HOURS = 12.0, 72.0
# The longest first ferment the model suggests. The formula grows without bound as the grains go to zero
# (1e-100 g in 20 l would be due after year 9999); no real ferment comes near this: water kefir at 1:100
# and 4 °C, far outside the sources, is 27 days here. A suggestion past 48/72 h also warns of starving.
MAX_FIRST_FERMENT_HOURS = 90 * 24.0
# Beyond these the grains run out of food (lactose / sugar) and suffer.
STARVE_AFTER_HOURS = {"milk": 48.0, "water": 72.0}
# Grains resting in the fridge want fresh milk / sugar water about once a week, and more than a few weeks of
# rest weakens them.
FRIDGE_FEED_INTERVAL = dt.timedelta(days=7)
LONG_REST = dt.timedelta(days=21)
# After the model's time a ferment goes on souring; past these it spoils (quiet hours never push a reminder
# beyond them).
SPOILS_AFTER = {"milk": dt.timedelta(hours=10), "water": dt.timedelta(hours=24)}
# The working range of the grains (Yemoos: 18-28 °C) and of the ratio (grams of grains per liquid): outside
# them the suggestions warn. Milk above 1:10 and water above 1:6 grains:liquid is API.md's "too many grains";
# milk below 1:60 (Yemoos' widest) and water below 1:40 is too few to ferment well.
TOO_COLD_BELOW_C = 18.0
MIN_ML_PER_G = {"milk": 10.0, "water": 6.0}
MAX_ML_PER_G = {"milk": 60.0, "water": 40.0}
WARNING_CODES = ("too_hot", "too_cold", "starving", "too_few_grains", "too_many_grains")

KINDS = ("milk", "water")


@dataclass(frozen=True)
class Suggestion:
    kind: str  # a reminder kind: strain, feed, second_ferment_done, move_to_fridge
    due_at: dt.datetime
    reason: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Calibration:
    """The user's factor for one kind: actual ÷ model time, median of their last completed cycles."""

    factor: float = 1.0
    based_on: int = 0

    def describe(self) -> str:
        """The reason's words for the factor ("" before any completed cycle)."""
        if self.based_on <= 0:
            return ""
        cycles = "cycle" if self.based_on == 1 else "cycles"
        return f"times {self.factor:.2f}, your grains' own pace (from {self.based_on} {cycles})"


def clamp_temperature(temperature_c: float) -> float:
    """The temperature the model computes with: 4-30 °C."""
    return min(MAX_MODEL_TEMPERATURE_C, max(MIN_MODEL_TEMPERATURE_C, float(temperature_c)))


def temperature_factor(temperature_c: float) -> float:
    """How many times longer than at 22 °C a ferment takes at this temperature (Q10 law)."""
    return Q10 ** ((REFERENCE_TEMPERATURE_C - clamp_temperature(temperature_c)) / 10.0)


def reference_ratio(kind: str) -> float:
    """The usual millilitres of liquid per gram of grains for this kind of kefir."""
    return MILK_REFERENCE_ML_PER_G if kind == "milk" else WATER_REFERENCE_ML_PER_G


def ml_per_gram(*, kind: str, grains_g: float | None, liquid_ml: float | None) -> float:
    """The batch's liquid per gram of grains, or the usual ratio when either amount is unknown."""
    if not grains_g or not liquid_ml or grains_g <= 0 or liquid_ml <= 0:
        return reference_ratio(kind)
    return float(liquid_ml) / float(grains_g)


def first_ferment_hours(*, kind: str, temperature_c: float, ml_per_g: float) -> float:
    """Hours until a first ferment is ready to strain (at most MAX_FIRST_FERMENT_HOURS)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kefir kind {kind!r}")
    base = MILK_BASE_HOURS if kind == "milk" else WATER_BASE_HOURS
    ratio_factor = math.sqrt(max(ml_per_g, 0.1) / reference_ratio(kind))
    return min(MAX_FIRST_FERMENT_HOURS, base * ratio_factor * temperature_factor(temperature_c))


def second_ferment_hours(*, temperature_c: float) -> float:
    """Hours a sealed second ferment takes (12-72 h depending on temperature)."""
    hours = SECOND_FERMENT_BASE_HOURS * temperature_factor(temperature_c)
    return min(SECOND_FERMENT_MAX_HOURS, max(SECOND_FERMENT_MIN_HOURS, hours))


def progress(*, done: float, since: dt.datetime, at: dt.datetime, hours: float) -> float:
    """Model progress at `at` of a ferment that had `done` at `since` and runs at a `hours` model time since."""
    elapsed_h = max(0.0, (at - since).total_seconds() / 3600.0)
    return done + elapsed_h / hours


def ready_at(*, done: float, since: dt.datetime, hours: float, factor: float = 1.0) -> dt.datetime:
    """When a ferment that had `done` at `since`, running at `hours` model time, reaches `factor` (ready)."""
    remaining_h = max(0.0, factor - done) * hours
    return since + dt.timedelta(hours=min(remaining_h, MAX_FIRST_FERMENT_HOURS * 2.0))


def warning_codes(*, kind: str, hours: float, temperature_c: float | None, ml_per_g: float | None) -> tuple[str, ...]:
    """API.md's warning codes for a ferment in these conditions (unknown ones warn of nothing)."""
    found = []
    if temperature_c is not None and temperature_c > HARMFUL_ABOVE_C:
        found.append("too_hot")
    if temperature_c is not None and temperature_c < TOO_COLD_BELOW_C:
        found.append("too_cold")
    if hours > STARVE_AFTER_HOURS[kind]:
        found.append("starving")
    if ml_per_g is not None and ml_per_g > MAX_ML_PER_G[kind]:
        found.append("too_few_grains")
    if ml_per_g is not None and ml_per_g < MIN_ML_PER_G[kind]:
        found.append("too_many_grains")
    return tuple(found)


def format_ratio(ml_per_g: float) -> str:
    """A grains ratio as people write it: "1:15"."""
    return f"1:{max(1, round(ml_per_g))}"


def warnings(*, kind: str, hours: float, temperature_c: float) -> list[str]:
    """What could hurt the grains in this ferment, in words."""
    found = []
    if hours > STARVE_AFTER_HOURS[kind]:
        found.append(
            f"over {STARVE_AFTER_HOURS[kind]:.0f} h the grains may starve: use fewer "
            f"{'ml of milk' if kind == 'milk' else 'ml of sugar water'} per gram or a warmer spot"
        )
    if temperature_c > HARMFUL_ABOVE_C:
        found.append(f"above {HARMFUL_ABOVE_C:.0f} °C harms the grains: move them somewhere cooler")
    return found


def _reason(hours: float, *, temperature_c: float, ratio: str, assumed: list[str], extra: list[str],
            calibration: Calibration | None = None) -> str:
    text = f"~{round(hours)} h at {temperature_c:g} °C with {ratio} grains"
    if assumed:
        text += f" ({' and '.join(assumed)} assumed)"
    if calibration is not None and calibration.describe():
        text += f", {calibration.describe()}"
    return "; ".join([text, *extra])


def suggest(*, kind: str, status: str, started_at: dt.datetime, now: dt.datetime,
            temperature_c: float | None = None, grains_g: float | None = None,
            liquid_ml: float | None = None, calibration: Calibration | None = None, done: float = 0.0,
            strained_at: dt.datetime | None = None, second: tuple[dt.datetime, float] | None = None,
            rest_since: dt.datetime | None = None) -> list[Suggestion]:
    """Reminders worth setting for a batch in this state, soonest first, none in the past.

    `started_at` is when the current conditions began in the current cycle, with `done` of the model's time
    already behind it (0 at a cycle's start); `strained_at` is set once the current cycle was strained;
    `second` is (since, done) of a running second ferment; `rest_since` when the fridge rest began.
    """
    calibration = calibration or Calibration()
    assumed = []
    known_temperature = temperature_c
    if temperature_c is None:
        temperature_c = REFERENCE_TEMPERATURE_C
        assumed.append(f"{REFERENCE_TEMPERATURE_C:g} °C")
    ratio = ml_per_gram(kind=kind, grains_g=grains_g, liquid_ml=liquid_ml)
    known_ratio = ratio if (grains_g and liquid_ml and grains_g > 0 and liquid_ml > 0) else None
    if known_ratio is None:
        assumed.append("the usual ratio")
    ratio_text = format_ratio(ratio)

    model_h = first_ferment_hours(kind=kind, temperature_c=temperature_c, ml_per_g=ratio)
    first_h = model_h * calibration.factor
    second_h = second_ferment_hours(temperature_c=temperature_c)
    strain_at = ready_at(done=done, since=started_at, hours=model_h, factor=calibration.factor)
    if second is not None:
        second_done_at = ready_at(done=second[1], since=second[0], hours=second_h)
    elif strained_at is not None:
        second_done_at = strained_at + dt.timedelta(hours=second_h)
    else:
        second_done_at = strain_at + dt.timedelta(hours=second_h)
    heat = warnings(kind=kind, hours=0, temperature_c=temperature_c)
    codes = warning_codes(kind=kind, hours=first_h, temperature_c=known_temperature, ml_per_g=known_ratio)
    heat_codes = tuple(c for c in codes if c in ("too_hot", "too_cold"))

    found: list[Suggestion] = []
    if status == "active" and strained_at is None:
        found.append(Suggestion("strain", strain_at, _reason(
            first_h, temperature_c=temperature_c, ratio=ratio_text, assumed=assumed,
            extra=warnings(kind=kind, hours=first_h, temperature_c=temperature_c), calibration=calibration),
            codes))
    if status == "second_ferment" or (status == "active" and (second is not None or strained_at is None)):
        found.append(Suggestion("second_ferment_done", second_done_at, "; ".join([
            f"~{round(second_h)} h sealed second ferment at {temperature_c:g} °C after straining, "
            "then move it to the fridge", *heat]), heat_codes))
    if status == "in_fridge":
        food = "fresh milk" if kind == "milk" else "fresh sugar water"
        rest_start = rest_since or started_at
        found.append(Suggestion("feed", max(rest_start, now) + FRIDGE_FEED_INTERVAL,
                                f"grains resting in the fridge need {food} about once a week"))
    return [_not_before(s, now) for s in sorted(found, key=lambda s: s.due_at)]


def _whole_seconds(value: dt.datetime) -> dt.datetime:
    return value.replace(microsecond=0)


def _not_before(suggestion: Suggestion, now: dt.datetime) -> Suggestion:
    # A reminder cannot be set in the past: an overdue step is due now, and says so.
    if suggestion.due_at >= now:
        return Suggestion(suggestion.kind, _whole_seconds(suggestion.due_at), suggestion.reason, suggestion.warnings)
    return Suggestion(suggestion.kind, _whole_seconds(now), f"overdue: {suggestion.reason}", suggestion.warnings)
