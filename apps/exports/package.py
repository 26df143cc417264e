"""The account data package: everything the user has, as one zip written entry by entry.

Layout (both formats): `manifest.json` (what is inside, row counts, format notes), one file per
entity type (`profile`, `batches`, `events`, `reminders`, `devices`, `grains`, `grains_history`: `.csv`
for format csv, `.json` for format json, the same columns either way) and the photo files under
`photos/{event_id}.{ext}` (the events file's `photo_file` column names each). Nothing is held whole in
memory: rows stream from DynamoDB into the zip page by page, photos stream from S3 in chunks, and the
list of photos to copy waits in a temporary file while the events are written.
"""

import json
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from apps.accounts import repository as accounts_repository
from apps.batches import repository as batches_repository
from apps.core import clock
from apps.devices import repository as devices_repository
from apps.events import photos as event_photos
from apps.events import repository as events_repository
from apps.exports import storage, tabular
from apps.exports.repository import Export
from apps.grains import repository as grains_repository
from apps.grains import services as grains_services
from apps.reminders import repository as reminders_repository

_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")


class _Counted:
    """Rows passed through, counted."""

    def __init__(self, rows: Iterable[Any]):
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[Any]:
        for row in self.rows:
            self.count += 1
            yield row


def _write_entity(zf: zipfile.ZipFile, name: str, columns: list[tabular.Column], rows: Iterable[Any],
                  fmt: str) -> tuple[str, int]:
    counted = _Counted(rows)
    filename = f"{name}.{fmt}"
    chunks = tabular.csv_chunks(columns, counted) if fmt == "csv" else tabular.json_array_chunks(columns, counted)
    with zf.open(filename, "w") as entry:
        for chunk in chunks:
            entry.write(chunk)
    return filename, counted.count


def _photo_file(user_id: str, event_id: str, photo_key: str) -> str | None:
    """The photo's path in the package, if the key is one of the user's own photos; else None."""
    # Only the user's own objects are ever copied into their package: a current key through the user's
    # UPLOAD# item (one GetItem per photo, next to the GetObject that copies it), a key of the legacy
    # layout (not yet migrated) through the user's legacy prefix.
    if photo_key.startswith(event_photos.legacy_user_prefix(user_id)):
        match = _EXTENSION.search(photo_key)
        return f"photos/{event_id}{match.group(0).lower() if match else ''}"
    upload_id = event_photos.upload_id_of(photo_key)
    upload = events_repository.upload_get(user_id=user_id, upload_id=upload_id) if upload_id else None
    if upload is None or upload.key != photo_key:
        return None
    return f"photos/{event_id}.{event_photos.EXTENSIONS.get(upload.content_type, 'bin')}"


def write_package(zf: zipfile.ZipFile, *, export: Export) -> dict[str, Any]:
    """Write every entity and photo of the export's user into `zf`; returns the manifest written."""
    user_id, fmt = export.user_id, export.format
    files: dict[str, int] = {}
    profile = accounts_repository.profile_get(user_id=user_id)
    name, files[name] = _write_entity(zf, "profile", tabular.PROFILE_COLUMNS, [profile] if profile else [], fmt)

    batch_names: dict[str, str] = {}  # one short string per batch, so events can name their batch

    def batches() -> Iterator[Any]:
        for batch in batches_repository.batches_iter(user_id=user_id):
            batch_names[batch.id] = batch.name
            yield batch

    name, files[name] = _write_entity(zf, "batches", tabular.BATCH_COLUMNS, batches(), fmt)

    photos = missing = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8") as photo_list:
        def events() -> Iterator[tabular.EventRow]:
            for event in events_repository.events_iter(user_id=user_id):
                photo_file = _photo_file(user_id, event.id, event.photo_key) if event.photo_key else None
                if photo_file:
                    photo_list.write(f"{photo_file}\t{event.photo_key}\n")
                yield tabular.EventRow(event, batch_names.get(event.batch_id), photo_file)

        name, files[name] = _write_entity(zf, "events", tabular.PACKAGE_EVENT_COLUMNS, events(), fmt)
        reminders = reminders_repository.reminders_of(user_id=user_id)
        name, files[name] = _write_entity(zf, "reminders", tabular.REMINDER_COLUMNS, reminders, fmt)
        devices = devices_repository.devices_all(user_id=user_id)
        name, files[name] = _write_entity(zf, "devices", tabular.DEVICE_COLUMNS, devices, fmt)
        grains_names: dict[str, str] = {}  # one short string per grains, so history entries can name theirs

        def grains() -> Iterator[tabular.GrainsRow]:
            now = clock.now()
            for each in grains_repository.grains_iter(user_id=user_id):
                grains_names[each.id] = each.name
                yield tabular.GrainsRow(each, grains_services.estimated_mass_g(each, now=now),
                                        grains_services.growth_per_week(each))

        name, files[name] = _write_entity(zf, "grains", tabular.GRAINS_COLUMNS, grains(), fmt)
        history = (tabular.GrainsHistoryRow(entry, grains_names.get(entry.grains_id))
                   for entry in grains_repository.history_iter(user_id=user_id))
        name, files[name] = _write_entity(zf, "grains_history", tabular.GRAINS_HISTORY_COLUMNS, history, fmt)

        photo_list.seek(0)
        for line in photo_list:
            path, key = line.rstrip("\n").split("\t", 1)
            chunks = storage.photo_chunks(key)
            if chunks is None:  # the event outlived its object (deleted or never finished uploading)
                missing += 1
                continue
            info = zipfile.ZipInfo(path, date_time=clock.now().timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED  # images are compressed already
            with zf.open(info, "w") as entry:
                for chunk in chunks:
                    entry.write(chunk)
            photos += 1

    manifest = {
        "export_id": export.id,
        "user_id": user_id,
        "format": fmt,
        "created_at": clock.isoformat(export.created_at),
        "files": [{"name": file, "rows": rows} for file, rows in files.items()],
        "photos": {"folder": "photos/", "files": photos, "missing": missing},
        "notes": {
            "times": "ISO 8601 in UTC.",
            "csv": "UTF-8 with a byte order mark, RFC 4180 (comma, CRLF, double quotes). Text cells that "
                   "start with =, +, -, @, tab or CR are prefixed with ' so spreadsheets do not run them.",
            "devices": "Push tokens are not included.",
        },
    }
    zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest
