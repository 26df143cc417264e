"""The single table's item classes: what a version does with an item type it does not know."""

import pytest
from django.conf import settings

from apps.batches.models import BatchItem
from apps.core.aws.table import TableItem
from apps.events import keys
from kefir import aws


def test_an_item_of_a_type_this_version_does_not_know_is_skipped(user, user_api):
    batch = user_api.post("/api/v1/batches", {"name": "Newer", "kind": "milk"}, format="json").json()
    user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "fed"}, format="json")
    # What a newer deployment might write under the batch's prefix.
    aws.client("dynamodb").put_item(TableName=settings.DYNAMODB_TABLE_NAME, Item={
        "PK": {"S": keys.user_pk(user.id)}, "SK": {"S": f"{keys.batch_prefix(batch['id'])}#ZZZ#1"},
        "ItemType": {"S": "from_the_future"}, "shape": {"S": "unknown"},
    })
    items = list(TableItem.query(keys.user_pk(user.id), TableItem.SK.startswith(keys.batch_prefix(batch["id"]))))
    assert sorted(type(item).__name__ for item in items) == ["BatchItem", "EventItem"]
    with pytest.raises(ValueError):
        list(BatchItem.from_raw_data({"PK": {"S": "p"}, "SK": {"S": "s"}, "ItemType": {"S": "from_the_future"}}))

    detail = user_api.get(f"/api/v1/batches/{batch['id']}")
    assert detail.status_code == 200 and [e["type"] for e in detail.json()["timeline"]] == ["fed"]
    events = user_api.get(f"/api/v1/batches/{batch['id']}/events")
    assert events.status_code == 200 and [e["type"] for e in events.json()["results"]] == ["fed"]
