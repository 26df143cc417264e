"""Demo grains (seeded after apps.batches.demo, which writes the batches and their timelines): milk kefir
grains weighed weekly for five weeks (so a measured growth rate shows), a spoonful given away, and a weighing
before the demo milk batch started from them; water kefir grains with two weighings. Each demo batch is
linked to its grains."""

import dataclasses
import datetime as dt

from apps.batches import demo as batch_demo
from apps.batches import repository as batch_repository
from apps.batches import services as batch_services
from apps.core import ids
from apps.grains import growth, repository
from apps.grains.repository import Grains, HistoryEntry

MILK_GRAINS_NAME = "Anna's milk kefir grains"
WATER_GRAINS_NAME = "Water kefir crystals"


def _grown(user_id: str, *, name: str, kind: str, start: dt.datetime, first_mass_g: float,
           steps: list[tuple[dt.datetime, str, float, str | None]]) -> Grains:
    """Store grains created at `start` and the (at, type, mass_g, note) weighings and gifts that followed,
    in the state the API would have left them (one transaction after the creation)."""
    created = HistoryEntry(id=ids.new_id(at=start), grains_id=ids.new_id(at=start), user_id=user_id, type="created",
                           mass_g=first_mass_g, at=start, created_at=start)
    grains = Grains(
        id=created.grains_id, user_id=user_id, name=name, kind=kind, mass_g=first_mass_g, mass_at=start,
        growth_rate_per_day=growth.DEFAULT_RATE_PER_DAY, growth_source="default", growth_based_on=0,
        acquired_at=start, created_at=start, updated_at=start, version=1,
    )
    history = [created]
    for at, type, mass_g, note in steps:
        entry = HistoryEntry(id=ids.new_id(at=at), grains_id=grains.id, user_id=user_id, type=type, mass_g=mass_g,
                             at=at, created_at=at, note=note)
        history.append(entry)
        left = mass_g if type == "weighed" else growth.estimate(
            mass_g=grains.mass_g, since=grains.mass_at, rate_per_day=grains.growth_rate_per_day, now=at) - mass_g
        fit = growth.fit_rate(growth.points(history))
        measured = {"growth_rate_per_day": fit.rate_per_day, "growth_source": "measured",
                    "growth_based_on": fit.based_on} if fit else {}
        grains = dataclasses.replace(grains, **measured, mass_g=round(left, 1), mass_at=at, updated_at=at,
                                     version=grains.version + 1)
    first = dataclasses.replace(grains, version=grains.version - 1)
    repository.grains_create(grains=first, entry=created)
    repository.grains_record(current=first, updated=grains, entries=history[1:])
    return grains


def seed(*, user_id: str, email: str, now: dt.datetime) -> None:
    """Two grains with their history; the demo batches started from them."""
    days = lambda n: now - dt.timedelta(days=n)  # noqa: E731
    milk = _grown(user_id, name=MILK_GRAINS_NAME, kind="milk", start=days(40), first_mass_g=10, steps=[
        (days(35), "weighed", 11.4, None),
        (days(28), "weighed", 13.1, "After a week of daily feeds."),
        (days(21), "weighed", 15.0, None),
        (days(14), "weighed", 17.3, None),
        (days(7), "weighed", 19.8, "Lumpy and lively."),
        (days(3), "given", 6.0, "A spoonful for Marta."),
        (now - dt.timedelta(hours=21), "weighed", 15.0, "Weighed before feeding the morning batch."),
    ])
    water = _grown(user_id, name=WATER_GRAINS_NAME, kind="water", start=days(24), first_mass_g=45, steps=[
        (days(17), "weighed", 52.0, None),
        (days(4), "weighed", 60.0, "Rinsed; plump and translucent."),
    ])
    batches = {b.name: b for b in batch_repository.batches_iter(user_id=user_id)}
    for batch_name, grains in ((batch_demo.MILK_NAME, milk), (batch_demo.WATER_NAME, water)):
        batch = batches.get(batch_name)
        if batch is not None:
            batch_services.batch_update(user_id=user_id, batch_id=batch.id, version=batch.version,
                                        changes={"grains_id": grains.id})
