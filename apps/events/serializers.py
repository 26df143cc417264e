"""Input and output shapes of the timeline and photo endpoints."""

from rest_framework import serializers

from apps.core.http.serializers import (
    ClientTimeField,
    FastOutputSerializer,
    InputSerializer,
    PageQuery,
    QuantityField,
    UtcDateTimeField,
)
from apps.events import photos
from apps.events.services import TYPES


class EventListQuery(PageQuery):
    type = serializers.ChoiceField(choices=TYPES, required=False)


class EventCreateInput(InputSerializer):
    type = serializers.ChoiceField(choices=TYPES, help_text="Any type but status_changed (server-written).")
    occurred_at = ClientTimeField(required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, allow_null=True)
    temperature_c = QuantityField(min_value=-5, max_value=50, required=False, allow_null=True)
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True,
                                      help_text="tasted events only")
    photo_key = serializers.CharField(max_length=512, required=False, allow_null=True,
                                      help_text="photo events: the photo_key of POST /batches/{id}/photos")


class EventUpdateInput(InputSerializer):
    """An event's type and photo cannot change; anything else can."""

    occurred_at = ClientTimeField(required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, allow_null=True)
    temperature_c = QuantityField(min_value=-5, max_value=50, required=False, allow_null=True)
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)


class EventOutput(FastOutputSerializer):
    id = serializers.CharField()
    batch_id = serializers.CharField()
    type = serializers.ChoiceField(choices=TYPES)
    occurred_at = UtcDateTimeField()
    note = serializers.CharField(allow_null=True)
    temperature_c = serializers.FloatField(allow_null=True)
    rating = serializers.IntegerField(allow_null=True)
    photo_key = serializers.CharField(allow_null=True, help_text="photo events: the upload's opaque key")
    photo_url = serializers.SerializerMethodField(help_text="photo events: a presigned GET, valid 300 s")
    status = serializers.CharField(allow_null=True, help_text="status_changed events: the batch's new status")
    created_at = UtcDateTimeField()

    def get_photo_url(self, event) -> str | None:
        return photos.photo_url(event.photo_key) if event.photo_key else None


class EventPageOutput(serializers.Serializer):
    results = EventOutput(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class PhotoUploadInput(InputSerializer):
    content_type = serializers.ChoiceField(choices=tuple(photos.EXTENSIONS))
    size = serializers.IntegerField(min_value=1, help_text="Bytes; at most 10 MiB (10485760), else 413.")


class PresignedPost(serializers.Serializer):
    url = serializers.CharField()
    fields = serializers.DictField(child=serializers.CharField())


class PhotoUploadOutput(serializers.Serializer):
    photo_key = serializers.CharField(help_text="Opaque: holds no user id, email, name or time.")
    upload = PresignedPost()
    expires_in = serializers.IntegerField()
