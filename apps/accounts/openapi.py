"""The bearer-token scheme in the OpenAPI document, so Swagger UI (/api/docs/) offers "Authorize"
for the access token from /auth/verify."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class CognitoBearerScheme(OpenApiAuthenticationExtension):
    target_class = "apps.core.authentication.CognitoAccessTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": "The access_token from POST /api/v1/auth/verify (or /auth/refresh).",
        }
