"""clock.parse: the one reader of times, from clients and from storage."""

import datetime as dt

import pytest

from apps.core import clock


@pytest.mark.parametrize("text", ["2026-01-31T08:00:00.250Z", "2026-01-31T08:00:00.250z",
                                  "2026-01-31T10:00:00.250+02:00", "2026-01-31T08:00:00.250000+00:00"])
def test_an_offset_in_any_spelling_reads_as_utc(text):
    parsed = clock.parse(text)
    assert parsed == dt.datetime(2026, 1, 31, 8, 0, 0, 250000, tzinfo=dt.UTC) and parsed.tzinfo is dt.UTC
    assert clock.isoformat(parsed) == "2026-01-31T08:00:00.250Z"


@pytest.mark.parametrize("text", ["2026-01-31T08:00:00", "yesterday", "2026-01-31T08:00:00Zz", ""])
def test_a_time_without_an_offset_or_no_time_is_refused(text):
    with pytest.raises(ValueError):
        clock.parse(text)
