"""Automatic reminders that follow the batch, through the API: what each event and change does, what it costs in
DynamoDB requests, and that a person's reminders are never touched."""

import datetime as dt

import pytest

from apps.core import clock
from apps.core.aws.counting import count_requests
from apps.reminders import timing
from tests import faults
from tests.reminders.conftest import NOW, make_batch, schedule

MILK_23C_1_15 = dt.timedelta(hours=timing.first_ferment_hours(kind="milk", temperature_c=23, ml_per_g=15))


def hours_at(temperature_c, ml_per_g=15.0, kind="milk"):
    return dt.timedelta(hours=timing.first_ferment_hours(kind=kind, temperature_c=temperature_c, ml_per_g=ml_per_g))


def auto_batch(api, **overrides):
    return make_batch(api, auto_reminders=True, started_at=NOW, **overrides)


def reminders(api, batch, **filters):
    query = "&".join(f"{k}={v}" for k, v in {"batch_id": batch["id"], **filters}.items())
    return api.get(f"/api/v1/reminders?{query}").json()["results"]


def pending_auto(api, batch):
    return {r["kind"]: r for r in reminders(api, batch, status="pending") if r["source"] == "auto"}


def add_event(api, batch, type, **fields):
    for name, value in list(fields.items()):
        if isinstance(value, dt.datetime):
            fields[name] = clock.isoformat(value)
    response = api.post(f"/api/v1/batches/{batch['id']}/events", {"type": type, **fields}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def counted(call):
    with count_requests() as counter:
        response = call()
    assert response.status_code < 300, response.json()
    return counter.operations


def patch_batch(api, batch_id, **changes):
    current = api.get(f"/api/v1/batches/{batch_id}").json()
    response = api.patch(f"/api/v1/batches/{batch_id}", {"version": current["version"], **changes}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def assert_close(actual: str, expected: dt.datetime):
    assert abs(clock.parse(actual) - expected) <= dt.timedelta(seconds=1), (actual, expected)


@pytest.fixture(autouse=True)
def _frozen(frozen):
    return frozen


def test_a_new_active_batch_gets_an_auto_strain_reminder_at_the_models_time(user_api):
    batch = auto_batch(user_api)
    assert batch["auto_reminders"] is True
    (strain,) = reminders(user_api, batch)
    assert (strain["kind"], strain["source"], strain["status"]) == ("strain", "auto", "pending")
    assert_close(strain["due_at"], NOW + MILK_23C_1_15)
    assert strain["reason"].startswith("strain: ~19 h at 23 °C with 1:15 grains")


def test_creating_a_batch_with_its_reminder_costs_one_read_and_one_transaction(user_api):
    user_api.get("/api/v1/batches")  # warm-up: the per-process revocation check
    body = {"name": "b", "kind": "milk", "started_at": clock.isoformat(NOW)}
    assert counted(lambda: user_api.post("/api/v1/batches", body, format="json")) == [
        "TransactGetItems", "TransactWriteItems"]
    assert counted(lambda: user_api.post("/api/v1/batches", {**body, "auto_reminders": False}, format="json")) == [
        "PutItem"]


def test_a_batch_without_auto_reminders_gets_none(user_api):
    batch = make_batch(user_api, started_at=NOW)
    assert batch["auto_reminders"] is False
    assert reminders(user_api, batch) == []


def test_each_fed_event_starts_a_cycle_and_replaces_the_strain_reminder(user_api, frozen):
    batch = auto_batch(user_api)
    (first,) = reminders(user_api, batch)
    frozen(dt.timedelta(hours=20))
    fed_at = NOW + dt.timedelta(hours=20)
    assert counted(lambda: user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "fed"},
                                         format="json")) == ["TransactGetItems", "TransactWriteItems"]
    pending = pending_auto(user_api, batch)
    assert list(pending) == ["strain"] and pending["strain"]["id"] != first["id"]
    assert_close(pending["strain"]["due_at"], fed_at + MILK_23C_1_15)
    assert user_api.get(f"/api/v1/reminders/{first['id']}").json()["status"] == "cancelled"


def test_a_fed_logged_after_its_strain_time_places_none(user_api, frozen):
    batch = auto_batch(user_api)
    frozen(dt.timedelta(hours=30))
    add_event(user_api, batch, "fed", occurred_at=NOW + dt.timedelta(hours=5))  # ready at ~24 h: past
    assert pending_auto(user_api, batch) == {}


def test_strained_cancels_the_pending_auto_strain(user_api, frozen):
    batch = auto_batch(user_api)
    frozen(dt.timedelta(hours=18))
    # The event, the reminder cancelled, the follow state and the calibration's new sample: 2 requests.
    assert counted(lambda: user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "strained"},
                                         format="json")) == ["TransactGetItems", "TransactWriteItems"]
    assert pending_auto(user_api, batch) == {}
    assert user_api.get("/api/v1/me/calibration").json()["milk"]["based_on"] == 1
    assert [r["status"] for r in reminders(user_api, batch)] == ["cancelled"]


def test_a_temperature_change_mid_cycle_retimes_the_rest_at_the_new_temperature(user_api, frozen):
    batch = auto_batch(user_api)
    half = MILK_23C_1_15 / 2
    frozen(half)
    (before,) = reminders(user_api, batch)
    operations = counted(lambda: user_api.post(f"/api/v1/batches/{batch['id']}/events",
                                               {"type": "temperature", "temperature_c": 28}, format="json"))
    assert operations == ["TransactGetItems", "TransactWriteItems"]  # the budget is 3
    (after,) = reminders(user_api, batch)
    assert after["id"] == before["id"] and after["source"] == "auto"
    assert_close(after["due_at"], NOW + half + hours_at(28) / 2)
    assert after["reason"].startswith("strain: re-timed: 50 % done when the conditions changed")


def test_a_patch_of_temperature_or_amounts_retimes_in_one_read_and_one_transaction(user_api, frozen):
    batch = auto_batch(user_api)
    frozen(MILK_23C_1_15 / 4)
    current = user_api.get(f"/api/v1/batches/{batch['id']}").json()
    operations = counted(lambda: user_api.patch(f"/api/v1/batches/{batch['id']}",
                                                {"version": current["version"], "grains_g": 40}, format="json"))
    assert operations == ["TransactGetItems", "TransactWriteItems"]
    (strain,) = reminders(user_api, batch)
    assert_close(strain["due_at"], NOW + MILK_23C_1_15 / 4 + hours_at(23, ml_per_g=7.5) * 3 / 4)
    # A PATCH that changes nothing reminders follow stays one UpdateItem.
    current = user_api.get(f"/api/v1/batches/{batch['id']}").json()
    assert counted(lambda: user_api.patch(f"/api/v1/batches/{batch['id']}",
                                          {"version": current["version"], "name": "Renamed"}, format="json")) == [
        "UpdateItem"]


def test_second_ferment_by_event_or_status_places_second_ferment_done(user_api, frozen):
    batch = auto_batch(user_api)
    frozen(dt.timedelta(hours=19))
    add_event(user_api, batch, "strained")
    add_event(user_api, batch, "second_ferment_started")
    done = pending_auto(user_api, batch)["second_ferment_done"]
    second_h = dt.timedelta(hours=timing.second_ferment_hours(temperature_c=23))
    assert_close(done["due_at"], NOW + dt.timedelta(hours=19) + second_h)

    other = auto_batch(user_api, name="Other")
    current = user_api.get(f"/api/v1/batches/{other['id']}").json()
    operations = counted(lambda: user_api.patch(f"/api/v1/batches/{other['id']}",
                                                {"version": current["version"], "status": "second_ferment"},
                                                format="json"))
    assert operations == ["TransactGetItems", "TransactWriteItems"]
    assert set(pending_auto(user_api, other)) == {"second_ferment_done"}


def test_the_fridge_cancels_ferment_reminders_and_feeds_weekly(user_api, frozen):
    batch = auto_batch(user_api)
    frozen(dt.timedelta(hours=2))
    patch_batch(user_api, batch["id"], status="in_fridge")
    pending = pending_auto(user_api, batch)
    assert list(pending) == ["feed"]
    assert_close(pending["feed"]["due_at"], NOW + dt.timedelta(hours=2, days=7))
    assert "about once a week" in pending["feed"]["reason"]


@pytest.mark.parametrize("change", [{"status": "completed"}, {"status": "archived"}, {"auto_reminders": False}])
def test_finishing_or_switching_off_cancels_every_pending_auto_reminder(user_api, change):
    batch = auto_batch(user_api)
    add_event(user_api, batch, "second_ferment_started")
    assert set(pending_auto(user_api, batch)) == {"strain", "second_ferment_done"}
    patch_batch(user_api, batch["id"], **change)
    assert pending_auto(user_api, batch) == {}
    assert {r["status"] for r in reminders(user_api, batch)} == {"cancelled"}


def test_switching_auto_reminders_back_on_places_what_the_cycle_calls_for(user_api):
    batch = make_batch(user_api, started_at=NOW)
    updated = patch_batch(user_api, batch["id"], auto_reminders=True)
    assert updated["auto_reminders"] is True
    assert_close(pending_auto(user_api, batch)["strain"]["due_at"], NOW + MILK_23C_1_15)


def test_a_persons_reminders_are_never_moved_or_cancelled(user_api, frozen):
    batch = auto_batch(user_api)
    mine = schedule(user_api, batch["id"], NOW + dt.timedelta(hours=5), kind="strain", message="mine")
    assert mine["source"] == "user" and mine["reason"] is None
    add_event(user_api, batch, "fed")
    add_event(user_api, batch, "temperature", temperature_c=30)
    add_event(user_api, batch, "strained")
    patch_batch(user_api, batch["id"], status="completed")
    assert user_api.get(f"/api/v1/reminders/{mine['id']}").json() == mine


def test_patching_an_auto_reminder_makes_it_the_users_and_the_server_leaves_it_alone(user_api):
    batch = auto_batch(user_api)
    (auto,) = reminders(user_api, batch)
    later = NOW + dt.timedelta(hours=30)
    operations = counted(lambda: user_api.patch(f"/api/v1/reminders/{auto['id']}",
                                                {"due_at": clock.isoformat(later)}, format="json"))
    assert operations == ["GetItem", "TransactWriteItems"]  # the reminder, then it + the batch's pending set
    mine = user_api.get(f"/api/v1/reminders/{auto['id']}").json()
    assert (mine["source"], mine["due_at"]) == ("user", clock.isoformat(later))
    add_event(user_api, batch, "temperature", temperature_c=28)
    add_event(user_api, batch, "strained")
    assert user_api.get(f"/api/v1/reminders/{auto['id']}").json() == mine


def test_a_deleted_auto_reminder_is_not_replaced_by_retiming(user_api):
    batch = auto_batch(user_api)
    (auto,) = reminders(user_api, batch)
    assert counted(lambda: user_api.delete(f"/api/v1/reminders/{auto['id']}")) == ["GetItem", "TransactWriteItems"]
    add_event(user_api, batch, "temperature", temperature_c=28)
    assert pending_auto(user_api, batch) == {}
    assert user_api.get(f"/api/v1/reminders/{auto['id']}").json()["status"] == "cancelled"


def test_a_failed_transaction_leaves_the_event_and_the_reminders_unchanged(user_api, frozen):
    batch = auto_batch(user_api)
    frozen(dt.timedelta(hours=3))
    before = reminders(user_api, batch)
    with faults.dynamodb(fault="throttle", operations={"TransactWriteItems"}) as failed:
        response = user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "temperature", "temperature_c": 30},
                                 format="json")
    assert failed == ["TransactWriteItems"]
    assert response.status_code == 503 and response.json()["error"]["code"] == "unavailable"
    assert user_api.get(f"/api/v1/batches/{batch['id']}/events").json()["results"] == []
    assert reminders(user_api, batch) == before
    # and the next try does both
    add_event(user_api, batch, "temperature", temperature_c=30)
    assert reminders(user_api, batch)[0]["due_at"] != before[0]["due_at"]


def test_a_failed_status_change_leaves_the_batch_and_its_reminders_unchanged(user_api):
    batch = auto_batch(user_api)
    before = reminders(user_api, batch)
    current = user_api.get(f"/api/v1/batches/{batch['id']}").json()
    with faults.dynamodb(fault="timeout", operations={"TransactWriteItems"}):
        response = user_api.patch(f"/api/v1/batches/{batch['id']}",
                                  {"version": current["version"], "status": "in_fridge"}, format="json")
    assert response.status_code == 503
    assert user_api.get(f"/api/v1/batches/{batch['id']}").json()["status"] == "active"
    assert reminders(user_api, batch) == before


def test_a_stale_version_changes_neither_the_batch_nor_its_reminders(user_api):
    batch = auto_batch(user_api)
    before = reminders(user_api, batch)
    response = user_api.patch(f"/api/v1/batches/{batch['id']}", {"version": 9, "temperature_c": 30}, format="json")
    assert response.status_code == 409
    assert reminders(user_api, batch) == before


def test_another_users_batch_gets_no_event_and_no_reminder(user_api, other_api):
    batch = auto_batch(user_api)
    response = other_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "fed"}, format="json")
    assert response.status_code == 404
    assert len(reminders(user_api, batch)) == 1


@pytest.mark.parametrize("value", ["maybe", None, 2, [True]])
def test_auto_reminders_must_be_a_boolean(user_api, value):
    response = user_api.post("/api/v1/batches", {"name": "b", "kind": "milk", "auto_reminders": value}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid" and "auto_reminders" in response.json()["error"]["fields"]
    assert user_api.get("/api/v1/batches").json()["results"] == []


def test_deleting_the_batch_takes_its_auto_reminders_and_state(user, user_api):
    from apps.reminders import repository

    batch = auto_batch(user_api)
    assert user_api.delete(f"/api/v1/batches/{batch['id']}").status_code == 204
    assert repository.reminders_of(user_id=user.id) == []
    assert repository.calibration_get(user_id=user.id).rev is None


# --- quiet hours ------------------------------------------------------------------------------------------------

def set_settings(api, **settings):
    response = api.patch("/api/v1/me", {"settings": settings}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_an_auto_reminder_inside_quiet_hours_moves_to_their_end(user_api):
    # NOW is 10:00 in Berlin; the strain is due ~19 h later, at 05:01 the next morning.
    set_settings(user_api, timezone="Europe/Berlin", quiet_hours={"start": "22:00", "end": "07:00"})
    batch = auto_batch(user_api)
    (strain,) = reminders(user_api, batch)
    assert strain["due_at"] == "2026-03-03T06:00:00.000Z"  # 07:00 CET
    assert strain["reason"].endswith("moved to Tue 07:00 CET, when your quiet hours end")


def test_when_waiting_would_spoil_the_milk_it_moves_before_quiet_hours_start(user_api):
    set_settings(user_api, timezone="Europe/Berlin", quiet_hours={"start": "20:00", "end": "19:00"})
    batch = auto_batch(user_api)
    (strain,) = reminders(user_api, batch)
    assert strain["due_at"] == "2026-03-02T18:55:00.000Z"  # 19:55 CET, before they start at 20:00
    assert "would spoil the kefir" in strain["reason"]


def test_changing_quiet_hours_replaces_pending_auto_reminders_but_not_the_users(user, user_api):
    batch = auto_batch(user_api)
    mine = schedule(user_api, batch["id"], NOW + dt.timedelta(hours=19))
    (strain,) = pending_auto(user_api, batch).values()
    model_due = strain["due_at"]
    user_api.get("/api/v1/me")
    with count_requests() as counter:
        set_settings(user_api, quiet_hours={"start": "03:00", "end": "06:00"})
    # The profile, a Query of the user's reminders, one transaction (settings + every moved reminder: up to
    # 99 moved reminders per transaction, so no request per reminder).
    assert counter.operations == ["GetItem", "Query", "TransactWriteItems"]
    moved = pending_auto(user_api, batch)["strain"]
    assert moved["due_at"] == "2026-03-03T06:00:00.000Z" and "quiet hours end" in moved["reason"]
    assert user_api.get(f"/api/v1/reminders/{mine['id']}").json() == mine
    set_settings(user_api, quiet_hours=None)
    assert pending_auto(user_api, batch)["strain"]["due_at"] == model_due
    # A setting that moves nothing (temperature unit) stays two requests.
    with count_requests() as counter:
        set_settings(user_api, temperature_unit="F")
    assert counter.operations == ["GetItem", "UpdateItem"]


def test_a_new_timezone_replaces_them_on_the_new_wall_clock(user_api):
    set_settings(user_api, quiet_hours={"start": "03:00", "end": "05:00"})
    batch = auto_batch(user_api)
    assert pending_auto(user_api, batch)["strain"]["due_at"] == "2026-03-03T05:00:00.000Z"  # 05:00 UTC
    set_settings(user_api, timezone="Asia/Kathmandu")  # 04:01 UTC is 09:46 there: outside quiet hours
    assert_close(pending_auto(user_api, batch)["strain"]["due_at"], NOW + MILK_23C_1_15)


def test_user_reminders_are_delivered_at_their_time_even_in_quiet_hours(user_api):
    set_settings(user_api, timezone="Europe/Berlin", quiet_hours={"start": "22:00", "end": "07:00"})
    batch = make_batch(user_api, started_at=NOW)
    night = NOW + dt.timedelta(hours=14)  # 00:00 CET
    assert schedule(user_api, batch["id"], night)["due_at"] == clock.isoformat(night)


# --- calibration -----------------------------------------------------------------------------------------------

def complete_cycle(api, batch, frozen, hours):
    add_event(api, batch, "fed")
    frozen(dt.timedelta(hours=hours))
    add_event(api, batch, "strained")


def test_calibration_is_the_median_of_completed_cycles_and_names_itself_in_reasons(user_api, frozen):
    assert user_api.get("/api/v1/me/calibration").json() == {
        "milk": {"factor": 1.0, "based_on": 0}, "water": {"factor": 1.0, "based_on": 0}}
    batch = auto_batch(user_api)
    model_h = MILK_23C_1_15.total_seconds() / 3600
    for ratio in (1.2, 1.5, 1.3):
        complete_cycle(user_api, batch, frozen, model_h * ratio)
    complete_cycle(user_api, batch, frozen, 2)  # under 4 h: not counted
    complete_cycle(user_api, batch, frozen, 100)  # over 96 h: not counted
    assert counted(lambda: user_api.get("/api/v1/me/calibration")) == ["GetItem"]
    calibration = user_api.get("/api/v1/me/calibration").json()
    assert calibration["water"] == {"factor": 1.0, "based_on": 0}
    assert calibration["milk"]["based_on"] == 3 and calibration["milk"]["factor"] == pytest.approx(1.3, abs=0.01)
    fed_at = clock.now()
    add_event(user_api, batch, "fed")
    strain = pending_auto(user_api, batch)["strain"]
    assert_close(strain["due_at"], fed_at + MILK_23C_1_15 * calibration["milk"]["factor"])
    assert "times 1.30, your grains' own pace (from 3 cycles)" in strain["reason"]
    (suggestion, _) = user_api.get(f"/api/v1/batches/{batch['id']}/reminders/suggestions").json()["results"]
    assert "times 1.30" in suggestion["reason"]


def test_calibration_is_clamped_and_counts_only_the_last_ten_cycles(user_api, frozen):
    batch = auto_batch(user_api)
    model_h = MILK_23C_1_15.total_seconds() / 3600
    for _ in range(3):
        complete_cycle(user_api, batch, frozen, model_h * 0.3 if model_h * 0.3 >= 4 else 4.5)
    assert user_api.get("/api/v1/me/calibration").json()["milk"]["factor"] == 0.5
    for _ in range(10):
        complete_cycle(user_api, batch, frozen, model_h)
    assert user_api.get("/api/v1/me/calibration").json()["milk"] == {"factor": 1.0, "based_on": 10}


def test_calibration_needs_a_token(api):
    assert api.get("/api/v1/me/calibration").status_code == 401


# --- suggestions -----------------------------------------------------------------------------------------------

def test_suggestions_start_from_the_current_cycle(user_api, frozen):
    batch = make_batch(user_api, started_at=NOW)
    frozen(dt.timedelta(hours=30))
    add_event(user_api, batch, "fed")
    strain = user_api.get(f"/api/v1/batches/{batch['id']}/reminders/suggestions").json()["results"][0]
    assert strain["kind"] == "strain"
    assert_close(strain["due_at"], NOW + dt.timedelta(hours=30) + MILK_23C_1_15)
    assert strain["warnings"] == []


@pytest.mark.parametrize(("fields", "codes"), [
    ({"temperature_c": 32}, ["too_hot"]),
    ({"temperature_c": 15}, ["too_cold"]),
    ({"grains_g": 50, "liquid_ml": 300}, ["too_many_grains"]),
    ({"grains_g": 5, "liquid_ml": 400, "temperature_c": 25}, ["too_few_grains"]),
    ({"grains_g": 10, "liquid_ml": 1000, "temperature_c": 18}, ["starving", "too_few_grains"]),
    ({"kind": "water", "grains_g": 60, "liquid_ml": 300}, ["too_many_grains"]),
])
def test_suggestions_warn_with_codes(user_api, fields, codes):
    batch = make_batch(user_api, started_at=NOW, **fields)
    strain = user_api.get(f"/api/v1/batches/{batch['id']}/reminders/suggestions").json()["results"][0]
    assert strain["warnings"] == codes


def test_suggestions_cost_one_read(user_api):
    batch = make_batch(user_api, started_at=NOW)
    assert counted(lambda: user_api.get(f"/api/v1/batches/{batch['id']}/reminders/suggestions")) == [
        "TransactGetItems"]
