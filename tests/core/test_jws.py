"""apps.core.jws against PyJWT: on generated tokens (headers, claims of every type, two keys, tampering),
ours accepts exactly what PyJWT (configured as our verifier used it) accepts, with the same claims,
except where ours is stricter by design (see the module): time claims that are not JSON numbers,
padded or non-base64url segments, `crit` and `b64` headers."""

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.hashes import SHA256
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core import jws

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
LEEWAY = 5
REQUIRED = ("exp", "iat", "iss", "sub", "token_use", "client_id")
TIME_CLAIMS = ("exp", "iat", "nbf")

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC = KEY.public_key()
MISSING = object()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def sign(header: dict, payload: dict, key=KEY) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode(), padding.PKCS1v15(), SHA256()))}"


def pyjwt_claims(token: str):
    try:
        return jwt.decode(token, key=PUBLIC, algorithms=["RS256"], issuer=ISSUER, leeway=LEEWAY,
                          options={"require": list(REQUIRED), "verify_aud": False})
    except jwt.PyJWTError:
        return None


def our_claims(token: str):
    try:
        return jws.verify(token, PUBLIC, issuer=ISSUER, leeway=LEEWAY, required=REQUIRED)
    except jws.InvalidJWT:
        return None


# Seconds from now, each well clear of now ± LEEWAY, so the test cannot race the clock.
OFFSETS = [-10**6, -3600, -(LEEWAY + 120), LEEWAY + 120, 3600, 10**6]
time_value = st.one_of(
    st.sampled_from(OFFSETS).map(lambda o: int(time.time()) + o),
    st.sampled_from(OFFSETS).map(lambda o: time.time() + o + 0.5),
    st.sampled_from(OFFSETS).map(lambda o: str(int(time.time()) + o)),  # PyJWT takes it; we do not
    st.sampled_from([None, True, False, "soon", 10**30, float("inf"), float("nan"), [1]]),
)


ALTERNATIVES = {
    "exp": time_value, "iat": time_value, "nbf": time_value,
    "iss": st.sampled_from([ISSUER + "/", "https://example.com", 7, None]),
    "sub": st.sampled_from(["", 7, None]), "jti": st.sampled_from(["a-jti", 9]),
    "token_use": st.sampled_from(["id", None]), "client_id": st.sampled_from(["", None]),
}
HEADERS = [{"alg": "RS512"}, {"alg": "HS256"}, {"alg": "none"}, {"alg": "rs256"}, {"alg": None}, {"typ": "JWT"},
           {"crit": ["exp"]}, {"b64": True}, {"b64": False, "crit": ["b64"]}]


@st.composite
def tokens(draw):
    """A valid token, then up to three changes: a claim's value (or its absence), the header, the signing
    key, extra claims, or tampering with the token's text."""
    now = int(time.time())
    claims = {"exp": now + 3600, "iat": now, "iss": ISSUER, "sub": "4c0f-sub", "token_use": "access",
              "client_id": "client", "jti": "j"}
    header, key = {"alg": "RS256", "kid": "k1"}, KEY
    tampering = None
    for change in draw(st.lists(st.sampled_from(["claim", "drop", "header", "key", "extra", "tamper"]), max_size=3)):
        if change == "claim":
            name = draw(st.sampled_from(sorted(ALTERNATIVES)))
            claims[name] = draw(ALTERNATIVES[name])
        elif change == "drop":
            claims.pop(draw(st.sampled_from(sorted(ALTERNATIVES))), None)
        elif change == "header":
            header.update(draw(st.sampled_from(HEADERS)))
        elif change == "key":
            key = OTHER_KEY
        elif change == "extra":
            claims.update(draw(st.dictionaries(st.text(max_size=4), st.integers() | st.text(max_size=4), max_size=2)))
        else:
            tampering = draw(st.sampled_from(["flip", "pad", "drop signature", "extra segment"]))
    token = sign(header, claims, key)
    if tampering == "flip":
        at = draw(st.integers(0, len(token) - 1))
        token = token[:at] + draw(st.sampled_from("AQgw_-.=+/ é")) + token[at + 1:]
    elif tampering == "pad":
        parts = token.split(".")
        at = draw(st.integers(0, 2))
        parts[at] += "=" * (-len(parts[at]) % 4 or 4)
        token = ".".join(parts)
    elif tampering == "drop signature":
        token = token.rsplit(".", 1)[0] + "."
    elif tampering == "extra segment":
        token += ".e30"
    return header, claims, token


def strictly_acceptable(header: dict, claims: dict, token: str) -> bool:
    """What ours refuses on top of PyJWT (module docstring)."""
    segments_ok = all(jws._BASE64URL.fullmatch(part) for part in token.split("."))
    numbers_ok = all(type(claims[name]) in (int, float) for name in TIME_CLAIMS if name in claims)
    return segments_ok and numbers_ok and "crit" not in header and "b64" not in header


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens())
def test_ours_accepts_what_pyjwt_accepts_with_the_same_claims(case):
    header, claims, token = case
    expected = pyjwt_claims(token) if strictly_acceptable(header, claims, token) else None
    assert our_claims(token) == expected


def test_the_generator_reaches_both_outcomes_and_the_stricter_rules():
    # A control for the property above: it would pass vacuously if nothing were ever accepted.
    now = int(time.time())
    good = {"exp": now + 60, "iat": now, "iss": ISSUER, "sub": "s", "token_use": "access", "client_id": "c"}
    token = sign({"alg": "RS256", "kid": "k1"}, good)
    assert our_claims(token) == pyjwt_claims(token) == good
    as_string = sign({"alg": "RS256", "kid": "k1"}, {**good, "exp": str(now + 60)})
    assert pyjwt_claims(as_string) is not None and our_claims(as_string) is None
    with_b64 = sign({"alg": "RS256", "kid": "k1", "b64": True}, good)
    assert pyjwt_claims(with_b64) is not None and our_claims(with_b64) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab.=-_{}\"é0 "), max_size=40) | st.text(max_size=40))
def test_any_text_is_a_header_or_an_invalid_jwt_never_another_error(text):
    try:
        assert isinstance(jws.unverified_header(text), dict)
    except jws.InvalidJWT:
        pass
    assert our_claims(text) is None


def test_a_jwk_gives_the_same_key_as_pyjwt():
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(PUBLIC))
    for extra in ({}, {"alg": "RS256", "use": "sig", "kid": "k1"}):
        ours = jws.rsa_signing_key({**jwk, **extra})
        assert ours.public_numbers() == jwt.PyJWK({**jwk, **extra}, algorithm="RS256").key.public_numbers()


@pytest.mark.parametrize("change", [
    {"kty": "EC"}, {"alg": "RS512"}, {"use": "enc"}, {"n": 5}, {"e": None}, {"e": "Ag"},  # even exponent
    {"n": "not base64!"},
])
def test_a_jwk_that_is_not_an_rs256_signing_key_is_refused(change):
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(PUBLIC))
    with pytest.raises(jws.InvalidJWT):
        jws.rsa_signing_key({**jwk, **change})
