"""Moving photos from the legacy layout `users/{sub}/batches/{batch_id}/photos/{photo_id}.{ext}` to
opaque keys `photos/{upload_id}` (issue 21). Run by `python manage.py migrate_photo_keys`.

An offline operator job, not a request path: it lists the legacy prefix of the whole bucket
(ListObjectsV2, page by page) and reads each photo's events with a filtered Query; that is the scan
DESIGN.md keeps off request paths.

Per legacy object, in this order:
1. the UPLOAD# item of its new key (attached when an event holds the photo, else unattached with a TTL),
   with `legacy_key` = the old key. It is the migration's journal: a later run finds it by the old key
   and reuses its key, so an interrupted run never copies one photo to two keys;
2. CopyObject to the new key, with the tag attached=true (attached=false for a photo no event holds:
   the lifecycle rule then deletes it within 2 days, as any never-attached upload);
3. each event that holds the old key is pointed at the new one (a conditional update: only if it still
   holds the old key);
4. the old object is deleted, last: until then a run lists it again and finishes steps 2-4.

Every step is idempotent, so a run interrupted anywhere (a crash, a fault, a Lambda timeout) is
completed by the next run, with nothing lost and nothing duplicated. If the old object vanished
meanwhile (its event or batch was deleted by its owner), the copy and the journal item go too.
"""

import dataclasses
import logging
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from apps.core import clock
from apps.events import photos, repository
from apps.events.repository import Upload
from apps.events.services import UPLOAD_ITEM_TTL

logger = logging.getLogger("kefir.events")


@dataclasses.dataclass
class MigrationReport:
    pages: int = 0  # ListObjectsV2 pages read
    listed: int = 0  # legacy objects seen
    migrated: int = 0  # moved, held by at least one event
    unattached: int = 0  # moved, held by no event (tagged attached=false: expire within 2 days)
    events_rewritten: int = 0
    vanished: int = 0  # deleted by their owner while the migration ran
    skipped: int = 0  # under users/ but not a legacy photo key: left alone
    failed: int = 0  # an AWS error; the next run retries them
    stopped_at_limit: bool = False

    def summary(self) -> str:
        return " ".join(f"{field.name}={getattr(self, field.name)}" for field in dataclasses.fields(self))


class _Journal:
    """The migrated uploads of one user by legacy key (the listing is sorted by key, so one user's objects
    come together and one user's uploads are read once)."""

    def __init__(self) -> None:
        self.user_id: str | None = None
        self.by_legacy_key: dict[str, Upload] = {}

    def find(self, user_id: str, legacy_key: str) -> Upload | None:
        if user_id != self.user_id:
            self.by_legacy_key = {u.legacy_key: u for u in repository.uploads_iter(user_id=user_id) if u.legacy_key}
            self.user_id = user_id
        return self.by_legacy_key.get(legacy_key)

    def add(self, upload: Upload) -> None:
        self.by_legacy_key[upload.legacy_key] = upload

    def forget(self, upload: Upload) -> None:
        self.by_legacy_key.pop(upload.legacy_key, None)


def _migrate_one(key: str, legacy: dict, journal: _Journal, report: MigrationReport) -> None:
    user_id, batch_id, content_type = legacy["user_id"], legacy["batch_id"], legacy["content_type"]
    events = repository.events_with_photo(user_id=user_id, batch_id=batch_id, photo_key=key)
    upload = journal.find(user_id, key)
    if upload is None:
        now = clock.now()
        upload_id = photos.new_upload_id()
        attached = bool(events)
        upload = Upload(id=upload_id, user_id=user_id, batch_id=batch_id, key=photos.photo_key(upload_id),
                        content_type=content_type, created_at=now, attached=attached,
                        expires_at=None if attached else now + UPLOAD_ITEM_TTL, legacy_key=key)
        if not repository.upload_put(upload=upload):  # 128 random bits collided: impossible in practice
            raise RuntimeError("upload id collision")
        journal.add(upload)
    if not photos.copy_to(source=key, target=upload.key, content_type=content_type, attached=upload.attached):
        photos.delete_photo(upload.key)  # a copy an earlier, interrupted run made
        repository.uploads_delete(uploads=[upload])
        journal.forget(upload)
        report.vanished += 1
        return
    for event in events:
        if repository.event_photo_key_replace(event=event, old_key=key, new_key=upload.key):
            report.events_rewritten += 1
    photos.delete_photo(key)
    if upload.attached:
        report.migrated += 1
    else:
        report.unattached += 1


def migrate_photo_keys(*, limit: int | None = None, page_size: int = 1000,
                       progress: Callable[[MigrationReport], None] | None = None) -> MigrationReport:
    """Move every legacy photo object (at most `limit` of them) to an opaque key; idempotent, resumable."""
    report = MigrationReport()
    journal = _Journal()
    for keys in photos.legacy_pages(page_size=page_size):
        report.pages += 1
        for key in keys:
            if limit is not None and report.listed - report.skipped >= limit:
                report.stopped_at_limit = True
                return report
            report.listed += 1
            legacy = photos.parse_legacy_key(key)
            if legacy is None:
                report.skipped += 1
                continue
            try:
                _migrate_one(key, legacy, journal, report)
            except (BotoCoreError, ClientError, PynamoDBException, RuntimeError):
                report.failed += 1
                journal.user_id = None  # read the journal again: a failed step may have written to it
                logger.warning("photo migration failed for one object; the next run retries it", exc_info=True)
        if progress:
            progress(report)
    return report
