"""Input and output shapes of the auth and /me endpoints."""

from django.core.validators import RegexValidator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from apps.core import clock
from apps.core.http.serializers import InputSerializer

CODE_MESSAGE = "Enter the 6-digit code from the email."


# What Cognito accepts as an email username: ASCII name@domain.tld (Django alone would also let
# internationalized addresses through, which the pool then refuses).
EMAIL_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
EMAIL_HELP = "An address like name@example.com (ASCII letters, digits and . _ % + -, starting with a letter or digit)."


class AccountEmailField(serializers.EmailField):
    def __init__(self, **kwargs):
        super().__init__(max_length=254, help_text=EMAIL_HELP, **kwargs)
        self.validators.append(RegexValidator(EMAIL_PATTERN, message="Enter a valid email address."))


class LoginInput(InputSerializer):
    email = AccountEmailField()


class LoginOutput(serializers.Serializer):
    session = serializers.CharField(help_text="Opaque, single-use; send it to /auth/verify with the code.")
    challenge = serializers.ChoiceField(choices=["EMAIL_OTP"])
    expires_in = serializers.IntegerField(help_text="Seconds the emailed code stays valid (180).")


class VerifyInput(InputSerializer):
    email = AccountEmailField()
    session = serializers.CharField(max_length=512)
    code = serializers.RegexField(r"^\d{6}$", max_length=6, error_messages={"invalid": CODE_MESSAGE})


class TokensOutput(serializers.Serializer):
    access_token = serializers.CharField(help_text="Send as `Authorization: Bearer <access_token>`.")
    id_token = serializers.CharField()
    refresh_token = serializers.CharField(help_text="For /auth/refresh until logout (Cognito: 30 days).")
    expires_in = serializers.IntegerField(help_text="Seconds the access token is valid.")
    token_type = serializers.ChoiceField(choices=["Bearer"])


class RefreshInput(InputSerializer):
    refresh_token = serializers.CharField(max_length=4096)


class RefreshOutput(serializers.Serializer):
    access_token = serializers.CharField()
    id_token = serializers.CharField()
    expires_in = serializers.IntegerField()
    token_type = serializers.ChoiceField(choices=["Bearer"])


HHMM_MESSAGE = 'A time of day as "HH:MM" (24-hour), e.g. "22:00".'


class QuietHoursOutput(serializers.Serializer):
    start = serializers.CharField(help_text='"HH:MM" on the user\'s wall clock.')
    end = serializers.CharField(help_text='"HH:MM"; before `start` when they span midnight.')


class SettingsOutput(serializers.Serializer):
    timezone = serializers.CharField(help_text='IANA time zone name, default "UTC".')
    temperature_unit = serializers.ChoiceField(choices=["C", "F"], help_text='Default "C".')
    quiet_hours = QuietHoursOutput(allow_null=True, help_text="Default null (none).")


class ProfileOutput(serializers.Serializer):
    id = serializers.CharField(help_text="The user's id (Cognito sub).")
    email = serializers.EmailField()
    created_at = serializers.SerializerMethodField()
    settings = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_created_at(self, profile) -> str:
        return clock.isoformat(profile.created_at)

    def get_settings(self, profile) -> SettingsOutput:
        return {"timezone": profile.timezone, "temperature_unit": profile.temperature_unit,
                "quiet_hours": profile.quiet_hours}


class QuietHoursInput(serializers.Serializer):
    start = serializers.RegexField(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", error_messages={"invalid": HHMM_MESSAGE},
                                   help_text='"HH:MM" (00:00-23:59) on the user\'s wall clock.')
    end = serializers.RegexField(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", error_messages={"invalid": HHMM_MESSAGE},
                                 help_text='"HH:MM"; earlier than `start` when they span midnight.')

    def validate(self, attrs):
        if attrs["start"] == attrs["end"]:
            raise serializers.ValidationError({"end": ["Must differ from start."]})
        return attrs


class SettingsInput(InputSerializer):
    timezone = serializers.CharField(required=False, max_length=64,
                                     help_text="IANA time zone name, e.g. Europe/Berlin.")
    temperature_unit = serializers.ChoiceField(choices=["C", "F"], required=False)
    quiet_hours = QuietHoursInput(
        required=False, allow_null=True,
        help_text="Automatic reminders due inside them move to their end (or just before they start when waiting "
                  "would spoil the ferment); null turns them off. Wall-clock times in `timezone`.")


class ProfilePatchInput(InputSerializer):
    """Unknown fields are ignored; settings not sent stay as they are."""

    settings = SettingsInput(required=True)


def error_schema(name: str, codes: str, *, with_session: bool = False):
    """The error envelope of these codes, for the OpenAPI document."""
    fields = {
        "code": serializers.CharField(help_text=codes),
        "message": serializers.CharField(),
        "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False,
                                        help_text="Validation messages by field (`invalid` only)."),
    }
    if with_session:
        fields["session"] = serializers.CharField(
            required=False, help_text="With `invalid_code`: a new session for the next try with this email.")
    return inline_serializer(name, {"error": inline_serializer(f"{name}Body", fields)})
