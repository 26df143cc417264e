"""The fast DynamoDB response parser gives exactly what botocore's own parser gives."""

import base64
import json

import botocore.session
from botocore.parsers import create_parser
from django.conf import settings as django_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.core.aws.dynamodb_json import DynamoDBParserFactory
from apps.core.aws.table import connection

MODEL = botocore.session.get_session().get_service_model("dynamodb")
names = st.text(min_size=1, max_size=8)
numbers = st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str)
blobs = st.binary(max_size=12).map(lambda b: base64.b64encode(b).decode())
scalars = st.one_of(
    st.builds(lambda v: {"S": v}, st.text(max_size=20)),
    st.builds(lambda v: {"N": v}, numbers),
    st.builds(lambda v: {"B": v}, blobs),
    st.builds(lambda v: {"BOOL": v}, st.booleans()),
    st.just({"NULL": True}),
    st.builds(lambda v: {"SS": v}, st.lists(st.text(max_size=5), min_size=1, max_size=3)),
    st.builds(lambda v: {"NS": v}, st.lists(numbers, min_size=1, max_size=3)),
    st.builds(lambda v: {"BS": v}, st.lists(blobs, min_size=1, max_size=3)),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.builds(lambda v: {"L": v}, st.lists(inner, max_size=3)),
    st.builds(lambda v: {"M": v}, st.dictionaries(names, inner, max_size=3)),
), max_leaves=12)
items = st.dictionaries(names, values, min_size=1, max_size=6)


def _both(operation: str, body: dict) -> tuple[dict, dict]:
    response = {"body": json.dumps(body).encode(), "headers": {}, "status_code": 200}
    shape = MODEL.operation_model(operation).output_shape
    return (create_parser("json").parse(response, shape),
            DynamoDBParserFactory().create_parser("json").parse(response, shape))


@settings(max_examples=150, deadline=None)
@given(st.lists(items, max_size=4), st.none() | items)
def test_query_pages_parse_the_same(page, last_key):
    body = {"Items": page, "Count": len(page), "ScannedCount": len(page)}
    if last_key:
        body["LastEvaluatedKey"] = last_key
    expected, fast = _both("Query", body)
    assert fast == expected


@settings(max_examples=50, deadline=None)
@given(items)
def test_get_item_and_transact_get_parse_the_same(item):
    expected, fast = _both("GetItem", {"Item": item})
    assert fast == expected
    expected, fast = _both("TransactGetItems", {"Responses": [{"Item": item}, {}]})
    assert fast == expected


def test_odd_bodies_are_read_as_botocore_reads_them():
    shape = MODEL.operation_model("Query").output_shape
    for body in (b'{"Items": [{"a": {"S": "\\ud800"}}], "Count": 1, "ScannedCount": 1}', b"not json at all", b"",
                 b'{"Items": [null, {"a": {"N": "1"}}], "Count": 2}'):
        response = {"body": body, "headers": {}, "status_code": 200}
        expected = create_parser("json").parse(response, shape)
        assert DynamoDBParserFactory().create_parser("json").parse(response, shape) == expected


def test_the_factory_hands_out_one_json_parser_which_reads_each_response_on_its_own():
    factory = DynamoDBParserFactory()
    parser = factory.create_parser("json")
    assert factory.create_parser("json") is parser
    shape = MODEL.operation_model("Query").output_shape
    bodies = [b'{"Items": [{"a": {"B": "AA=="}}], "Count": 1, "ScannedCount": 1}', b"not json at all",
              b'{"Items": [], "Count": 0, "ScannedCount": 0, "LastEvaluatedKey": {"PK": {"S": "x"}}}']
    for body in bodies * 2:
        response = {"body": body, "headers": {}, "status_code": 200}
        assert parser.parse(response, shape) == create_parser("json").parse(response, shape)
    factory.set_parser_defaults(timestamp_parser=str)
    assert factory.create_parser("json") is not parser
    assert type(factory.create_parser("rest-xml")) is type(create_parser("rest-xml"))


def test_an_unknown_member_type_is_left_to_botocore():
    expected, fast = _both("GetItem", {"Item": {"x": {"FUTURE": "1"}, "y": {"M": {"z": {"FUTURE": 2}}}}})
    assert fast == expected


def test_the_table_connection_reads_with_the_fast_parser():
    factory = connection().client._endpoint._response_parser_factory
    assert isinstance(factory, DynamoDBParserFactory)


def test_requests_carry_the_fixed_user_agent():
    """A fixed User-Agent keeps botocore off its per-request composition of the default one."""
    from kefir import aws

    sent = []

    def capture(request, **kwargs):
        sent.append(request.headers["User-Agent"].decode())

    dynamodb, s3 = connection().client, aws.client("s3")
    calls = [lambda: dynamodb.describe_table(TableName=django_settings.DYNAMODB_TABLE_NAME), s3.list_buckets]
    for client, call in zip((dynamodb, s3), calls, strict=True):
        client.meta.events.register("before-send", capture)
        try:
            call()
        finally:
            client.meta.events.unregister("before-send", capture)
    assert len(sent) == 2
    assert all(ua.split(" Botocore/")[0] == aws.USER_AGENT for ua in sent)  # boto3 appends its own marker
