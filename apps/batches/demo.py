"""Demo batches: a milk kefir in its first ferment and a water kefir resting in the fridge."""

import datetime as dt

from apps.batches import repository
from apps.batches.repository import Batch
from apps.core import ids

MILK_NAME = "Whole milk kefir"
WATER_NAME = "Ginger lemon water kefir"


def seed(*, user_id: str, email: str, now: dt.datetime) -> None:
    """Two batches for the demo user (the events app adds their timelines)."""
    milk_start = now - dt.timedelta(hours=96)  # four days of cycles: the reminders' calibration learns from them
    water_start = now - dt.timedelta(days=3)
    water = Batch(
        id=ids.new_id(at=water_start), user_id=user_id, name=WATER_NAME, kind="water", status="in_fridge",
        started_at=water_start, created_at=water_start, updated_at=now - dt.timedelta(hours=6), version=3,
        temperature_c=24, grains_g=60, liquid_ml=1000, sugar_g=50,
        notes="Cane sugar, a dried fig and a slice of lemon in the first ferment.",
    )
    milk = Batch(
        id=ids.new_id(at=milk_start), user_id=user_id, name=MILK_NAME, kind="milk", status="active",
        started_at=milk_start, created_at=milk_start, updated_at=milk_start, version=1,
        temperature_c=22, grains_g=15, liquid_ml=250, notes="Organic whole milk, jar on the kitchen shelf.",
    )
    for batch in (water, milk):
        repository.batch_create(batch=batch)
