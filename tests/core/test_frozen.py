"""apps.core.frozen.builder makes what the dataclasses' own constructors make."""

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.batches.repository import Batch
from apps.core.frozen import builder
from apps.events.repository import Event

NOW = dt.datetime(2026, 11, 23, 8, 30, tzinfo=dt.UTC)
optional_text = st.none() | st.text(max_size=8)
optional_number = st.none() | st.floats(allow_nan=False) | st.integers()


def _all_fields(cls, draw_values):
    return {field.name: draw_values[field.name] for field in dataclasses.fields(cls)}


@given(st.fixed_dictionaries({
    "id": st.text(max_size=5), "batch_id": st.text(max_size=5), "user_id": st.text(max_size=5),
    "type": st.sampled_from(["note", "fed"]), "occurred_at": st.just(NOW), "note": optional_text,
    "temperature_c": optional_number, "rating": st.none() | st.integers(1, 5), "photo_key": optional_text,
    "status": optional_text, "created_at": st.none() | st.just(NOW),
}))
def test_an_event_built_is_the_event_constructed(values):
    built, constructed = builder(Event)(**values), Event(**values)
    assert type(built) is Event
    assert built == constructed and hash(built) == hash(constructed) and repr(built) == repr(constructed)
    assert dataclasses.asdict(built) == dataclasses.asdict(constructed)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.note = "changed"


def test_a_batch_built_is_the_batch_constructed_with_its_properties():
    values = {"id": "b", "user_id": "u", "name": "M", "kind": "milk", "status": "fermenting", "started_at": NOW,
              "created_at": NOW, "updated_at": NOW, "version": 2, "temperature_c": 21.5, "grains_g": None,
              "liquid_ml": 500, "sugar_g": None, "notes": "", "share_token": "tok", "auto_reminders": True}
    built = builder(Batch)(**values)
    assert built == Batch(**values) and built.share_url == Batch(**values).share_url
    assert dataclasses.replace(built, name="N") == Batch(**{**values, "name": "N"})


def test_every_field_and_nothing_else():
    build = builder(Event)
    values = {field.name: None for field in dataclasses.fields(Event)}
    with pytest.raises(TypeError):
        build(**{k: v for k, v in values.items() if k != "note"})  # no defaults filled in
    with pytest.raises(TypeError):
        build(**values, extra=1)


def test_classes_whose_init_does_more_than_assign_are_refused():
    @dataclasses.dataclass(frozen=True)
    class WithPostInit:
        a: int

        def __post_init__(self):
            pass

    @dataclasses.dataclass(frozen=True)
    class WithInitVar:
        a: int
        b: dataclasses.InitVar[int] = 0

    @dataclasses.dataclass(frozen=True, slots=True)
    class WithSlots:
        a: int

    @dataclasses.dataclass
    class NotFrozen:
        a: int

    @dataclasses.dataclass(frozen=True)
    class NotInInit:
        a: int
        b: int = dataclasses.field(init=False, default=0)

    for cls in (WithPostInit, WithInitVar, WithSlots, NotFrozen, NotInInit, dict):
        with pytest.raises(TypeError):
            builder(cls)
