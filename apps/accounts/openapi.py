"""The bearer-token scheme in the OpenAPI document, so Swagger UI (/api/docs/) offers "Authorize"
for the access token from /auth/verify.

Loaded by the schema generator as a preprocessing hook (settings.SPECTACULAR_SETTINGS), not at start-up:
drf-spectacular's extension machinery costs ~0.2 s of import time that a Lambda cold start need not pay."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class CognitoBearerScheme(OpenApiAuthenticationExtension):
    target_class = "apps.core.auth.authentication.CognitoAccessTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": "The access_token from POST /api/v1/auth/verify (or /auth/refresh).",
        }


def register_bearer_scheme(endpoints):
    """Preprocessing hook: importing this module registered the scheme above; endpoints pass unchanged."""
    return endpoints
