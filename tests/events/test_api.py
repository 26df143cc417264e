import datetime as dt

import pytest

from apps.core import clock
from apps.events import repository
from tests.batches.helpers import add_event, create_batch

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def events_of(user_id: str, batch_id: str) -> list:
    return list(repository.events_iter(user_id=user_id, batch_id=batch_id))


def test_create_returns_the_event_with_defaults(user_api):
    batch = create_batch(user_api)
    with clock.frozen(T0):
        event = add_event(user_api, batch["id"], type="tasted", rating=5, note="Creamy")
    assert event["batch_id"] == batch["id"] and event["type"] == "tasted" and event["rating"] == 5
    assert event["occurred_at"] == event["created_at"] == "2026-03-01T08:00:00.000Z"
    assert event["photo_url"] is None and event["photo_key"] is None


@pytest.mark.parametrize("fields, bad", [
    ({"type": "status_changed"}, "type"),
    ({"type": "brewed"}, "type"),
    ({"type": "fed", "rating": 3}, "rating"),
    ({"type": "tasted", "rating": 6}, "rating"),
    ({"type": "tasted", "rating": 0}, "rating"),
    ({"type": "temperature"}, "temperature_c"),
    ({"type": "temperature", "temperature_c": 51}, "temperature_c"),
    ({"type": "temperature", "temperature_c": 1e-200}, "temperature_c"),  # below DynamoDB's smallest number
    ({"type": "note", "note": "x" * 2001}, "note"),
    ({"type": "photo"}, "photo_key"),
    ({"type": "fed", "photo_key": "users/x/batches/y/photos/z.jpg"}, "photo_key"),
    ({"type": "fed", "occurred_at": "2026-03-01 08:00"}, "occurred_at"),
    ({"type": "fed", "occurred_at": "0001-01-01T00:30:00+01:00"}, "occurred_at"),
    ({"type": "fed", "occurred_at": "9999-01-01T00:00:00Z"}, "occurred_at"),
])
def test_invalid_events_are_400_and_nothing_is_written(user_api, user, fields, bad):
    batch = create_batch(user_api)
    response = user_api.post(f"/api/v1/batches/{batch['id']}/events", fields, format="json")
    assert response.status_code == 400 and bad in response.json()["error"]["fields"]
    assert events_of(user.id, batch["id"]) == []


def test_clients_cannot_set_id_or_created_at_of_an_event(user_api):
    batch = create_batch(user_api)
    body = {"type": "fed", "id": "01HZZZZZZZZZZZZZZZZZZZZZZZ", "created_at": "2001-01-01T00:00:00Z",
            "batch_id": "01HYYYYYYYYYYYYYYYYYYYYYYY", "status": "archived"}
    event = user_api.post(f"/api/v1/batches/{batch['id']}/events", body, format="json").json()
    assert event["id"] != "01HZZZZZZZZZZZZZZZZZZZZZZZ" and event["batch_id"] == batch["id"]
    assert not event["created_at"].startswith("2001") and event["status"] is None


def test_an_event_on_a_missing_batch_is_404_and_nothing_is_written(user_api, user):
    response = user_api.post("/api/v1/batches/01HZZZZZZZZZZZZZZZZZZZZZZZ/events", {"type": "fed"}, format="json")
    assert response.status_code == 404
    assert list(repository.events_iter(user_id=user.id)) == []


def test_list_is_newest_occurred_at_first_with_pages_and_a_type_filter(user_api):
    batch = create_batch(user_api)
    for n, kind in enumerate(["fed", "tasted", "fed", "note", "fed"]):
        add_event(user_api, batch["id"], type=kind, occurred_at=clock.isoformat(T0 + dt.timedelta(hours=n)),
                  note=f"e{n}")
    url = f"/api/v1/batches/{batch['id']}/events"
    first = user_api.get(f"{url}?limit=2").json()
    second = user_api.get(f"{url}?limit=2&cursor={first['next_cursor']}").json()
    third = user_api.get(f"{url}?limit=2&cursor={second['next_cursor']}").json()
    assert [e["note"] for e in first["results"] + second["results"] + third["results"]] == [
        "e4", "e3", "e2", "e1", "e0"]
    assert third["next_cursor"] is None
    fed = user_api.get(f"{url}?type=fed&limit=2").json()
    assert [e["note"] for e in fed["results"]] == ["e4", "e2"]
    rest = user_api.get(f"{url}?type=fed&limit=2&cursor={fed['next_cursor']}").json()
    assert [e["note"] for e in rest["results"]] == ["e0"] and rest["next_cursor"] is None
    assert user_api.get(f"{url}?type=fed&cursor={first['next_cursor']}").status_code == 400
    assert user_api.get(f"{url}?type=brewed").status_code == 400


def test_an_event_created_with_an_older_time_sorts_into_place(user_api):
    batch = create_batch(user_api)
    add_event(user_api, batch["id"], occurred_at="2026-03-02T08:00:00Z", note="later")
    add_event(user_api, batch["id"], occurred_at="2026-03-01T08:00:00+01:00", note="earlier")
    timeline = user_api.get(f"/api/v1/batches/{batch['id']}").json()["timeline"]
    assert [e["note"] for e in timeline] == ["later", "earlier"]


def test_patch_edits_an_event_and_moving_its_time_reorders_the_timeline(user_api, user):
    batch = create_batch(user_api)
    first = add_event(user_api, batch["id"], occurred_at="2026-03-01T08:00:00Z", note="a")
    add_event(user_api, batch["id"], occurred_at="2026-03-01T09:00:00Z", note="b")
    response = user_api.patch(f"/api/v1/batches/{batch['id']}/events/{first['id']}",
                              {"occurred_at": "2026-03-01T10:00:00Z", "note": "a moved", "type": "note"},
                              format="json")
    assert response.status_code == 200
    assert response.json()["note"] == "a moved" and response.json()["type"] == "fed"
    notes = [e["note"] for e in user_api.get(f"/api/v1/batches/{batch['id']}/events").json()["results"]]
    assert notes == ["a moved", "b"]
    assert len(events_of(user.id, batch["id"])) == 2


def test_patch_cannot_put_a_rating_on_a_non_tasting(user_api):
    batch = create_batch(user_api)
    event = add_event(user_api, batch["id"])
    response = user_api.patch(f"/api/v1/batches/{batch['id']}/events/{event['id']}", {"rating": 4}, format="json")
    assert response.status_code == 400 and "rating" in response.json()["error"]["fields"]


def test_delete_removes_the_event(user_api, user):
    batch = create_batch(user_api)
    event = add_event(user_api, batch["id"])
    assert user_api.delete(f"/api/v1/batches/{batch['id']}/events/{event['id']}").status_code == 204
    assert events_of(user.id, batch["id"]) == []
    assert user_api.delete(f"/api/v1/batches/{batch['id']}/events/{event['id']}/").status_code == 404


def test_a_status_changed_event_only_takes_a_note(user_api):
    batch = create_batch(user_api)
    user_api.patch(f"/api/v1/batches/{batch['id']}", {"version": 1, "status": "in_fridge"}, format="json")
    event = user_api.get(f"/api/v1/batches/{batch['id']}/events").json()["results"][0]
    url = f"/api/v1/batches/{batch['id']}/events/{event['id']}"
    assert user_api.patch(url, {"occurred_at": "2026-01-01T00:00:00Z"}, format="json").status_code == 400
    assert user_api.patch(url, {"note": "fridge at last"}, format="json").json()["note"] == "fridge at last"
