"""One moto server per test session, over real HTTP; reset and re-bootstrapped before every test."""

import pytest
import requests
from django.conf import settings
from django.urls import set_script_prefix
from rest_framework.test import APIClient

from apps.core.auth import identity, revocation
from apps.core.auth.authentication import jwks_cache, verified_tokens
from apps.core.aws import bootstrap
from tests import factory


@pytest.fixture(scope="session")
def aws_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=settings.TEST_AWS_PORT, verbose=False)
    server.start()
    yield settings.AWS_ENDPOINT_URL
    server.stop()


@pytest.fixture(autouse=True)
def aws(aws_server, settings):
    """A fresh emulator for each test: empty table, bucket and user pool."""
    requests.post(f"{aws_server}/moto-api/reset", timeout=10).raise_for_status()
    identity.reset()
    jwks_cache.clear()
    verified_tokens.clear()
    revocation.clear_cache()
    pool_id, client_id = bootstrap.ensure_all()
    settings.COGNITO_USER_POOL_ID, settings.COGNITO_APP_CLIENT_ID = pool_id, client_id
    identity.reset()
    yield aws_server
    identity.reset()
    # A Lambda event with a stage (/dev) sets Django's thread-local script prefix; don't let it leak.
    set_script_prefix("/")


@pytest.fixture
def api():
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def user():
    """A signed-in user (a real identity in the emulator's pool, with real tokens)."""
    return factory.make_user()


@pytest.fixture
def other_user():
    return factory.make_user()


@pytest.fixture
def user_api(user):
    """An API client authenticated as `user`."""
    return factory.client_for(user)


@pytest.fixture
def other_api(other_user):
    return factory.client_for(other_user)
