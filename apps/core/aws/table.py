"""The single table: one PynamoDB base class for every item type (storage only, no behaviour), the
process's connection to it, and transactions on that connection.

Item types are subclasses with a discriminator (PynamoDB polymorphism), so one Query can return a
batch and its events as their own classes. Keys and the GSI are declared here once.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from pynamodb.attributes import DiscriminatorAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactGet, TransactWrite

from apps.core.aws.counting import instrument


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
        # also where the request counter (apps.core.aws.counting.count_requests) hooks in.
        table_connection = Model._get_connection.__func__(TableItem)
        from apps.core.aws.dynamodb_json import use_fast_parsing

        connection = table_connection.connection
        session = connection.session  # PynamoDB's, one per thread; it creates the client on first use
        if session.get_default_client_config() is None:
            from botocore.config import Config

            from kefir.aws import USER_AGENT

            use_fast_parsing(session)
            session.set_default_client_config(Config(user_agent=USER_AGENT))
        instrument(connection.client)
        return table_connection


def connection() -> Connection:
    """The process's one low-level PynamoDB connection to the table's region and endpoint."""
    return TableItem._get_connection().connection


def transact_write(**kwargs: object) -> TransactWrite:
    """A TransactWrite on the table's connection (PynamoDB's default would ignore our endpoint)."""
    return TransactWrite(connection=connection(), **kwargs)


def transact_get(**kwargs: object) -> TransactGet:
    """A TransactGet on the table's connection."""
    return TransactGet(connection=connection(), **kwargs)


# --- several repositories' items in one request ---------------------------------------------------------------

@dataclass(frozen=True)
class ItemRead:
    """One item of a read_together() call: a repository builds it, and converts what comes back (None when the
    item does not exist)."""

    model: type
    hash_key: str
    range_key: str
    convert: Callable[[object | None], object]


# One write of a write_together() call: a repository's function that adds its item to the transaction.
WriteOp = Callable[[TransactWrite], None]


def read_together(*reads: ItemRead) -> list:
    """The items, converted, in ONE TransactGetItems (a consistent snapshot of them all)."""
    with transact_get() as transaction:
        futures = [transaction.get(read.model, read.hash_key, read.range_key) for read in reads]
    results = []
    for read, future in zip(reads, futures, strict=True):
        try:
            item = future.get()
        except read.model.DoesNotExist:
            item = None
        results.append(read.convert(item))
    return results


def write_together(ops: list[WriteOp]) -> bool:
    """Every write in ONE TransactWriteItems; False (and nothing written) when one of their conditions failed."""
    try:
        with transact_write() as transaction:
            for op in ops:
                op(transaction)
    except TransactWriteError as exc:
        if transaction_condition_failed(exc):
            return False
        raise
    return True


def transaction_condition_failed(exc: TransactWriteError) -> bool:
    """True when a transaction was cancelled because one of its conditions did not hold."""
    return exc.cause_response_code == "TransactionCanceledException" and any(
        reason and reason.code == "ConditionalCheckFailed" for reason in (exc.cancellation_reasons or [])
    )
