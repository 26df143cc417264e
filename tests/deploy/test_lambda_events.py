"""Events built the way AWS sends them, through the function Lambda calls, in-process.

The entry is zappa_settings.json's `lambda_handler` (kefir.lambda_handler, around zappa.handler.lambda_handler)
with the settings module `zappa save-python-settings-file dev` writes. The handler calls get_django_wsgi(),
which only *setdefault*s DJANGO_SETTINGS_MODULE: pytest-django has already set it to kefir.settings.test,
so the app behind the handler runs on the test settings and the emulator. Everything between the event
and Django is Zappa's own code, as on Lambda: the stage in the path (SCRIPT_NAME), the path's decoding,
the body, the cookies, and the routing of schedules and Cognito triggers.

The Django test client knows neither API Gateway's shapes nor Zappa (tests/core/test_errors.py imitates
only the stage, with SCRIPT_NAME): the bugs this module found were invisible to it.
"""

import base64
import html
import json
import logging
import os
import re

import pytest
from django.conf import settings
from django.core import mail
from zappa.handler import LambdaHandler
from zappa.handler import lambda_handler as zappa_lambda_handler

from apps.batches import services as batches
from apps.core.aws.counting import count_requests
from apps.events import services as events
from bench import zappa_events
from tests import factory

# Requests through a raw WSGI handler (unlike Django's test client) fire request_started, whose
# close_old_connections() touches the database connection once any earlier test opened it.
pytestmark = pytest.mark.django_db

HOST = zappa_events.HOST
# The three ways a request reaches Django: an HTTP API on the stage Zappa creates (`/dev` in the URL), an
# HTTP API on `$default` (or a custom domain: no stage in the path), and a REST API on stage `dev`.
SHAPES = ("http-dev", "http-default", "rest-dev")


@pytest.fixture(scope="module")
def entry(tmp_path_factory):
    """The function Lambda calls, with Zappa's handler built once for this process (it is a singleton)."""
    folder = zappa_events.write_zappa_settings("dev", folder=tmp_path_factory.mktemp("zappa"))
    saved_env, root_level = dict(os.environ), logging.getLogger().level
    function = zappa_events.lambda_handler(folder)
    LambdaHandler()  # Built now, not by the first event: it loads zappa_settings and the Django app.
    # The handler copies the stage's environment variables into os.environ and sets the root logger to the
    # stage's level; the Django app is built by then, so the other tests get theirs back.
    os.environ.clear()
    os.environ.update(saved_env)
    logging.getLogger().setLevel(root_level)
    return function


@pytest.fixture(autouse=True)
def execute_api_host(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]


class Answer:
    """An HTTP answer read back from the handler's return value, whichever API Gateway shape it has."""

    def __init__(self, shape: str, result: dict):
        self.result = result
        self.status = result["statusCode"]
        body = result.get("body") or ""
        self.content = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        if shape.startswith("http"):
            self.headers = {name.lower(): value for name, value in result.get("headers", {}).items()}
            self.set_cookies = list(result.get("cookies", []))
        else:
            multi = result.get("multiValueHeaders", {})
            self.headers = {name.lower(): values[-1] for name, values in multi.items()}
            self.set_cookies = [v for name, values in multi.items() if name.lower() == "set-cookie" for v in values]

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self):
        return json.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode()

    def cookie_names(self) -> list[str]:
        return [cookie.split("=", 1)[0] for cookie in self.set_cookies]

    def cookie(self, name: str) -> str:
        (value,) = [c.split(";", 1)[0].split("=", 1)[1] for c in self.set_cookies if c.startswith(f"{name}=")]
        return value


def call(entry, shape: str, method: str, path: str, **kwargs) -> Answer:
    """`method path` as API Gateway sends it in `shape`, through the entry Lambda calls."""
    if shape == "rest-dev":
        cookies = kwargs.pop("cookies", None)  # a REST API passes the browser's Cookie header as it is
        if cookies:
            kwargs["headers"] = {**(kwargs.get("headers") or {}), "cookie": "; ".join(cookies)}
        event = zappa_events.rest_api_v1_event(method, path, stage="dev", **kwargs)
    else:
        stage = "dev" if shape == "http-dev" else "$default"
        event = zappa_events.http_api_v2_event(method, path, stage=stage, **kwargs)
    return Answer(shape, entry(event, zappa_events.LambdaContext()))


def assert_envelope(answer: Answer, status: int, code: str) -> None:
    assert answer.status == status, answer.content[:500]
    assert answer.content_type == "application/json"
    error = answer.json()["error"]
    assert error["code"] == code and error["message"]
    assert set(error) <= {"code", "message", "fields"}


# --- What Lambda runs ------------------------------------------------------------------------------------

def test_the_generated_settings_carry_the_stage_the_triggers_and_info_logging(entry):
    generated = LambdaHandler().settings
    assert generated.DJANGO_SETTINGS == "kefir.settings.aws"
    assert generated.LOG_LEVEL == "INFO" and generated.DEBUG is False
    assert generated.API_STAGE == "dev"
    assert generated.ENVIRONMENT_VARIABLES["KEFIR_STAGE"] == "dev"
    assert set(generated.COGNITO_TRIGGER_MAPPING) == {
        "DefineAuthChallenge_Authentication", "CreateAuthChallenge_Authentication",
        "VerifyAuthChallengeResponse_Authentication",
    }


def test_lambda_calls_our_entry_in_every_stage(entry):
    from kefir.lambda_handler import lambda_handler

    stages = json.loads((zappa_events.ROOT / "zappa_settings.json").read_text())
    assert entry is lambda_handler
    assert all(stages[name].get("lambda_handler", stages["dev"]["lambda_handler"])
               == "kefir.lambda_handler.lambda_handler" for name in stages)


# --- The API through each shape ---------------------------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
def test_health_answers_json(entry, shape):
    answer = call(entry, shape, "GET", "/api/health")
    assert answer.status == 200
    assert answer.content_type == "application/json"
    assert answer.json() == {"status": "ok"}
    assert answer.headers["x-request-id"]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_an_unknown_api_path_is_a_404_in_the_envelope_whatever_the_method(entry, shape, method):
    # A POST used to meet the CSRF middleware before routing found nothing: 403 and Django's HTML page.
    answer = call(entry, shape, method, "/api/v1/no-such-thing", body={"name": "x"} if method != "GET" else None)
    assert_envelope(answer, 404, "not_found")


@pytest.mark.parametrize("shape", SHAPES)
def test_a_browser_post_to_the_schema_is_a_405_in_the_envelope_not_a_csrf_page(entry, shape):
    # The schema is served through a plain function view: it used to meet the CSRF middleware (403, HTML).
    answer = call(entry, shape, "POST", "/api/schema/", body={}, cookies=["csrftoken=" + "a" * 32],
                  headers={"origin": f"https://{HOST}"})
    assert_envelope(answer, 405, "method_not_allowed")


@pytest.mark.parametrize("shape", SHAPES)
def test_a_body_over_the_limit_is_a_413_before_anything_is_read(entry, shape, user):
    body = {"name": "x" * (settings.API_MAX_BODY_BYTES + 1), "kind": "milk"}
    with count_requests() as counter:
        answer = call(entry, shape, "POST", "/api/v1/batches", token=user.access_token, body=body)
    assert_envelope(answer, 413, "payload_too_large")
    assert counter.count == 0  # refused before authentication, nothing read or written
    assert batches.batch_list(user_id=user.id, status_filter=None, limit=10, cursor=None)[0] == []


@pytest.mark.parametrize("shape", SHAPES)
def test_a_batch_created_with_a_body_is_in_the_callers_list(entry, shape, user):
    created = call(entry, shape, "POST", "/api/v1/batches", token=user.access_token,
                   body={"name": "Morning kefir", "kind": "milk", "temperature_c": 22.5})
    assert created.status == 201, created.content
    assert created.content_type == "application/json"
    batch = created.json()
    assert batch["name"] == "Morning kefir" and batch["status"] == "active"

    listed = call(entry, shape, "GET", "/api/v1/batches", token=user.access_token, query="limit=5")
    assert listed.status == 200
    assert listed.content_type == "application/json"
    assert [b["id"] for b in listed.json()["results"]] == [batch["id"]]


@pytest.mark.parametrize("shape", SHAPES)
def test_the_list_is_keyed_by_the_token_and_needs_one(entry, shape, user, other_user):
    batches.batch_create(user_id=other_user.id, name="Not yours", kind="water")
    assert call(entry, shape, "GET", "/api/v1/batches", token=user.access_token).json()["results"] == []
    assert_envelope(call(entry, shape, "GET", "/api/v1/batches"), 401, "not_authenticated")


@pytest.mark.parametrize("shape", SHAPES)
def test_a_host_we_do_not_serve_is_a_400_in_the_envelope(entry, shape):
    answer = call(entry, shape, "GET", "/api/health", headers={"host": "attacker.example.com"})
    assert_envelope(answer, 400, "invalid")


def test_an_idempotent_retry_through_the_other_url_replays_the_first_answer(entry, user):
    """The key's fingerprint names the route, not the URL's mount point (`/dev` on the execute-api URL)."""
    body, key = {"name": "Once", "kind": "milk"}, {"idempotency-key": "create-once-1"}
    first = call(entry, "http-dev", "POST", "/api/v1/batches", token=user.access_token, body=body, headers=key)
    again = call(entry, "http-default", "POST", "/api/v1/batches", token=user.access_token, body=body, headers=key)
    assert first.status == again.status == 201, again.content
    assert again.json() == first.json()
    assert len(batches.batch_list(user_id=user.id, status_filter=None, limit=10, cursor=None)[0]) == 1


def test_nothing_differs_under_the_stage(entry, user):
    """The same requests answer the same with and without `/dev` in the path (request ids and new ids aside)."""
    def outline(shape: str) -> list:
        answers = [
            call(entry, shape, "GET", "/api/health"),
            call(entry, shape, "GET", "/api/v1/nothing-here"),
            call(entry, shape, "POST", "/api/v1/nothing-here", body={}),
            call(entry, shape, "GET", "/api/v1/batches", token=user.access_token),
            call(entry, shape, "POST", "/api/v1/batches", token=user.access_token, body={"kind": "milk"}),
            call(entry, shape, "POST", "/api/v1/batches", token=user.access_token,
                 body={"name": "x" * settings.API_MAX_BODY_BYTES}),
            call(entry, shape, "GET", "/b/no-such-token", headers={"accept": "text/html"}),
        ]
        return [(a.status, a.content_type, a.json() if "json" in a.content_type else None) for a in answers]

    assert outline("http-dev") == outline("http-default") == outline("rest-dev")


# --- Encoded slashes --------------------------------------------------------------------------------------

# Every route with more segments after a batch id: an id carrying `%2F` + those segments must not reach it.
ROUTES_AFTER_A_BATCH_ID = ["events", "events/{event_id}", "photos", "share", "reminders/suggestions"]


@pytest.mark.parametrize("route", ROUTES_AFTER_A_BATCH_ID)
def test_an_encoded_slash_in_a_batch_id_is_a_404_not_another_route(entry, user, route):
    batch = batches.batch_create(user_id=user.id, name="Mine", kind="milk")
    event = events.event_create(user_id=user.id, batch_id=batch.id, type="note", note="a note")
    rest = route.format(event_id=event.id)
    # Without the encoding, each path reaches its route (a GET there answers, or is a 405 in the envelope).
    plain = call(entry, "rest-dev", "GET", f"/api/v1/batches/{batch.id}/{rest}", token=user.access_token)
    assert plain.status in (200, 405), plain.content
    # A REST API passes the client's encoding; an HTTP API has decoded it once (a %252F arrives as %2F).
    encoded = rest.replace("/", "%2F")
    for shape, path in (("rest-dev", f"/api/v1/batches/{batch.id}%2F{encoded}"),
                        ("http-dev", f"/api/v1/batches/{batch.id}%2f{encoded}")):
        assert_envelope(call(entry, shape, "GET", path, token=user.access_token), 404, "not_found")


def test_an_encoded_slash_in_a_share_token_is_a_404_page(entry, user):
    batch = batches.batch_create(user_id=user.id, name="Shared", kind="milk")
    token = batches.share_create(user_id=user.id, batch_id=batch.id).token
    browser = {"accept": "text/html"}
    assert call(entry, "rest-dev", "GET", f"/b/{token}", headers=browser).status == 200
    for shape in ("rest-dev", "http-dev"):
        page = call(entry, shape, "GET", f"/b/{token}%2F", headers=browser)
        assert page.status == 404
        assert page.content_type.startswith("text/html")
        assert_envelope(call(entry, shape, "GET", f"/api/v1/public/b/{token}%2F"), 404, "not_found")


def test_zappa_alone_would_route_an_encoded_slash_to_another_view(entry, user):
    """Why kefir.lambda_handler keeps %2F encoded: Zappa's own handler sends this id to the events list."""
    batch = batches.batch_create(user_id=user.id, name="Mine", kind="milk")
    event = zappa_events.rest_api_v1_event("GET", f"/api/v1/batches/{batch.id}%2Fevents", token=user.access_token)
    answer = Answer("rest-dev", zappa_lambda_handler(event, zappa_events.LambdaContext()))
    assert answer.status == 200 and "results" in answer.json()


def test_the_event_lambda_received_is_left_as_it_was(entry):
    event = zappa_events.rest_api_v1_event("GET", "/api/v1/a%2Fb")
    entry(event, zappa_events.LambdaContext())
    assert event["path"] == "/api/v1/a%2Fb"


# --- The public page --------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
def test_the_public_page_is_html_and_an_unknown_token_a_404_page(entry, shape, user):
    batch = batches.batch_create(user_id=user.id, name="Shared kefir", kind="milk")
    token = batches.share_create(user_id=user.id, batch_id=batch.id).token
    browser = {"accept": "text/html,application/xhtml+xml"}
    page = call(entry, shape, "GET", f"/b/{token}", headers=browser)
    assert page.status == 200
    assert page.content_type.startswith("text/html")
    assert "Shared kefir" in page.text and user.email not in page.text

    missing = call(entry, shape, "GET", "/b/not-a-token", headers=browser)
    assert missing.status == 404
    assert missing.content_type.startswith("text/html")


# --- The support console's sign-in, with its cookies ------------------------------------------------------

def _csrf_field(page: str) -> str:
    return html.unescape(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1))


def _code(email: str) -> str:
    return re.search(r"\b(\d{6})\b", [m for m in mail.outbox if email in m.to][-1].body).group(1)


@pytest.mark.parametrize("shape", SHAPES)
def test_the_admin_sign_in_sets_each_cookie_once_and_keeps_the_stage(entry, shape):
    staff = factory.make_user(groups=("staff",))
    prefix = "" if shape == "http-default" else "/dev"
    browser = {"accept": "text/html", "origin": f"https://{HOST}", "referer": f"https://{HOST}{prefix}/admin/login/"}
    jar: dict[str, str] = {}

    def send(method: str, path: str, fields: dict | None = None) -> Answer:
        answer = call(entry, shape, method, path, headers=browser,
                      cookies=[f"{k}={v}" for k, v in jar.items()] or None,
                      body=zappa_events.form(fields) if fields is not None else None,
                      content_type="application/x-www-form-urlencoded" if fields is not None else None)
        names = answer.cookie_names()
        assert len(names) == len(set(names)), answer.set_cookies  # each cookie once
        jar.update({name: answer.cookie(name) for name in names})
        return answer

    form = send("GET", "/admin/login/")
    assert form.status == 200 and form.content_type.startswith("text/html")
    assert form.cookie_names() == ["csrftoken"]
    token = _csrf_field(form.text)

    asked = send("POST", "/admin/login/", {"step": "email", "email": staff.email, "csrfmiddlewaretoken": token})
    assert asked.status == 200, asked.text[:500]
    assert 'name="code"' in asked.text
    assert "sessionid" in asked.cookie_names()

    signed_in = send("POST", "/admin/login/", {"step": "code", "code": _code(staff.email),
                                               "csrfmiddlewaretoken": _csrf_field(asked.text)})
    assert signed_in.status == 302, signed_in.text[:500]
    assert signed_in.headers["location"] == f"{prefix}/admin/"
    assert sorted(signed_in.cookie_names()) == ["csrftoken", "sessionid"]
    assert all("Secure" in c or not settings.SESSION_COOKIE_SECURE for c in signed_in.set_cookies)

    console = send("GET", "/admin/")
    assert console.status == 200 and console.content_type.startswith("text/html")
    assert staff.email in console.text


def test_a_rest_api_answer_carries_each_cookie_once(entry):
    answer = call(entry, "rest-dev", "GET", "/admin/login/", headers={"accept": "text/html"})
    assert answer.status == 200
    assert [name for name in answer.result["multiValueHeaders"] if name.lower() == "set-cookie"] == ["Set-Cookie"]
    assert answer.cookie_names() == ["csrftoken"]
    assert [name for name in answer.result["headers"] if name.lower() == "set-cookie"] == ["Set-Cookie"]


def test_zappa_alone_still_answers_each_cookie_twice(entry):
    """Why kefir.lambda_handler merges cookies: when this fails, Zappa stopped duplicating them and the
    merge can go."""
    event = zappa_events.http_api_v2_event("GET", "/admin/login/", stage="dev", headers={"accept": "text/html"})
    cookies = zappa_lambda_handler(event, zappa_events.LambdaContext())["cookies"]
    assert len(cookies) == 2 and cookies[0] == cookies[1]


# --- Logs, static files ------------------------------------------------------------------------------------

def test_a_request_logs_one_access_line_and_never_its_raw_path(entry, caplog):
    caplog.set_level(logging.INFO)
    answer = call(entry, "http-dev", "GET", "/b/a-share-token-nobody-may-read")
    assert answer.status == 404
    assert [r.name for r in caplog.records if r.name in ("kefir.access", "zappa.wsgi")] == ["kefir.access"]
    assert not any("a-share-token-nobody-may-read" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("shape", SHAPES)
def test_static_files_are_served_through_the_handler(entry, shape):
    answer = call(entry, shape, "GET", "/static/admin/css/base.css")
    assert answer.status == 200
    assert "text/css" in answer.content_type


def test_pages_under_the_stage_link_static_files_under_the_stage(entry, settings):
    # What kefir.settings.aws makes of PUBLIC_BASE_URL https://<api>.execute-api.<region>.amazonaws.com/dev.
    settings.STATIC_URL = "/dev/static/"
    page = call(entry, "http-dev", "GET", "/admin/login/", headers={"accept": "text/html"})
    links = re.findall(r'(?:href|src)="(/[^"]*)"', page.text)
    assert links and all(link.startswith("/dev/") for link in links), links
    stylesheet = next(link for link in links if link.endswith(".css"))
    assert stylesheet.startswith("/dev/static/")
    served = call(entry, "http-dev", "GET", stylesheet.removeprefix("/dev"))  # the builder adds the stage
    assert served.status == 200
    assert "text/css" in served.content_type


# --- Schedules and the keep-warm --------------------------------------------------------------------------

def test_the_keep_warm_event_returns_at_once_and_touches_nothing(entry):
    with count_requests() as counter:
        result = entry(zappa_events.keep_warm_event(), zappa_events.LambdaContext())
    assert result is None
    assert counter.count == 0


def test_every_scheduled_function_of_the_stage_is_found_and_run(entry):
    scheduled = json.loads((zappa_events.ROOT / "zappa_settings.json").read_text())["dev"]["events"]
    assert [event["function"] for event in scheduled] == ["apps.reminders.tasks.process_due_reminders"]
    with count_requests() as counter:
        result = entry(zappa_events.scheduled_event(scheduled[0]["function"]), zappa_events.LambdaContext())
    assert set(result) >= {"due", "sent", "failed"}
    assert result["due"] == 0
    assert counter.count > 0  # it really queried the due-reminder index


# --- Cognito's custom-auth triggers ---------------------------------------------------------------------

def test_the_three_cognito_triggers_run_a_sign_in_in_cognitos_shapes(entry):
    email, sub = "trigger@example.com", "3f0c4a9e-0000-4000-8000-000000000001"
    context = zappa_events.LambdaContext()

    defined = entry(zappa_events.define_auth_challenge_event([], email=email, sub=sub), context)
    assert defined["response"] == {"challengeName": "CUSTOM_CHALLENGE", "issueTokens": False,
                                   "failAuthentication": False}

    created = entry(zappa_events.create_auth_challenge_event([], email=email, sub=sub), context)
    response = created["response"]
    assert set(response) == {"publicChallengeParameters", "privateChallengeParameters", "challengeMetadata"}
    assert "code_hash" not in response["publicChallengeParameters"]
    (message,) = mail.outbox
    code = re.search(r"\b(\d{6})\b", message.body).group(1)

    def verify(answer: str) -> bool:
        event = zappa_events.verify_auth_challenge_event(response["privateChallengeParameters"], answer,
                                                         email=email, sub=sub)
        return entry(event, context)["response"]["answerCorrect"]

    wrong = "000000" if code != "000000" else "111111"
    assert verify(wrong) is False
    session = [zappa_events.challenge_result(created, False)]
    retry = entry(zappa_events.define_auth_challenge_event(session, email=email, sub=sub), context)
    assert retry["response"]["challengeName"] == "CUSTOM_CHALLENGE"
    again = entry(zappa_events.create_auth_challenge_event(session, email=email, sub=sub), context)
    assert again["response"]["privateChallengeParameters"] == response["privateChallengeParameters"]
    assert len(mail.outbox) == 1  # the same code, not a second email

    assert verify(code) is True
    session.append(zappa_events.challenge_result(again, True))
    done = entry(zappa_events.define_auth_challenge_event(session, email=email, sub=sub), context)
    assert done["response"]["issueTokens"] is True and done["response"]["failAuthentication"] is False

