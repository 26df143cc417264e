"""DynamoDB requests per grains call: every write, and the reads."""

from apps.core.aws.counting import count_requests
from tests.grains.helpers import create_grains, split, weigh


def counted(call):
    with count_requests() as counter:
        response = call()
    assert response.status_code < 300, response.content
    return counter.operations


def test_each_grains_endpoint_stays_within_its_dynamodb_request_budget(user_api):
    user_api.get("/api/v1/grains")  # warm-up: the per-process revocation check
    grains = create_grains(user_api)
    for mass in (21, 22, 23):
        weigh(user_api, grains["id"], mass)
    url = f"/api/v1/grains/{grains['id']}"

    assert counted(lambda: user_api.get("/api/v1/grains")) == ["Query"]
    # The grains and their newest history: one Query (META sorts first when descending).
    assert counted(lambda: user_api.get(url)) == ["Query"]
    # The grains with their `created` entry: one transaction.
    assert counted(lambda: user_api.post("/api/v1/grains", {"name": "g", "kind": "water", "mass_g": 5},
                                         format="json")) == ["TransactWriteItems"]
    # A weighing or split reads the grains and their recent history (one Query: the growth fit needs the
    # weighings), then writes the grains and the entry (and any new grains) in one transaction.
    assert counted(lambda: user_api.post(f"{url}/weighings", {"mass_g": 24}, format="json")) == [
        "Query", "TransactWriteItems"]
    assert counted(lambda: split(user_api, grains["id"], 5, to="new")) == ["Query", "TransactWriteItems"]
    assert counted(lambda: split(user_api, grains["id"], 1, to="given")) == ["Query", "TransactWriteItems"]
    current = user_api.get(url).json()
    assert counted(lambda: user_api.patch(url, {"version": current["version"], "name": "renamed"},
                                          format="json")) == ["UpdateItem"]
    # Delete: one Query for the keys, then one BatchWriteItem per 25 items (here the grains and 7 entries).
    assert counted(lambda: user_api.delete(url)) == ["Query", "BatchWriteItem"]


def test_a_stale_patch_reads_once_more_to_tell_conflict_from_not_found(user_api):
    grains = create_grains(user_api)
    url = f"/api/v1/grains/{grains['id']}"
    with count_requests() as counter:
        response = user_api.patch(url, {"version": 7, "name": "stale"}, format="json")
    assert response.status_code == 409 and counter.operations == ["UpdateItem", "GetItem"]
