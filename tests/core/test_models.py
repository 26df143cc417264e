"""TableItem's faster instantiation makes the same items PynamoDB's own does."""

import pytest
from django.conf import settings
from pynamodb.attributes import AttributeContainer
from pynamodb.exceptions import AttributeDeserializationError

from apps.core import demo
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
