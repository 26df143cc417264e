"""Timelines for the demo batches (seeded after apps.batches.demo)."""

import datetime as dt

from apps.batches import demo as batch_demo
from apps.batches import repository as batch_repository
from apps.core import ids
from apps.events import repository
from apps.events.repository import Event


def _event(user_id: str, batch_id: str, at: dt.datetime, type: str, **fields) -> Event:
    return Event(id=ids.new_id(at=at), batch_id=batch_id, user_id=user_id, type=type, occurred_at=at,
                 created_at=at, **fields)


def seed(*, user_id: str, email: str, now: dt.datetime) -> None:
    """A believable timeline for each demo batch."""
    batches = {b.name: b for b in batch_repository.batches_iter(user_id=user_id)}
    milk, water = batches.get(batch_demo.MILK_NAME), batches.get(batch_demo.WATER_NAME)
    hours = lambda n: now - dt.timedelta(hours=n)  # noqa: E731
    events = []
    if milk:
        # Three completed cycles a little slower than the model (26, 27 and 25 h at 22 °C and 1:17): the
        # reminders' calibration learns a factor from them, then the current cycle.
        minutes = lambda n: dt.timedelta(minutes=n)  # noqa: E731
        events += [
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
    if water:
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
        repository.event_create(event=event)
