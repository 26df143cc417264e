"""Counting the DynamoDB requests a block of code sends (request-count tests and benchmarks).

Every botocore client of the table is instrumented once, when apps.core.aws.table creates it."""

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass, field

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


@contextlib.contextmanager
def count_requests() -> Iterator[RequestCounter]:
    """Count the DynamoDB requests made inside the block (benchmarks and request-count tests)."""
    counter = RequestCounter()
    token = _active_counters.set((*_active_counters.get(), counter))
    try:
        yield counter
    finally:
        _active_counters.reset(token)
