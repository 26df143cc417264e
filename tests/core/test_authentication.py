import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.core import tokens
from tests.fakes.jwks import CountingJwks

pytestmark = pytest.mark.urls("tests.core.urls")


def call(api, token):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api.get("/probe/whoami")


def assert_rejected(response):
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_real_access_token_from_the_pool_is_accepted(api, user):
    response = call(api, user.access_token)
    assert response.status_code == 200
    assert response.json() == {"id": user.id}


def test_a_forged_token_signed_with_the_pool_key_and_right_claims_is_accepted(api, user):
    # The control for the cases below: only the one property under test differs.
    assert call(api, tokens.forge(tokens.claims(user.id))).status_code == 200


def test_no_token_is_401(api):
    assert_rejected(api.get("/probe/whoami"))


def test_wrong_client_id_is_rejected(api, user):
    assert_rejected(call(api, tokens.forge(tokens.claims(user.id, client_id="someone-elses-app"))))


def test_an_id_token_is_rejected(api, user):
    assert_rejected(call(api, user.id_token))


def test_token_use_id_with_client_id_is_rejected(api, user):
    assert_rejected(call(api, tokens.forge(tokens.claims(user.id, token_use="id"))))


def test_an_expired_token_is_rejected(api, user):
    past = int(time.time()) - 3600
    assert_rejected(call(api, tokens.forge(tokens.claims(user.id, iat=past - 3600, exp=past))))


def test_a_token_of_another_issuer_is_rejected(api, user):
    assert_rejected(call(api, tokens.forge(tokens.claims(user.id, iss="https://evil.example.com/pool"))))


def test_an_unknown_kid_is_rejected(api, user):
    assert_rejected(call(api, tokens.forge(tokens.claims(user.id), kid="not-a-pool-key")))


def test_alg_none_is_rejected(api, user):
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "kid": "dummy"}).encode()).rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(tokens.claims(user.id)).encode()).rstrip(b"=")
    assert_rejected(call(api, f"{header.decode()}.{body.decode()}."))


def test_hs256_signed_with_the_public_key_is_rejected(api, user):
    public_pem = tokens.emulator_private_key().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "kid": "dummy", "typ": "JWT"}
    segments = [base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=")
                for part in (header, tokens.claims(user.id))]
    signing_input = b".".join(segments)
    import hashlib
    import hmac

    signature = base64.urlsafe_b64encode(hmac.new(public_pem, signing_input, hashlib.sha256).digest()).rstrip(b"=")
    assert_rejected(call(api, (signing_input + b"." + signature).decode()))


def test_a_tampered_payload_is_rejected(api, user, other_user):
    header, _, signature = user.access_token.split(".")
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    claims["sub"] = other_user.id
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert_rejected(call(api, f"{header}.{body}.{signature}"))


def test_a_token_signed_by_another_key_with_the_pools_kid_is_rejected(api, user):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert_rejected(call(api, tokens.forge(tokens.claims(user.id), key=stranger)))


@pytest.mark.parametrize("header", ["Token abc", "Bearer", "Bearer a b", "Basic dXNlcjpwYXNz", "Bearer not.a.jwt"])
def test_malformed_authorization_headers_are_rejected(api, header):
    api.credentials(HTTP_AUTHORIZATION=header)
    assert_rejected(api.get("/probe/whoami"))


@pytest.fixture
def jwks(settings):
    """The pool's JWKS served through a counting relay, with an empty key cache."""
    from apps.core.auth import identity
    from apps.core.auth.authentication import jwks_cache

    with CountingJwks(identity.pool_config().jwks_url) as relay:
        settings.COGNITO_JWKS_URL = relay.url
        jwks_cache.clear()
        yield relay


def test_the_jwks_is_fetched_once_and_cached(api, user, jwks):
    for _ in range(3):
        assert call(api, user.access_token).status_code == 200
    assert jwks.fetches == 1


def test_an_unknown_kid_refreshes_the_jwks_at_most_once_per_interval(api, user, jwks, settings):
    assert call(api, user.access_token).status_code == 200
    settings.JWKS_MIN_REFRESH_INTERVAL_S = 0
    assert_rejected(call(api, tokens.forge(tokens.claims(user.id), kid="rotated-key")))
    assert jwks.fetches == 2  # the unknown kid refreshed once
    settings.JWKS_MIN_REFRESH_INTERVAL_S = 3600
    for _ in range(3):
        assert_rejected(call(api, tokens.forge(tokens.claims(user.id), kid="rotated-key")))
    assert jwks.fetches == 2  # and forged kids cannot make it fetch again within the interval


def test_after_a_restore_the_keys_are_refetched_in_the_background_while_requests_go_on(api, user, jwks):
    import threading

    from apps.core.auth.authentication import jwks_cache

    assert call(api, user.access_token).status_code == 200
    jwks.hold()
    jwks_cache.revalidate()
    assert jwks.entered.wait(10)  # the refetch has started, and waits for its answer
    assert call(api, tokens.forge(tokens.claims(user.id))).status_code == 200  # verified with the keys in hand
    jwks.release()
    for thread in threading.enumerate():
        if thread.name == "jwks-revalidate":
            thread.join(10)
    assert jwks.fetches == 2
    assert call(api, tokens.forge(tokens.claims(user.id))).status_code == 200  # and with the fresh ones


def test_tokens_of_a_revoked_user_stop_working_at_once(api, user):
    from apps.core.auth import revocation

    assert call(api, user.access_token).status_code == 200
    revocation.revoke(user.id)
    assert_rejected(call(api, user.access_token))


def test_revocation_reaches_other_processes_within_the_check_interval(api, user, settings):
    from apps.core import repository
    from apps.core.auth import revocation

    assert call(api, user.access_token).status_code == 200
    # Another process erased the account: only the table knows.
    repository.user_revoke(user_id=user.id, revoked_at="2026-01-01T00:00:00Z", expires_at=2**31)
    settings.REVOCATION_CHECK_INTERVAL_S = 0
    assert_rejected(call(api, user.access_token))
    assert revocation.is_revoked(user.id)


def test_the_revocation_check_is_cached_per_process(api, user):
    from apps.core.aws.counting import count_requests

    call(api, user.access_token)
    with count_requests() as counter:
        for _ in range(3):
            assert call(api, user.access_token).status_code == 200
    assert counter.count == 0


def test_a_verified_token_is_remembered_only_until_it_expires():
    from apps.core.auth.authentication import VerifiedTokens

    remembered = VerifiedTokens(size=2)
    remembered.put(("iss", "client", "expired"), {"exp": time.time() - 60, "sub": "a"})
    remembered.put(("iss", "client", "valid"), {"exp": time.time() + 600, "sub": "b"})
    assert remembered.get(("iss", "client", "expired")) is None
    assert remembered.get(("iss", "client", "valid"))["sub"] == "b"
    remembered.put(("iss", "client", "c"), {"exp": time.time() + 600, "sub": "c"})
    remembered.put(("iss", "client", "d"), {"exp": time.time() + 600, "sub": "d"})
    assert remembered.get(("iss", "client", "valid")) is None  # the least recently used went first


def test_a_remembered_token_is_checked_again_for_another_app_client(api, user, settings):
    from apps.core.auth import identity

    assert call(api, user.access_token).status_code == 200
    settings.COGNITO_APP_CLIENT_ID = "another-app-client"
    identity.reset()
    assert_rejected(call(api, user.access_token))


def test_a_failed_prefetch_leaves_the_first_request_to_fetch_the_keys(api, user, settings, caplog):
    from apps.core.auth import authentication

    settings.COGNITO_JWKS_URL = "http://127.0.0.1:9/.well-known/jwks.json"  # nothing listens on port 9
    authentication.prefetch_jwks()
    assert "could not fetch the JWKS" in caplog.text
    settings.COGNITO_JWKS_URL = None
    assert call(api, user.access_token).status_code == 200


def test_a_prefetch_after_the_keys_are_cached_fetches_nothing(api, user, jwks):
    from apps.core.auth import authentication

    assert call(api, user.access_token).status_code == 200
    authentication.prefetch_jwks()
    assert jwks.fetches == 1
