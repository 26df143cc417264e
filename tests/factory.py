"""Builders for tests: users with real tokens from the emulator's pool, and clients for them."""

import secrets
import uuid
from dataclasses import dataclass

from rest_framework.test import APIClient

from apps.core.auth import identity
from kefir import aws


@dataclass(frozen=True)
class TestUser:
    id: str
    email: str
    access_token: str
    id_token: str
    refresh_token: str


def make_user(email: str | None = None, *, groups: tuple[str, ...] = ()) -> TestUser:
    """A Cognito user in the emulator, signed in (ADMIN_USER_PASSWORD_AUTH with a random secret)."""
    idp = aws.client("cognito-idp")
    config = identity.pool_config()
    email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
    idp.admin_create_user(
        UserPoolId=config.user_pool_id, Username=email, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
    )
    password = secrets.token_urlsafe(24) + "aA1!"
    idp.admin_set_user_password(UserPoolId=config.user_pool_id, Username=email, Password=password, Permanent=True)
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=config.user_pool_id, Username=email, GroupName=group)
    tokens = idp.admin_initiate_auth(
        UserPoolId=config.user_pool_id, ClientId=config.app_client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )["AuthenticationResult"]
    attributes = idp.admin_get_user(UserPoolId=config.user_pool_id, Username=email)["UserAttributes"]
    sub = next(a["Value"] for a in attributes if a["Name"] == "sub")
    return TestUser(sub, email, tokens["AccessToken"], tokens["IdToken"], tokens["RefreshToken"])


def client_for(user: TestUser) -> APIClient:
    """An API client that sends `user`'s access token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {user.access_token}")
    return client


def code_from_outbox(email: str) -> str:
    """The 6-digit code of the newest login email sent to `email` (Django's locmem outbox)."""
    import re

    from django.core import mail

    message = next(m for m in reversed(mail.outbox) if email.lower() in [r.lower() for r in m.to])
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def login_with_code(api: APIClient, email: str) -> dict:
    """Log in through the API as a person would: ask for a code, read it from the email, verify it."""
    started = api.post("/api/v1/auth/login", {"email": email}, format="json")
    assert started.status_code == 200, started.content
    verified = api.post("/api/v1/auth/verify", {
        "email": email, "session": started.json()["session"], "code": code_from_outbox(email),
    }, format="json")
    assert verified.status_code == 200, verified.content
    return verified.json()
