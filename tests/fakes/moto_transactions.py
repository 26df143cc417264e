"""The in-process emulator, faster on transactions (tests and benchmarks that run moto in this process).

moto backs up a table before a TransactWriteItems by deep-copying it once PER ITEM (100 copies of the whole
table for a transaction of 100: seconds on a table of thousands of items, past the 3 s read timeout). The
copies are all of the same unchanged table, so one per table and call is the same backup: inside
`table_copied_once()` moto takes it once. Emulator speed only: no result changes.
"""

import contextlib
import copy
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def table_copied_once() -> Iterator[None]:
    from moto.dynamodb import models as moto_models
    from moto.dynamodb.models import DynamoDBBackend

    local = threading.local()

    class _Copy:
        def deepcopy(self, value, memo=None):
            cache = getattr(local, "cache", None)
            if cache is None:
                return copy.deepcopy(value, memo)
            if id(value) not in cache:
                cache[id(value)] = copy.deepcopy(value, memo)
            return cache[id(value)]

    original_copy, original = moto_models.copy, DynamoDBBackend.transact_write_items

    def transact_write_items(self, *args, **kwargs):
        local.cache = {}
        try:
            return original(self, *args, **kwargs)
        finally:
            local.cache = None

    moto_models.copy, DynamoDBBackend.transact_write_items = _Copy(), transact_write_items
    try:
        yield
    finally:
        moto_models.copy, DynamoDBBackend.transact_write_items = original_copy, original
