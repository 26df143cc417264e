"""TableItem's faster instantiation makes the same items PynamoDB's own does; its queries."""

import json

import pytest
from django.conf import settings
from pynamodb.attributes import AttributeContainer
from pynamodb.exceptions import AttributeDeserializationError

from apps.batches import keys
from apps.batches.models import BatchItem
from apps.core import demo
from apps.core.dynamodb import connection
from apps.core.models import TableItem
from kefir import aws


def test_every_stored_item_type_instantiates_as_pynamodb_would(user_api):
    demo.seed_demo()
    user_api.post("/api/v1/devices", {"token": "ExponentPushToken[models-test]", "platform": "ios"}, format="json")
    raw_items = aws.client("dynamodb").scan(TableName=settings.DYNAMODB_TABLE_NAME)["Items"]
    types = set()
    for raw in raw_items:
        ours = TableItem.from_raw_data(raw)
        theirs = AttributeContainer._instantiate.__func__(TableItem, raw)
        assert type(ours) is type(theirs)
        assert ours.attribute_values == theirs.attribute_values
        assert ours.serialize() == theirs.serialize() == raw
        types.add(type(ours).__name__)
    assert {"BatchItem", "EventItem", "ReminderItem", "DeviceItem"} <= types, types


def test_a_value_of_the_wrong_type_fails_as_in_pynamodb():
    raw = {"PK": {"S": "USER#u"}, "SK": {"N": "1"}, "ItemType": {"S": "batch"}}
    with pytest.raises(AttributeDeserializationError) as ours:
        TableItem.from_raw_data(raw)
    with pytest.raises(AttributeDeserializationError) as theirs:
        AttributeContainer._instantiate.__func__(TableItem, raw)
    assert str(ours.value) == str(theirs.value)


def _sent_query_bodies(run) -> list[dict]:
    client = connection().client
    bodies = []

    def capture(request, **kwargs):
        bodies.append(json.loads(request.body))

    client.meta.events.register("before-send.dynamodb.Query", capture)
    try:
        run()
    finally:
        client.meta.events.unregister("before-send.dynamodb.Query", capture)
    return bodies


def test_a_base_class_query_sends_no_type_filter_and_a_subclass_query_keeps_its_own(user):
    (base,) = _sent_query_bodies(lambda: list(TableItem.query(keys.user_pk(user.id))))
    (batches,) = _sent_query_bodies(lambda: list(BatchItem.query(keys.user_pk(user.id))))
    assert "FilterExpression" not in base
    assert "FilterExpression" in batches and {"S": "batch"} in batches["ExpressionAttributeValues"].values()


def test_an_item_of_a_type_this_version_does_not_know_is_skipped(user, user_api):
    batch = user_api.post("/api/v1/batches", {"name": "Newer", "kind": "milk"}, format="json").json()
    user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "fed"}, format="json")
    # What a newer deployment might write under the batch's prefix.
    aws.client("dynamodb").put_item(TableName=settings.DYNAMODB_TABLE_NAME, Item={
        "PK": {"S": keys.user_pk(user.id)}, "SK": {"S": f"{keys.batch_prefix(batch['id'])}#ZZZ#1"},
        "ItemType": {"S": "from_the_future"}, "shape": {"S": "unknown"},
    })
    items = list(TableItem.query(keys.user_pk(user.id), TableItem.SK.startswith(keys.batch_prefix(batch["id"]))))
    assert sorted(type(item).__name__ for item in items) == ["BatchItem", "EventItem", "TableItem"]
    with pytest.raises(ValueError):
        list(BatchItem.from_raw_data({"PK": {"S": "p"}, "SK": {"S": "s"}, "ItemType": {"S": "from_the_future"}}))

    detail = user_api.get(f"/api/v1/batches/{batch['id']}")
    assert detail.status_code == 200 and [e["type"] for e in detail.json()["timeline"]] == ["fed"]
    events = user_api.get(f"/api/v1/batches/{batch['id']}/events")
    assert events.status_code == 200 and [e["type"] for e in events.json()["results"]] == ["fed"]
