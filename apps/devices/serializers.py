import re

from rest_framework import serializers

from apps.core.http.serializers import InputSerializer

# Expo's push token formats: ExponentPushToken[...] (classic) and ExpoPushToken[...] (newer SDKs).
EXPO_TOKEN_PATTERN = re.compile(r"^(ExponentPushToken|ExpoPushToken)\[[A-Za-z0-9_-]{8,200}\]$")


class DeviceInSerializer(InputSerializer):
    token = serializers.CharField(max_length=250, trim_whitespace=True,
                                  help_text='An Expo push token: "ExponentPushToken[...]" or "ExpoPushToken[...]".')
    platform = serializers.ChoiceField(choices=["ios", "android"])
    name = serializers.CharField(max_length=120, required=False, allow_null=True, allow_blank=True)

    def validate_token(self, value: str) -> str:
        if not EXPO_TOKEN_PATTERN.match(value):
            raise serializers.ValidationError('Not an Expo push token; expected "ExponentPushToken[...]".')
        return value


class DeviceOutSerializer(serializers.Serializer):
    id = serializers.CharField()
    token = serializers.CharField(help_text="The push token (returned to its owner only).")
    platform = serializers.CharField()
    name = serializers.CharField(allow_null=True)
    created_at = serializers.CharField()


class DeviceListSerializer(serializers.Serializer):
    results = DeviceOutSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class DeviceListQuerySerializer(InputSerializer):
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=4096)
