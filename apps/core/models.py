"""The single table: one PynamoDB base class for every item type (storage only, no behaviour).

Item types are subclasses with a discriminator (PynamoDB polymorphism), so one Query can return a
batch and its events as their own classes. Keys and the GSI are declared here once.
"""

from django.conf import settings
from pynamodb.attributes import DiscriminatorAttribute, NumberAttribute, UnicodeAttribute
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
    def _get_connection(cls):
        # PynamoDB gives each Model class a connection of its own: each of our item types would build its own
        # botocore client (its models, endpoint rules and pool). They all share TableItem's instead, which is
        # also where the request counter (apps.core.dynamodb.count_requests) hooks in.
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
