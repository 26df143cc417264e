import datetime as dt

import pytest

from apps.batches import demo as batch_demo
from apps.core import clock
from apps.grains import demo as grains_demo

NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def test_the_demo_user_has_weighed_grains_and_batches_started_from_them(user, user_api):
    for app in (batch_demo, grains_demo):
        app.seed(user_id=user.id, email=user.email, now=NOW)
    with clock.frozen(NOW):
        grains = {g["name"]: g for g in user_api.get("/api/v1/grains").json()["results"]}
        milk = grains[grains_demo.MILK_GRAINS_NAME]
        assert (milk["kind"], milk["mass_g"], milk["growth_source"], milk["growth_based_on"]) == (
            "milk", 15, "measured", 5)
        assert 0.13 < milk["growth_per_week"] < 0.16  # weighed 10 -> 19.8 g over five weeks
        assert 15 < milk["estimated_mass_g"] < 15.5
        history = user_api.get(f"/api/v1/grains/{milk['id']}").json()["history"]
        assert [e["type"] for e in history] == ["weighed", "given", *["weighed"] * 5, "created"]
        water = grains[grains_demo.WATER_GRAINS_NAME]
        assert (water["kind"], water["mass_g"], water["growth_source"]) == ("water", 60, "measured")
        batches = {b["name"]: b for b in user_api.get("/api/v1/batches").json()["results"]}
    assert batches[batch_demo.MILK_NAME]["grains_id"] == milk["id"]
    assert batches[batch_demo.WATER_NAME]["grains_id"] == water["id"]
    assert batches[batch_demo.MILK_NAME]["grains_g"] == pytest.approx(milk["mass_g"])
