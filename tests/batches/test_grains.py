"""Batches started from grains: `grains_id` on create and PATCH."""

import datetime as dt

import pytest

from apps.batches import repository
from apps.core import clock
from apps.core.aws.counting import count_requests
from tests.batches.helpers import create_batch, patch
from tests.grains.helpers import create_grains

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def test_a_batch_started_from_grains_takes_their_estimated_mass(user_api, user):
    with clock.frozen(T0) as advance:
        grains = create_grains(user_api, mass_g=20)
        advance(dt.timedelta(days=7))  # +10 %/week until weighed twice
        body = create_batch(user_api, grains_id=grains["id"], grains_g=None)
    assert body["grains_id"] == grains["id"] and body["grains_g"] == 22.0
    stored = repository.batch_get(user_id=user.id, batch_id=body["id"])
    assert stored.grains_id == grains["id"] and stored.grains_g == 22.0
    assert user_api.get(f"/api/v1/batches/{body['id']}").json()["grains_id"] == grains["id"]


def test_grains_g_given_with_grains_id_is_kept(user_api):
    grains = create_grains(user_api, mass_g=20)
    assert create_batch(user_api, grains_id=grains["id"], grains_g=12)["grains_g"] == 12


def test_a_batch_without_grains_has_grains_id_null(user_api):
    assert create_batch(user_api)["grains_id"] is None


def _refused(response) -> list[str]:
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    return response.json()["error"]["fields"]["grains_id"]


def test_grains_of_another_kind_are_400_invalid_on_grains_id_and_nothing_is_written(user_api, user):
    grains = create_grains(user_api, kind="water")
    response = user_api.post("/api/v1/batches", {"name": "b", "kind": "milk", "grains_id": grains["id"]}, format="json")
    assert _refused(response) == ["These are water kefir grains; the batch is milk kefir."]
    assert list(repository.batches_iter(user_id=user.id)) == []


def test_another_users_grains_are_refused_exactly_like_missing_ones(user_api, user, other_api):
    theirs = create_grains(other_api)
    answers = [_refused(user_api.post("/api/v1/batches", {"name": "b", "kind": "milk", "grains_id": grains_id},
                                      format="json"))
               for grains_id in (theirs["id"], "01HZZZZZZZZZZZZZZZZZZZZZZZ", "not-an-id", "")]
    assert answers[0] == answers[1] == answers[2] == ["No such grains."]
    assert list(repository.batches_iter(user_id=user.id)) == []


def test_patch_links_and_unlinks_grains_without_changing_grains_g(user_api, user):
    batch = create_batch(user_api)
    grains = create_grains(user_api, mass_g=40)
    linked = patch(user_api, batch, grains_id=grains["id"])
    assert linked.status_code == 200 and linked.json()["grains_id"] == grains["id"]
    assert linked.json()["grains_g"] == 15
    unlinked = patch(user_api, linked.json(), grains_id=None)
    assert unlinked.status_code == 200 and unlinked.json()["grains_id"] is None
    assert repository.batch_get(user_id=user.id, batch_id=batch["id"]).grains_id is None


@pytest.mark.parametrize("whose", ["wrong_kind", "another_user"])
def test_patch_refuses_grains_of_another_kind_or_user_and_nothing_changes(user_api, user, other_api, whose):
    batch = create_batch(user_api)
    grains = create_grains(user_api, kind="water") if whose == "wrong_kind" else create_grains(other_api)
    before = repository.batch_get(user_id=user.id, batch_id=batch["id"])
    _refused(patch(user_api, batch, grains_id=grains["id"]))
    assert repository.batch_get(user_id=user.id, batch_id=batch["id"]) == before


def test_a_kind_change_must_bring_grains_of_the_new_kind(user_api, user):
    milk_grains, water_grains = create_grains(user_api), create_grains(user_api, kind="water")
    batch = create_batch(user_api, grains_id=milk_grains["id"])
    response = patch(user_api, batch, kind="water")
    assert response.status_code == 400 and {"kind", "grains_id"} <= set(response.json()["error"]["fields"])
    assert repository.batch_get(user_id=user.id, batch_id=batch["id"]).kind == "milk"
    both = patch(user_api, batch, kind="water", grains_id=water_grains["id"])
    assert both.status_code == 200 and (both.json()["kind"], both.json()["grains_id"]) == ("water", water_grains["id"])
    assert patch(user_api, both.json(), kind="milk", grains_id=None).status_code == 200


def test_a_kind_change_is_free_once_the_linked_grains_are_deleted(user_api):
    grains = create_grains(user_api)
    batch = create_batch(user_api, grains_id=grains["id"])
    assert user_api.delete(f"/api/v1/grains/{grains['id']}").status_code == 204
    response = patch(user_api, batch, kind="water")
    assert response.status_code == 200 and response.json()["grains_id"] == grains["id"]


def test_grains_id_costs_one_getitem_of_the_grains(user_api):
    grains = create_grains(user_api)
    user_api.get("/api/v1/batches")  # warm-up: the per-process revocation check
    with count_requests() as counter:
        create_batch(user_api, grains_id=grains["id"], auto_reminders=False)
    assert counter.operations == ["GetItem", "PutItem"]
    with count_requests() as counter:  # with its automatic strain reminder: the settings, then one transaction
        batch = create_batch(user_api, grains_id=grains["id"])
    assert counter.operations == ["GetItem", "TransactGetItems", "TransactWriteItems"]
    with count_requests() as counter:  # the batch's kind, then the grains
        assert patch(user_api, batch, grains_id=grains["id"], name="again").status_code == 200
    assert counter.operations == ["GetItem", "GetItem", "UpdateItem"]
    with count_requests() as counter:  # unlinking checks nothing
        assert patch(user_api, {**batch, "version": 2}, grains_id=None).status_code == 200
    assert counter.operations == ["UpdateItem"]
