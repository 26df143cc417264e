import pytest

from tests import faults

pytestmark = pytest.mark.urls("tests.core.urls")


def assert_unavailable(response):
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    assert int(response["Retry-After"]) >= 1


@pytest.mark.parametrize("fault", ["throttle", "timeout", "unreachable"])
def test_a_dynamodb_fault_on_a_write_is_503_with_retry_after(user_api, fault):
    user_api.get("/probe/whoami")  # warm the revocation check, so the write is the first request
    with faults.dynamodb(fault=fault, operations={"PutItem"}) as failed:
        response = user_api.post("/probe/things", {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert failed == ["PutItem"]
    assert_unavailable(response)
    # Nothing was half-written: the same key works once DynamoDB is back.
    assert user_api.post("/probe/things", {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201


def test_a_dynamodb_fault_during_authentication_is_503_not_401(user_api):
    with faults.dynamodb(fault="throttle"):
        assert_unavailable(user_api.get("/probe/whoami"))
