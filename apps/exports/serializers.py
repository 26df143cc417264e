from rest_framework import serializers

from apps.core.http.serializers import InputSerializer
from apps.exports.services import FORMATS


class ExportRequestSerializer(InputSerializer):
    format = serializers.ChoiceField(
        choices=FORMATS,
        help_text="Inside the zip: `csv` gives one CSV file per entity type, `json` one JSON array per entity "
                  "type. Both add `manifest.json` and the photo files under `photos/`.",
    )


class ExportAcceptedSerializer(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=["pending"])


class ExportSerializer(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=["pending", "ready", "failed"])
    format = serializers.ChoiceField(choices=FORMATS)
    download_url = serializers.CharField(
        allow_null=True,
        help_text="When ready: a presigned GET of the zip, valid 300 s (ask again for a fresh one). Otherwise null.",
    )
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(
        help_text="When the export and its file are deleted (7 days after it began).")
