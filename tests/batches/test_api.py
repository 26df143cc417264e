import datetime as dt

import pytest

from apps.batches import repository
from apps.core import clock
from tests.batches.helpers import MILK, add_event, create_batch, patch

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def test_create_returns_the_batch_with_server_fields_and_defaults(user_api, user):
    with clock.frozen(T0):
        body = create_batch(user_api)
    assert body["status"] == "active" and body["version"] == 1 and body["share_url"] is None
    assert body["started_at"] == body["created_at"] == body["updated_at"] == "2026-03-01T08:00:00.000Z"
    assert body["temperature_c"] == 22 and body["grains_g"] == 15 and body["liquid_ml"] == 250
    assert repository.batch_get(user_id=user.id, batch_id=body["id"]).name == "Morning milk"


def test_clients_cannot_set_id_version_created_at_or_owner(user_api, user, other_user):
    body = create_batch(user_api, id="01HZZZZZZZZZZZZZZZZZZZZZZZ", version=7, created_at="2001-01-01T00:00:00Z",
                        user_id=other_user.id, owner=other_user.id, share_token="x" * 43, unknown="ignored")
    assert body["id"] != "01HZZZZZZZZZZZZZZZZZZZZZZZ" and body["version"] == 1
    assert not body["created_at"].startswith("2001")
    stored = repository.batch_get(user_id=user.id, batch_id=body["id"])
    assert stored.user_id == user.id and stored.share_token is None
    response = patch(user_api, body, id="01HZZZZZZZZZZZZZZZZZZZZZZZ", created_at="2001-01-01T00:00:00Z",
                     user_id=other_user.id, name="renamed")
    assert response.status_code == 200
    assert response.json()["id"] == body["id"] and response.json()["version"] == 2
    assert not response.json()["created_at"].startswith("2001")


@pytest.mark.parametrize("field, value", [
    ("name", ""), ("name", "x" * 121), ("kind", "beer"), ("status", "fermenting"),
    ("temperature_c", -5.1), ("temperature_c", 50.1), ("grains_g", -1), ("grains_g", 5001),
    ("liquid_ml", 0), ("liquid_ml", 20001), ("notes", "x" * 4001), ("started_at", "2026-03-01T08:00:00"),
    ("started_at", "yesterday"),
    # non-zero numbers smaller than DynamoDB stores (1e-130): refused, not a 500 from the PutItem
    ("sugar_g", 2.85474032744001e-245), ("grains_g", 1e-131), ("temperature_c", -5e-324),
    # times out of range in UTC, or outside 1970..a year from now
    ("started_at", "0001-01-01T00:30:00+01:00"), ("started_at", "9999-12-31T23:30:00-01:00"),
    ("started_at", "9999-12-31T23:59:59Z"), ("started_at", "1969-12-31T23:59:59Z"),
])
def test_out_of_range_fields_are_400_invalid_and_nothing_is_written(user_api, user, field, value):
    response = user_api.post("/api/v1/batches", {**MILK, field: value}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid" and field in response.json()["error"]["fields"]
    assert list(repository.batches_iter(user_id=user.id)) == []


def test_boundary_values_are_accepted(user_api):
    body = create_batch(user_api, name="x" * 120, temperature_c=-5, grains_g=0, liquid_ml=20000, notes="n" * 4000)
    assert body["temperature_c"] == -5 and body["grains_g"] == 0


def test_the_smallest_numbers_dynamodb_stores_are_kept_exactly(user_api):
    body = create_batch(user_api, grains_g=1e-130, temperature_c=-1.5e-130, sugar_g=0.0)
    read = user_api.get(f"/api/v1/batches/{body['id']}").json()
    assert (read["grains_g"], read["temperature_c"], read["sugar_g"]) == (1e-130, -1.5e-130, 0.0)


def test_started_at_with_an_offset_is_returned_in_utc(user_api):
    body = create_batch(user_api, started_at="2026-03-01T10:30:00+02:00")
    assert body["started_at"] == "2026-03-01T08:30:00.000Z"


def test_list_is_newest_first_with_cursor_pages_and_a_status_filter(user_api):
    created = []
    for n in range(5):
        with clock.frozen(T0 + dt.timedelta(minutes=n)):
            created.append(create_batch(user_api, name=f"b{n}", status="in_fridge" if n % 2 else "active"))
    first = user_api.get("/api/v1/batches?limit=2").json()
    assert [b["name"] for b in first["results"]] == ["b4", "b3"] and first["next_cursor"]
    second = user_api.get(f"/api/v1/batches?limit=2&cursor={first['next_cursor']}").json()
    third = user_api.get(f"/api/v1/batches?limit=2&cursor={second['next_cursor']}").json()
    assert [b["name"] for b in second["results"] + third["results"]] == ["b2", "b1", "b0"]
    assert third["next_cursor"] is None
    fridge = user_api.get("/api/v1/batches?status=in_fridge&limit=1").json()
    assert [b["name"] for b in fridge["results"]] == ["b3"]
    rest = user_api.get(f"/api/v1/batches?status=in_fridge&limit=1&cursor={fridge['next_cursor']}").json()
    assert [b["name"] for b in rest["results"]] == ["b1"]
    assert user_api.get("/api/v1/batches/").json()["results"][0]["name"] == "b4"


def test_an_exactly_full_last_page_has_no_next_cursor(user_api):
    for n in range(2):
        create_batch(user_api, name=f"b{n}")
    assert user_api.get("/api/v1/batches?limit=2").json()["next_cursor"] is None


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "status=nope", "cursor=garbage"])
def test_bad_list_parameters_are_400(user_api, query):
    response = user_api.get(f"/api/v1/batches?{query}")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_a_cursor_of_another_user_or_another_filter_is_400(user_api, other_api):
    for n in range(3):
        create_batch(user_api, name=f"b{n}")
    cursor = user_api.get("/api/v1/batches?limit=1").json()["next_cursor"]
    assert other_api.get(f"/api/v1/batches?cursor={cursor}").status_code == 400
    assert user_api.get(f"/api/v1/batches?status=active&cursor={cursor}").status_code == 400


def test_detail_has_the_newest_50_events_and_a_cursor_for_the_rest(user_api):
    batch = create_batch(user_api)
    for n in range(52):
        add_event(user_api, batch["id"], occurred_at=clock.isoformat(T0 + dt.timedelta(minutes=n)), note=f"e{n}")
    detail = user_api.get(f"/api/v1/batches/{batch['id']}").json()
    assert detail["name"] == "Morning milk" and len(detail["timeline"]) == 50
    assert detail["timeline"][0]["note"] == "e51" and detail["timeline"][-1]["note"] == "e2"
    rest = user_api.get(f"/api/v1/batches/{batch['id']}/events?cursor={detail['timeline_next_cursor']}").json()
    assert [e["note"] for e in rest["results"]] == ["e1", "e0"] and rest["next_cursor"] is None


def test_patch_changes_fields_bumps_the_version_and_null_clears_optional_fields(user_api):
    batch = create_batch(user_api, notes="first")
    response = patch(user_api, batch, name="Renamed", temperature_c=None, notes=None)
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Renamed" and body["temperature_c"] is None and body["notes"] == ""
    assert body["version"] == 2 and body["grains_g"] == 15
    assert user_api.get(f"/api/v1/batches/{batch['id']}").json()["version"] == 2


def test_patch_without_a_version_is_400(user_api):
    batch = create_batch(user_api)
    response = user_api.patch(f"/api/v1/batches/{batch['id']}", {"name": "x"}, format="json")
    assert response.status_code == 400 and "version" in response.json()["error"]["fields"]


@pytest.mark.parametrize("changes", [{"name": "stale"}, {"status": "in_fridge"}])
def test_a_stale_version_is_409_conflict_and_nothing_changes(user_api, user, changes):
    batch = create_batch(user_api)
    assert patch(user_api, batch, notes="edited").status_code == 200
    before = repository.batch_get(user_id=user.id, batch_id=batch["id"])
    response = patch(user_api, batch, **changes)  # still version 1
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"
    assert repository.batch_get(user_id=user.id, batch_id=batch["id"]) == before
    assert user_api.get(f"/api/v1/batches/{batch['id']}").json()["timeline"] == []


def test_a_status_change_appends_a_status_changed_event(user_api):
    batch = create_batch(user_api)
    response = patch(user_api, batch, status="second_ferment", name="Fizzy")
    assert response.status_code == 200
    assert response.json()["status"] == "second_ferment" and response.json()["name"] == "Fizzy"
    timeline = user_api.get(f"/api/v1/batches/{batch['id']}").json()["timeline"]
    assert [(e["type"], e["status"]) for e in timeline] == [("status_changed", "second_ferment")]
    assert "First ferment" in timeline[0]["note"]


def test_sending_the_current_status_is_not_a_status_change(user_api):
    batch = create_batch(user_api)
    response = patch(user_api, batch, status="active", name="Same")
    assert response.status_code == 200 and response.json()["version"] == 2
    assert user_api.get(f"/api/v1/batches/{batch['id']}").json()["timeline"] == []


def test_delete_is_204_and_the_batch_is_gone(user_api):
    batch = create_batch(user_api)
    assert user_api.delete(f"/api/v1/batches/{batch['id']}").status_code == 204
    assert user_api.get(f"/api/v1/batches/{batch['id']}").status_code == 404
    assert user_api.delete(f"/api/v1/batches/{batch['id']}").status_code == 404


@pytest.mark.parametrize("batch_id", ["nope", "01HZZZZZZZZZZZZZZZZZZZZZZZ", "01HZZZZZZZZZZZZZZZZZZZZZZZ%23META"])
def test_unknown_or_malformed_ids_are_404(user_api, batch_id):
    response = user_api.get(f"/api/v1/batches/{batch_id}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_every_batch_endpoint_needs_a_token(api):
    assert api.get("/api/v1/batches").status_code == 401
    assert api.post("/api/v1/batches", MILK, format="json").status_code == 401


def test_an_oversized_body_is_413(user_api, user):
    response = user_api.post("/api/v1/batches", {**MILK, "notes": "x" * 70_000}, format="json")
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
    assert list(repository.batches_iter(user_id=user.id)) == []


def test_the_idempotency_key_creates_one_batch(user_api, user):
    first = user_api.post("/api/v1/batches", MILK, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    second = user_api.post("/api/v1/batches", MILK, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.json()["id"] == second.json()["id"]
    assert len(list(repository.batches_iter(user_id=user.id))) == 1
