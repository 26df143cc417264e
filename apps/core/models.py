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
    # (python name, stored name, wire type, deserialize or None where it is the identity, default)
    attributes: tuple


_READ_PLANS: dict[type, ReadPlan] = {}


def _read_plan(item_cls: type) -> ReadPlan:
    discriminator = item_cls._get_discriminator_attribute()
    fixed = {}
    if discriminator is not None and discriminator.get_discriminator(item_cls) is not None:
        fixed[item_cls._discriminator] = item_cls
    attributes = tuple(
        (name, attribute.attr_name, attribute.attr_type,
         None if type(attribute) is UnicodeAttribute else attribute.deserialize, attribute.default)
        for name, attribute in item_cls.get_attributes().items()
    )
    plan = _READ_PLANS[item_cls] = ReadPlan(fixed, attributes)
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
    def _instantiate(cls, attribute_values: dict[str, dict]) -> "TableItem":
        """An item read from DynamoDB, as PynamoDB 6.1's AttributeContainer._instantiate makes it, minus its
        double work: it runs __init__ (every attribute set to its default through the descriptors), then
        deserializes over that, again through the descriptors. This fills `attribute_values` once, from a
        per-class plan (see _read_plan): a 50-event timeline read costs about a third.
        tests/core/test_models.py compares both on real items."""
        stored_cls = cls._get_discriminator_class(attribute_values) or cls
        if not issubclass(stored_cls, cls):
            raise ValueError(f"Cannot instantiate a {cls.__name__} from the returned class: {stored_cls.__name__}")
        plan = _READ_PLANS.get(stored_cls) or _read_plan(stored_cls)
        values: dict[str, object] = dict(plan.fixed)
        get = attribute_values.get
        for name, attr_name, attr_type, deserialize, default in plan.attributes:
            raw = get(attr_name)
            if raw and "NULL" not in raw:
                if attr_type not in raw:
                    raise AttributeDeserializationError(attr_name, attr_type)
                values[name] = raw[attr_type] if deserialize is None else deserialize(raw[attr_type])
            elif default is not None:
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

            from apps.core.signing import use_fast_signing
            from kefir.aws import USER_AGENT

            use_fast_parsing(session)
            use_fast_signing(session)
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
