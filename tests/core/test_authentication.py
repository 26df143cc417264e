import base64
import json
import os
import subprocess
import sys
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.core import tokens

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


def test_the_jwks_is_fetched_once_and_cached(api, user, monkeypatch):
    from apps.core import authentication

    fetches = []
    original = authentication.JwksCache._refresh

    def counting(self, url, now):
        fetches.append(url)
        return original(self, url, now)

    monkeypatch.setattr(authentication.JwksCache, "_refresh", counting)
    for _ in range(3):
        assert call(api, user.access_token).status_code == 200
    assert len(fetches) == 1


def test_an_unknown_kid_refreshes_the_jwks_at_most_once_per_interval(api, user, monkeypatch, settings):
    from apps.core import authentication

    fetches = []
    original = authentication.JwksCache._refresh

    def counting(self, url, now):
        fetches.append(url)
        return original(self, url, now)

    monkeypatch.setattr(authentication.JwksCache, "_refresh", counting)
    assert call(api, user.access_token).status_code == 200
    settings.JWKS_MIN_REFRESH_INTERVAL_S = 0
    assert_rejected(call(api, tokens.forge(tokens.claims(user.id), kid="rotated-key")))
    assert len(fetches) == 2  # the unknown kid refreshed once
    settings.JWKS_MIN_REFRESH_INTERVAL_S = 3600
    for _ in range(3):
        assert_rejected(call(api, tokens.forge(tokens.claims(user.id), kid="rotated-key")))
    assert len(fetches) == 2  # and forged kids cannot make it fetch again within the interval


def test_tokens_of_a_revoked_user_stop_working_at_once(api, user):
    from apps.core import revocation

    assert call(api, user.access_token).status_code == 200
    revocation.revoke(user.id)
    assert_rejected(call(api, user.access_token))


def test_revocation_reaches_other_processes_within_the_check_interval(api, user, settings):
    from apps.core import repository, revocation

    assert call(api, user.access_token).status_code == 200
    # Another process erased the account: only the table knows.
    repository.user_revoke(user_id=user.id, revoked_at="2026-01-01T00:00:00Z", expires_at=2**31)
    settings.REVOCATION_CHECK_INTERVAL_S = 0
    assert_rejected(call(api, user.access_token))
    assert revocation.is_revoked(user.id)


def test_the_revocation_check_is_cached_per_process(api, user):
    from apps.core.dynamodb import count_requests

    call(api, user.access_token)
    with count_requests() as counter:
        for _ in range(3):
            assert call(api, user.access_token).status_code == 200
    assert counter.count == 0


def test_a_verified_token_is_remembered_only_until_it_expires():
    from apps.core.authentication import VerifiedTokens

    remembered = VerifiedTokens(size=2)
    remembered.put(("iss", "client", "expired"), {"exp": time.time() - 60, "sub": "a"})
    remembered.put(("iss", "client", "valid"), {"exp": time.time() + 600, "sub": "b"})
    assert remembered.get(("iss", "client", "expired")) is None
    assert remembered.get(("iss", "client", "valid"))["sub"] == "b"
    remembered.put(("iss", "client", "c"), {"exp": time.time() + 600, "sub": "c"})
    remembered.put(("iss", "client", "d"), {"exp": time.time() + 600, "sub": "d"})
    assert remembered.get(("iss", "client", "valid")) is None  # the least recently used went first


def test_a_remembered_token_is_checked_again_for_another_app_client(api, user, settings):
    from apps.core import identity

    assert call(api, user.access_token).status_code == 200
    settings.COGNITO_APP_CLIENT_ID = "another-app-client"
    identity.reset()
    assert_rejected(call(api, user.access_token))


# A fresh process, as a new Lambda container: sets up Django, serves one authenticated request through the
# WSGI handler, and reports on which thread each JWKS fetch ran (urllib's urlopen, counted).
FIRST_REQUEST = """
import json, sys, threading, urllib.request, wsgiref.util
fetches = []
_urlopen = urllib.request.urlopen
def urlopen(*args, **kwargs):
    fetches.append(threading.current_thread().name)
    return _urlopen(*args, **kwargs)
urllib.request.urlopen = urlopen
from django.core.wsgi import get_wsgi_application
app = get_wsgi_application()
for thread in threading.enumerate():
    if thread.name == "jwks-prefetch":
        thread.join(10)
environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/v1/batches", "HTTP_AUTHORIZATION": "Bearer " + sys.argv[1]}
wsgiref.util.setup_testing_defaults(environ)
statuses = []
b"".join(app(environ, lambda status, headers: statuses.append(status)))
print(json.dumps({"status": statuses[0], "fetches": fetches}))
"""


def _first_request_of_a_new_process(token, **env):
    from django.conf import settings

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kefir.settings.test",
           "COGNITO_USER_POOL_ID": settings.COGNITO_USER_POOL_ID,
           "COGNITO_APP_CLIENT_ID": settings.COGNITO_APP_CLIENT_ID, **env}
    result = subprocess.run([sys.executable, "-c", FIRST_REQUEST, token], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_new_lambda_container_fetches_the_jwks_while_starting_not_in_its_first_request(user):
    outcome = _first_request_of_a_new_process(user.access_token, AWS_LAMBDA_FUNCTION_NAME="kefir-test")
    assert outcome == {"status": "200 OK", "fetches": ["jwks-prefetch"]}


def test_outside_lambda_the_first_request_fetches_the_jwks_itself(user):
    outcome = _first_request_of_a_new_process(user.access_token, AWS_LAMBDA_FUNCTION_NAME="", JWKS_PREFETCH="")
    assert outcome == {"status": "200 OK", "fetches": ["MainThread"]}


def test_a_failed_prefetch_leaves_the_first_request_to_fetch_the_keys(api, user, settings, caplog):
    from apps.core import authentication

    settings.COGNITO_JWKS_URL = "http://127.0.0.1:9/.well-known/jwks.json"  # nothing listens on port 9
    authentication.prefetch_jwks()
    assert "could not fetch the JWKS" in caplog.text
    settings.COGNITO_JWKS_URL = None
    assert call(api, user.access_token).status_code == 200


def test_a_prefetch_after_the_keys_are_cached_fetches_nothing(api, user, monkeypatch):
    from apps.core import authentication

    assert call(api, user.access_token).status_code == 200
    fetches = []
    monkeypatch.setattr(authentication.JwksCache, "_refresh", lambda self, url, now: fetches.append(url))
    authentication.prefetch_jwks()
    assert fetches == []
