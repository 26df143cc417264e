"""Exports: the streamed CSV files and the account data package (request, build, status)."""

import datetime as dt
import itertools
import logging
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings

from apps.batches import repository as batches_repository
from apps.core import clock, ids
from apps.core.http.errors import NotFound, Unavailable
from apps.events import repository as events_repository
from apps.exports import package, repository, storage, tabular
from apps.exports.repository import Export

logger = logging.getLogger("kefir.exports")
FORMATS = ("csv", "json")


def _first_page_now[T](rows: Iterator[T]) -> Iterator[T]:
    # Fetch the first page before the response starts: a DynamoDB failure then still gets the error
    # envelope and its status. Once rows flow, a failure can only cut the stream short.
    try:
        first = next(rows)
    except StopIteration:
        return iter(())
    return itertools.chain([first], rows)


def csv_filename(*, name: str) -> str:
    """The dated attachment name, e.g. kefir-batches-2026-11-23.csv (the date in UTC)."""
    return f"kefir-{name}-{clock.now().date().isoformat()}.csv"


def batches_csv(*, user_id: str) -> Iterator[bytes]:
    """The user's batches as a CSV document, newest first, streamed page by page."""
    rows = _first_page_now(batches_repository.batches_iter(user_id=user_id))
    return tabular.csv_chunks(tabular.BATCH_COLUMNS, rows)


def events_csv(*, user_id: str) -> Iterator[bytes]:
    """The user's events as a CSV document (grouped by batch, newest batch and event first), streamed."""
    # One short name per batch (the user's batch count, not their event count, bounds this).
    names = {batch.id: batch.name for batch in batches_repository.batches_iter(user_id=user_id)}
    events = _first_page_now(events_repository.events_iter(user_id=user_id))
    rows = (tabular.EventRow(event, names.get(event.batch_id)) for event in events)
    return tabular.csv_chunks(tabular.EVENT_COLUMNS, rows)


@dataclass(frozen=True)
class ExportStatus:
    id: str
    format: str
    status: str
    created_at: dt.datetime
    expires_at: dt.datetime
    download_url: str | None


def _stale(export: Export, now: dt.datetime) -> bool:
    return export.created_at < now - dt.timedelta(seconds=settings.EXPORT_STALE_AFTER_S)


def export_request(*, user_id: str, format: str) -> tuple[Export, bool]:
    """Record a new pending data package of everything the user has; while one is pending, that one instead.
    Returns (export, started); apps.exports.tasks.export_start also starts building a new one."""
    for _ in range(3):
        now = clock.now()
        export = Export(
            id=ids.new_id(at=now), user_id=user_id, format=format, status="pending", created_at=now,
            expires_at=clock.epoch_seconds(now + dt.timedelta(days=settings.EXPORT_RETENTION_DAYS)),
        )
        stale_before = now - dt.timedelta(seconds=settings.EXPORT_STALE_AFTER_S)
        if repository.export_start(export=export, stale_before=stale_before):
            return export, True
        pending = repository.export_pending(user_id=user_id)
        if pending is not None and pending.status == "pending" and not _stale(pending, now):
            return pending, False
        # The pending one finished between our two requests: try again.
    raise Unavailable("Another export is finishing; try again in a moment.")


def export_fail(*, user_id: str, export_id: str) -> None:
    """Mark a pending export failed (its build could not even be started)."""
    repository.export_finish(user_id=user_id, export_id=export_id, status="failed", object_key=None,
                             finished_at=clock.now())


def export_build(*, user_id: str, export_id: str) -> str:
    """Build the package of a pending export into S3 and record the outcome; returns the final status
    ("ready", "failed", or "gone" when the export or account was erased meanwhile)."""
    export = repository.export_get(user_id=user_id, export_id=export_id)
    if export is None:
        return "gone"
    if export.status != "pending":
        return export.status  # a retried invocation of a finished task
    key = storage.object_key(user_id=user_id, export_id=export_id)
    try:
        # On disk, not in memory: upload_file then streams it part by part (a file object would be
        # read into memory by s3transfer). Lambda's /tmp holds it; it goes when the block ends.
        with tempfile.NamedTemporaryFile(suffix=".zip") as zip_file:
            with zipfile.ZipFile(zip_file, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                manifest = package.write_package(zf, export=export)
            zip_file.flush()
            storage.upload_file(path=zip_file.name, key=key)
    except Exception:
        logger.exception("export failed", extra={"user_id": user_id, "export_id": export_id})
        repository.export_finish(user_id=user_id, export_id=export_id, status="failed", object_key=None,
                                 finished_at=clock.now())
        return "failed"
    if not repository.export_finish(user_id=user_id, export_id=export_id, status="ready", object_key=key,
                                    finished_at=clock.now()):
        storage.delete_object(key)  # the account was erased while we built it: leave nothing behind
        return "gone"
    logger.info("export ready", extra={"user_id": user_id, "export_id": export_id,
                                       "photos": manifest["photos"]["files"]})
    return "ready"


def export_status(*, user_id: str, export_id: str) -> ExportStatus:
    """The state of one of the user's exports, with a 300 s download URL once ready; NotFound otherwise."""
    export = repository.export_get(user_id=user_id, export_id=export_id) if ids.is_id(export_id) else None
    now = clock.now()
    if export is None or export.expires_at <= clock.epoch_seconds(now):
        raise NotFound("No such export.")
    status = export.status
    if status == "pending" and _stale(export, now):
        status = "failed"  # its task died without a word (e.g. Lambda's timeout)
    url = None
    if status == "ready" and export.object_key:
        url = storage.download_url(key=export.object_key, created_at=export.created_at)
    return ExportStatus(
        id=export.id, format=export.format, status=status, created_at=export.created_at,
        expires_at=export.created_at + dt.timedelta(days=settings.EXPORT_RETENTION_DAYS), download_url=url,
    )
