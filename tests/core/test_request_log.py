import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.core.logging import JsonFormatter, ScrubSecretsFilter

pytestmark = pytest.mark.urls("tests.core.urls")


def formatted(records):
    scrub, formatter = ScrubSecretsFilter(), JsonFormatter()
    lines = []
    for record in records:
        scrub.filter(record)
        lines.append(formatter.format(record))
    return lines


def test_every_response_has_a_request_id(api):
    response = api.get("/api/health")
    assert len(response["X-Request-ID"]) >= 16


def test_a_client_request_id_is_echoed(api):
    assert api.get("/api/health", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"


def test_an_unsafe_client_request_id_is_replaced(api):
    value = api.get("/api/health", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"]
    assert value != "bad id\nwith newline" and "\n" not in value


def test_one_json_line_per_request_with_the_user_and_no_token(user_api, user, caplog):
    with caplog.at_level(logging.INFO, logger="kefir.access"):
        response = user_api.get("/probe/whoami?email=" + user.email, HTTP_X_REQUEST_ID="req-1")
    assert response.status_code == 200
    records = [r for r in caplog.records if r.name == "kefir.access"]
    assert len(records) == 1
    line = formatted(records)[0]
    entry = json.loads(line)
    assert entry["method"] == "GET" and entry["status"] == 200 and entry["request_id"] == "req-1"
    assert entry["user_id"] == user.id and entry["path"] == "/probe/whoami"
    assert isinstance(entry["duration_ms"], float)
    for secret in (user.access_token, user.access_token.split(".")[1], user.email):
        assert secret not in line


def test_the_scrubber_removes_tokens_and_addresses_from_any_message(user):
    record = logging.makeLogRecord({
        "name": "x", "levelno": logging.ERROR, "levelname": "ERROR",
        "msg": "failed for %s with Bearer %s", "args": (user.email, user.access_token),
    })
    line = formatted([record])[0]
    assert user.email not in line and user.access_token not in line


@given(st.lists(st.sampled_from(["Bearer ", "bEaReR\t", "eyJ", "abcde", ".", "-", "_", "@", "x.y", " ", "é"]),
                max_size=30).map("".join))
def test_the_scrubber_gives_what_its_three_patterns_give(text):
    from apps.core import logging as kefir_logging

    expected = kefir_logging._EMAIL.sub("[email]", kefir_logging._JWT.sub(
        "[jwt]", kefir_logging._BEARER.sub("Bearer [redacted]", text)))
    assert kefir_logging.scrub(text) == expected


def test_a_line_is_one_json_object_whatever_the_extra_values():
    # orjson writes the usual values; what it refuses (an int beyond 64 bits, a non-str key) still makes a line.
    record = logging.makeLogRecord({"name": "x", "levelno": logging.INFO, "levelname": "INFO", "msg": "m",
                                    "big": 2**70, "odd_keys": {(1, 2): "a", 3: "b"}, "obj": object(),
                                    "text": "é\u2028\n", "when": None})
    line = formatted([record])[0]
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["big"] == 2**70 and entry["odd_keys"] == "{(1, 2): 'a', 3: 'b'}"
    assert entry["text"] == "é\u2028\n" and entry["when"] is None
    assert entry["message"] == "m" and entry["obj"].startswith("<object object")
    usual = logging.makeLogRecord({"name": "x", "levelno": logging.INFO, "levelname": "INFO", "msg": "m", "n": 3,
                                   "obj": object(), "nested": {"a": [1, 2.5, None]}})
    entry = json.loads(formatted([usual])[0])
    assert entry["n"] == 3 and entry["nested"] == {"a": [1, 2.5, None]} and entry["obj"].startswith("<object")
