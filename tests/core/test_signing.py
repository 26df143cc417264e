"""FastSigV4Auth signs exactly as botocore's SigV4Auth does (moto checks no signature, so this is the check)."""

import datetime as dt

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.dynamodb import connection
from apps.core.signing import SIGNATURE_VERSION, FastSigV4Auth

header_names = st.sampled_from(["X-Amz-Target", "Content-Type", "User-Agent", "x-custom", "X-CUSTOM", "Expect",
                                "X-Amz-Content-SHA256", "Host", "Accept-Encoding", "amz-sdk-request"])
header_values = st.text(st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=20)
urls = st.sampled_from(["https://dynamodb.us-east-1.amazonaws.com/", "http://127.0.0.1:5000/",
                        "https://dynamodb.eu-west-1.amazonaws.com:443/", "http://localhost:80/a/./b//c",
                        "https://example.com/path%20x?b=2&a=1&a=0", "http://[::1]:8000/x?q"])
bodies = st.one_of(st.binary(max_size=64), st.just(b""), st.text(max_size=20))


@pytest.fixture
def frozen_signing_time(monkeypatch):
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: dt.datetime(2026, 11, 23, 23, 59, 59))


# The fixture only freezes the clock: the same for every example.
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(["POST", "get", "PUT"]), url=urls, body=bodies,
       headers=st.lists(st.tuples(header_names, header_values), max_size=6),
       token=st.none() | st.just("session-token"), region=st.sampled_from(["us-east-1", "eu-west-1"]),
       context=st.sampled_from([{}, {"payload_signing_enabled": False}]))
def test_the_same_headers_and_signature_as_botocore(frozen_signing_time, method, url, body, headers, token, region,
                                                     context):
    credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", token).get_frozen_credentials()
    signed = []
    for signer_class in (SigV4Auth, FastSigV4Auth):
        request = AWSRequest(method=method, url=url, data=body)
        for name, value in headers:
            request.headers[name] = value
        request.context = dict(context)
        signer_class(credentials, "dynamodb", region).add_auth(request)
        signed.append((list(request.headers.items()), request.context))
    assert signed[0] == signed[1]


def test_the_dynamodb_client_signs_with_it():
    events = connection().client.meta.events
    _, chosen = events.emit_until_response("choose-signer.dynamodb.Query", signature_version="v4", context={})
    assert chosen == SIGNATURE_VERSION and botocore.auth.AUTH_TYPE_MAPS[chosen] is FastSigV4Auth
    assert connection().client.describe_table(TableName=connection().client.list_tables()["TableNames"][0])
