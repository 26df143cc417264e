"""The Cognito custom-auth triggers, called with Cognito's documented event shapes."""

import datetime as dt
import re

from django.core import mail

from apps.accounts import triggers
from apps.core import clock
from tests.accounts import events

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def emailed_code() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def test_define_asks_for_our_challenge_on_a_new_login():
    response = triggers.define_auth_challenge(events.define([]))["response"]
    assert response == {"challengeName": "CUSTOM_CHALLENGE", "issueTokens": False, "failAuthentication": False}


def test_define_issues_tokens_after_a_right_answer():
    response = triggers.define_auth_challenge(events.define([events.step(False), events.step(True)]))["response"]
    assert response["issueTokens"] is True and response["failAuthentication"] is False


def test_define_asks_again_after_one_or_two_wrong_answers():
    for session in ([events.step(False)], [events.step(False), events.step(False)]):
        response = triggers.define_auth_challenge(events.define(session))["response"]
        assert response["challengeName"] == "CUSTOM_CHALLENGE" and response["issueTokens"] is False


def test_define_fails_after_three_wrong_answers():
    response = triggers.define_auth_challenge(events.define([events.step(False)] * 3))["response"]
    assert response["failAuthentication"] is True and response["issueTokens"] is False


def test_define_fails_any_other_challenge_such_as_a_password():
    session = [{"challengeName": "PASSWORD_VERIFIER", "challengeResult": True, "challengeMetadata": ""}]
    response = triggers.define_auth_challenge(events.define(session))["response"]
    assert response["failAuthentication"] is True and response["issueTokens"] is False


def test_define_never_issues_tokens_for_a_user_cognito_did_not_find():
    response = triggers.define_auth_challenge(events.define([events.step(True)], user_not_found=True))["response"]
    assert response["issueTokens"] is False


def test_create_emails_a_six_digit_code_and_keeps_only_its_hash():
    with clock.frozen(T0):
        response = triggers.create_auth_challenge(events.create([]))["response"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["person@example.com"]
    code = emailed_code()
    private = response["privateChallengeParameters"]
    assert private["code_hash"] == triggers.code_hash(code, private["salt"])
    assert private["expires_at"] == str(clock.epoch_seconds(T0) + 180)
    everything_cognito_keeps = str(response)
    assert code not in everything_cognito_keeps
    assert response["publicChallengeParameters"]["challenge"] == "EMAIL_OTP"


def test_create_on_a_retry_presents_the_same_code_without_a_new_email():
    first = triggers.create_auth_challenge(events.create([]))["response"]
    retry = triggers.create_auth_challenge(
        events.create([events.step(False, first["challengeMetadata"])]))["response"]
    assert len(mail.outbox) == 1
    assert retry["privateChallengeParameters"] == first["privateChallengeParameters"]


def test_create_sends_nothing_for_a_user_cognito_did_not_find():
    response = triggers.create_auth_challenge(events.create([], user_not_found=True))["response"]
    assert mail.outbox == [] and response["publicChallengeParameters"]["challenge"] == "EMAIL_OTP"


def test_codes_are_random():
    for _ in range(5):
        triggers.create_auth_challenge(events.create([]))
    assert len({m.body for m in mail.outbox}) == 5


def verify(private, answer, **kwargs):
    event = triggers.verify_auth_challenge_response(events.verify(private, answer, **kwargs))
    return event["response"]["answerCorrect"]


def test_verify_accepts_the_emailed_code_within_three_minutes():
    with clock.frozen(T0) as advance:
        private = triggers.create_auth_challenge(events.create([]))["response"]["privateChallengeParameters"]
        advance(dt.timedelta(seconds=179))
        assert verify(private, emailed_code()) is True


def test_verify_rejects_a_wrong_code_and_malformed_answers():
    private = triggers.create_auth_challenge(events.create([]))["response"]["privateChallengeParameters"]
    code = emailed_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for answer in (wrong, "", "12345", "1234567", "abcdef", code + " x"):
        assert verify(private, answer) is False


def test_verify_rejects_the_right_code_after_three_minutes():
    with clock.frozen(T0) as advance:
        private = triggers.create_auth_challenge(events.create([]))["response"]["privateChallengeParameters"]
        advance(dt.timedelta(seconds=180))
        assert verify(private, emailed_code()) is False


def test_verify_rejects_everything_for_a_user_cognito_did_not_find():
    private = triggers.create_auth_challenge(events.create([]))["response"]["privateChallengeParameters"]
    assert verify(private, emailed_code(), user_not_found=True) is False
