"""Calibration: how much faster or slower a user's grains are than the model, per kind of kefir.

A completed cycle runs from its start (the batch's start or a `fed`) to the next `strained`, and counts when it
took 4 to 96 hours. Its sample is actual ÷ the model's time for the conditions it ran at: with conditions that
changed mid-cycle, that is the model's progress when it was strained (apps.reminders.follow). The factor is
the median of the last LAST_CYCLES samples, clamped to 0.5..2.0; 1.0 before any (API.md).
"""

import statistics

from apps.reminders.timing import Calibration

LAST_CYCLES = 10
MIN_FACTOR, MAX_FACTOR = 0.5, 2.0


def factor_of(samples: list[float]) -> Calibration:
    """The calibration from a kind's samples, oldest first (only the last LAST_CYCLES count)."""
    recent = samples[-LAST_CYCLES:]
    if not recent:
        return Calibration()
    return Calibration(min(MAX_FACTOR, max(MIN_FACTOR, statistics.median(recent))), len(recent))


def with_sample(samples: list[float], sample: float) -> list[float]:
    """The samples to keep after one more completed cycle."""
    return [*samples, round(sample, 4)][-LAST_CYCLES:]
