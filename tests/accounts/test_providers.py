"""The identity providers' admin side against the emulator. Both providers share it; the Cognito
provider is exercised here for everything moto supports (its CUSTOM_AUTH login cannot run on moto)."""

import pytest

from apps.accounts.providers import CognitoProvider, LocalProvider, get_provider
from apps.core.http.errors import Invalid, NotAuthenticated
from tests import factory


@pytest.fixture(params=[CognitoProvider, LocalProvider], ids=["cognito", "local"])
def provider(request):
    return request.param()


def test_settings_choose_the_local_provider_in_tests():
    assert isinstance(get_provider(), LocalProvider)


def test_ensure_user_signs_up_a_new_email_once_and_confirms_it(provider):
    provider.ensure_user(email="new@example.com")
    provider.ensure_user(email="new@example.com")
    users = provider.find_users("new@")
    assert [(u.email, u.status, u.enabled) for u in users] == [("new@example.com", "CONFIRMED", True)]


def test_ensure_user_refuses_an_address_the_pool_refuses(provider):
    with pytest.raises(Invalid):
        provider.ensure_user(email="+x@example.com")


def signed_in(api, email="signed.in@example.com"):
    """(sub, refresh token) of a user signed in through our flow: like Cognito, under their sub.
    (The emulator revokes only tokens issued under the name passed to sign-out.)"""
    tokens = factory.login_with_code(api, email)
    return get_provider().find_users(email)[0].sub, tokens["refresh_token"]


def test_refresh_gives_new_tokens_until_sign_out(provider, api):
    sub, refresh_token = signed_in(api)
    tokens = provider.refresh(refresh_token=refresh_token)
    assert tokens.access_token and tokens.id_token and tokens.refresh_token is None
    provider.sign_out(sub=sub)
    with pytest.raises(NotAuthenticated):
        provider.refresh(refresh_token=refresh_token)


def test_refresh_with_garbage_is_not_authenticated(provider):
    with pytest.raises(NotAuthenticated):
        provider.refresh(refresh_token="garbage")


def test_find_users_by_email_prefix_or_sub(provider):
    alice = factory.make_user("alice@example.com")
    factory.make_user("bob@example.com")
    assert [u.sub for u in provider.find_users("ALICE")] == [alice.id]
    assert [u.email for u in provider.find_users(alice.id)] == ["alice@example.com"]
    assert provider.find_users('"') == [] and provider.find_users("  ") == []


def test_groups_enable_and_disable(provider, api):
    sub, refresh_token = signed_in(api)
    assert provider.user_groups(sub) == ()
    provider.add_to_group("Signed.In@example.com", "staff")
    assert provider.user_groups(sub) == ("staff",)
    provider.set_enabled(sub, False)
    assert provider.get_user(sub).enabled is False
    with pytest.raises(NotAuthenticated):  # disabling signs the user out
        provider.refresh(refresh_token=refresh_token)
    provider.set_enabled(sub, True)
    assert provider.get_user(sub).enabled is True


def test_delete_user_removes_the_identity_and_tolerates_a_retry(provider, user):
    provider.delete_user(user.id)
    provider.delete_user(user.id)
    assert provider.get_user(user.id) is None
