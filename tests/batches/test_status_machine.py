import itertools

import hypothesis
import pytest
from hypothesis import strategies as st

from apps.batches import repository
from apps.batches.machine import NEXT, STATUSES
from apps.events import repository as events_repository
from tests.batches.helpers import create_batch, patch

ALLOWED = {
    ("active", "second_ferment"), ("active", "in_fridge"), ("active", "completed"),
    ("second_ferment", "active"), ("second_ferment", "in_fridge"), ("second_ferment", "completed"),
    ("in_fridge", "active"), ("in_fridge", "completed"), ("completed", "active"),
    *((s, "archived") for s in STATUSES if s != "archived"), ("archived", "active"),
}
PAIRS = [(a, b) for a, b in itertools.product(STATUSES, STATUSES) if a != b]


def test_the_machine_is_exactly_api_md():
    assert {(a, b) for a, targets in NEXT.items() for b in targets} == ALLOWED


@pytest.mark.parametrize("current, new", PAIRS)
def test_every_status_pair_is_allowed_or_refused_as_api_md_says(user_api, user, current, new):
    batch = create_batch(user_api, status=current)
    response = patch(user_api, batch, status=new)
    stored = repository.batch_get(user_id=user.id, batch_id=batch["id"])
    events = list(events_repository.events_iter(user_id=user.id, batch_id=batch["id"]))
    if (current, new) in ALLOWED:
        assert response.status_code == 200 and response.json()["status"] == new
        assert stored.status == new and stored.version == 2
        assert [(e.type, e.status) for e in events] == [("status_changed", new)]
    else:
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "invalid_transition"
        assert sorted(error["fields"]["status"]) == sorted(NEXT[current])
        assert stored.status == current and stored.version == 1 and events == []


@hypothesis.settings(max_examples=5, deadline=None, derandomize=True,
                     suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
@hypothesis.given(st.lists(st.sampled_from(STATUSES), min_size=1, max_size=8))
def test_any_sequence_of_changes_keeps_batch_and_timeline_consistent(user_api, user, sequence):
    batch = create_batch(user_api)
    status, version, changes = "active", 1, []
    for new in sequence:
        response = user_api.patch(f"/api/v1/batches/{batch['id']}", {"version": version, "status": new},
                                  format="json")
        if new == status:
            assert response.status_code == 200
            version += 1
        elif new in NEXT[status]:
            assert response.status_code == 200
            status, version = new, version + 1
            changes.append(new)
        else:
            assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_transition"
    stored = repository.batch_get(user_id=user.id, batch_id=batch["id"])
    assert (stored.status, stored.version) == (status, version)
    events = list(events_repository.events_iter(user_id=user.id, batch_id=batch["id"]))
    assert sorted(e.status for e in events) == sorted(changes)
