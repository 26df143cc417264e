"""DynamoDB requests per API call (issue 4's budget); bench/bench_requests_per_call.py prints them."""

from apps.core.aws.counting import count_requests
from tests.batches.helpers import add_event, create_batch, patch


def counted(call):
    with count_requests() as counter:
        response = call()
    assert response.status_code < 300, response.content
    return counter.operations


def test_each_endpoint_stays_within_its_dynamodb_request_budget(user_api, api):
    user_api.get("/api/v1/batches")  # warm-up: the per-process revocation check
    batch = create_batch(user_api)
    for _ in range(3):
        add_event(user_api, batch["id"])
    token = user_api.post(f"/api/v1/batches/{batch['id']}/share").json()["token"]

    assert counted(lambda: user_api.get("/api/v1/batches")) == ["Query"]
    assert counted(lambda: user_api.get(f"/api/v1/batches/{batch['id']}")) == ["Query"]
    assert counted(lambda: user_api.get(f"/api/v1/batches/{batch['id']}/events")) == ["Query"]
    # A fed event starts a cycle and re-places the strain reminder: one read of the batch, its follow state,
    # the profile and calibration, one transaction (apps/reminders/repository.py's layout).
    assert counted(lambda: user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "fed"},
                                         format="json")) == ["TransactGetItems", "TransactWriteItems"]
    assert counted(lambda: user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "note", "note": "hm"},
                                         format="json")) == ["TransactWriteItems"]
    assert counted(lambda: user_api.post("/api/v1/batches", {"name": "b", "kind": "water"},
                                         format="json")) == ["TransactGetItems", "TransactWriteItems"]
    assert counted(lambda: user_api.post("/api/v1/batches", {"name": "b", "kind": "water", "auto_reminders": False},
                                         format="json")) == ["PutItem"]
    current = user_api.get(f"/api/v1/batches/{batch['id']}").json()
    assert counted(lambda: patch(user_api, current, name="renamed")) == ["UpdateItem"]
    current = user_api.get(f"/api/v1/batches/{batch['id']}").json()
    # TransactWriteItems returns no attributes, and the response is the whole batch: one TransactGetItems
    # reads it (its status, for the machine) with its follow state, profile and calibration, one transaction
    # writes batch + event + follow state + the reminders cancelled and placed.
    assert counted(lambda: patch(user_api, current, status="in_fridge")) == ["TransactGetItems", "TransactWriteItems"]
    assert counted(lambda: api.get(f"/api/v1/public/b/{token}")) == ["GetItem", "Query"]
