from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core import clock
from apps.core.http.serializers import InputSerializer
from apps.reminders.services import KINDS, STATUSES
from apps.reminders.timing import WARNING_CODES

MESSAGE_MAX_LENGTH = 500  # a push payload must stay under Expo's 4 KiB


@extend_schema_field(OpenApiTypes.DATETIME)
class AwareDateTimeField(serializers.Field):
    """An ISO 8601 time with an offset (API.md), as an aware UTC datetime."""

    def to_internal_value(self, data):
        try:
            if not isinstance(data, str) or len(data) > 64:
                raise ValueError
            return clock.parse(data)
        except ValueError:
            raise serializers.ValidationError(
                "Must be an ISO 8601 time with an offset, e.g. 2026-01-31T08:00:00Z.") from None

    def to_representation(self, value):
        return clock.isoformat(value)


class ReminderCreateSerializer(InputSerializer):
    batch_id = serializers.CharField(max_length=64)
    kind = serializers.ChoiceField(choices=KINDS)
    due_at = AwareDateTimeField(help_text="When to push; not more than 1 minute in the past nor 1 year ahead.")
    message = serializers.CharField(max_length=MESSAGE_MAX_LENGTH, required=False, allow_blank=True,
                                    allow_null=True, help_text="The push's text (default: one for the kind).")


class ReminderUpdateSerializer(InputSerializer):
    due_at = AwareDateTimeField(required=False)
    message = serializers.CharField(max_length=MESSAGE_MAX_LENGTH, required=False, allow_blank=True,
                                    allow_null=True)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send due_at and/or message.")
        return attrs


class ReminderSerializer(serializers.Serializer):
    id = serializers.CharField()
    batch_id = serializers.CharField()
    kind = serializers.ChoiceField(choices=KINDS)
    due_at = serializers.CharField()
    message = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=STATUSES)
    sent_at = serializers.CharField(allow_null=True)
    created_at = serializers.CharField()
    source = serializers.ChoiceField(
        choices=["auto", "user"],
        help_text="`auto`: placed and kept in step with the batch by the server; `user`: created or edited by a "
                  "person (a PATCH of an auto reminder makes it `user`), never moved or cancelled by the server "
                  "unless its batch is deleted.")
    reason = serializers.CharField(
        allow_null=True,
        help_text="Auto reminders: why this time, in one sentence (the model's hours and conditions, the user's "
                  "calibration factor once there is one, a move out of quiet hours). null for user reminders.")


class ReminderListSerializer(serializers.Serializer):
    results = ReminderSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class ReminderListQuerySerializer(InputSerializer):
    status = serializers.ChoiceField(choices=STATUSES, required=False)
    batch_id = serializers.CharField(required=False, max_length=64)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=4096)


class SuggestionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS)
    due_at = serializers.CharField()
    reason = serializers.CharField(help_text='Why, in words: "~21 h at 23 °C with 1:15 grains", the calibration '
                                             'factor once the user has completed cycles, plus warnings.')
    warnings = serializers.ListField(
        child=serializers.ChoiceField(choices=WARNING_CODES),
        help_text="`too_hot` (above 30 °C), `too_cold` (below 18 °C), `starving` (a first ferment over 48 h milk / "
                  "72 h water), `too_few_grains` (less than 1:60 milk, 1:40 water grains:liquid), "
                  "`too_many_grains` (more than 1:10 milk, 1:6 water). Only from known temperature and amounts.")


class SuggestionListSerializer(serializers.Serializer):
    results = SuggestionSerializer(many=True)


class KindCalibrationSerializer(serializers.Serializer):
    factor = serializers.FloatField(help_text="Median of actual ÷ model time over the last 10 completed cycles, "
                                              "clamped to 0.5..2.0; 1.0 before any.")
    based_on = serializers.IntegerField(help_text="How many completed cycles (0..10) the factor comes from.")


class CalibrationSerializer(serializers.Serializer):
    milk = KindCalibrationSerializer()
    water = KindCalibrationSerializer()
