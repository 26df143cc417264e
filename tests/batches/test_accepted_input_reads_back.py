"""Whatever a batch or an event the API accepts holds, every page that shows it answers, and shows it as given.

Schemathesis sends one request at a time, so it never reads back what it wrote: a value that passes
validation but breaks a later read (a date the timing model overflows on, a number DynamoDB will not store,
text the CSV or the public page mishandles) needs the write and the reads in one example. Each example
creates a batch and an event from generated values (and may PATCH the batch with more), then reads them
through the detail, the list, the timeline, the reminder suggestions, the share link's JSON and HTML pages
and both CSV exports.
"""

import csv
import datetime as dt
import io

import hypothesis
import pytest
from hypothesis import strategies as st

from apps.core import clock
from apps.events.services import CLIENT_TYPES

pytestmark = pytest.mark.django_db

# Text as clients send it: any character but the ones DRF refuses (surrogates, NUL).
TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
# Times from 1970 to a year ahead (the API's range), with offsets of either sign.
TIMES = st.datetimes(min_value=dt.datetime(1970, 1, 2),
                     max_value=dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=363),
                     timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=14)),
                                                dt.timezone(dt.timedelta(hours=-12, minutes=-30))]))


def quantity(low: float, high: float):
    """None, 0 where allowed, DynamoDB's smallest magnitudes, or anything in [low, high]."""
    tiny = st.floats(min_value=1e-130, max_value=1e-100)
    storable = st.floats(min_value=low, max_value=high).filter(lambda x: x == 0 or abs(x) >= 1e-130)
    choices = [st.none(), storable]
    if low <= 0:
        choices += [st.just(0.0), tiny]
    if low < 0:
        choices.append(tiny.map(lambda x: -x))
    return st.one_of(*choices)


BATCHES = st.fixed_dictionaries(
    {"name": st.text(TEXT, min_size=1, max_size=120).filter(str.strip), "kind": st.sampled_from(["milk", "water"])},
    optional={
        "started_at": TIMES.map(lambda t: t.isoformat()),
        "temperature_c": quantity(-5, 50), "grains_g": quantity(0, 5000), "liquid_ml": quantity(1, 20000),
        "sugar_g": quantity(0, 5000), "notes": st.none() | st.text(TEXT, max_size=300),
    },
)


def event_fields(type: str):
    """An event of `type` with any of its optional fields (temperature events need a temperature)."""
    required = {"type": st.just(type)}
    optional = {"occurred_at": TIMES.map(lambda t: t.isoformat()), "note": st.none() | st.text(TEXT, max_size=300),
                "temperature_c": quantity(-5, 50)}
    if type == "temperature":
        required["temperature_c"] = optional.pop("temperature_c").filter(lambda t: t is not None)
    if type == "tasted":
        optional["rating"] = st.integers(1, 5)
    return st.fixed_dictionaries(required, optional=optional)


EVENTS = st.sampled_from([t for t in CLIENT_TYPES if t != "photo"]).flatmap(event_fields)


@hypothesis.settings(max_examples=15, deadline=None, derandomize=True,
                     suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture,
                                            hypothesis.HealthCheck.too_slow])
@hypothesis.given(batch_fields=BATCHES, event_fields=EVENTS, update_fields=st.none() | BATCHES)
# The edges, always tried: the least grains DynamoDB stores in the most liquid, started as late as allowed
# (the timing model's longest ferment, from its latest start), and the earliest time and smallest numbers.
@hypothesis.example(
    batch_fields={"name": " Almost no grains ", "kind": "water", "grains_g": 1e-130, "liquid_ml": 20000.0,
                  "temperature_c": -5.0, "sugar_g": 5000.0, "notes": " ",
                  "started_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=364)).isoformat()},
    event_fields={"type": "temperature", "temperature_c": -1e-130, "occurred_at": "1970-01-02T00:00:00+14:00"},
    update_fields=None,
)
@hypothesis.example(
    batch_fields={"name": "=cmd|' /C calc'!A0", "kind": "milk", "temperature_c": 50.0, "grains_g": 0.0,
                  "started_at": "1970-01-01T00:00:00Z"},
    event_fields={"type": "tasted", "rating": 5, "temperature_c": 1e-130, "note": "\u2028<script>x</script>"},
    update_fields={"name": "Renamed", "kind": "water", "temperature_c": None, "grains_g": 1e-130, "notes": ""},
)
def test_an_accepted_batch_and_event_read_back_everywhere(user_api, api, batch_fields, event_fields, update_fields):
    created = user_api.post("/api/v1/batches", batch_fields, format="json")
    assert created.status_code == 201, created.content
    batch = created.json()
    event = user_api.post(f"/api/v1/batches/{batch['id']}/events", event_fields, format="json")
    assert event.status_code == 201, event.content
    event = event.json()
    expected = batch_fields
    if update_fields is not None:  # PATCH sets what it gives; a null removes the field
        updated = user_api.patch(f"/api/v1/batches/{batch['id']}", {**update_fields, "version": batch["version"]},
                                 format="json")
        assert updated.status_code == 200, updated.content
        expected = {**batch_fields, **update_fields}

    detail = user_api.get(f"/api/v1/batches/{batch['id']}")
    assert detail.status_code == 200
    for name, value in expected.items():
        shown = detail.json()[name]
        if name == "started_at":
            assert shown == clock.isoformat(clock.parse(value))
        elif name == "notes":  # DRF trims text; no notes read back as ""
            assert shown == (value or "").strip()
        elif name == "name":
            assert shown == value.strip()
        else:
            assert shown == value, name
    assert event["id"] in [e["id"] for e in detail.json()["timeline"]]
    for name in ("temperature_c", "rating"):
        assert event[name] == event_fields.get(name)

    for path in ("/api/v1/batches?limit=100", f"/api/v1/batches/{batch['id']}/events",
                 f"/api/v1/batches/{batch['id']}/reminders/suggestions"):
        assert user_api.get(path).status_code == 200, path
    token = user_api.post(f"/api/v1/batches/{batch['id']}/share").json()["token"]
    public = api.get(f"/api/v1/public/b/{token}")
    assert public.status_code == 200 and public.json()["name"] == detail.json()["name"]
    assert api.get(f"/b/{token}").status_code == 200

    for path in ("/api/v1/exports/batches.csv", "/api/v1/exports/events.csv"):
        response = user_api.get(path)
        assert response.status_code == 200, path
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"), newline="")))
        assert batch["id"] in {row.get("batch_id") or row.get("id") for row in rows}, path
