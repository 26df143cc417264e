import datetime as dt

import pytest

from apps.core import clock
from apps.grains import repository
from tests.grains.helpers import MILK_GRAINS, create_grains, split, weigh

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)


def detail(api, grains_id: str) -> dict:
    response = api.get(f"/api/v1/grains/{grains_id}")
    assert response.status_code == 200, response.content
    return response.json()


def stored(user, grains_id: str):
    return repository.grains_with_history(user_id=user.id, grains_id=grains_id, limit=100)


def test_create_returns_the_grains_with_server_fields_and_a_created_entry(user_api, user):
    with clock.frozen(T0):
        body = create_grains(user_api, notes="From a friend")
    assert body["version"] == 1 and body["mass_g"] == 20 and body["estimated_mass_g"] == 20
    assert body["mass_at"] == body["acquired_at"] == body["created_at"] == "2026-03-01T08:00:00.000Z"
    assert (body["growth_per_week"], body["growth_source"], body["growth_based_on"]) == (0.1, "default", 0)
    assert body["notes"] == "From a friend" and body["split_from"] is None
    history = detail(user_api, body["id"])["history"]
    assert [(e["type"], e["mass_g"], e["at"]) for e in history] == [("created", 20, "2026-03-01T08:00:00.000Z")]


def test_clients_cannot_set_id_version_owner_or_growth(user_api, user, other_user):
    body = create_grains(user_api, id="01HZZZZZZZZZZZZZZZZZZZZZZZ", version=9, user_id=other_user.id,
                         growth_per_week=5, growth_source="measured", estimated_mass_g=999)
    assert body["id"] != "01HZZZZZZZZZZZZZZZZZZZZZZZ" and body["version"] == 1
    assert body["growth_source"] == "default" and body["estimated_mass_g"] == 20
    assert repository.grains_get(user_id=user.id, grains_id=body["id"]).user_id == user.id


@pytest.mark.parametrize("field, value", [
    ("name", ""), ("name", "x" * 121), ("kind", "kombucha"), ("mass_g", -0.1), ("mass_g", 5000.1),
    ("mass_g", None), ("mass_g", "heavy"), ("mass_g", 1e-131), ("notes", "x" * 4001),
    ("acquired_at", "yesterday"), ("acquired_at", "2026-03-01T08:00:00"), ("acquired_at", "9999-12-31T23:59:59Z"),
])
def test_bad_fields_on_create_are_400_invalid_naming_the_field_and_nothing_is_written(user_api, user, field, value):
    response = user_api.post("/api/v1/grains", {**MILK_GRAINS, field: value}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid" and field in response.json()["error"]["fields"]
    assert list(repository.grains_iter(user_id=user.id)) == []


def test_mass_is_required_on_create(user_api, user):
    response = user_api.post("/api/v1/grains", {"name": "g", "kind": "milk"}, format="json")
    assert response.status_code == 400 and "mass_g" in response.json()["error"]["fields"]


def test_list_is_newest_first_with_cursor_pages_bound_to_the_user(user_api, other_api):
    for n in range(5):
        with clock.frozen(T0 + dt.timedelta(minutes=n)):
            create_grains(user_api, name=f"g{n}")
    first = user_api.get("/api/v1/grains?limit=2").json()
    assert [g["name"] for g in first["results"]] == ["g4", "g3"] and first["next_cursor"]
    second = user_api.get(f"/api/v1/grains?limit=2&cursor={first['next_cursor']}").json()
    third = user_api.get(f"/api/v1/grains/?limit=2&cursor={second['next_cursor']}").json()
    assert [g["name"] for g in second["results"] + third["results"]] == ["g2", "g1", "g0"]
    assert third["next_cursor"] is None
    assert "estimated_mass_g" in third["results"][0]
    assert other_api.get(f"/api/v1/grains?cursor={first['next_cursor']}").status_code == 400
    assert other_api.get("/api/v1/grains").json() == {"results": [], "next_cursor": None}


def test_a_batch_list_cursor_is_not_a_grains_cursor(user_api):
    for n in range(2):
        user_api.post("/api/v1/batches", {"name": f"b{n}", "kind": "milk"}, format="json")
    cursor = user_api.get("/api/v1/batches?limit=1").json()["next_cursor"]
    response = user_api.get(f"/api/v1/grains?cursor={cursor}")
    assert response.status_code == 400 and "cursor" in response.json()["error"]["fields"]


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "cursor=garbage"])
def test_bad_list_parameters_are_400(user_api, query):
    response = user_api.get(f"/api/v1/grains?{query}")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_estimated_mass_grows_ten_percent_a_week_until_two_weighings(user_api):
    with clock.frozen(T0) as advance:
        grains = create_grains(user_api)
        advance(WEEK)
        assert detail(user_api, grains["id"])["estimated_mass_g"] == 22.0
        advance(WEEK)
        assert detail(user_api, grains["id"])["estimated_mass_g"] == 24.2


def test_weighings_measure_the_grains_own_rate(user_api):
    with clock.frozen(T0) as advance:
        grains = create_grains(user_api)
        advance(WEEK)
        first = weigh(user_api, grains["id"], 24)
        assert first["mass_g"] == first["estimated_mass_g"] == 24 and first["growth_source"] == "default"
        assert first["entry"]["type"] == "weighed" and first["version"] == 2
        advance(WEEK)
        second = weigh(user_api, grains["id"], 30)
        assert (second["growth_source"], second["growth_based_on"]) == ("measured", 2)
        assert second["growth_per_week"] == pytest.approx(0.25)
        advance(WEEK)
        assert detail(user_api, grains["id"])["estimated_mass_g"] == 37.5  # 30 g at +25 %/week


def test_a_backdated_weighing_joins_the_history_and_fit_but_does_not_replace_a_newer_mass(user_api):
    with clock.frozen(T0) as advance:
        grains = create_grains(user_api)
        advance(WEEK * 2)
        weigh(user_api, grains["id"], 30)
        body = weigh(user_api, grains["id"], 24, measured_at=clock.isoformat(T0 + WEEK))
    assert body["mass_g"] == 30 and body["mass_at"] == clock.isoformat(T0 + 2 * WEEK)
    assert body["growth_source"] == "measured" and body["growth_per_week"] == pytest.approx(0.25)
    history = detail(user_api, grains["id"])["history"]
    assert [(e["type"], e["mass_g"]) for e in history] == [("weighed", 30), ("weighed", 24), ("created", 20)]


@pytest.mark.parametrize("body, field", [
    ({"mass_g": -1}, "mass_g"), ({"mass_g": 5001}, "mass_g"), ({}, "mass_g"), ({"mass_g": "a lot"}, "mass_g"),
    ({"mass_g": 20, "measured_at": "2099-01-01T00:00:00Z"}, "measured_at"),
    ({"mass_g": 20, "measured_at": "1969-12-31T23:59:59Z"}, "measured_at"),
    ({"mass_g": 20, "measured_at": "noon"}, "measured_at"),
])
def test_bad_weighings_are_400_naming_the_field_and_nothing_changes(user_api, user, body, field):
    grains = create_grains(user_api)
    before = stored(user, grains["id"])
    response = user_api.post(f"/api/v1/grains/{grains['id']}/weighings", body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert stored(user, grains["id"]) == before


def test_a_split_to_new_grains_creates_them_with_the_parents_rate_in_one_go(user_api, user):
    with clock.frozen(T0) as advance:
        grains = create_grains(user_api)
        advance(WEEK)
        weigh(user_api, grains["id"], 24)
        advance(WEEK)
        weigh(user_api, grains["id"], 30)
        response = split(user_api, grains["id"], 12.5, note="For the second jar", name="Second jar")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mass_g"] == body["estimated_mass_g"] == 17.5 and body["version"] == 4
    assert body["entry"]["type"] == "split" and body["entry"]["mass_g"] == 12.5
    created = body["created"]
    assert body["entry"]["other_grains_id"] == created["id"]
    assert (created["name"], created["kind"], created["mass_g"], created["split_from"]) == (
        "Second jar", "milk", 12.5, grains["id"])
    assert created["growth_source"] == "parent" and created["growth_per_week"] == pytest.approx(0.25)
    assert [g["id"] for g in user_api.get("/api/v1/grains").json()["results"]] == [created["id"], grains["id"]]
    new_history = detail(user_api, created["id"])["history"]
    assert [(e["type"], e["mass_g"], e["note"], e["other_grains_id"]) for e in new_history] == [
        ("created", 12.5, "For the second jar", grains["id"])]
    assert detail(user_api, grains["id"])["history"][0]["note"] == "For the second jar"


def test_a_split_given_away_takes_mass_off_the_estimate_and_creates_nothing(user_api, user):
    with clock.frozen(T0) as advance:
        grains = create_grains(user_api)
        advance(WEEK)  # estimated 22 g
        body = split(user_api, grains["id"], 5, to="given").json()
    assert body["created"] is None and body["entry"]["type"] == "given"
    assert body["mass_g"] == 17 and body["mass_at"] == clock.isoformat(T0 + WEEK)
    assert len(list(repository.grains_iter(user_id=user.id))) == 1


def test_a_split_default_name_marks_the_parent(user_api):
    grains = create_grains(user_api, name="n" * 120)
    created = split(user_api, grains["id"], 5).json()["created"]
    assert created["name"] == "n" * 112 + " (split)" and len(created["name"]) == 120


@pytest.mark.parametrize("body, field", [
    ({"mass_g": 20.1, "to": "new"}, "mass_g"),  # more than the 20 g they have
    ({"mass_g": 0, "to": "given"}, "mass_g"), ({"mass_g": -3, "to": "given"}, "mass_g"),
    ({"mass_g": 5001, "to": "given"}, "mass_g"), ({"mass_g": 5, "to": "friend"}, "to"), ({"mass_g": 5}, "to"),
    ({"mass_g": 5, "to": "new", "name": ""}, "name"), ({"mass_g": 5, "to": "new", "note": "x" * 2001}, "note"),
])
def test_bad_splits_are_400_naming_the_field_and_nothing_changes(user_api, user, body, field):
    with clock.frozen(T0):
        grains = create_grains(user_api)
        before = stored(user, grains["id"])
        response = user_api.post(f"/api/v1/grains/{grains['id']}/splits", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid" and field in response.json()["error"]["fields"]
    assert stored(user, grains["id"]) == before
    assert len(list(repository.grains_iter(user_id=user.id))) == 1


def test_a_split_of_exactly_the_estimated_mass_leaves_none(user_api):
    with clock.frozen(T0) as advance:
        grains = create_grains(user_api)
        advance(WEEK)
        body = split(user_api, grains["id"], 22, to="given").json()
        advance(WEEK)
        assert detail(user_api, grains["id"])["estimated_mass_g"] == 0 == body["mass_g"]


def test_detail_has_the_newest_50_history_entries(user_api):
    with clock.frozen(T0) as advance:
        grains = create_grains(user_api)
        for n in range(51):
            advance(dt.timedelta(days=1))
            weigh(user_api, grains["id"], 20 + n)
    body = detail(user_api, grains["id"])
    assert len(body["history"]) == 50 and body["history_has_more"] is True
    assert [e["mass_g"] for e in body["history"][:2]] == [70, 69] and body["history"][-1]["mass_g"] == 21
    assert body["growth_based_on"] == 6


def test_patch_changes_fields_and_bumps_the_version(user_api):
    grains = create_grains(user_api, notes="first")
    response = user_api.patch(f"/api/v1/grains/{grains['id']}", {
        "version": 1, "name": "Renamed", "notes": None, "kind": "water", "acquired_at": "2025-01-01T10:00:00+01:00",
    }, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["notes"], body["kind"], body["version"]) == ("Renamed", "", "water", 2)
    assert body["acquired_at"] == "2025-01-01T09:00:00.000Z" and body["mass_g"] == 20
    assert detail(user_api, grains["id"])["version"] == 2


def test_a_stale_version_is_409_conflict_naming_version_and_nothing_changes(user_api, user):
    grains = create_grains(user_api)
    weigh(user_api, grains["id"], 21)  # version 2 now
    before = stored(user, grains["id"])
    response = user_api.patch(f"/api/v1/grains/{grains['id']}", {"version": 1, "name": "stale"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict" and "version" in response.json()["error"]["fields"]
    assert stored(user, grains["id"]) == before


@pytest.mark.parametrize("body, field", [
    ({"name": "x"}, "version"), ({"version": 1, "mass_g": 30}, "mass_g"), ({"version": 1, "name": ""}, "name"),
    ({"version": 1, "kind": "beer"}, "kind"), ({"version": 0}, "version"),
])
def test_bad_patches_are_400_naming_the_field(user_api, user, body, field):
    grains = create_grains(user_api)
    response = user_api.patch(f"/api/v1/grains/{grains['id']}", body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert repository.grains_get(user_id=user.id, grains_id=grains["id"]).version == 1


def test_delete_is_204_and_the_grains_and_their_history_are_gone(user_api, user):
    grains = create_grains(user_api)
    weigh(user_api, grains["id"], 22)
    kept = split(user_api, grains["id"], 5).json()["created"]
    assert user_api.delete(f"/api/v1/grains/{grains['id']}").status_code == 204
    assert user_api.get(f"/api/v1/grains/{grains['id']}").status_code == 404
    assert user_api.delete(f"/api/v1/grains/{grains['id']}").status_code == 404
    assert [e.grains_id for e in repository.history_iter(user_id=user.id)] == [kept["id"]]
    assert detail(user_api, kept["id"])["split_from"] == grains["id"]


@pytest.mark.parametrize("grains_id", ["nope", "01HZZZZZZZZZZZZZZZZZZZZZZZ", "01HZZZZZZZZZZZZZZZZZZZZZZZ%23META"])
def test_unknown_or_malformed_ids_are_404_everywhere(user_api, grains_id):
    base = f"/api/v1/grains/{grains_id}"
    for response in (user_api.get(base), user_api.delete(base),
                     user_api.patch(base, {"version": 1, "name": "x"}, format="json"),
                     user_api.post(f"{base}/weighings", {"mass_g": 1}, format="json"),
                     user_api.post(f"{base}/splits", {"mass_g": 1, "to": "given"}, format="json")):
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_every_grains_endpoint_needs_a_token(api):
    assert api.get("/api/v1/grains").status_code == 401
    assert api.post("/api/v1/grains", MILK_GRAINS, format="json").status_code == 401


def test_the_idempotency_key_logs_one_weighing(user_api, user):
    grains = create_grains(user_api)
    url = f"/api/v1/grains/{grains['id']}/weighings"
    first = user_api.post(url, {"mass_g": 25}, format="json", HTTP_IDEMPOTENCY_KEY="w1")
    second = user_api.post(url, {"mass_g": 25}, format="json", HTTP_IDEMPOTENCY_KEY="w1")
    assert first.status_code == second.status_code == 201
    assert first.json()["entry"]["id"] == second.json()["entry"]["id"]
    assert [e.type for e in repository.history_iter(user_id=user.id)] == ["created", "weighed"]


def test_the_schema_documents_the_grains_endpoints_and_their_errors(api):
    document = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    splits = document["paths"]["/api/v1/grains/{grains_id}/splits"]["post"]
    examples = splits["responses"]["400"]["content"]["application/json"]["examples"]
    assert {"mass_g", "to"} <= {field for e in examples.values() for field in e["value"]["error"]["fields"]}
    patch = document["paths"]["/api/v1/grains/{grains_id}"]["patch"]
    assert "version" in str(patch["responses"]["409"])
    schemas = document["components"]["schemas"]
    assert {"estimated_mass_g", "growth_per_week", "growth_source"} <= set(schemas["GrainsOutput"]["properties"])
    assert "grains_id" in schemas["BatchOutput"]["properties"]
