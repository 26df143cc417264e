"""The single table: one PynamoDB base class for every item type (storage only, no behaviour).

Item types are subclasses with a discriminator (PynamoDB polymorphism), so one Query can return a
batch and its events as their own classes. Keys and the GSI are declared here once.
"""

from typing import NamedTuple

from django.conf import settings
from pynamodb.attributes import DiscriminatorAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import AttributeDeserializationError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.pagination import ResultIterator


class TableMeta:
    table_name = settings.DYNAMODB_TABLE_NAME
    region = settings.AWS_REGION
    host = settings.AWS_ENDPOINT_URL or None
    connect_timeout_seconds = settings.DYNAMODB_CONNECT_TIMEOUT_S
    read_timeout_seconds = settings.DYNAMODB_READ_TIMEOUT_S
    max_retry_attempts = settings.DYNAMODB_MAX_RETRIES
    billing_mode = "PAY_PER_REQUEST"


class ReadPlan(NamedTuple):
    """How TableItem._instantiate fills one item class's attribute_values from DynamoDB's wire form."""

    fixed: dict  # set whatever the item holds: the discriminator attribute
    by_stored_name: dict  # stored name -> (python name, wire type, deserialize or None where it is the identity)
    defaults: tuple  # (python name, default) of the attributes that have one


_READ_PLANS: dict[type, ReadPlan] = {}


def _read_plan(item_cls: type) -> ReadPlan:
    discriminator = item_cls._get_discriminator_attribute()
    own_type = discriminator is not None and discriminator.get_discriminator(item_cls) is not None
    by_stored_name = {
        attribute.attr_name: (name, attribute.attr_type,
                              None if type(attribute) is UnicodeAttribute else attribute.deserialize)
        for name, attribute in item_cls.get_attributes().items()
        # The base class reads an item of an unknown type: its ItemType names no class here.
        if own_type or attribute is not discriminator
    }
    defaults = tuple((name, attribute.default) for name, attribute in item_cls.get_attributes().items()
                     if attribute.default is not None)
    plan = _READ_PLANS[item_cls] = ReadPlan({item_cls._discriminator: item_cls} if own_type else {},
                                            by_stored_name, defaults)
    return plan


class GSI1(GlobalSecondaryIndex):
    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    GSI1PK = UnicodeAttribute(hash_key=True)
    GSI1SK = UnicodeAttribute(range_key=True)


class TableItem(Model):
    class Meta(TableMeta):
        pass

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    item_type = DiscriminatorAttribute(attr_name="ItemType")
    GSI1PK = UnicodeAttribute(null=True)
    GSI1SK = UnicodeAttribute(null=True)
    # Epoch seconds; DynamoDB's TTL deletes the item some time after it passes.
    TTL = NumberAttribute(null=True)

    gsi1 = GSI1()

    @classmethod
    def query(cls, hash_key, range_key_condition=None, filter_condition=None, consistent_read=False,
              index_name=None, scan_index_forward=None, limit=None, last_evaluated_key=None,
              attributes_to_get=None, page_size=None, rate_limit=None) -> ResultIterator:
        """PynamoDB 6.1's Model.query, minus one filter on the base class. PynamoDB restricts every query
        of a polymorphic model to its registered types: on TableItem, `ItemType IN (<all 14 types>)`,
        built and sent with every timeline read (about 0.2 ms of our time per query) to exclude nothing
        this code writes. Without it, an item of a type this version does not know (one a newer
        deployment wrote) reads as a bare TableItem, which the repositories skip as they skip the
        types they do not want. Subclasses keep PynamoDB's filter."""
        if cls is not TableItem or index_name:
            return super().query(hash_key, range_key_condition, filter_condition, consistent_read, index_name,
                                 scan_index_forward, limit, last_evaluated_key, attributes_to_get, page_size,
                                 rate_limit)
        query_kwargs = dict(
            range_key_condition=range_key_condition, filter_condition=filter_condition, index_name=None,
            exclusive_start_key=last_evaluated_key, consistent_read=consistent_read,
            scan_index_forward=scan_index_forward, limit=limit if page_size is None else page_size,
            attributes_to_get=attributes_to_get,
        )
        return ResultIterator(cls._get_connection().query, (cls._serialize_keys(hash_key)[0],), query_kwargs,
                              map_fn=cls.from_raw_data, limit=limit, rate_limit=rate_limit)

    @classmethod
    def _instantiate(cls, attribute_values: dict[str, dict]) -> "TableItem":
        """An item read from DynamoDB, as PynamoDB 6.1's AttributeContainer._instantiate makes it, minus its
        double work: it runs __init__ (every attribute set to its default through the descriptors), then
        deserializes over that, again through the descriptors. This fills `attribute_values` once, from a
        per-class plan (see _read_plan), visiting only the attributes the item holds.
        tests/core/test_models.py compares both on real items."""
        kind = attribute_values.get("ItemType")
        stored_cls = cls
        if kind:
            if "S" not in kind:
                raise AttributeDeserializationError("ItemType", "S")
            try:
                stored_cls = TableItem.item_type.deserialize(kind["S"])
            except ValueError:  # a type unknown to this version
                if cls is not TableItem:
                    raise
                stored_cls = TableItem
            if not issubclass(stored_cls, cls):
                raise ValueError(f"Cannot instantiate a {cls.__name__} from the returned class: {stored_cls.__name__}")
        plan = _READ_PLANS.get(stored_cls) or _read_plan(stored_cls)
        values: dict[str, object] = dict(plan.fixed)
        by_stored_name = plan.by_stored_name
        for stored_name, raw in attribute_values.items():
            entry = by_stored_name.get(stored_name)
            if entry is None or not raw or "NULL" in raw:
                continue
            name, attr_type, deserialize = entry
            if attr_type not in raw:
                raise AttributeDeserializationError(stored_name, attr_type)
            values[name] = raw[attr_type] if deserialize is None else deserialize(raw[attr_type])
        for name, default in plan.defaults:
            if name not in values:
                values[name] = default() if callable(default) else default
        instance = stored_cls.__new__(stored_cls)
        instance.attribute_values = values
        return instance

    @classmethod
    def _get_connection(cls):
        # Every item type shares one connection, so one botocore client and one connection pool.
        table_connection = Model._get_connection.__func__(TableItem)
        from apps.core.dynamodb import instrument  # the request counter; imported late (cycle)
        from apps.core.dynamodb_json import use_fast_parsing

        connection = table_connection.connection
        session = connection.session  # PynamoDB's, one per thread; it creates the client on first use
        if session.get_default_client_config() is None:
            from botocore.config import Config

            from kefir.aws import USER_AGENT

            use_fast_parsing(session)
            session.set_default_client_config(Config(user_agent=USER_AGENT))
        instrument(connection.client)
        return table_connection


class IdempotencyRecord(TableItem, discriminator="idempotency"):
    fingerprint = UnicodeAttribute()
    state = UnicodeAttribute()  # "in_progress" | "done"
    status_code = NumberAttribute(null=True)
    body = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


class RevokedUser(TableItem, discriminator="revoked_user"):
    """A user whose tokens must stop working (account erased). Kept past the longest token life."""

    revoked_at = UnicodeAttribute()
