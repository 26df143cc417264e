"""Lambda events as API Gateway sends them, and the in-process Zappa handler (benchmarks and tests)."""

import base64
import importlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_zappa_settings(stage: str = "dev", *, django_settings: str | None = None) -> Path:
    """`zappa save-python-settings-file <stage>` into a temporary folder; returns the folder.

    With `django_settings`, the generated module points the handler at that settings module
    (the benchmarks use kefir.settings.test: the emulator instead of AWS)."""
    folder = Path(tempfile.mkdtemp(prefix="zappa-settings-"))
    target = folder / "zappa_settings.py"
    zappa = Path(sys.executable).with_name("zappa")
    subprocess.run([str(zappa), "save-python-settings-file", stage, "-o", str(target)], cwd=ROOT, check=True,
                   capture_output=True, env={"VIRTUAL_ENV": str(Path(sys.executable).parent.parent),
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
    """zappa.handler.lambda_handler with the generated settings importable as `zappa_settings`."""
    if str(settings_folder) not in sys.path:
        sys.path.insert(0, str(settings_folder))
    handler = importlib.import_module("zappa.handler")
    return handler.lambda_handler


def http_api_v2_event(method: str, path: str, *, token: str | None = None, body: dict | None = None,
                      query: str = "") -> dict:
    """An API Gateway HTTP API (payload format 2.0) event."""
    headers = {"host": "abc123.execute-api.us-east-1.amazonaws.com", "x-forwarded-proto": "https",
               "x-forwarded-for": "203.0.113.9", "user-agent": "bench", "accept": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    raw = json.dumps(body).encode() if body is not None else b""
    if body is not None:
        headers["content-type"] = "application/json"
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "domainName": headers["host"],
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9",
                     "userAgent": "bench"},
            "requestId": "req", "routeKey": "$default", "stage": "$default", "timeEpoch": 0,
        },
        "body": base64.b64encode(raw).decode() if raw else None,
        "isBase64Encoded": bool(raw),
    }


class LambdaContext:
    function_name = "kefir-app-dev"
    memory_limit_in_mb = 512
    aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:kefir-app-dev"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000
