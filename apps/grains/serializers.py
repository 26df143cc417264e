"""Input and output shapes of the grains endpoints (clients never set id, version, owner, the growth fields or
the times the server keeps; unknown fields are ignored)."""

import datetime as dt

from rest_framework import serializers

from apps.core import clock
from apps.core.http.serializers import ClientTimeField, QuantityField, UtcDateTimeField
from apps.grains import growth, services
from apps.grains.services import KINDS, SPLIT_TARGETS

HISTORY_TYPES = ("created", "weighed", "split", "given")
GROWTH_SOURCES = ("default", "measured", "parent")


class MeasuredAtField(ClientTimeField):
    """When a weighing was made: from 1970 until now (a few minutes' grace for a phone's clock)."""

    AHEAD = dt.timedelta(minutes=5)
    schema_note = "From 1970-01-01T00:00:00Z to now (defaults to now)."
    default_error_messages = {"out_of_range": "Must be between 1970-01-01T00:00:00Z and now."}


def _mass(**kwargs) -> QuantityField:
    return QuantityField(min_value=0, max_value=growth.MAX_MASS_G, **kwargs)


class GrainsListQuery(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=4096)


class GrainsCreateInput(serializers.Serializer):
    name = serializers.CharField(min_length=1, max_length=120)
    kind = serializers.ChoiceField(choices=KINDS)
    mass_g = _mass(help_text="Their mass now, in grams (estimates grow from it).")
    acquired_at = ClientTimeField(required=False, help_text="When you got them (defaults to now).")
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True, allow_null=True)


class GrainsUpdateInput(serializers.Serializer):
    name = serializers.CharField(min_length=1, max_length=120, required=False)
    kind = serializers.ChoiceField(choices=KINDS, required=False,
                                   help_text="Batches already started from them keep their grains_id.")
    acquired_at = ClientTimeField(required=False)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True, allow_null=True)
    version = serializers.IntegerField(min_value=1, help_text="The grains' version as you last read it.")

    def to_internal_value(self, data):
        # mass_g changes only through a weighing (it is history); say so rather than ignore it.
        if isinstance(data, dict) and "mass_g" in data:
            raise serializers.ValidationError({"mass_g": [
                "Log a weighing instead (POST /api/v1/grains/{id}/weighings): mass_g is the last weighed mass."]})
        return super().to_internal_value(data)


class WeighingInput(serializers.Serializer):
    mass_g = _mass(help_text="What the scale says, in grams.")
    measured_at = MeasuredAtField(required=False)


class SplitInput(serializers.Serializer):
    mass_g = _mass(help_text="Grams taken off; more than 0 and at most the grains' `estimated_mass_g`.")
    to = serializers.ChoiceField(choices=SPLIT_TARGETS, help_text=(
        "`new`: the piece becomes new grains (returned as `created`); `given`: it leaves (given away)."))
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, allow_null=True)
    name = serializers.CharField(min_length=1, max_length=120, required=False, help_text=(
        "`to: new` only: the new grains' name (default: this one's name with \" (split)\")."))

    def validate_mass_g(self, value: float) -> float:
        if value <= 0:
            raise serializers.ValidationError("Ensure this value is greater than 0.")
        return value


def _now(context: dict) -> dt.datetime:
    return context.get("now") or clock.now()


class GrainsOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=KINDS)
    mass_g = serializers.FloatField(help_text="The last known mass, in grams: weighed, or left after a split.")
    mass_at = UtcDateTimeField(help_text="When `mass_g` was weighed (or left after a split, or given at creation).")
    estimated_mass_g = serializers.SerializerMethodField(help_text=(
        "`mass_g` grown since `mass_at` at `growth_per_week`, in grams (0..5000, to 0.1 g). The rate is an "
        "exponential fit of the last 6 weighings (least squares on the logarithm of the mass, a split or gift "
        "starting a new curve of the same slope; weighings less than a day apart do not count), clamped to "
        "-50 %..+300 %/week. Until two weighings a day apart exist: 10 %/week, or the rate of the grains they "
        "were split off."))
    growth_per_week = serializers.SerializerMethodField(help_text="The growth rate in use: 0.1 = +10 % per week.")
    growth_source = serializers.ChoiceField(choices=GROWTH_SOURCES, help_text=(
        "`measured`: fitted to your weighings; `parent`: the rate of the grains they were split off; "
        "`default`: 10 %/week."))
    growth_based_on = serializers.IntegerField(help_text="Weighings the measured rate was fitted to (0 if none).")
    acquired_at = UtcDateTimeField()
    notes = serializers.CharField(allow_blank=True)
    split_from = serializers.CharField(allow_null=True, help_text="Grains split off others: the parent's id.")
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    version = serializers.IntegerField()

    def get_estimated_mass_g(self, grains) -> float:
        return services.estimated_mass_g(grains, now=_now(self.context))

    def get_growth_per_week(self, grains) -> float:
        return services.growth_per_week(grains)


class HistoryEntryOutput(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.ChoiceField(choices=HISTORY_TYPES)
    mass_g = serializers.FloatField(help_text=(
        "`weighed`: the mass weighed; `split`/`given`: the mass taken off; `created`: the first mass."))
    at = UtcDateTimeField()
    note = serializers.CharField(allow_null=True)
    other_grains_id = serializers.CharField(allow_null=True, help_text=(
        "`split`: the new grains; `created` by a split: the grains they were split off."))


class GrainsPageOutput(serializers.Serializer):
    results = GrainsOutput(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class GrainsDetailOutput(GrainsOutput):
    history = HistoryEntryOutput(many=True, help_text="Newest first, up to 50 (all of it is in the data export).")
    history_has_more = serializers.BooleanField(help_text="True when older entries exist than these 50.")


class WeighingOutput(GrainsOutput):
    entry = HistoryEntryOutput(help_text="The `weighed` history entry.")


class SplitOutput(GrainsOutput):
    entry = HistoryEntryOutput(help_text="The `split` or `given` history entry.")
    created = GrainsOutput(allow_null=True, help_text="`to: new`: the new grains; otherwise null.")
