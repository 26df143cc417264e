"""Rows of the user's data as CSV (RFC 4180) and JSON, produced chunk by chunk in constant memory.

CSV choices (documented in the OpenAPI schema too):
- UTF-8 with a byte order mark, because Excel (the spreadsheet most people open a CSV in) reads a CSV
  without one in the legacy code page and garbles every non-ASCII letter; `utf-8-sig` readers and
  most tools skip it.
- `\\r\\n` line ends and minimal quoting (the csv module's defaults): fields holding a comma, a quote
  or a line break are quoted, quotes doubled.
- Formula injection: a text cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so a
  spreadsheet shows it as text instead of running it. Only free text people typed (names, notes) is
  neutralised: numbers (temperature_c may be -2), times, ids and enum values are written by us, so
  `-2` stays a number a spreadsheet can add up.
"""

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from apps.core import clock

BOM = "\ufeff"
CHUNK_CHARS = 64 * 1024
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    name: str
    value: Callable[[Any], Any]
    text: bool = False  # free text a person typed: neutralised in CSV


def neutralise(value: str) -> str:
    """A text cell a spreadsheet will not evaluate as a formula."""
    return f"'{value}" if value.startswith(FORMULA_TRIGGERS) else value


def _number(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def csv_cell(column: Column, row: Any) -> str:
    value = column.value(row)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return clock.isoformat(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(value)
    return neutralise(str(value)) if column.text else str(value)


def json_value(column: Column, row: Any) -> Any:
    value = column.value(row)
    if isinstance(value, dt.datetime):
        return clock.isoformat(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def as_dict(columns: list[Column], row: Any) -> dict[str, Any]:
    return {column.name: json_value(column, row) for column in columns}


def csv_chunks(columns: list[Column], rows: Iterable[Any], *, bom: bool = True) -> Iterator[bytes]:
    """The CSV document (header row first) as UTF-8 chunks of about CHUNK_CHARS."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write(BOM)
    writer.writerow([column.name for column in columns])
    for row in rows:
        writer.writerow([csv_cell(column, row) for column in columns])
        if buffer.tell() >= CHUNK_CHARS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def json_array_chunks(columns: list[Column], rows: Iterable[Any]) -> Iterator[bytes]:
    """A JSON array of one object per row, as UTF-8 chunks (never the whole array in memory)."""
    buffer = io.StringIO()
    buffer.write("[")
    separator = "\n"
    for row in rows:
        buffer.write(separator)
        buffer.write(json.dumps(as_dict(columns, row), ensure_ascii=False))
        separator = ",\n"
        if buffer.tell() >= CHUNK_CHARS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    buffer.write("\n]\n")
    yield buffer.getvalue().encode()


BATCH_COLUMNS = [
    Column("id", lambda b: b.id),
    Column("name", lambda b: b.name, text=True),
    Column("kind", lambda b: b.kind),
    Column("status", lambda b: b.status),
    Column("started_at", lambda b: b.started_at),
    Column("temperature_c", lambda b: b.temperature_c),
    Column("grains_g", lambda b: b.grains_g),
    Column("grains_id", lambda b: b.grains_id),
    Column("liquid_ml", lambda b: b.liquid_ml),
    Column("sugar_g", lambda b: b.sugar_g),
    Column("notes", lambda b: b.notes, text=True),
    Column("auto_reminders", lambda b: b.auto_reminders),
    Column("share_url", lambda b: b.share_url),
    Column("version", lambda b: b.version),
    Column("created_at", lambda b: b.created_at),
    Column("updated_at", lambda b: b.updated_at),
]


@dataclass(frozen=True)
class EventRow:
    """An event with what a spreadsheet reader needs beside it: its batch's name (and, in a data
    package, the photo's path inside the zip)."""

    event: Any
    batch_name: str | None
    photo_file: str | None = None


EVENT_COLUMNS = [
    Column("id", lambda r: r.event.id),
    Column("batch_id", lambda r: r.event.batch_id),
    Column("batch_name", lambda r: r.batch_name, text=True),
    Column("type", lambda r: r.event.type),
    Column("occurred_at", lambda r: r.event.occurred_at),
    Column("note", lambda r: r.event.note, text=True),
    Column("temperature_c", lambda r: r.event.temperature_c),
    Column("rating", lambda r: r.event.rating),
    Column("status", lambda r: r.event.status),
    Column("photo_key", lambda r: r.event.photo_key),
    Column("created_at", lambda r: r.event.created_at),
]
PACKAGE_EVENT_COLUMNS = [*EVENT_COLUMNS, Column("photo_file", lambda r: r.photo_file)]

PROFILE_COLUMNS = [
    Column("id", lambda p: p.id),
    Column("email", lambda p: p.email, text=True),
    Column("created_at", lambda p: p.created_at),
    Column("timezone", lambda p: p.timezone, text=True),
    Column("temperature_unit", lambda p: p.temperature_unit),
    Column("quiet_hours", lambda p: f"{p.quiet_hours['start']}-{p.quiet_hours['end']}" if p.quiet_hours else None),
]

REMINDER_COLUMNS = [
    Column("id", lambda r: r.id),
    Column("batch_id", lambda r: r.batch_id),
    Column("kind", lambda r: r.kind),
    Column("due_at", lambda r: r.due_at),
    Column("message", lambda r: r.message, text=True),
    Column("status", lambda r: r.status),
    Column("sent_at", lambda r: r.sent_at),
    Column("created_at", lambda r: r.created_at),
    Column("source", lambda r: r.source),
    Column("reason", lambda r: r.reason, text=True),
]

# The push token is left out on purpose: it addresses the phone, and a data package is a file
# people keep in their downloads; it carries nothing about the person the device record lacks.
DEVICE_COLUMNS = [
    Column("id", lambda d: d.id),
    Column("platform", lambda d: d.platform),
    Column("name", lambda d: d.name, text=True),
    Column("created_at", lambda d: d.created_at),
]


@dataclass(frozen=True)
class GrainsRow:
    """Grains with what the API shows beside them: the estimated mass when the export was made and the
    growth rate as growth per week."""

    grains: Any
    estimated_mass_g: float
    growth_per_week: float


GRAINS_COLUMNS = [
    Column("id", lambda r: r.grains.id),
    Column("name", lambda r: r.grains.name, text=True),
    Column("kind", lambda r: r.grains.kind),
    Column("mass_g", lambda r: r.grains.mass_g),
    Column("mass_at", lambda r: r.grains.mass_at),
    Column("estimated_mass_g", lambda r: r.estimated_mass_g),
    Column("growth_per_week", lambda r: r.growth_per_week),
    Column("growth_source", lambda r: r.grains.growth_source),
    Column("growth_based_on", lambda r: r.grains.growth_based_on),
    Column("acquired_at", lambda r: r.grains.acquired_at),
    Column("notes", lambda r: r.grains.notes, text=True),
    Column("split_from", lambda r: r.grains.split_from),
    Column("version", lambda r: r.grains.version),
    Column("created_at", lambda r: r.grains.created_at),
    Column("updated_at", lambda r: r.grains.updated_at),
]


@dataclass(frozen=True)
class GrainsHistoryRow:
    """A grains history entry with its grains' name, for a spreadsheet reader."""

    entry: Any
    grains_name: str | None


GRAINS_HISTORY_COLUMNS = [
    Column("id", lambda r: r.entry.id),
    Column("grains_id", lambda r: r.entry.grains_id),
    Column("grains_name", lambda r: r.grains_name, text=True),
    Column("type", lambda r: r.entry.type),
    Column("mass_g", lambda r: r.entry.mass_g),
    Column("at", lambda r: r.entry.at),
    Column("note", lambda r: r.entry.note, text=True),
    Column("other_grains_id", lambda r: r.entry.other_grains_id),
    Column("created_at", lambda r: r.entry.created_at),
]
