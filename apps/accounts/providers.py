"""Identity providers: where users live and how a login code turns into Cognito tokens.

Both talk to a Cognito user pool API (AWS, or the local emulator), so the admin calls are shared.
They differ in how a login runs:
- CognitoProvider (deployed): InitiateAuth CUSTOM_AUTH and RespondToAuthChallenge; Cognito invokes our
  triggers (apps.accounts.triggers) as Lambdas.
- LocalProvider (make run, tests): the emulator has no CUSTOM_AUTH, so it runs the same trigger
  functions in-process with Cognito's event shapes, and on success gets real tokens from the emulator's
  pool with ADMIN_USER_PASSWORD_AUTH and a fresh random password set just before (never shown, never
  stored). Same verifier, same claims.
Chosen by settings.IDENTITY_PROVIDER ("cognito" | "local") through `get_provider()`.
"""

import functools
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from django.conf import settings

from apps.accounts import triggers
from apps.core import clock
from apps.core.auth.identity import pool_config
from apps.core.http.errors import Invalid, NotAuthenticated
from kefir import aws

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_token: str
    refresh_token: str | None
    expires_in: int


@dataclass(frozen=True)
class Answer:
    """The outcome of one code: `ok` (tokens), `wrong` (retry with next_state), `failed`
    (no tries left) or `expired`."""

    outcome: str
    tokens: Tokens | None = None
    next_state: str | None = None


@dataclass(frozen=True)
class IdentityUser:
    sub: str
    email: str
    enabled: bool
    status: str
    groups: tuple[str, ...]
    created_at: Any = None


def _error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def _tokens(result: dict[str, Any], refresh_token: str | None = None) -> Tokens:
    return Tokens(
        access_token=result["AccessToken"], id_token=result["IdToken"],
        refresh_token=result.get("RefreshToken", refresh_token), expires_in=int(result.get("ExpiresIn", 3600)),
    )


def _random_password() -> str:
    # Meets any Cognito password policy: long, with lower, upper, digit and symbol.
    return secrets.token_urlsafe(32) + "aA1!"


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


class IdentityProvider:
    """The user pool's admin side, shared by both providers (see the module docstring)."""

    @property
    def idp(self) -> Any:
        return aws.client("cognito-idp")

    @property
    def pool_id(self) -> str:
        return pool_config().user_pool_id

    @property
    def client_id(self) -> str:
        return pool_config().app_client_id

    # --- login (provider-specific) -----------------------------------------------------------
    def start_login(self, *, email: str) -> str | None:
        """Sign the email up if new and start a login (the code is emailed); the challenge state, or
        None if this login can never succeed (a disabled user), which callers must not reveal."""
        raise NotImplementedError

    def answer_challenge(self, *, email: str, state: str | None, code: str) -> Answer:
        """Check a code against a login's challenge state."""
        raise NotImplementedError

    # --- shared ------------------------------------------------------------------------------
    def ensure_user(self, *, email: str) -> None:
        """Sign up a new email (no Cognito email, verified), and give every user a fresh random password.

        Both known and unknown emails make the same two calls, so timing tells nothing; the password is
        never used by the deployed flow (CUSTOM_AUTH) and nobody ever sees it."""
        try:
            self.idp.admin_create_user(
                UserPoolId=self.pool_id, Username=email, MessageAction="SUPPRESS",
                UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            )
        except ClientError as exc:
            if _error_code(exc) == "InvalidParameterException":  # an address the pool refuses
                raise Invalid("Some fields are not valid.", fields={"email": ["Enter a valid email address."]}) from exc
            if _error_code(exc) != "UsernameExistsException":
                raise
        # CONFIRMED status (AdminCreateUser leaves FORCE_CHANGE_PASSWORD, which custom auth cannot pass).
        self.idp.admin_set_user_password(
            UserPoolId=self.pool_id, Username=email, Password=_random_password(), Permanent=True
        )

    def refresh(self, *, refresh_token: str) -> Tokens:
        """New access and id tokens; NotAuthenticated if the refresh token is unknown, revoked or expired."""
        try:
            result = self.idp.initiate_auth(
                ClientId=self.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token}
            )["AuthenticationResult"]
        except ClientError as exc:
            if _error_code(exc) in {"NotAuthorizedException", "InvalidParameterException", "ResourceNotFoundException",
                                    "UserNotFoundException"}:
                raise NotAuthenticated("The refresh token is invalid, expired or revoked.") from exc
            raise
        return _tokens(result)

    def sign_out(self, *, sub: str) -> None:
        """Revoke every refresh token of the user (AdminUserGlobalSignOut); no error if the user is gone."""
        try:
            self.idp.admin_user_global_sign_out(UserPoolId=self.pool_id, Username=sub)
        except ClientError as exc:
            if _error_code(exc) != "UserNotFoundException":
                raise

    def get_user(self, sub: str) -> IdentityUser | None:
        """The user with this sub (or email), or None."""
        try:
            user = self.idp.admin_get_user(UserPoolId=self.pool_id, Username=sub)
        except ClientError as exc:
            if _error_code(exc) == "UserNotFoundException":
                return None
            raise
        attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        return IdentityUser(
            sub=attributes.get("sub", user["Username"]), email=attributes.get("email", ""),
            enabled=bool(user.get("Enabled", True)), status=user.get("UserStatus", ""),
            groups=self.user_groups(attributes.get("sub", user["Username"])), created_at=user.get("UserCreateDate"),
        )

    def delete_user(self, sub: str) -> None:
        """Sign the user out everywhere and remove the identity; no error if it is gone already."""
        self.sign_out(sub=sub)
        try:
            self.idp.admin_delete_user(UserPoolId=self.pool_id, Username=sub)
        except ClientError as exc:
            if _error_code(exc) != "UserNotFoundException":
                raise

    def user_groups(self, sub: str) -> tuple[str, ...]:
        """Names of the user's Cognito groups (e.g. `staff`, `admin`)."""
        groups: list[str] = []
        for page in self.idp.get_paginator("admin_list_groups_for_user").paginate(UserPoolId=self.pool_id,
                                                                                Username=sub):
            groups.extend(g["GroupName"] for g in page["Groups"])
        return tuple(sorted(groups))

    def set_enabled(self, sub: str, enabled: bool) -> None:
        """Enable or disable the user; disabling also revokes their refresh tokens."""
        if enabled:
            self.idp.admin_enable_user(UserPoolId=self.pool_id, Username=sub)
        else:
            self.idp.admin_disable_user(UserPoolId=self.pool_id, Username=sub)
            self.sign_out(sub=sub)

    def add_to_group(self, email: str, group: str) -> None:
        """Put the user with this email (or sub) into a group."""
        self.idp.admin_add_user_to_group(UserPoolId=self.pool_id, Username=email.strip().lower(), GroupName=group)

    def find_users(self, query: str, *, limit: int = 20) -> list[IdentityUser]:
        """Users whose sub is `query`, or whose email starts with it (Cognito ListUsers filters)."""
        query = query.strip()
        if not query:
            return []
        if UUID.match(query):
            expression = f'sub = "{_quote(query.lower())}"'
        else:
            expression = f'email ^= "{_quote(query.lower())}"'
        users = self.idp.list_users(UserPoolId=self.pool_id, Filter=expression, Limit=min(max(limit, 1), 60))["Users"]
        found = []
        for user in users:
            attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
            sub = attributes.get("sub", user["Username"])
            found.append(IdentityUser(
                sub=sub, email=attributes.get("email", ""), enabled=bool(user.get("Enabled", True)),
                status=user.get("UserStatus", ""), groups=self.user_groups(sub), created_at=user.get("UserCreateDate"),
            ))
        return found


class CognitoProvider(IdentityProvider):
    """Deployed: Cognito runs the custom-auth flow and invokes our triggers."""

    def start_login(self, *, email: str) -> str | None:
        self.ensure_user(email=email)
        try:
            response = self.idp.initiate_auth(
                ClientId=self.client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": email}
            )
        except ClientError as exc:
            if _error_code(exc) in {"NotAuthorizedException", "UserNotFoundException"}:  # disabled user
                return None
            raise
        return json.dumps({"session": response["Session"],
                           "username": response.get("ChallengeParameters", {}).get("USERNAME", email)})

    def answer_challenge(self, *, email: str, state: str | None, code: str) -> Answer:
        if state is None:
            return Answer("wrong", next_state=None)
        data = json.loads(state)
        try:
            response = self.idp.respond_to_auth_challenge(
                ClientId=self.client_id, ChallengeName=triggers.CHALLENGE_NAME, Session=data["session"],
                ChallengeResponses={"USERNAME": data["username"], "ANSWER": code},
            )
        except ClientError as exc:
            if _error_code(exc) in {"NotAuthorizedException", "CodeMismatchException", "ExpiredCodeException"}:
                message = str(exc.response.get("Error", {}).get("Message", "")).lower()
                # Cognito's session lives AuthSessionValidity (3 minutes, infra/auth.yaml).
                return Answer("expired") if "expired" in message else Answer("failed")
            raise
        if "AuthenticationResult" in response:
            return Answer("ok", tokens=_tokens(response["AuthenticationResult"]))
        return Answer("wrong", next_state=json.dumps({"session": response["Session"], "username": data["username"]}))


class LocalProvider(IdentityProvider):
    """make run and tests: our triggers in-process, real tokens from the emulator's pool."""

    def sign_out(self, *, sub: str) -> None:
        # The emulator revokes only tokens issued under the exact name used at sign-in (Cognito revokes
        # them all by sub), and users made outside our flow (tests, admins) signed in with their email.
        super().sign_out(sub=sub)
        user = self.get_user(sub)
        if user is not None and user.email:
            super().sign_out(sub=user.email)

    def _event(self, trigger_source: str, *, username: str, user_attributes: dict[str, str],
               request: dict[str, Any], response: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "version": "1", "triggerSource": trigger_source, "region": settings.COGNITO_REGION,
            "userPoolId": self.pool_id, "userName": username,
            "callerContext": {"awsSdkVersion": "kefir-local", "clientId": self.client_id},
            "request": {"userAttributes": user_attributes, "clientMetadata": {}, "userNotFound": False, **request},
            "response": response or {},
        }

    def _attributes(self, email: str) -> tuple[str, dict[str, str], bool] | None:
        try:
            user = self.idp.admin_get_user(UserPoolId=self.pool_id, Username=email)
        except ClientError as exc:
            if _error_code(exc) == "UserNotFoundException":
                return None
            raise
        attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        attributes["cognito:user_status"] = user.get("UserStatus", "")
        return user["Username"], attributes, bool(user.get("Enabled", True))

    def _challenge(self, *, username: str, attributes: dict[str, str], session: list[dict[str, Any]]) -> dict | None:
        """Run Define (and Create if it asks for our challenge); the state, or None when authentication failed."""
        defined = triggers.define_auth_challenge(self._event(
            "DefineAuthChallenge_Authentication", username=username, user_attributes=attributes,
            request={"session": session},
        ))["response"]
        if defined.get("failAuthentication") or defined.get("challengeName") != triggers.CHALLENGE_NAME:
            return None
        created = triggers.create_auth_challenge(self._event(
            "CreateAuthChallenge_Authentication", username=username, user_attributes=attributes,
            request={"challengeName": triggers.CHALLENGE_NAME, "session": session},
        ))["response"]
        return {"username": username, "session": session, "private": created["privateChallengeParameters"],
                "metadata": created["challengeMetadata"]}

    def start_login(self, *, email: str) -> str | None:
        self.ensure_user(email=email)
        found = self._attributes(email)
        if found is None or not found[2]:  # vanished meanwhile, or disabled: no code, same answer
            return None
        username, attributes, _ = found
        state = self._challenge(username=username, attributes=attributes, session=[])
        return None if state is None else json.dumps(state)

    def answer_challenge(self, *, email: str, state: str | None, code: str) -> Answer:
        if state is None:
            return Answer("wrong", next_state=None)
        data = json.loads(state)
        found = self._attributes(data["username"])
        if found is None:
            return Answer("failed")
        username, attributes, enabled = found
        verified = triggers.verify_auth_challenge_response(self._event(
            "VerifyAuthChallengeResponse_Authentication", username=username, user_attributes=attributes,
            request={"privateChallengeParameters": data["private"], "challengeAnswer": code},
            response={"answerCorrect": False},
        ))["response"]
        expires_at = int(data["private"].get("expires_at", "0"))
        if not verified.get("answerCorrect") and clock.epoch_seconds(clock.now()) >= expires_at:
            return Answer("expired")
        session = [*data["session"], {"challengeName": triggers.CHALLENGE_NAME,
                                      "challengeResult": bool(verified.get("answerCorrect")),
                                      "challengeMetadata": data["metadata"]}]
        defined = triggers.define_auth_challenge(self._event(
            "DefineAuthChallenge_Authentication", username=username, user_attributes=attributes,
            request={"session": session},
        ))["response"]
        if defined.get("issueTokens") and enabled:
            return Answer("ok", tokens=self._issue_tokens(username))
        if defined.get("failAuthentication") or not enabled:
            return Answer("failed")
        next_state = self._challenge(username=username, attributes=attributes, session=session)
        return Answer("failed") if next_state is None else Answer("wrong", next_state=json.dumps(next_state))

    def _issue_tokens(self, username: str) -> Tokens:
        # A fresh random password for this one sign-in; a concurrent login may replace it, so retry once.
        for attempt in range(2):
            password = _random_password()
            self.idp.admin_set_user_password(UserPoolId=self.pool_id, Username=username, Password=password,
                                             Permanent=True)
            try:
                result = self.idp.admin_initiate_auth(
                    UserPoolId=self.pool_id, ClientId=self.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                    AuthParameters={"USERNAME": username, "PASSWORD": password},
                )["AuthenticationResult"]
            except ClientError as exc:
                if attempt == 0 and _error_code(exc) == "NotAuthorizedException":
                    continue
                raise
            return _tokens(result)
        raise AssertionError("unreachable")


@functools.cache
def _provider(name: str) -> IdentityProvider:
    if name == "cognito":
        return CognitoProvider()
    if name == "local":
        return LocalProvider()
    raise ValueError(f"Unknown IDENTITY_PROVIDER {name!r} (use 'cognito' or 'local').")


def get_provider() -> IdentityProvider:
    """The identity provider settings.IDENTITY_PROVIDER names."""
    return _provider(settings.IDENTITY_PROVIDER)
