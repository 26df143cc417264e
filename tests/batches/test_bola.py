"""User B on every batch, event, photo and share URL of user A, with every verb: 404, nothing changes."""

import pytest

from apps.batches import repository
from apps.events import repository as events_repository
from tests.batches.helpers import add_event, create_batch

BODIES = {
    "post": {"type": "fed", "content_type": "image/jpeg", "size": 10, "name": "x", "kind": "milk"},
    "patch": {"version": 1, "name": "hijacked", "status": "archived", "note": "hijacked"},
    "put": {"name": "hijacked"},
}


def snapshot(user_id: str, batch_id: str):
    return (repository.batch_get(user_id=user_id, batch_id=batch_id),
            list(events_repository.events_iter(user_id=user_id, batch_id=batch_id)))


@pytest.mark.parametrize("method", ["get", "post", "patch", "put", "delete"])
def test_another_users_objects_are_404_and_unchanged(user_api, user, other_api, method):
    batch = create_batch(user_api)
    event = add_event(user_api, batch["id"])
    user_api.post(f"/api/v1/batches/{batch['id']}/share")
    before = snapshot(user.id, batch["id"])
    urls = [
        f"/api/v1/batches/{batch['id']}",
        f"/api/v1/batches/{batch['id']}/events",
        f"/api/v1/batches/{batch['id']}/events/{event['id']}",
        f"/api/v1/batches/{batch['id']}/photos",
        f"/api/v1/batches/{batch['id']}/share",
    ]
    for url in urls + [f"{u}/" for u in urls]:
        response = getattr(other_api, method)(url, BODIES.get(method), format="json")
        assert response.status_code in (404, 405), (method, url, response.status_code)
        if response.status_code == 405:
            # The verb exists nowhere on this path: no object is reached, for anyone.
            assert getattr(user_api, method)(url, BODIES.get(method), format="json").status_code == 405
        else:
            assert response.json()["error"]["code"] == "not_found"
    assert snapshot(user.id, batch["id"]) == before
    assert list(repository.batches_iter(user_id=user.id)) == [before[0]]
