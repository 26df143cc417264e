"""What Lambda calls (zappa_settings.json's `lambda_handler`): Zappa's handler, with two corrections to the
HTTP requests and responses it passes between API Gateway and Django. Every other event (schedules, the
keep-warm, Cognito's triggers) goes to Zappa untouched.

Both corrections sit here, around `zappa.handler.lambda_handler` (Zappa's public entry point), because
nothing inside Django can make them: Zappa decodes the path before Django sees it, and it wraps the
Django application in its own WSGI middleware, outside everything our code runs.

1. Each Set-Cookie once. Zappa 0.63's `ZappaWSGIMiddleware` (zappa/middleware.py) keeps every Set-Cookie
   header and appends a lower-cased copy of it (a workaround from the time API Gateway dropped repeated
   headers, meant to replace them). The handler then answers every cookie twice: twice in an HTTP API's
   `cookies` array, and under both `Set-Cookie` and `set-cookie` in a REST API's headers. Here each
   cookie is kept once, in the order Django set them (Django never sets one cookie name twice), and
   without the leading space Django's WSGI handler writes before each value (`cookie.output(header="")`).
2. An encoded slash stays inside its segment. Zappa percent-decodes the path (zappa/wsgi.py, `unquote`)
   before Django routes it, so `%2F` would become a separator: `/api/v1/batches/<id>%2Fevents` would
   reach the events of batch <id>. A REST API passes the client's encoding; an HTTP API has decoded the
   path once already, and a `%2F` left in rawPath is a client's `%252F` that Zappa would decode a second
   time. Here `%2F` is escaped once more, so Django sees it as the two characters of an id segment (as
   Apache's `AllowEncodedSlashes NoDecode` does): no id or share token has one, so it is a 404.
"""

import re
from typing import Any

from zappa.handler import lambda_handler as zappa_lambda_handler

_ENCODED_SLASH = re.compile("%2F", re.IGNORECASE)


def lambda_handler(event: Any, context: Any) -> Any:
    """Zappa's handler for every event; for an API Gateway request, the path and cookies corrected."""
    if not isinstance(event, dict):
        return zappa_lambda_handler(event, context)
    if event.get("version") == "2.0" and "rawPath" in event:
        response = zappa_lambda_handler(_keep_encoded_slashes(event, "rawPath"), context)
        if isinstance(response, dict) and isinstance(response.get("cookies"), list):
            response["cookies"] = _unique(response["cookies"])
        return response
    if event.get("httpMethod") and isinstance(event.get("path"), str):
        response = zappa_lambda_handler(_keep_encoded_slashes(event, "path"), context)
        if isinstance(response, dict):
            _merge_set_cookie(response, "headers")
            _merge_set_cookie(response, "multiValueHeaders")
        return response
    return zappa_lambda_handler(event, context)


def _keep_encoded_slashes(event: dict, key: str) -> dict:
    """The event with each `%2F` of its path escaped once more (the caller's event is left as it is)."""
    path = event[key]
    if "%" not in path or not _ENCODED_SLASH.search(path):
        return event
    return {**event, key: _ENCODED_SLASH.sub("%252F", path)}


def _merge_set_cookie(response: dict, key: str) -> None:
    """One `Set-Cookie` entry in `response[key]` (REST API headers or multiValueHeaders), each cookie once."""
    headers = response.get(key)
    if not isinstance(headers, dict):
        return
    names = [name for name in headers if name.lower() == "set-cookie"]
    if not names:
        return
    values: list[str] = []
    for name in names:
        value = headers.pop(name)
        values.extend(value if isinstance(value, list) else [value])
    unique = _unique(values)
    headers["Set-Cookie"] = unique if key == "multiValueHeaders" else unique[-1]


def _unique(cookies: list[str]) -> list[str]:
    """Each cookie once, in order, without the space Django's WSGI handler puts before each."""
    return list(dict.fromkeys(cookie.strip() for cookie in cookies))
