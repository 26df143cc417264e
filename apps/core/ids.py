"""Server-generated ids: ULIDs (26 characters, sortable by creation time)."""

import datetime as dt
import re

from apps.core import clock

ULID_PATTERN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def new_id(*, at: dt.datetime | None = None) -> str:
    """A new ULID whose time part is `at` (default: now)."""
    # Imported on first use: python-ulid (with typing_extensions) is ~8 ms of a cold start that only
    # creating something needs.
    from ulid import ULID

    return str(ULID.from_datetime(at or clock.now()))


def is_id(value: str) -> bool:
    """True when `value` has the shape of one of our ids (never a key fragment or a path)."""
    return bool(ULID_PATTERN.match(value or ""))
