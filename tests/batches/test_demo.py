import datetime as dt

from apps.batches import demo as batch_demo

NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def test_the_demo_user_sees_two_batches_with_timelines(user, user_api):
    batch_demo.seed(user_id=user.id, email=user.email, now=NOW)
    batches = user_api.get("/api/v1/batches").json()["results"]
    assert {(b["kind"], b["status"]) for b in batches} == {("milk", "active"), ("water", "in_fridge")}
    milk = next(b for b in batches if b["kind"] == "milk")
    assert (milk["temperature_c"], milk["grains_g"], milk["liquid_ml"]) == (22, 15, 250)
    assert milk["started_at"] == "2026-02-25T08:00:00.000Z"
    for batch in batches:
        timeline = user_api.get(f"/api/v1/batches/{batch['id']}").json()["timeline"]
        assert len(timeline) >= 3
        assert timeline == sorted(timeline, key=lambda e: e["occurred_at"], reverse=True)
    water = next(b for b in batches if b["kind"] == "water")
    water_timeline = user_api.get(f"/api/v1/batches/{water['id']}").json()["timeline"]
    assert water_timeline[1]["type"] == "status_changed" and water_timeline[1]["status"] == "in_fridge"
