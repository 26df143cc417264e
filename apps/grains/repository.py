"""Grains and their history: the only door to their items.

Keys (DESIGN.md's table), all in the owner's partition `USER#{sub}`:
- grains: `SK = GRAINS#{grains_id}#META`, `GSI1PK = USER#{sub}#GRAINS`, `GSI1SK = {grains_id}` (the list,
  newest first: ids are ULIDs);
- history entry: `SK = GRAINS#{grains_id}#LOG#{at}#{entry_id}` (time order within the grains).
"META" sorts after "LOG", so one descending Query on `GRAINS#{grains_id}#` returns the grains first, then
its newest history: the detail read, and the read before a weighing or split, are one request each.
A weighing or split is one transaction: the grains item put back whole under a condition on the version
that was read, with the new history entries (and, for a split to new grains, the new grains and their
`created` entry), so nothing is ever half-written.

DynamoDB requests per call (tests/grains/test_request_counts.py): list 1 Query (GSI1); detail 1 Query;
create 1 TransactWriteItems (the grains and their `created` entry); PATCH 1 UpdateItem (a stale version
adds a GetItem to tell 409 from 404); weighing and split 1 Query + 1 TransactWriteItems (the growth fit
needs the recent weighings; a lost race with another write reads and tries again, at most 3 times);
DELETE 1 Query + 1 BatchWriteItem per 25 items (history first, the grains item last). A batch created or
PATCHed with a `grains_id` adds 1 GetItem of the grains (grains_get).
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError

from apps.core import clock
from apps.core.aws.table import TableItem, transact_write
from apps.grains.models import GrainsItem, GrainsLogItem

ITER_PAGE_SIZE = 100
WRITABLE = ("name", "kind", "acquired_at", "notes")


@dataclass(frozen=True)
class Grains:
    id: str
    user_id: str
    name: str
    kind: str
    mass_g: float
    mass_at: dt.datetime
    growth_rate_per_day: float
    growth_source: str
    growth_based_on: int
    acquired_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    notes: str = ""
    split_from: str | None = None


@dataclass(frozen=True)
class HistoryEntry:
    id: str
    grains_id: str
    user_id: str
    type: str  # created | weighed | split | given
    mass_g: float
    at: dt.datetime
    created_at: dt.datetime
    note: str | None = None
    other_grains_id: str | None = None


@dataclass(frozen=True)
class GrainsPage:
    grains: list[Grains]
    next_position: dict | None


@dataclass(frozen=True)
class GrainsWithHistory:
    grains: Grains
    history: list[HistoryEntry]  # newest first
    more_history: bool


def _pk(user_id: str) -> str:
    return f"USER#{user_id}"


def _prefix(grains_id: str) -> str:
    return f"GRAINS#{grains_id}#"


def _sk(grains_id: str) -> str:
    return f"GRAINS#{grains_id}#META"


def _log_sk(grains_id: str, at: str, entry_id: str) -> str:
    return f"GRAINS#{grains_id}#LOG#{at}#{entry_id}"


def _list_pk(user_id: str) -> str:
    return f"USER#{user_id}#GRAINS"


def _rate(value: float) -> float:
    # DynamoDB holds no non-zero number below 1e-130 in magnitude; such a fitted rate is no growth at all.
    return value if abs(value) >= 1e-100 else 0.0


def _grains(item: GrainsItem) -> Grains:
    return Grains(
        id=item.grains_id, user_id=item.user_id, name=item.name, kind=item.kind, mass_g=float(item.mass_g),
        mass_at=clock.parse(item.mass_at), growth_rate_per_day=float(item.growth_rate_per_day),
        growth_source=item.growth_source, growth_based_on=int(item.growth_based_on),
        acquired_at=clock.parse(item.acquired_at), created_at=clock.parse(item.created_at),
        updated_at=clock.parse(item.updated_at), version=int(item.version), notes=item.notes or "",
        split_from=item.split_from,
    )


def _item(grains: Grains) -> GrainsItem:
    return GrainsItem(
        _pk(grains.user_id), _sk(grains.id), GSI1PK=_list_pk(grains.user_id), GSI1SK=grains.id,
        grains_id=grains.id, user_id=grains.user_id, name=grains.name, kind=grains.kind,
        mass_g=grains.mass_g, mass_at=clock.isoformat(grains.mass_at),
        growth_rate_per_day=_rate(grains.growth_rate_per_day), growth_source=grains.growth_source,
        growth_based_on=grains.growth_based_on, acquired_at=clock.isoformat(grains.acquired_at),
        notes=grains.notes or None, split_from=grains.split_from, created_at=clock.isoformat(grains.created_at),
        updated_at=clock.isoformat(grains.updated_at), version=grains.version,
    )


def _entry(item: GrainsLogItem) -> HistoryEntry:
    return HistoryEntry(
        id=item.entry_id, grains_id=item.grains_id, user_id=item.user_id, type=item.type,
        mass_g=float(item.mass_g), at=clock.parse(item.at), created_at=clock.parse(item.created_at),
        note=item.note, other_grains_id=item.other_grains_id,
    )


def _log_item(entry: HistoryEntry) -> GrainsLogItem:
    at = clock.isoformat(entry.at)
    return GrainsLogItem(
        _pk(entry.user_id), _log_sk(entry.grains_id, at, entry.id), entry_id=entry.id, grains_id=entry.grains_id,
        user_id=entry.user_id, type=entry.type, mass_g=entry.mass_g, at=at, note=entry.note or None,
        other_grains_id=entry.other_grains_id, created_at=clock.isoformat(entry.created_at),
    )


def _gsi_position(item: GrainsItem) -> dict:
    return {"PK": {"S": item.PK}, "SK": {"S": item.SK}, "GSI1PK": {"S": item.GSI1PK}, "GSI1SK": {"S": item.GSI1SK}}


def _condition_failed(exc: TransactWriteError) -> bool:
    return exc.cause_response_code == "TransactionCanceledException" and any(
        reason and reason.code == "ConditionalCheckFailed" for reason in (exc.cancellation_reasons or [])
    )


def grains_get(*, user_id: str, grains_id: str) -> Grains | None:
    """The user's grains, or None if they do not exist or are someone else's (one GetItem)."""
    try:
        return _grains(GrainsItem.get(_pk(user_id), _sk(grains_id), consistent_read=True))
    except GrainsItem.DoesNotExist:
        return None


def grains_page(*, user_id: str, limit: int, position: dict | None) -> GrainsPage:
    """A page of the user's grains, newest first (one GSI1 Query)."""
    results = GrainsItem.gsi1.query(
        _list_pk(user_id), scan_index_forward=False, limit=limit + 1, page_size=limit + 1,
        last_evaluated_key=position,
    )
    items = [item for item in results if isinstance(item, GrainsItem)]
    following = _gsi_position(items[limit - 1]) if len(items) > limit else None
    return GrainsPage([_grains(i) for i in items[:limit]], following)


def grains_iter(*, user_id: str) -> Iterator[Grains]:
    """All of the user's grains, page by page, newest first."""
    for item in GrainsItem.gsi1.query(_list_pk(user_id), scan_index_forward=False, page_size=ITER_PAGE_SIZE):
        if isinstance(item, GrainsItem):
            yield _grains(item)


def grains_with_history(*, user_id: str, grains_id: str, limit: int,
                        consistent: bool = False) -> GrainsWithHistory | None:
    """The grains and their newest `limit` history entries in ONE Query (META sorts first descending)."""
    want = limit + 2  # the grains, `limit` entries, and one more to know whether there are older ones
    grains: Grains | None = None
    entries: list[HistoryEntry] = []
    for item in TableItem.query(
        _pk(user_id), TableItem.SK.startswith(_prefix(grains_id)), scan_index_forward=False,
        consistent_read=consistent, limit=want, page_size=want,
    ):
        if isinstance(item, GrainsItem):
            grains = _grains(item)
        elif isinstance(item, GrainsLogItem):
            entries.append(_entry(item))
    if grains is None:
        return None
    return GrainsWithHistory(grains, entries[:limit], len(entries) > limit)


def history_iter(*, user_id: str) -> Iterator[HistoryEntry]:
    """Every history entry of the user's grains, grains by grains, oldest entry first within each."""
    for item in TableItem.query(_pk(user_id), TableItem.SK.startswith("GRAINS#"), page_size=ITER_PAGE_SIZE):
        if isinstance(item, GrainsLogItem):
            yield _entry(item)


def grains_create(*, grains: Grains, entry: HistoryEntry) -> None:
    """Store new grains with their `created` entry (one transaction)."""
    with transact_write() as transaction:
        transaction.save(_item(grains), condition=GrainsItem.PK.does_not_exist())
        transaction.save(_log_item(entry), condition=GrainsLogItem.PK.does_not_exist())


def grains_update(*, user_id: str, grains_id: str, expected_version: int, changes: dict[str, Any],
                  updated_at: dt.datetime) -> Grains | None:
    """Apply `changes` if the stored version is `expected_version` (one UpdateItem); None if not."""
    actions = [GrainsItem.updated_at.set(clock.isoformat(updated_at)), GrainsItem.version.set(expected_version + 1)]
    for name, value in changes.items():
        if name not in WRITABLE:
            raise ValueError(f"not a writable grains field: {name}")
        attribute = getattr(GrainsItem, name)
        if value is None or value == "":
            actions.append(attribute.remove())
        else:
            actions.append(attribute.set(clock.isoformat(value) if isinstance(value, dt.datetime) else value))
    item = GrainsItem(_pk(user_id), _sk(grains_id))
    try:
        item.update(actions=actions, condition=GrainsItem.version == expected_version)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return _grains(item)


def grains_record(*, current: Grains, updated: Grains, entries: list[HistoryEntry],
                  created: tuple[Grains, HistoryEntry] | None = None) -> bool:
    """Put `updated` over `current` (if `current.version` is still stored) with new history entries, and
    any grains split off with their `created` entry, in ONE transaction; False if the grains changed."""
    if updated.version != current.version + 1:
        raise ValueError("a recorded change moves the version by one")
    try:
        with transact_write() as transaction:
            transaction.save(_item(updated), condition=GrainsItem.version == current.version)
            for entry in entries:
                transaction.save(_log_item(entry), condition=GrainsLogItem.PK.does_not_exist())
            if created is not None:
                new_grains, new_entry = created
                transaction.save(_item(new_grains), condition=GrainsItem.PK.does_not_exist())
                transaction.save(_log_item(new_entry), condition=GrainsLogItem.PK.does_not_exist())
    except TransactWriteError as exc:
        if _condition_failed(exc):
            return False
        raise
    return True


def _delete_under(user_id: str, prefix: str) -> bool:
    # History first and the grains item last: if anything fails half-way, a retry still finds the grains.
    metas: list[TableItem] = []
    with GrainsLogItem.batch_write() as batch:
        for item in TableItem.query(_pk(user_id), TableItem.SK.startswith(prefix), page_size=ITER_PAGE_SIZE,
                                    attributes_to_get=["PK", "SK", "ItemType"]):
            if isinstance(item, GrainsItem):
                metas.append(item)
            elif isinstance(item, GrainsLogItem):
                batch.delete(item)
        for item in metas:
            batch.delete(item)
    return bool(metas)


def grains_delete(*, user_id: str, grains_id: str) -> bool:
    """Remove the grains and their whole history; False if there were no such grains."""
    return _delete_under(user_id, _prefix(grains_id))


def grains_delete_all(*, user_id: str) -> None:
    """Remove every grains item and history entry of the user (idempotent)."""
    _delete_under(user_id, "GRAINS#")
