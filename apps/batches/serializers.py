"""Input and output shapes of the batch endpoints (clients never set id, version, owner or times
the server keeps; unknown fields are ignored)."""

from rest_framework import serializers

from apps.batches.machine import KINDS, STATUSES
from apps.batches.repository import share_url
from apps.core.http.serializers import (
    ClientTimeField,
    FastOutputSerializer,
    InputSerializer,
    PageQuery,
    QuantityField,
    UtcDateTimeField,
)


def public_photo_url(token: str, event_id: str) -> str:
    """The public page's link to one photo of the shared batch."""
    return f"{share_url(token)}/photos/{event_id}"


class BatchListQuery(PageQuery):
    status = serializers.ChoiceField(choices=STATUSES, required=False)


class BatchFields(InputSerializer):
    name = serializers.CharField(min_length=1, max_length=120)
    kind = serializers.ChoiceField(choices=KINDS)
    status = serializers.ChoiceField(choices=STATUSES, required=False)
    started_at = ClientTimeField(required=False)
    temperature_c = QuantityField(min_value=-5, max_value=50, required=False, allow_null=True)
    grains_g = QuantityField(min_value=0, max_value=5000, required=False, allow_null=True)
    liquid_ml = QuantityField(min_value=1, max_value=20000, required=False, allow_null=True)
    sugar_g = QuantityField(min_value=0, max_value=5000, required=False, allow_null=True,
                            help_text="Water kefir: sugar per batch, in grams.")
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True, allow_null=True)
    grains_id = serializers.CharField(
        max_length=64, required=False, allow_null=True,
        help_text="The grains it started from: your own, of the batch's kind (else 400 invalid on grains_id). "
                  "On creation, grains_g defaults to their estimated_mass_g. A PATCH links other grains (grains_g "
                  "stays as it is); null unlinks. Kept when the grains are deleted.")
    auto_reminders = serializers.BooleanField(
        required=False,
        help_text="Default true: the server keeps this batch's automatic reminders in step with its events and "
                  "status (see the reminders' `source`). false cancels every pending automatic one.")


class BatchCreateInput(BatchFields):
    """A new batch: `status` defaults to `active`, `started_at` to now."""


class BatchUpdateInput(BatchFields):
    """Any writable fields plus the `version` you last read (optimistic locking)."""

    name = serializers.CharField(min_length=1, max_length=120, required=False)
    kind = serializers.ChoiceField(choices=KINDS, required=False)
    version = serializers.IntegerField(min_value=1, help_text="The batch's version as you last read it.")


class BatchOutput(FastOutputSerializer):
    id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=KINDS)
    status = serializers.ChoiceField(choices=STATUSES)
    started_at = UtcDateTimeField()
    temperature_c = serializers.FloatField(allow_null=True)
    grains_g = serializers.FloatField(allow_null=True)
    liquid_ml = serializers.FloatField(allow_null=True)
    sugar_g = serializers.FloatField(allow_null=True)
    notes = serializers.CharField(allow_blank=True)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    version = serializers.IntegerField()
    share_url = serializers.CharField(allow_null=True)
    grains_id = serializers.CharField(allow_null=True, help_text="The grains it started from, if any.")
    auto_reminders = serializers.BooleanField()


class BatchPageOutput(serializers.Serializer):
    results = BatchOutput(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class ShareOutput(serializers.Serializer):
    token = serializers.CharField()
    url = serializers.CharField()


class PublicEventOutput(serializers.Serializer):
    type = serializers.CharField()
    occurred_at = UtcDateTimeField()
    note = serializers.CharField(allow_null=True)
    rating = serializers.IntegerField(allow_null=True)
    temperature_c = serializers.FloatField(allow_null=True)
    photo_url = serializers.SerializerMethodField(
        help_text="A link on the public page that redirects to a presigned GET valid 300 s (so neither the "
                  "owner's id nor the storage key appears here)")

    def get_photo_url(self, event) -> str | None:
        return public_photo_url(self.context["token"], event.id) if event.photo_key else None


class PublicBatchOutput(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=KINDS)
    status = serializers.ChoiceField(choices=STATUSES)
    started_at = UtcDateTimeField()
    timeline = PublicEventOutput(many=True)
