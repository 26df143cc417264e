import datetime as dt

import pytest

from apps.core import clock
from apps.core.hooks import batch_deleted
from apps.reminders import repository, timing
from apps.reminders.erasure import erase_user
from tests.reminders.conftest import NOW, all_due, make_batch, schedule


@pytest.fixture
def batch(user_api, frozen):
    return make_batch(user_api, started_at=NOW)


def test_scheduling_a_reminder_returns_it_pending(user_api, batch):
    due = NOW + dt.timedelta(hours=19)
    reminder = schedule(user_api, batch["id"], due, message="Strain it!")
    assert reminder["status"] == "pending" and reminder["kind"] == "strain"
    assert reminder["due_at"] == clock.isoformat(due) and reminder["message"] == "Strain it!"
    assert reminder["sent_at"] is None and reminder["batch_id"] == batch["id"]
    assert user_api.get(f"/api/v1/reminders/{reminder['id']}").json() == reminder


@pytest.mark.parametrize(("field", "value"), [
    ("due_at", clock.isoformat(NOW - dt.timedelta(minutes=2))),
    ("due_at", clock.isoformat(NOW + dt.timedelta(days=366))),
    ("due_at", "2026-03-03T09:00:00"),
    ("due_at", "tomorrow"),
    ("kind", "dance"),
    ("message", "x" * 501),
])
def test_bad_input_is_400_invalid_and_stores_nothing(user_api, batch, field, value):
    body = {"batch_id": batch["id"], "kind": "feed", "due_at": clock.isoformat(NOW + dt.timedelta(hours=1))}
    body[field] = value
    response = user_api.post("/api/v1/reminders", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["fields"]
    assert user_api.get("/api/v1/reminders").json()["results"] == []


def test_a_reminder_just_under_a_minute_late_is_accepted(user_api, batch):
    schedule(user_api, batch["id"], NOW - dt.timedelta(seconds=50))


def test_another_users_batch_is_404(other_api, batch):
    body = {"batch_id": batch["id"], "kind": "feed", "due_at": clock.isoformat(NOW + dt.timedelta(hours=1))}
    response = other_api.post("/api/v1/reminders", body, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_another_users_reminder_is_404_for_every_method(user_api, other_api, batch):
    reminder = schedule(user_api, batch["id"], NOW + dt.timedelta(hours=1))
    url = f"/api/v1/reminders/{reminder['id']}"
    assert other_api.get(url).status_code == 404
    assert other_api.patch(url, {"message": "mine"}, format="json").status_code == 404
    assert other_api.delete(url).status_code == 404
    assert user_api.get(url).json()["status"] == "pending"


def test_the_list_is_soonest_first_filtered_and_paged(user_api, batch, frozen):
    other_batch = make_batch(user_api, name="Water", kind="water")
    hours = [5, 1, 3, 2, 4]
    made = {h: schedule(user_api, batch["id"] if h % 2 else other_batch["id"], NOW + dt.timedelta(hours=h))
            for h in hours}
    user_api.delete(f"/api/v1/reminders/{made[4]['id']}")
    everything = user_api.get("/api/v1/reminders").json()["results"]
    assert [r["id"] for r in everything] == [made[h]["id"] for h in (1, 2, 3, 4, 5)]

    first = user_api.get("/api/v1/reminders?limit=2&status=pending").json()
    assert [r["id"] for r in first["results"]] == [made[1]["id"], made[2]["id"]]
    second = user_api.get(f"/api/v1/reminders?limit=2&status=pending&cursor={first['next_cursor']}").json()
    assert [r["id"] for r in second["results"]] == [made[3]["id"], made[5]["id"]]
    assert second["next_cursor"] is None

    by_batch = user_api.get(f"/api/v1/reminders?batch_id={other_batch['id']}").json()["results"]
    assert [r["id"] for r in by_batch] == [made[2]["id"], made[4]["id"]]
    cancelled = user_api.get("/api/v1/reminders?status=cancelled").json()["results"]
    assert [r["id"] for r in cancelled] == [made[4]["id"]]


def test_a_cursor_of_another_list_is_400(user_api, batch):
    for h in (1, 2, 3):
        schedule(user_api, batch["id"], NOW + dt.timedelta(hours=h))
    cursor = user_api.get("/api/v1/reminders?limit=1").json()["next_cursor"]
    assert user_api.get(f"/api/v1/reminders?limit=1&status=pending&cursor={cursor}").status_code == 400
    assert user_api.get("/api/v1/reminders?status=snoozed").status_code == 400
    assert user_api.get("/api/v1/reminders?limit=101").status_code == 400


def test_patch_moves_a_pending_reminder_and_its_due_index_entry(user_api, batch):
    reminder = schedule(user_api, batch["id"], NOW + dt.timedelta(hours=1))
    later = NOW + dt.timedelta(hours=30)
    response = user_api.patch(f"/api/v1/reminders/{reminder['id']}",
                              {"due_at": clock.isoformat(later), "message": "new text"}, format="json")
    assert response.status_code == 200
    assert response.json()["due_at"] == clock.isoformat(later) and response.json()["message"] == "new text"
    assert all_due(now=NOW + dt.timedelta(hours=2)) == []
    (due,) = all_due(now=later)
    assert due.id == reminder["id"]


def test_patch_with_a_bad_time_or_nothing_is_400(user_api, batch):
    reminder = schedule(user_api, batch["id"], NOW + dt.timedelta(hours=1))
    url = f"/api/v1/reminders/{reminder['id']}"
    past = clock.isoformat(NOW - dt.timedelta(hours=1))
    assert user_api.patch(url, {"due_at": past}, format="json").status_code == 400
    assert user_api.patch(url, {}, format="json").status_code == 400


def test_patch_of_a_cancelled_reminder_is_409_conflict(user_api, batch):
    reminder = schedule(user_api, batch["id"], NOW + dt.timedelta(hours=1))
    url = f"/api/v1/reminders/{reminder['id']}"
    assert user_api.delete(url).status_code == 204
    response = user_api.patch(url, {"message": "too late"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert user_api.get(url).json()["message"] is None


def test_delete_cancels_and_drops_out_of_the_due_index_and_repeating_it_is_fine(user_api, batch):
    reminder = schedule(user_api, batch["id"], NOW + dt.timedelta(minutes=5))
    url = f"/api/v1/reminders/{reminder['id']}"
    assert user_api.delete(url).status_code == 204
    assert user_api.get(url).json()["status"] == "cancelled"
    assert all_due(now=NOW + dt.timedelta(hours=1)) == []
    assert user_api.delete(url).status_code == 204
    assert user_api.delete("/api/v1/reminders/01ARZ3NDEKTSV4RRFFQ69G5FAV").status_code == 404


def test_suggestions_follow_the_batch(user_api, other_api, batch):
    response = user_api.get(f"/api/v1/batches/{batch['id']}/reminders/suggestions")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [s["kind"] for s in results] == ["strain", "second_ferment_done"]
    assert results[0]["reason"].startswith("~19 h at 23 °C with 1:15 grains")
    strain_at = clock.parse(results[0]["due_at"])
    assert dt.timedelta(hours=18) < strain_at - NOW < dt.timedelta(hours=20)
    # a suggestion can be scheduled as it is
    schedule(user_api, batch["id"], strain_at, kind=results[0]["kind"])
    assert other_api.get(f"/api/v1/batches/{batch['id']}/reminders/suggestions").status_code == 404
    assert user_api.get("/api/v1/batches/nope/reminders/suggestions").status_code == 404


def test_suggestions_for_a_batch_with_almost_no_grains(user_api, frozen):
    # 1e-100 g of grains in 20 l: a ratio of 2e104 ml per gram, whose time would be past year 9999
    batch = make_batch(user_api, started_at=NOW, grains_g=1e-100, liquid_ml=20000.0)
    response = user_api.get(f"/api/v1/batches/{batch['id']}/reminders/suggestions")
    assert response.status_code == 200
    strain = response.json()["results"][0]
    assert strain["kind"] == "strain" and "the grains may starve" in strain["reason"]
    assert clock.parse(strain["due_at"]) - NOW <= dt.timedelta(hours=timing.MAX_FIRST_FERMENT_HOURS)


def test_deleting_the_batch_removes_its_reminders(user_api, batch):
    keep = make_batch(user_api, name="Keep")
    gone = schedule(user_api, batch["id"], NOW + dt.timedelta(hours=1))
    kept = schedule(user_api, keep["id"], NOW + dt.timedelta(hours=1))
    assert user_api.delete(f"/api/v1/batches/{batch['id']}").status_code == 204
    assert [r["id"] for r in user_api.get("/api/v1/reminders").json()["results"]] == [kept["id"]]
    assert user_api.get(f"/api/v1/reminders/{gone['id']}").status_code == 404


def test_the_batch_deleted_receiver_is_idempotent(user, user_api, batch):
    schedule(user_api, batch["id"], NOW + dt.timedelta(hours=1))
    for _ in range(2):
        batch_deleted.send(sender=None, user_id=user.id, batch_id=batch["id"])
    assert user_api.get("/api/v1/reminders").json()["results"] == []


def test_erasure_removes_every_reminder_and_is_idempotent(user, user_api, batch):
    schedule(user_api, batch["id"], NOW + dt.timedelta(hours=1))
    erase_user(user_id=user.id)
    erase_user(user_id=user.id)
    assert repository.reminders_of(user_id=user.id) == []
    assert all_due(now=NOW + dt.timedelta(hours=2)) == []


def test_the_demo_user_has_a_calibrated_history_auto_reminders_and_quiet_hours(user, user_api, frozen):
    from apps.accounts import demo as account_demo
    from apps.batches import demo as batch_demo
    from apps.reminders import demo

    for module in (account_demo, batch_demo, demo):
        module.seed(user_id=user.id, email=user.email, now=NOW)
    settings = user_api.get("/api/v1/me").json()["settings"]
    assert settings["timezone"] == "Europe/Berlin" and settings["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    calibration = user_api.get("/api/v1/me/calibration").json()
    assert calibration["milk"]["based_on"] == 3 and 1.1 < calibration["milk"]["factor"] < 1.25
    assert calibration["water"]["based_on"] == 1
    pending = {(r["kind"], r["source"]): r for r in user_api.get("/api/v1/reminders?status=pending").json()["results"]}
    assert set(pending) == {("strain", "auto"), ("feed", "auto")}
    assert "your grains' own pace (from 3 cycles)" in pending[("strain", "auto")]["reason"]
    # The milk was fed at 14:05 CET yesterday and is ready ~26 h later: this afternoon, outside quiet hours.
    assert pending[("strain", "auto")]["due_at"].startswith("2026-03-02T1")
