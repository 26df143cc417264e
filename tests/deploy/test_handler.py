"""Zappa's Lambda handler, in-process, with the settings module `zappa save-python-settings-file dev` writes.

The handler calls get_django_wsgi(), which only *setdefault*s DJANGO_SETTINGS_MODULE: pytest-django has
already set it to kefir.settings.test, so the app behind the handler runs on the test settings and the
emulator (kefir.settings.aws would refuse to start without AWS ids). Everything else is Zappa's own code:
event parsing for API Gateway v1 and v2, keep-warm, schedules and the Cognito trigger mapping.
"""

import importlib.util
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from zappa.handler import LambdaHandler

from apps.core.dynamodb import count_requests

# Requests through a raw WSGI handler (unlike Django's test client) fire request_started, whose
# close_old_connections() touches the database connection once any earlier test opened it.
pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
HOST = "abc123.execute-api.us-east-1.amazonaws.com"


@pytest.fixture(scope="module")
def handler(tmp_path_factory):
    path = tmp_path_factory.mktemp("zappa") / "zappa_settings.py"
    subprocess.run(
        [str(Path(sys.executable).parent / "zappa"), "save-python-settings-file", "dev", "-o", str(path)],
        cwd=ROOT, check=True, capture_output=True, timeout=120,
    )
    spec = importlib.util.spec_from_file_location("zappa_settings", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    saved_env, saved_module = dict(os.environ), sys.modules.get("zappa_settings")
    sys.modules["zappa_settings"] = module
    LambdaHandler._LambdaHandler__instance = None
    LambdaHandler.settings = None
    try:
        yield LambdaHandler("zappa_settings")
    finally:
        # The handler copies the stage's environment_variables into os.environ: put ours back.
        os.environ.clear()
        os.environ.update(saved_env)
        LambdaHandler._LambdaHandler__instance = None
        LambdaHandler.settings = None
        if saved_module is None:
            sys.modules.pop("zappa_settings", None)


@pytest.fixture(autouse=True)
def execute_api_host(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]


def invoke(handler, event):
    """What Lambda calls (zappa.handler.lambda_handler), on the handler the fixture set up."""
    assert handler is LambdaHandler()
    return LambdaHandler.lambda_handler(event, None)


def rest_event(path, headers=None):
    return {
        "resource": "/{proxy+}", "path": path, "httpMethod": "GET",
        "headers": {"Host": HOST, "X-Forwarded-Proto": "https", **(headers or {})},
        "multiValueHeaders": {}, "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")}, "stageVariables": None,
        "requestContext": {"stage": "dev", "httpMethod": "GET", "path": f"/dev{path}",
                           "identity": {"sourceIp": "1.2.3.4"}},
        "body": None, "isBase64Encoded": False,
    }


def http_event(path, headers=None):
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": f"/dev{path}", "rawQueryString": "",
        "headers": {"host": HOST, "x-forwarded-proto": "https", **(headers or {})},
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "domainName": HOST, "stage": "dev",
            "http": {"method": "GET", "path": f"/dev{path}", "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4",
                     "userAgent": "test"},
            "requestId": "r1", "routeKey": "$default", "time": "23/Nov/2026:10:00:00 +0000", "timeEpoch": 0,
        },
        "isBase64Encoded": False,
    }


def scheduled_event(function):
    return {
        "version": "0", "id": "e1", "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": "2026-11-23T10:00:00Z", "region": "us-east-1", "detail": {},
        "resources": [f"arn:aws:events:us-east-1:123456789012:rule/kefir-app-dev-{function}"],
    }


def test_the_generated_settings_carry_the_stage_the_triggers_and_info_logging(handler):
    settings = handler.settings
    assert settings.DJANGO_SETTINGS == "kefir.settings.aws"
    assert settings.LOG_LEVEL == "INFO" and settings.DEBUG is False
    assert settings.ENVIRONMENT_VARIABLES["KEFIR_STAGE"] == "dev"
    assert set(settings.COGNITO_TRIGGER_MAPPING) == {
        "DefineAuthChallenge_Authentication", "CreateAuthChallenge_Authentication",
        "VerifyAuthChallengeResponse_Authentication",
    }


def test_a_rest_api_event_reaches_django(handler):
    response = invoke(handler, rest_event("/api/health"))
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["status"] == "ok"


def test_an_http_api_v2_event_reaches_django_with_the_stage_stripped(handler):
    response = invoke(handler, http_event("/api/health"))
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["status"] == "ok"


def test_an_authenticated_v2_call_sees_the_caller(handler, user):
    response = invoke(handler, http_event("/api/v1/me", {"authorization": f"Bearer {user.access_token}"}))
    assert response["statusCode"] == 200, response["body"]
    assert user.email in response["body"]


def test_a_request_logs_one_access_line_and_never_its_raw_path(handler, caplog):
    caplog.set_level(logging.INFO)
    response = invoke(handler, http_event("/b/a-share-token-nobody-may-read"))
    assert response["statusCode"] == 404
    assert [r.name for r in caplog.records if r.name in ("kefir.access", "zappa.wsgi")] == ["kefir.access"]
    assert not any("a-share-token-nobody-may-read" in r.getMessage() for r in caplog.records)


def test_a_v2_call_without_a_token_gets_the_error_envelope(handler):
    response = invoke(handler, http_event("/api/v1/me"))
    assert response["statusCode"] == 401
    assert "error" in json.loads(response["body"])


def test_static_files_are_served_through_the_handler(handler):
    response = invoke(handler, http_event("/static/admin/css/base.css"))
    assert response["statusCode"] == 200
    assert "text/css" in response["headers"]["Content-Type"]


def test_a_keep_warm_event_returns_quickly_and_touches_nothing(handler):
    with count_requests() as counter:
        start = time.perf_counter()
        result = invoke(handler, scheduled_event("handler.keep_warm_callback"))
        elapsed = time.perf_counter() - start
    assert result is None
    assert counter.count == 0
    assert elapsed < 1.0  # no app work at all; generous for a loaded CI machine


def test_the_scheduled_event_runs_the_reminder_task(handler):
    tasks = pytest.importorskip("apps.reminders.tasks")
    assert callable(tasks.process_due_reminders)
    with count_requests() as counter:
        result = invoke(handler, scheduled_event("apps.reminders.tasks.process_due_reminders"))
    assert set(result) >= {"due", "sent", "failed"}
    assert result["due"] == 0
    assert counter.count > 0  # it really queried the due-reminder index


def cognito_event(trigger, request):
    return {
        "version": "1", "region": "us-east-1", "userPoolId": "us-east-1_test", "userName": "u1",
        "callerContext": {"awsSdkVersion": "x", "clientId": "c"}, "triggerSource": trigger,
        "request": {"userAttributes": {"email": "trigger@example.com", "sub": "u1"}, **request}, "response": {},
    }


def test_each_cognito_trigger_reaches_its_function_and_answers_in_cognitos_shape(handler):
    pytest.importorskip("apps.accounts.triggers")
    defined = invoke(handler, cognito_event("DefineAuthChallenge_Authentication", {"session": []}))
    assert defined["response"] == {"challengeName": "CUSTOM_CHALLENGE", "issueTokens": False,
                                   "failAuthentication": False}

    created = invoke(handler, cognito_event("CreateAuthChallenge_Authentication",
                                            {"challengeName": "CUSTOM_CHALLENGE", "session": []}))
    response = created["response"]
    assert set(response) == {"publicChallengeParameters", "privateChallengeParameters", "challengeMetadata"}
    assert "code_hash" not in response["publicChallengeParameters"]
    (email,) = mail.outbox
    code = next(word for word in email.subject.split() if word.isdigit())

    def verify(answer):
        event = cognito_event("VerifyAuthChallengeResponse_Authentication", {
            "privateChallengeParameters": response["privateChallengeParameters"], "challengeAnswer": answer,
        })
        return invoke(handler, event)["response"]

    assert verify(code) == {"answerCorrect": True}
    assert verify("000000" if code != "000000" else "111111") == {"answerCorrect": False}
