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
# Grains resting in the fridge want fresh milk / sugar water about once a week.
FRIDGE_FEED_INTERVAL = dt.timedelta(days=7)

KINDS = ("milk", "water")


@dataclass(frozen=True)
class Suggestion:
    kind: str  # a reminder kind: strain, feed, second_ferment_done, move_to_fridge
    due_at: dt.datetime
    reason: str


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


def _reason(hours: float, *, temperature_c: float, ratio: str, assumed: list[str], extra: list[str]) -> str:
    text = f"~{round(hours)} h at {temperature_c:g} °C with {ratio} grains"
    if assumed:
        text += f" ({' and '.join(assumed)} assumed)"
    return "; ".join([text, *extra])


def suggest(*, kind: str, status: str, started_at: dt.datetime, now: dt.datetime,
            temperature_c: float | None = None, grains_g: float | None = None,
            liquid_ml: float | None = None) -> list[Suggestion]:
    """Reminders worth setting for a batch in this state, soonest first, none in the past."""
    assumed = []
    if temperature_c is None:
        temperature_c = REFERENCE_TEMPERATURE_C
        assumed.append(f"{REFERENCE_TEMPERATURE_C:g} °C")
    ratio = ml_per_gram(kind=kind, grains_g=grains_g, liquid_ml=liquid_ml)
    if ratio == reference_ratio(kind) and not (grains_g and liquid_ml):
        assumed.append("the usual ratio")
    ratio_text = format_ratio(ratio)

    first_h = first_ferment_hours(kind=kind, temperature_c=temperature_c, ml_per_g=ratio)
    second_h = second_ferment_hours(temperature_c=temperature_c)
    strain_at = started_at + dt.timedelta(hours=first_h)
    second_done_at = strain_at + dt.timedelta(hours=second_h)
    heat = warnings(kind=kind, hours=0, temperature_c=temperature_c)

    found: list[Suggestion] = []
    if status == "active":
        found.append(Suggestion("strain", strain_at, _reason(
            first_h, temperature_c=temperature_c, ratio=ratio_text, assumed=assumed,
            extra=warnings(kind=kind, hours=first_h, temperature_c=temperature_c))))
    if status in ("active", "second_ferment"):
        found.append(Suggestion("second_ferment_done", second_done_at, "; ".join([
            f"~{round(second_h)} h sealed second ferment at {temperature_c:g} °C after straining, "
            "then move it to the fridge", *heat])))
    if status == "in_fridge":
        food = "fresh milk" if kind == "milk" else "fresh sugar water"
        found.append(Suggestion("feed", max(started_at, now) + FRIDGE_FEED_INTERVAL,
                                f"grains resting in the fridge need {food} about once a week"))
    return [_not_before(s, now) for s in sorted(found, key=lambda s: s.due_at)]


def _whole_seconds(value: dt.datetime) -> dt.datetime:
    return value.replace(microsecond=0)


def _not_before(suggestion: Suggestion, now: dt.datetime) -> Suggestion:
    # A reminder cannot be set in the past: an overdue step is due now, and says so.
    if suggestion.due_at >= now:
        return Suggestion(suggestion.kind, _whole_seconds(suggestion.due_at), suggestion.reason)
    return Suggestion(suggestion.kind, _whole_seconds(now), f"overdue: {suggestion.reason}")
