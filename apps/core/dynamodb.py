"""Table-level plumbing shared by every repository: the connection, transactions, request counting."""

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactGet, TransactWrite

from apps.core.models import TableItem

_active_counters: contextvars.ContextVar[tuple["RequestCounter", ...]] = contextvars.ContextVar(
    "dynamodb_request_counters", default=()
)
_hooked_clients: set[int] = set()


@dataclass
class RequestCounter:
    """DynamoDB requests sent while the counter was active, by operation name."""

    operations: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.operations)


def _count_request(event_name: str, **_: object) -> None:
    # event_name is "before-send.dynamodb.<Operation>"
    for counter in _active_counters.get():
        counter.operations.append(event_name.rsplit(".", 1)[-1])


def instrument(client: object) -> None:
    """Make the botocore client report every request it sends to the active counters (once)."""
    if id(client) not in _hooked_clients:
        client.meta.events.register("before-send.dynamodb", _count_request)
        _hooked_clients.add(id(client))


def connection() -> Connection:
    """The process's one low-level PynamoDB connection to the table's region and endpoint."""
    return TableItem._get_connection().connection


@contextlib.contextmanager
def count_requests() -> Iterator[RequestCounter]:
    """Count the DynamoDB requests made inside the block (benchmarks and request-count tests)."""
    connection()
    counter = RequestCounter()
    token = _active_counters.set((*_active_counters.get(), counter))
    try:
        yield counter
    finally:
        _active_counters.reset(token)


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
