"""User B on every grains URL of user A, with every verb: 404 (or 405 where the verb exists nowhere on the path),
and nothing changes."""

import pytest

from apps.grains import repository
from tests.grains.helpers import create_grains, weigh

BODIES = {
    "post": {"mass_g": 1, "to": "given", "name": "x", "kind": "milk"},
    "patch": {"version": 1, "name": "hijacked", "notes": "hijacked"},
    "put": {"name": "hijacked"},
}


def snapshot(user_id: str, grains_id: str):
    return repository.grains_with_history(user_id=user_id, grains_id=grains_id, limit=100)


@pytest.mark.parametrize("method", ["get", "post", "patch", "put", "delete"])
def test_another_users_grains_are_404_and_unchanged(user_api, user, other_api, method):
    grains = create_grains(user_api)
    weigh(user_api, grains["id"], 25)
    before = snapshot(user.id, grains["id"])
    urls = [f"/api/v1/grains/{grains['id']}", f"/api/v1/grains/{grains['id']}/weighings",
            f"/api/v1/grains/{grains['id']}/splits"]
    for url in urls + [f"{u}/" for u in urls]:
        response = getattr(other_api, method)(url, BODIES.get(method), format="json")
        assert response.status_code in (404, 405), (method, url, response.status_code)
        if response.status_code == 405:
            assert getattr(user_api, method)(url, BODIES.get(method), format="json").status_code == 405
        else:
            assert response.json()["error"]["code"] == "not_found"
    assert snapshot(user.id, grains["id"]) == before
    assert [g.id for g in repository.grains_iter(user_id=user.id)] == [grains["id"]]
