"""Exports: the only door to export items. Keys: PK USER#{sub}; SK EXPORT#{export_id} for each export,
and EXPORT#PENDING for the marker of the one pending export (ids are ULIDs, so they never collide)."""

import datetime as dt
from dataclasses import dataclass

from pynamodb.exceptions import TransactWriteError, UpdateError

from apps.core import clock
from apps.core.aws.table import TableItem, transact_write
from apps.exports.models import ExportItem, PendingExportItem

PAGE_SIZE = 100
_PREFIX = "EXPORT#"
_PENDING_SK = "EXPORT#PENDING"


@dataclass(frozen=True)
class Export:
    id: str
    user_id: str
    format: str
    status: str
    created_at: dt.datetime
    expires_at: int  # epoch seconds: the item's TTL
    finished_at: dt.datetime | None = None
    object_key: str | None = None


def _pk(user_id: str) -> str:
    return f"USER#{user_id}"


def _sk(export_id: str) -> str:
    return f"{_PREFIX}{export_id}"


def _export(item: ExportItem) -> Export:
    return Export(
        id=item.export_id, user_id=item.user_id, format=item.format, status=item.status,
        created_at=clock.parse(item.created_at), expires_at=int(item.TTL or 0),
        finished_at=clock.parse(item.finished_at) if item.finished_at else None, object_key=item.object_key,
    )


def _cancelled(exc: TransactWriteError) -> bool:
    return exc.cause_response_code == "TransactionCanceledException"


def export_start(*, export: Export, stale_before: dt.datetime) -> bool:
    """Store a new pending export and mark it as the user's pending one, in one transaction; False if
    another export is pending already (unless that one started before `stale_before`)."""
    created_at = clock.isoformat(export.created_at)
    marker = PendingExportItem(
        _pk(export.user_id), _PENDING_SK, export_id=export.id, created_at=created_at, TTL=export.expires_at
    )
    item = ExportItem(
        _pk(export.user_id), _sk(export.id), export_id=export.id, user_id=export.user_id, format=export.format,
        status="pending", created_at=created_at, TTL=export.expires_at,
    )
    try:
        with transact_write() as transaction:
            transaction.save(marker, condition=PendingExportItem.PK.does_not_exist()
                             | (PendingExportItem.created_at < clock.isoformat(stale_before)))
            transaction.save(item, condition=ExportItem.PK.does_not_exist())
    except TransactWriteError as exc:
        if _cancelled(exc):
            return False
        raise
    return True


def export_pending(*, user_id: str) -> Export | None:
    """The export the user's pending marker points to (None if there is no marker or it went)."""
    try:
        marker = PendingExportItem.get(_pk(user_id), _PENDING_SK, consistent_read=True)
    except PendingExportItem.DoesNotExist:
        return None
    return export_get(user_id=user_id, export_id=marker.export_id)


def export_get(*, user_id: str, export_id: str) -> Export | None:
    """One of the user's exports, or None (also for someone else's id)."""
    try:
        item = ExportItem.get(_pk(user_id), _sk(export_id), consistent_read=True)
    except ExportItem.DoesNotExist:
        return None
    return _export(item) if isinstance(item, ExportItem) else None


def export_finish(*, user_id: str, export_id: str, status: str, object_key: str | None,
                  finished_at: dt.datetime) -> bool:
    """Record the outcome and release the pending marker (if it is still this export's);
    False if the export item is gone (the account was erased meanwhile)."""
    item = ExportItem(_pk(user_id), _sk(export_id))
    actions = [ExportItem.status.set(status), ExportItem.finished_at.set(clock.isoformat(finished_at))]
    if object_key is not None:
        actions.append(ExportItem.object_key.set(object_key))
    marker = PendingExportItem(_pk(user_id), _PENDING_SK)
    try:
        with transact_write() as transaction:
            transaction.update(item, actions=actions, condition=ExportItem.PK.exists())
            transaction.delete(marker, condition=PendingExportItem.export_id == export_id)
        return True
    except TransactWriteError as exc:
        if not _cancelled(exc):
            raise
    # Cancelled: the export item is gone, or the marker belongs to a newer export (this one went stale).
    try:
        item.update(actions=actions, condition=ExportItem.PK.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def exports_of(*, user_id: str) -> list[Export]:
    """The user's exports (they expire after 7 days, so few), newest first."""
    items = TableItem.query(_pk(user_id), TableItem.SK.startswith(_PREFIX), scan_index_forward=False)
    return [_export(item) for item in items if isinstance(item, ExportItem)]


def exports_delete_all(*, user_id: str) -> int:
    """Remove every export item and the pending marker of the user; how many went."""
    items = list(TableItem.query(_pk(user_id), TableItem.SK.startswith(_PREFIX), page_size=PAGE_SIZE))
    with TableItem.batch_write() as batch:
        for item in items:
            batch.delete(item)
    return len(items)


