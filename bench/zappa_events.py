"""Lambda events as AWS sends them, and the in-process handler Lambda calls (benchmarks and tests).

One home for the event shapes: tests/deploy/test_lambda_events.py and the benchmarks build their events
here. The shapes follow AWS's documented payloads and what Zappa 0.63 deploys for zappa_settings.json:
an HTTP API (payload 2.0) whose only route is `$default` on a stage named after the Zappa stage (so the
execute-api URL, and rawPath, start with `/dev`), EventBridge rules named by Zappa for the schedules and
the keep-warm, and Cognito's custom-auth triggers.
"""

import base64
import importlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "abc123.execute-api.us-east-1.amazonaws.com"
ACCOUNT = "123456789012"
REGION = "us-east-1"
LAMBDA_NAME = "kefir-app-dev"  # Zappa's function name: project_name-stage
SOURCE_IP = "203.0.113.9"
# API Gateway passes these as text; any other body (a form, bytes) arrives base64-encoded.
TEXT_CONTENT_TYPES = ("application/json", "text/")


def write_zappa_settings(stage: str = "dev", *, django_settings: str | None = None,
                         folder: Path | None = None) -> Path:
    """`zappa save-python-settings-file <stage>` into `folder` (default: a new temporary one); returns it.

    With `django_settings`, the generated module points the handler at that settings module
    (the benchmarks use kefir.settings.test: the emulator instead of AWS)."""
    folder = folder or Path(tempfile.mkdtemp(prefix="zappa-settings-"))
    target = folder / "zappa_settings.py"
    zappa = Path(sys.executable).with_name("zappa")
    subprocess.run([str(zappa), "save-python-settings-file", stage, "-o", str(target)], cwd=ROOT, check=True,
                   capture_output=True, timeout=120,
                   env={"VIRTUAL_ENV": str(Path(sys.executable).parent.parent),
                        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"})
    if django_settings:
        target.write_text(replace_settings(target.read_text(), DJANGO_SETTINGS=django_settings))
    return folder


def replace_settings(text: str, **values: object) -> str:
    """A generated zappa_settings.py with the named top-level assignments (NAME=...) set to new values."""
    missing = set(values)
    lines = []
    for line in text.splitlines():
        name = line.split("=", 1)[0]
        if "=" in line and name in values:
            line = f"{name}={values[name]!r}"
            missing.discard(name)
        lines.append(line)
    if missing:
        raise ValueError(f"zappa_settings.py has no {sorted(missing)}")
    return "\n".join(lines) + "\n"


def lambda_handler(settings_folder: Path):
    """The function Lambda calls (zappa_settings.json's `lambda_handler`: kefir.lambda_handler, which runs
    zappa.handler.lambda_handler), with the generated settings importable as `zappa_settings`."""
    if str(settings_folder) not in sys.path:
        sys.path.insert(0, str(settings_folder))
    entry = json.loads((ROOT / "zappa_settings.json").read_text())["dev"].get(
        "lambda_handler", "zappa.handler.lambda_handler")
    module, function = entry.rsplit(".", 1)
    return getattr(importlib.import_module(module), function)


def _encode_body(body: dict | str | bytes | None, content_type: str | None) -> tuple[str | None, bool, int]:
    """(body as the event carries it, isBase64Encoded, length in bytes)."""
    if body is None:
        return None, False, 0
    raw = json.dumps(body).encode() if isinstance(body, dict) else body.encode() if isinstance(body, str) else body
    if (content_type or "").startswith(TEXT_CONTENT_TYPES) and not isinstance(body, bytes):
        return raw.decode(), False, len(raw)
    return base64.b64encode(raw).decode(), True, len(raw)


def _request_headers(*, token: str | None, content_type: str | None, length: int,
                     headers: dict | None) -> dict[str, str]:
    values = {"host": HOST, "x-forwarded-proto": "https", "x-forwarded-port": "443",
              "x-forwarded-for": SOURCE_IP, "user-agent": "Mozilla/5.0 (event replay)",
              "accept": "application/json", "x-amzn-trace-id": "Root=1-00000000-000000000000000000000000"}
    if token:
        values["authorization"] = f"Bearer {token}"
    if content_type:
        values["content-type"] = content_type
    if length:
        values["content-length"] = str(length)
    values.update({name.lower(): value for name, value in (headers or {}).items()})
    return values


def http_api_v2_event(method: str, path: str, *, stage: str = "$default", token: str | None = None,
                      body: dict | str | bytes | None = None, content_type: str | None = None, query: str = "",
                      headers: dict | None = None, cookies: list[str] | None = None) -> dict:
    """An API Gateway HTTP API event (payload format 2.0) for `method path`.

    On a named stage (`stage="dev"`) the execute-api URL, and so rawPath, start with `/dev`; on `$default`
    they do not. Headers are lower-case, and API Gateway moves the Cookie header into `cookies`. A dict
    body is sent as JSON; text bodies stay text, others (forms, bytes) are base64-encoded. The path is
    given as the client sent it (HTTP APIs decode it before Lambda: pass what API Gateway would)."""
    if body is not None and content_type is None:
        content_type = "application/json"
    encoded, is_base64, length = _encode_body(body, content_type)
    raw_path = path if stage == "$default" else f"/{stage}{path}"
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": query,
        "headers": _request_headers(token=token, content_type=content_type, length=length, headers=headers),
        "requestContext": {
            "accountId": ACCOUNT, "apiId": HOST.split(".", 1)[0], "domainName": HOST,
            "domainPrefix": HOST.split(".", 1)[0],
            "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": SOURCE_IP,
                     "userAgent": "Mozilla/5.0 (event replay)"},
            "requestId": "JKJaXmPLvHcESHA=", "routeKey": "$default", "stage": stage,
            "time": "06/Dec/2026:10:00:00 +0000", "timeEpoch": 1796551200000,
        },
        "isBase64Encoded": is_base64,
    }
    if encoded is not None:
        event["body"] = encoded
    if query:
        event["queryStringParameters"] = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
    if cookies:
        event["cookies"] = list(cookies)
    return event


def rest_api_v1_event(method: str, path: str, *, stage: str = "dev", token: str | None = None,
                      body: dict | str | bytes | None = None, content_type: str | None = None,
                      query: str = "", headers: dict | None = None) -> dict:
    """An API Gateway REST API proxy event (payload format 1.0) through `{proxy+}` on `stage`.

    `path` comes without the stage (requestContext.path has it) and keeps the client's percent-encoding;
    headers keep the client's casing, also as multiValueHeaders."""
    if body is not None and content_type is None:
        content_type = "application/json"
    encoded, is_base64, length = _encode_body(body, content_type)
    lower = _request_headers(token=token, content_type=content_type, length=length, headers=headers)
    sent = {"-".join(part.capitalize() for part in name.split("-")): value for name, value in lower.items()}
    parameters = [tuple(part.split("=", 1)) for part in query.split("&") if "=" in part]
    return {
        "resource": "/{proxy+}", "path": path, "httpMethod": method,
        "headers": sent, "multiValueHeaders": {name: [value] for name, value in sent.items()},
        "queryStringParameters": dict(parameters) or None,
        "multiValueQueryStringParameters": {k: [v for n, v in parameters if n == k] for k, _ in parameters} or None,
        "pathParameters": {"proxy": path.lstrip("/")}, "stageVariables": None,
        "requestContext": {
            "resourceId": "abc123", "resourcePath": "/{proxy+}", "httpMethod": method,
            "path": f"/{stage}{path}", "stage": stage, "accountId": ACCOUNT, "apiId": HOST.split(".", 1)[0],
            "domainName": HOST, "protocol": "HTTP/1.1", "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": SOURCE_IP, "userAgent": "Mozilla/5.0 (event replay)", "userArn": None},
            "requestTimeEpoch": 1796551200000,
        },
        "body": encoded, "isBase64Encoded": is_base64,
    }


def form(fields: dict[str, str]) -> str:
    """A browser's urlencoded form body."""
    return urlencode(fields)


def scheduled_event(function: str, *, name: str | None = None) -> dict:
    """What an EventBridge schedule rule created by Zappa sends: the scheduled event's fields through
    Zappa's input template (plus `kwargs`), from a rule Zappa named `<lambda>-[<name>-]<function>`
    (zappa.core.Zappa.get_scheduled_event_name): the handler picks the function from that name."""
    rule = f"{LAMBDA_NAME}-{name}-{function}" if name else f"{LAMBDA_NAME}-{function}"
    if len(rule) >= 64:
        raise ValueError(f"Zappa hashes rule names of 64 characters or more; {rule!r} would not be kept")
    return {
        "time": "2026-12-06T10:00:00Z", "detail-type": "Scheduled Event", "source": "aws.events",
        "account": ACCOUNT, "region": REGION, "detail": {}, "version": "0",
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}"],
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", "kwargs": {},
    }


def keep_warm_event() -> dict:
    """The keep-warm rule's event (Zappa schedules `handler.keep_warm_callback` as `zappa-keep-warm`)."""
    return scheduled_event("handler.keep_warm_callback", name="zappa-keep-warm")


def _cognito_event(trigger: str, request: dict, response: dict, *, email: str, sub: str) -> dict:
    return {
        "version": "1", "triggerSource": trigger, "region": REGION, "userPoolId": f"{REGION}_Ex4mple",
        "userName": sub, "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "client-id"},
        "request": {"userAttributes": {"sub": sub, "email_verified": "true", "cognito:user_status": "CONFIRMED",
                                       "email": email}, **request, "userNotFound": False},
        "response": response,
    }


def define_auth_challenge_event(session: list[dict], *, email: str, sub: str) -> dict:
    """Cognito's DefineAuthChallenge_Authentication trigger; `session` as challenge_result() builds it."""
    return _cognito_event("DefineAuthChallenge_Authentication", {"session": session},
                          {"challengeName": None, "issueTokens": None, "failAuthentication": None},
                          email=email, sub=sub)


def create_auth_challenge_event(session: list[dict], *, email: str, sub: str) -> dict:
    """Cognito's CreateAuthChallenge_Authentication trigger for our CUSTOM_CHALLENGE."""
    return _cognito_event("CreateAuthChallenge_Authentication",
                          {"challengeName": "CUSTOM_CHALLENGE", "session": session},
                          {"publicChallengeParameters": None, "privateChallengeParameters": None,
                           "challengeMetadata": None}, email=email, sub=sub)


def verify_auth_challenge_event(private: dict, answer: str, *, email: str, sub: str) -> dict:
    """Cognito's VerifyAuthChallengeResponse_Authentication trigger: the private parameters Create set, and
    the user's answer."""
    return _cognito_event("VerifyAuthChallengeResponse_Authentication",
                          {"privateChallengeParameters": private, "challengeAnswer": answer},
                          {"answerCorrect": None}, email=email, sub=sub)


def challenge_result(created: dict, correct: bool) -> dict:
    """One entry of a later trigger's `session`: the challenge Create made, and Verify's verdict."""
    return {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": correct,
            "challengeMetadata": created["response"]["challengeMetadata"]}


class LambdaContext:
    function_name = LAMBDA_NAME
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    aws_request_id = "bench"
    invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{LAMBDA_NAME}"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000
