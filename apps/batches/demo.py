"""Demo batches: a milk kefir in its first ferment and a water kefir resting in the fridge, each with a believable
timeline (written through the events repository)."""

import datetime as dt

from apps.batches import repository
from apps.batches.repository import Batch
from apps.core import ids
from apps.events import repository as events_repository
from apps.events.repository import Event

MILK_NAME = "Whole milk kefir"
WATER_NAME = "Ginger lemon water kefir"


def seed(*, user_id: str, email: str, now: dt.datetime) -> None:
    """Two batches for the demo user, then their timelines."""
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
    _seed_timelines(user_id=user_id, milk=milk, water=water, now=now)


def _event(user_id: str, batch_id: str, at: dt.datetime, type: str, **fields) -> Event:
    return Event(id=ids.new_id(at=at), batch_id=batch_id, user_id=user_id, type=type, occurred_at=at,
                 created_at=at, **fields)


def _seed_timelines(*, user_id: str, milk: Batch, water: Batch, now: dt.datetime) -> None:
    """A believable timeline for each demo batch."""
    hours = lambda n: now - dt.timedelta(hours=n)  # noqa: E731
    minutes = lambda n: dt.timedelta(minutes=n)  # noqa: E731
    # Milk: three completed cycles a little slower than the model (26, 27 and 25 h at 22 °C and 1:17): the
    # reminders' calibration learns a factor from them, then the current cycle.
    events = [
        _event(user_id, milk.id, hours(96), "fed", note="15 g grains into 250 ml whole milk."),
        _event(user_id, milk.id, hours(70), "strained", note="Thick and mild."),
        _event(user_id, milk.id, hours(70) + minutes(5), "fed", note="Fresh milk, same jar."),
        _event(user_id, milk.id, hours(43), "strained", note="A little sour: next time a bit sooner."),
        _event(user_id, milk.id, hours(43) + minutes(5), "fed"),
        _event(user_id, milk.id, hours(20), "strained"),
        _event(user_id, milk.id, hours(20) + minutes(5), "fed", note="15 g grains into 250 ml whole milk."),
        _event(user_id, milk.id, hours(14), "temperature", temperature_c=22),
        _event(user_id, milk.id, hours(4), "note", note="Starting to thicken; smells pleasantly tangy."),
    ]
    # Water: a first ferment, a second one, then the fridge.
    events += [
        _event(user_id, water.id, hours(72), "fed", note="60 g grains, 50 g cane sugar, 1 l water, a fig."),
        _event(user_id, water.id, hours(30), "strained", note="Grains look plump and happy."),
        _event(user_id, water.id, hours(30) + dt.timedelta(minutes=10), "second_ferment_started",
               note="Bottled with fresh ginger and lemon juice."),
        _event(user_id, water.id, hours(30) + dt.timedelta(minutes=10), "status_changed",
               note="First ferment → Second ferment", status="second_ferment"),
        _event(user_id, water.id, hours(6), "status_changed", note="Second ferment → In the fridge",
               status="in_fridge"),
        _event(user_id, water.id, hours(5), "tasted", rating=4, note="Fizzy, bright, a little sweet still."),
    ]
    for event in events:
        events_repository.event_create(event=event)
