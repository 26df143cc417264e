"""Login with an emailed code, against the emulator's user pool, as a client uses the API."""

import datetime as dt
import logging

import pytest
from django.core import mail

from apps.core import clock
from apps.core.auth import identity
from kefir import aws
from tests import factory

LOGIN, VERIFY = "/api/v1/auth/login", "/api/v1/auth/verify"
REFRESH, LOGOUT = "/api/v1/auth/refresh", "/api/v1/auth/logout"


def login(api, email, **extra):
    return api.post(LOGIN, {"email": email}, format="json", **extra)


def verify(api, email, session, code):
    return api.post(VERIFY, {"email": email, "session": session, "code": code}, format="json")


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def error(response) -> dict:
    return response.json()["error"]


def test_the_whole_flow_login_verify_me_refresh_logout(api):
    started = login(api, "new.person@example.com")
    assert started.status_code == 200
    body = started.json()
    assert body["challenge"] == "EMAIL_OTP" and body["expires_in"] == 180 and body["session"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.person@example.com"]

    code = factory.code_from_outbox("new.person@example.com")
    verified = verify(api, "new.person@example.com", body["session"], code)
    assert verified.status_code == 200
    tokens = verified.json()
    assert set(tokens) == {"access_token", "id_token", "refresh_token", "expires_in", "token_type"}
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] > 0

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    me = api.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["email"] == "new.person@example.com"
    assert me.json()["settings"] == {"timezone": "UTC", "temperature_unit": "C", "quiet_hours": None}

    refreshed = api.post(REFRESH, {"refresh_token": tokens["refresh_token"]}, format="json")
    assert refreshed.status_code == 200
    assert set(refreshed.json()) == {"access_token", "id_token", "expires_in", "token_type"}
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access_token']}")
    assert api.get("/api/v1/me").json()["id"] == me.json()["id"]

    assert api.post(LOGOUT).status_code == 204
    api.credentials()
    after = api.post(REFRESH, {"refresh_token": tokens["refresh_token"]}, format="json")
    assert after.status_code == 401 and error(after)["code"] == "not_authenticated"


def test_a_known_user_logs_in_as_the_same_identity(api, user):
    tokens = factory.login_with_code(api, user.email)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert api.get("/api/v1/me").json()["id"] == user.id


def test_email_case_and_spaces_do_not_make_a_second_account(api):
    first = factory.login_with_code(api, "Case@Example.com")
    second = factory.login_with_code(api, "case@example.COM")
    ids = []
    for tokens in (first, second):
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
        ids.append(api.get("/api/v1/me").json()["id"])
    assert ids[0] == ids[1]


def test_staff_groups_are_in_the_token(api):
    from apps.accounts import services

    factory.make_user("staff.person@example.com", groups=("staff",))
    started = services.auth_login_start(email="staff.person@example.com", client_ip="192.0.2.1")
    result = services.auth_login_verify(email="staff.person@example.com", session=started.session,
                                        code=factory.code_from_outbox("staff.person@example.com"))
    assert result.groups == ("staff",) and result.user_id and result.tokens.refresh_token


def test_known_and_unknown_emails_get_the_same_answer(api, user):
    known, unknown = login(api, user.email), login(api, "nobody-yet@example.com")
    assert known.status_code == unknown.status_code == 200
    assert set(known.json()) == set(unknown.json())
    assert {k: v for k, v in known.json().items() if k != "session"} == \
        {k: v for k, v in unknown.json().items() if k != "session"}
    assert len(known.json()["session"]) == len(unknown.json()["session"])
    assert known.headers.keys() - {"X-Request-ID"} == unknown.headers.keys() - {"X-Request-ID"}
    assert len(mail.outbox) == 2


def test_a_wrong_code_gets_a_fresh_session_and_the_right_code_then_works(api):
    session = login(api, "p@example.com").json()["session"]
    code = factory.code_from_outbox("p@example.com")
    rejected = verify(api, "p@example.com", session, wrong(code))
    assert rejected.status_code == 400
    assert error(rejected)["code"] == "invalid_code" and error(rejected)["session"] != session
    assert verify(api, "p@example.com", error(rejected)["session"], code).status_code == 200
    assert len(mail.outbox) == 1  # a retry resends nothing


def test_three_wrong_codes_then_too_many_attempts_even_with_the_right_code(api):
    session = login(api, "p@example.com").json()["session"]
    code = factory.code_from_outbox("p@example.com")
    for _ in range(3):
        rejected = verify(api, "p@example.com", session, wrong(code))
        assert rejected.status_code == 400 and error(rejected)["code"] == "invalid_code"
        session = error(rejected)["session"]
    fourth = verify(api, "p@example.com", session, code)
    assert fourth.status_code == 429 and error(fourth)["code"] == "too_many_attempts"


def test_a_code_expires_after_three_minutes(api):
    start = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
    with clock.frozen(start) as advance:
        session = login(api, "p@example.com").json()["session"]
        advance(dt.timedelta(minutes=3))
        expired = verify(api, "p@example.com", session, factory.code_from_outbox("p@example.com"))
    assert expired.status_code == 400 and error(expired)["code"] == "code_expired"


def test_a_code_still_works_just_before_three_minutes(api):
    start = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
    with clock.frozen(start) as advance:
        session = login(api, "p@example.com").json()["session"]
        advance(dt.timedelta(minutes=2, seconds=59))
        assert verify(api, "p@example.com", session, factory.code_from_outbox("p@example.com")).status_code == 200


def test_a_used_session_is_rejected_when_replayed(api):
    session = login(api, "p@example.com").json()["session"]
    code = factory.code_from_outbox("p@example.com")
    assert verify(api, "p@example.com", session, code).status_code == 200
    replay = verify(api, "p@example.com", session, code)
    assert replay.status_code == 400 and error(replay)["code"] == "invalid"
    assert "session" in error(replay)["fields"]


def test_a_session_after_a_wrong_code_cannot_be_replayed_either(api):
    session = login(api, "p@example.com").json()["session"]
    code = factory.code_from_outbox("p@example.com")
    assert verify(api, "p@example.com", session, wrong(code)).status_code == 400
    replay = verify(api, "p@example.com", session, code)
    assert replay.status_code == 400 and error(replay)["code"] == "invalid"


def test_a_session_does_not_work_for_another_email(api):
    session = login(api, "p@example.com").json()["session"]
    other = verify(api, "someone.else@example.com", session, factory.code_from_outbox("p@example.com"))
    assert other.status_code == 400 and "session" in error(other)["fields"]


def test_an_unknown_session_is_invalid(api):
    response = verify(api, "p@example.com", "made-up-session", "123456")
    assert response.status_code == 400 and "session" in error(response)["fields"]


@pytest.mark.parametrize("body, field", [
    ({}, "email"),
    ({"email": "not-an-email"}, "email"),
    ({"email": "a@b"}, "email"),
    ({"email": "+start@example.com"}, "email"),
    ({"email": "ü@example.com"}, "email"),
    ({"email": ["a@example.com"]}, "email"),
])
def test_login_with_bad_input_is_invalid_with_fields(api, body, field):
    response = api.post(LOGIN, body, format="json")
    assert response.status_code == 400 and error(response)["code"] == "invalid"
    assert field in error(response)["fields"]
    assert mail.outbox == []


@pytest.mark.parametrize("changes, field", [
    ({"code": "12345"}, "code"),
    ({"code": "1234567"}, "code"),
    ({"code": "12a456"}, "code"),
    ({"code": ""}, "code"),
    ({"session": ""}, "session"),
    ({"email": "bad"}, "email"),
])
def test_verify_with_bad_input_is_invalid_with_fields_and_spends_no_try(api, changes, field):
    session = login(api, "p@example.com").json()["session"]
    body = {"email": "p@example.com", "session": session, "code": "000000", **changes}
    response = api.post(VERIFY, body, format="json")
    assert response.status_code == 400 and error(response)["code"] == "invalid"
    assert field in error(response)["fields"]
    assert verify(api, "p@example.com", session, factory.code_from_outbox("p@example.com")).status_code == 200


def test_verify_with_missing_fields_names_them_all(api):
    response = api.post(VERIFY, {}, format="json")
    assert response.status_code == 400
    assert set(error(response)["fields"]) == {"email", "session", "code"}


@pytest.mark.parametrize("token", ["garbage", "x" * 4096, "eyJhbGciOiJIUzI1NiJ9.e30.sig"])
def test_refresh_with_a_garbage_token_is_401_never_500(api, token):
    response = api.post(REFRESH, {"refresh_token": token}, format="json")
    assert response.status_code == 401 and error(response)["code"] == "not_authenticated"


def test_refresh_without_a_token_is_invalid(api):
    response = api.post(REFRESH, {}, format="json")
    assert response.status_code == 400 and "refresh_token" in error(response)["fields"]


def test_logout_needs_a_token(api):
    assert api.post(LOGOUT).status_code == 401


def test_logout_revokes_every_refresh_token_of_the_user(api):
    first = factory.login_with_code(api, "p@example.com")
    second = factory.login_with_code(api, "p@example.com")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {second['access_token']}")
    assert api.post(LOGOUT).status_code == 204
    api.credentials()
    for tokens in (first, second):
        assert api.post(REFRESH, {"refresh_token": tokens["refresh_token"]}, format="json").status_code == 401


def test_a_disabled_user_gets_the_same_login_answer_but_can_never_verify(api, user):
    aws.client("cognito-idp").admin_disable_user(UserPoolId=identity.pool_config().user_pool_id, Username=user.email)
    started = login(api, user.email)
    assert started.status_code == 200 and set(started.json()) == {"session", "challenge", "expires_in"}
    assert mail.outbox == []
    attempt = verify(api, user.email, started.json()["session"], "123456")
    assert attempt.status_code == 400 and error(attempt)["code"] == "invalid_code"


def test_codes_and_emails_never_reach_the_logs(api, caplog):
    caplog.set_level(logging.DEBUG)
    email = "secret.person@example.com"
    session = login(api, email).json()["session"]
    code = factory.code_from_outbox(email)
    verify(api, email, session, wrong(code))
    factory.login_with_code(api, email)
    logged = caplog.text + " ".join(str(vars(r)) for r in caplog.records)
    assert caplog.records
    assert code not in logged and email not in logged and "secret.person" not in logged
    assert session not in logged
