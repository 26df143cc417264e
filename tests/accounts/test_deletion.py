"""DELETE /api/v1/me: the account's data and identity go, and its tokens stop working."""

import pytest
from botocore.exceptions import EndpointConnectionError

from apps.accounts import deletion, repository
from apps.accounts.providers import get_provider
from apps.core.aws.table import TableItem
from kefir import aws
from tests import factory, faults


def test_delete_me_removes_the_profile_and_identity_and_the_token_stops_working(user_api, user):
    assert user_api.get("/api/v1/me").status_code == 200
    assert user_api.delete("/api/v1/me").status_code == 204
    after = user_api.get("/api/v1/me")
    assert after.status_code == 401 and after.json()["error"]["code"] == "not_authenticated"
    assert get_provider().get_user(user.id) is None
    assert repository.profile_get(user_id=user.id) is None
    assert not [i for i in TableItem.query(f"USER#{user.id}")]


def test_after_deletion_the_refresh_token_is_dead_too(user_api, user, api):
    user_api.delete("/api/v1/me")
    response = api.post("/api/v1/auth/refresh", {"refresh_token": user.refresh_token}, format="json")
    assert response.status_code == 401


def test_deleting_one_account_leaves_another_alone(user_api, other_api, other_user):
    other_api.get("/api/v1/me")
    user_api.delete("/api/v1/me")
    assert other_api.get("/api/v1/me").json()["id"] == other_user.id
    assert get_provider().get_user(other_user.id) is not None


def test_the_same_email_can_sign_up_again_as_a_new_account(api, user_api, user):
    user_api.delete("/api/v1/me")
    tokens = factory.login_with_code(api, user.email)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    me = api.get("/api/v1/me").json()
    assert me["email"] == user.email and me["id"] != user.id


def test_account_delete_is_idempotent(user, user_api):
    user_api.get("/api/v1/me")
    deletion.account_delete(user_id=user.id)
    deletion.account_delete(user_id=user.id)
    assert get_provider().get_user(user.id) is None


def test_a_retry_finishes_after_a_partial_failure(user, user_api):
    user_api.get("/api/v1/me")
    with faults.inject(aws.client("cognito-idp"), service="cognito-identity-provider",
                       operations={"AdminDeleteUser"}, fault="unreachable") as failed:
        with pytest.raises(EndpointConnectionError):
            deletion.account_delete(user_id=user.id)
    assert failed == ["AdminDeleteUser"]
    assert user_api.get("/api/v1/me").status_code == 401  # revoked first, whatever failed later
    deletion.account_delete(user_id=user.id)
    assert get_provider().get_user(user.id) is None
    assert repository.profile_get(user_id=user.id) is None


def test_erasure_modules_that_do_not_exist_yet_are_skipped():
    assert deletion._erasure_module("no_such_app") is None
    assert deletion._erasure_module("accounts") is not None


def test_the_client_can_retry_a_delete_that_failed_half_way_with_its_revoked_token(user, user_api):
    user_api.get("/api/v1/me")
    with faults.inject(aws.client("cognito-idp"), service="cognito-identity-provider",
                       operations={"AdminDeleteUser"}, fault="unreachable"):
        assert user_api.delete("/api/v1/me").status_code == 503
    assert user_api.get("/api/v1/me").status_code == 401  # the token does nothing else any more
    assert user_api.delete("/api/v1/me").status_code == 204
    assert get_provider().get_user(user.id) is None
    assert user_api.delete("/api/v1/me").status_code == 204  # and once done, stays done
