"""FastOutputSerializer renders exactly what DRF's own Serializer renders; InputSerializer validates as DRF's
deep-copied fields do."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from apps.batches.repository import Batch
from apps.batches.serializers import BatchOutput
from apps.core.http.serializers import FastOutputSerializer, InputSerializer, _class_plan
from apps.events.repository import Event
from apps.events.serializers import EventOutput

NOW = dt.datetime(2026, 11, 23, 8, 30, 15, 123456, tzinfo=dt.UTC)
SAMPLES = {
    BatchOutput: [
        Batch(id="b1", user_id="u", name="Milk", kind="milk", status="fermenting", started_at=NOW, created_at=NOW,
              updated_at=NOW, version=3),
        Batch(id="b2", user_id="u", name="Water", kind="water", status="second_ferment", started_at=NOW,
              created_at=NOW, updated_at=NOW, version=1, temperature_c=-2.5, grains_g=30, liquid_ml=500.0,
              sugar_g=25.5, notes="=SUM(A1)", share_token="tok"),
    ],
    EventOutput: [
        Event(id="e1", batch_id="b1", user_id="u", type="note", occurred_at=NOW, note="hello", created_at=NOW),
        Event(id="e2", batch_id="b1", user_id="u", type="tasted", occurred_at=NOW, rating=4, created_at=NOW),
        Event(id="e3", batch_id="b1", user_id="u", type="photo", occurred_at=NOW,
              photo_key="users/u/batches/b1/photos/e3.jpg", created_at=NOW),
        Event(id="e4", batch_id="b1", user_id="u", type="temperature", occurred_at=NOW, temperature_c=21.5),
    ],
}


def test_every_fast_output_serializer_has_samples_here():
    assert set(FastOutputSerializer.__subclasses__()) == set(SAMPLES)


def test_fast_output_is_drfs_output():
    for serializer_class, instances in SAMPLES.items():
        for instance in instances:
            expected = serializers.Serializer.to_representation(serializer_class(), instance)
            assert serializer_class(instance).data == expected
        many = serializer_class(instances, many=True).data
        assert many == [serializers.Serializer.to_representation(serializer_class(), i) for i in instances]


def test_a_mapping_or_a_missing_attribute_takes_drfs_path():
    mapping = {"id": "b9", "name": "M", "kind": "milk", "status": "fermenting", "started_at": NOW, "temperature_c": 20,
               "grains_g": None, "liquid_ml": None, "sugar_g": None, "notes": "", "created_at": NOW,
               "updated_at": NOW, "version": 1, "share_url": None, "auto_reminders": True}
    data = BatchOutput(mapping).data
    assert data["id"] == "b9" and data["temperature_c"] == 20.0

    class Partial:
        id, name, kind, status, notes, version, auto_reminders = "b8", "W", "water", "fermenting", "", 2, True
        started_at = created_at = updated_at = NOW

    data = BatchOutput(Partial()).data  # the missing fields allow null: DRF renders None
    assert data["id"] == "b8" and data["grains_g"] is None and data["share_url"] is None


def test_the_output_serializers_render_from_a_class_plan():
    for serializer_class in SAMPLES:
        plan = _class_plan(serializer_class)
        assert plan is not None and [entry[0] for entry in plan] == list(serializer_class().fields)


def test_a_field_that_needs_drfs_path_makes_no_class_plan():
    class Nested(serializers.Serializer):
        batch = BatchOutput()

    class Dotted(serializers.Serializer):
        name = serializers.CharField(source="batch.name")

    class Related(serializers.Serializer):
        items = serializers.ListField(child=serializers.CharField())

    assert _class_plan(Nested) is None and _class_plan(Dotted) is None and _class_plan(Related) is None


def _input_serializer_classes():
    import importlib

    for app in ("accounts", "batches", "devices", "events", "exports", "reminders"):
        importlib.import_module(f"apps.{app}.serializers")
    found, pending = set(), [InputSerializer]
    while pending:
        for subclass in pending.pop().__subclasses__():
            if subclass not in found:
                found.add(subclass)
                pending.append(subclass)
    return sorted(found, key=lambda c: c.__qualname__)


INPUT_CLASSES = _input_serializer_classes()


def _values_for(field) -> st.SearchStrategy:
    plain = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                      st.text(max_size=12), st.sampled_from(["", " x ", "2026-11-23T08:00:00Z", "2026-11-23", "1e3",
                                                            "ExponentPushToken[abcdefgh12]", "a@b.co", "20"]))
    if isinstance(field, serializers.ChoiceField):
        return st.one_of(st.sampled_from(sorted(map(str, field.choices))), plain)
    if isinstance(field, serializers.BaseSerializer):
        return st.one_of(st.dictionaries(st.sampled_from(sorted(field.fields)), plain, max_size=4), plain)
    return plain


@st.composite
def _input_cases(draw):
    cls = draw(st.sampled_from(INPUT_CLASSES))
    declared = cls._declared_fields
    names = draw(st.sets(st.sampled_from([*sorted(declared), "unknown"])))
    data = {name: draw(_values_for(declared.get(name, serializers.CharField()))) for name in names}
    return cls, data


def _outcome(serializer):
    valid = serializer.is_valid()
    return valid, (serializer.validated_data if valid else serializer.errors)


def test_every_input_serializer_of_the_apps_is_an_input_serializer_and_all_are_compared():
    assert {c.__name__ for c in INPUT_CLASSES} >= {"BatchCreateInput", "EventCreateInput", "ProfilePatchInput",
                                                  "DeviceInSerializer", "BatchListQuery"}


@settings(max_examples=400, deadline=None)
@given(_input_cases())
def test_input_serializers_validate_as_drfs_deep_copied_fields_do(case):
    cls, data = case
    drf_path = type(f"Drf{cls.__name__}", (cls,), {"get_fields": serializers.Serializer.get_fields})
    assert _outcome(cls(data=data)) == _outcome(drf_path(data=data))
    # Binding and validating touched copies only: the declared fields are as declared.
    assert all(getattr(field, "parent", None) is None for field in cls._declared_fields.values())
