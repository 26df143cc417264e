"""The API's orjson renderer writes the JSON DRF's own JSONRenderer writes."""

import datetime as dt
import decimal
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import renderers
from rest_framework.exceptions import ErrorDetail

from apps.core.http.renderers import JSONRenderer

texts = st.text(max_size=12) | st.sampled_from(["\u2028", "a\u2029b", "é ☕ 🥛", '"\\/', "\x00\x1f"])
integers = st.integers(min_value=-(2**63), max_value=2**63 - 1)
plain = st.recursive(
    st.none() | st.booleans() | integers | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=20,
)
floats = st.floats(allow_nan=False, allow_infinity=False)


def _both(data, media_type="application/json", context=None) -> tuple[bytes, bytes]:
    return (renderers.JSONRenderer().render(data, media_type, context or {}),
            JSONRenderer().render(data, media_type, context or {}))


@settings(max_examples=300)
@given(plain)
def test_the_same_bytes_for_plain_values(data):
    drf, ours = _both(data)
    assert ours == drf


@settings(max_examples=200)
@given(st.lists(floats, max_size=5))
def test_the_same_numbers_for_floats(data):
    drf, ours = _both({"values": data})
    assert json.loads(ours) == json.loads(drf)


def test_what_orjson_does_not_encode_takes_drfs_path():
    cases = [
        {"at": dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)},
        {"amount": decimal.Decimal("1.50")},
        {"detail": [ErrorDetail("This field is required.", code="required")]},
        {1: "a non-string key"},
        {"big": 2**70},
    ]
    for data in cases:
        drf, ours = _both(data)
        assert ours == drf, data


def test_indented_rendering_is_drfs():
    data = {"a": [1, {"b": None}]}
    assert _both(data, "application/json; indent=2") == (renderers.JSONRenderer().render(
        data, "application/json; indent=2"),) * 2
    drf, ours = _both(data, context={"indent": 4})
    assert ours == drf and b"\n    " in ours


def test_nothing_renders_as_no_bytes():
    assert JSONRenderer().render(None) == b""


def test_the_api_answers_through_it(user_api):
    response = user_api.post("/api/v1/batches", {"name": "Line\u2028break", "kind": "milk"}, format="json")
    assert response.status_code == 201 and b"Line\\u2028break" in response.content
    assert isinstance(response.accepted_renderer, JSONRenderer)
