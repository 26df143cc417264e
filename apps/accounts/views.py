"""Auth (email one-time code) and /me endpoints: parse, call one service, serialize."""

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.accounts import deletion, services
from apps.accounts.serializers import (
    LoginInput,
    LoginOutput,
    ProfileOutput,
    ProfilePatchInput,
    RefreshInput,
    RefreshOutput,
    TokensOutput,
    VerifyInput,
    error_schema,
)
from apps.core.http.api import ApiView, validated

INVALID = OpenApiResponse(
    error_schema("ValidationError", "`invalid`"),
    description="`invalid`: a field is missing or malformed; `error.fields` names it.",
    examples=[OpenApiExample("Malformed email", value={"error": {
        "code": "invalid", "message": "Some fields are not valid.",
        "fields": {"email": ["Enter a valid email address."]}}})],
)
THROTTLED = OpenApiResponse(
    error_schema("ThrottledError", "`throttled`"),
    description="`throttled`: more than 5 codes for this email, or 30 logins from this IP, in the last hour. "
                "`Retry-After` says when to try again.",
)
NOT_AUTHENTICATED = OpenApiResponse(error_schema("NotAuthenticatedError", "`not_authenticated`"),
                                    description="`not_authenticated`.")


def client_ip(request) -> str:
    """The caller's IP, for the per-IP login limit.

    Behind API Gateway (settings.TRUST_X_FORWARDED_FOR, on in deployed stages) it is the LAST entry of
    X-Forwarded-For: API Gateway appends the address it saw, while earlier entries are whatever the client
    sent. (Zappa's REMOTE_ADDR cannot be used: with HTTP API v2 it is 127.0.0.1 for everyone.) Locally
    there is no proxy, so REMOTE_ADDR.
    """
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1][:64]
    return str(request.META.get("REMOTE_ADDR") or "unknown")[:64]


class PublicAuthView(ApiView):
    """Login steps need no token (and ignore one that was sent)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


class LoginView(PublicAuthView):
    @extend_schema(
        auth=[], request=LoginInput, summary="Email a one-time login code",
        description="Same answer for every address: a new one is signed up. A 6-digit code is emailed, valid "
                    "for 3 minutes. At most 5 codes per email and 30 calls per client IP per hour.",
        responses={200: LoginOutput, 400: INVALID, 429: THROTTLED},
    )
    def post(self, request):
        data = validated(LoginInput, request.data)
        challenge = services.auth_login_start(email=data["email"], client_ip=client_ip(request))
        return Response(LoginOutput(challenge).data)


class VerifyView(PublicAuthView):
    @extend_schema(
        auth=[], request=VerifyInput, summary="Exchange the emailed code for tokens",
        description="Each `session` works once. A wrong code answers `invalid_code` with a new `session` "
                    "inside `error`; after 3 wrong codes that session answers `too_many_attempts` (ask for a "
                    "new code). An unknown, reused or another email's session is `invalid` (field `session`).",
        responses={
            200: TokensOutput,
            400: OpenApiResponse(
                error_schema("VerifyError", "`invalid_code`, `code_expired` or `invalid`", with_session=True),
                description="`invalid_code` (with a new `error.session`), `code_expired` (3 minutes passed; "
                            "ask for a new code), or `invalid` with `fields` (malformed input, or an unknown "
                            "or used session).",
                examples=[
                    OpenApiExample("Wrong code", value={"error": {
                        "code": "invalid_code", "message": "The code is not right; try again with the new session.",
                        "session": "b1uV…"}}),
                    OpenApiExample("Expired", value={"error": {
                        "code": "code_expired", "message": "The code has expired; ask for a new one."}}),
                    OpenApiExample("Malformed code", value={"error": {
                        "code": "invalid", "message": "Some fields are not valid.",
                        "fields": {"code": ["Enter the 6-digit code from the email."]}}}),
                ],
            ),
            429: OpenApiResponse(error_schema("TooManyAttemptsError", "`too_many_attempts`"),
                                 description="`too_many_attempts`: 3 wrong codes; ask for a new code."),
        },
    )
    def post(self, request):
        data = validated(VerifyInput, request.data)
        result = services.auth_login_verify(**data)
        return Response(TokensOutput({**vars(result.tokens), "token_type": "Bearer"}).data)


class RefreshView(PublicAuthView):
    @extend_schema(
        auth=[], request=RefreshInput, summary="New access and id tokens from a refresh token",
        responses={200: RefreshOutput, 400: INVALID, 401: OpenApiResponse(
            error_schema("RefreshRejectedError", "`not_authenticated`"),
            description="`not_authenticated`: the refresh token is invalid, expired or revoked (logout).")},
    )
    def post(self, request):
        data = validated(RefreshInput, request.data)
        tokens = services.auth_refresh(refresh_token=data["refresh_token"])
        return Response(RefreshOutput({**vars(tokens), "token_type": "Bearer"}).data)


class LogoutView(ApiView):
    @extend_schema(
        request=None, summary="Log out everywhere",
        description="Revokes every refresh token of the user. Access tokens already issued stay valid "
                    "until they expire (at most 60 minutes); drop them on the client.",
        responses={204: OpenApiResponse(description="Logged out."), 401: NOT_AUTHENTICATED},
    )
    def post(self, request):
        services.auth_logout(user_id=self.user_id)
        return Response(status=204)


class MeView(ApiView):
    # Erasure revokes the tokens first; the client may still retry a DELETE that failed half-way.
    allow_revoked_tokens = ("DELETE",)

    @extend_schema(summary="The caller's profile", responses={200: ProfileOutput, 401: NOT_AUTHENTICATED})
    def get(self, request):
        return Response(ProfileOutput(services.profile_get(user_id=self.user_id)).data)

    @extend_schema(
        request=ProfilePatchInput, summary="Change settings",
        description="Send only the settings to change; unknown fields are ignored. `timezone` must be an IANA "
                    "name (e.g. Europe/Berlin), `temperature_unit` C or F, `quiet_hours` "
                    "`{\"start\": \"HH:MM\", \"end\": \"HH:MM\"}` (may span midnight; start and end differ) or "
                    "null. Errors name the field: `settings.timezone`, `settings.quiet_hours.start`, "
                    "`settings.quiet_hours.end`, `settings.quiet_hours.non_field_errors` (not an object).\n\n"
                    "A new `timezone` or `quiet_hours` re-places every pending automatic reminder (`source: auto`) "
                    "in the same transaction: out of the new quiet hours, from the model's time (reminders a "
                    "person made or edited stay). `409 conflict` if the settings or reminders changed meanwhile "
                    "three times in a row.",
        responses={200: ProfileOutput, 400: INVALID, 401: NOT_AUTHENTICATED,
                   409: OpenApiResponse(error_schema("SettingsConflictError", "`conflict`"),
                                        description="`conflict`: try again.")},
    )
    def patch(self, request):
        data = validated(ProfilePatchInput, request.data)
        profile = services.profile_update_settings(user_id=self.user_id, **data["settings"])
        return Response(ProfileOutput(profile).data)

    @extend_schema(
        summary="Delete the account and all its data",
        description="Every item, photo, share link and device of the user is deleted and the identity removed; "
                    "the caller's tokens stop working at once for everything but this call: retrying DELETE "
                    "with them after an error finishes the job (and answers 204 once done).",
        responses={204: OpenApiResponse(description="Deleted."), 401: NOT_AUTHENTICATED},
    )
    def delete(self, request):
        deletion.account_delete(user_id=self.user_id)
        return Response(status=204)
