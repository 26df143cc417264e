import pytest

from apps.core.aws.counting import count_requests

pytestmark = pytest.mark.urls("tests.core.urls")


def post(api, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post("/probe/things", body, format="json", **headers)


def test_same_key_and_body_returns_the_first_response_and_runs_once(user_api):
    first = post(user_api, {"name": "a"}, key="k-1")
    second = post(user_api, {"name": "a"}, key="k-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    third = post(user_api, {"name": "a"}, key="k-2")
    assert third.json()["n"] == first.json()["n"] + 1


def test_same_key_with_another_body_is_409_conflict(user_api):
    post(user_api, {"name": "a"}, key="k-1")
    response = post(user_api, {"name": "b"}, key="k-1")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_keys_are_per_user(user_api, other_api):
    first = post(user_api, {"name": "a"}, key="shared")
    second = post(other_api, {"name": "a"}, key="shared")
    assert second.json()["n"] == first.json()["n"] + 1


def test_a_failed_request_releases_its_key(user_api):
    assert post(user_api, {"name": "x" * 50}, key="k-1").status_code == 400
    response = post(user_api, {"name": "fixed"}, key="k-1")
    assert response.status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_an_empty_or_too_long_key_is_400(user_api, key):
    response = post(user_api, {"name": "a"}, key=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]


def test_without_a_key_nothing_is_stored(user_api):
    user_api.get("/probe/whoami")  # warm the per-process revocation check
    with count_requests() as counter:
        assert post(user_api, {"name": "a"}).status_code == 201
    assert counter.count == 0


def test_the_record_expires_after_24_hours(user_api, settings):
    import datetime as dt

    from apps.core import clock

    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with clock.frozen(start) as advance:
        first = post(user_api, {"name": "a"}, key="k")
        advance(dt.timedelta(hours=24, seconds=1))
        again = post(user_api, {"name": "a"}, key="k")
    assert again.json()["n"] == first.json()["n"] + 1
    assert "Idempotent-Replayed" not in again


def test_erasure_removes_the_users_records_and_only_theirs(user_api, other_api, user, other_user):
    from apps.core import erasure, repository

    post(user_api, {"name": "a"}, key="k-1")
    post(user_api, {"name": "b"}, key="k-2")
    post(other_api, {"name": "c"}, key="k-1")
    erasure.erase_user(user_id=user.id)
    assert repository.idempotency_get(user_id=user.id, key="k-1", now_epoch=0) is None
    assert repository.idempotency_get(user_id=user.id, key="k-2", now_epoch=0) is None
    assert repository.idempotency_get(user_id=other_user.id, key="k-1", now_epoch=0) is not None
