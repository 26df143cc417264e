"""Serializer helpers shared by the apps.

InputSerializer: the base of every input serializer (request bodies and query strings). DRF deep-copies
each declared field for every serializer instance, and deep-copying a field builds it again through its
__init__ (its validators too): about half of validating a small body or query (80 µs of 150-180). A plain
scalar field has no state that binding or validating changes except the attributes bind() sets on the copy,
so a shallow copy (with its own list of validators) binds and validates the same. Other fields (nested
serializers, list and dict fields, whose child is bound to its parent) keep DRF's deep copy.
tests/core/test_serializers.py compares both on every subclass with generated input.

FastOutputSerializer: an output serializer of plain objects (the repositories' dataclasses) that renders
what DRF's Serializer renders, from a plan made once per serializer class. DRF resolves every field of
every object through generic helpers (dotted sources, mappings, missing attributes, defaults): about 30 µs
per object, 1.5 ms for a 50-event timeline; and it copies every declared field for every serializer
instance before it renders anything. Here each field reads one attribute (or, like a SerializerMethodField,
the object itself) and converts it: str/int/float for DRF's CharField/IntegerField/FloatField (exactly
what those fields do), the declared field's own to_representation for the other plain scalar fields.
Anything else (a mapping as the object, a dotted source, a missing attribute, a field that reads its
parent or context) takes DRF's own path. tests/core/test_serializers.py compares both on every subclass.

Both were kept after issue 19's review of the hand-written speed-ups (a replacement of library code must save
at least 1 ms p50 on a batch detail with 50 events): with DRF's own Serializer in their place, the detail's
CPU time p50 rose by 1.0, 1.1 and 1.0 ms and its overhead p50 by 1.2, 2.2 and 1.6 ms in three paired runs of
`bench latency` (2026-12-06, a shared machine).

UtcDateTimeField, ClientTimeField: the API's times (ISO 8601 in, UTC with `Z` out; times a client logs are
kept within a sane range). PageQuery: the query string of every paginated list (limit, cursor).

QuantityField: a number the API stores (a temperature, grams, millilitres). DynamoDB refuses a non-zero
number whose magnitude is below 1e-130 (or from 1e126 up) with a ValidationException, so such a value
is refused here, as invalid input, before anything is written.
"""

import copy
import datetime as dt
from collections.abc import Mapping

from rest_framework import serializers

from apps.core import clock

# Fields whose to_representation neither reads the serializer it is bound to nor its context.
_BUILTIN = {serializers.CharField: str, serializers.IntegerField: int, serializers.FloatField: float}
_PLAIN = (serializers.CharField, serializers.IntegerField, serializers.FloatField, serializers.ChoiceField,
          serializers.DateTimeField, serializers.DateField, serializers.BooleanField, serializers.UUIDField)


# DynamoDB's number range: 0, or a magnitude from 1E-130 to 9.99...E+125 (38 significant digits; a float has 17).
DYNAMODB_SMALLEST_NUMBER = 1e-130
DYNAMODB_NUMBER_LIMIT = 1e126


class SchemaNoted:
    """A field mixin: the field's description in the schema ends with `schema_note` (a limit of the field
    that its type, min and max do not tell)."""

    schema_note = ""

    def __init__(self, **kwargs):
        given = kwargs.get("help_text")
        kwargs["help_text"] = f"{given} {self.schema_note}" if given else self.schema_note
        super().__init__(**kwargs)


class QuantityField(SchemaNoted, serializers.FloatField):
    schema_note = "0, or at least 1e-130 in magnitude."
    default_error_messages = {
        "unstorable": "Ensure this value is 0 or between 1e-130 and 1e126 in magnitude.",
    }

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value and not DYNAMODB_SMALLEST_NUMBER <= abs(value) < DYNAMODB_NUMBER_LIMIT:
            self.fail("unstorable")
        return value


class UtcDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset on input; UTC with `Z` (milliseconds) on output."""

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601 with an offset, e.g. 2026-01-31T08:00:00Z")
        try:
            return clock.parse(value)
        except ValueError:
            self.fail("invalid", format="ISO 8601 with an offset, e.g. 2026-01-31T08:00:00Z")

    def to_representation(self, value):
        return clock.isoformat(value) if value is not None else None


class ClientTimeField(SchemaNoted, UtcDateTimeField):
    """A time a client gives for something it logs (a batch's start, an event): from 1970 to a year from
    now, the furthest ahead a reminder can be set. Earlier or later is a typo, and a year like 9999 would
    overflow the dates computed from it (the timing model's suggestions)."""

    EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    AHEAD = clock.HORIZON
    schema_note = f"From {EARLIEST:%Y-%m-%dT%H:%M:%SZ} to a year from now."
    default_error_messages = {"out_of_range": f"Must be between {EARLIEST:%Y-%m-%dT%H:%M:%SZ} and a year from now."}

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not self.EARLIEST <= parsed <= clock.now() + self.AHEAD:
            self.fail("out_of_range")
        return parsed


def _input_field_copy(field: serializers.Field) -> serializers.Field:
    if not isinstance(field, _PLAIN) or hasattr(field, "child"):
        return copy.deepcopy(field)
    clone = copy.copy(field)
    if "_validators" in field.__dict__:
        clone._validators = list(field._validators)
    return clone


class InputSerializer(serializers.Serializer):
    # No docstring: drf-spectacular would publish it as every subclass's schema description (see above).

    def get_fields(self):
        return {name: _input_field_copy(field) for name, field in self._declared_fields.items()}


# Per class: [(output name, attribute or None for the object itself, converter or None, method name or None)],
# or None where some field needs DRF's path.
_CLASS_PLANS: dict[type, list | None] = {}


class FastOutputSerializer(serializers.Serializer):
    # No docstring: drf-spectacular would publish it as every subclass's schema description (see above).

    def get_fields(self):
        # DRF deep-copies every declared field for each serializer instance (re-running each field's
        # __init__); output fields are never mutated, so a shallow copy to bind to this instance will do.
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}

    def to_representation(self, instance):
        plan = self.__dict__.get("_fast_plan")
        if plan is None:
            plan = self._fast_plan = self._make_plan()
        if not plan or isinstance(instance, Mapping):
            return super().to_representation(instance)
        representation = {}
        try:
            for name, attribute, convert in plan:
                value = instance if attribute is None else getattr(instance, attribute)
                representation[name] = None if value is None else convert(value)
        except AttributeError:
            return super().to_representation(instance)
        return representation

    def _make_plan(self) -> list[tuple[str, str | None, object]] | None:
        cls = type(self)
        template = _CLASS_PLANS[cls] if cls in _CLASS_PLANS else _CLASS_PLANS.setdefault(cls, _class_plan(cls))
        if template is not None:  # bind the method fields to this instance; nothing else to copy
            return [(name, attribute, getattr(self, method) if method else convert)
                    for name, attribute, convert, method in template]
        plan = []
        for field in self._readable_fields:
            if len(field.source_attrs) > 1:
                return None
            attribute = field.source_attrs[0] if field.source_attrs else None
            plan.append((field.field_name, attribute, field.to_representation))
        return plan


def _class_plan(cls: type) -> list | None:
    template = []
    for name, field in cls._declared_fields.items():
        if field.write_only:
            continue
        if isinstance(field, serializers.SerializerMethodField):
            template.append((name, None, None, field.method_name or f"get_{name}"))
            continue
        source = field.source or name
        if "." in source or not isinstance(field, _PLAIN):
            return None
        convert = _BUILTIN.get(type(field), field.to_representation)
        template.append((name, None if source == "*" else source, convert, None))
    return template


class PageQuery(InputSerializer):
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=4096)
