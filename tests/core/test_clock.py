"""clock.parse: the one reader of times, from clients and from storage."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


@pytest.mark.parametrize("text", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00",
                                  "0001-01-01T00:00:00.000+00:01"])
def test_a_time_outside_the_years_utc_can_hold_is_refused(text):
    with pytest.raises(ValueError):
        clock.parse(text)


@settings(max_examples=500)
@given(st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30),
                    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30)),
                                               dt.timezone(dt.timedelta(hours=-8))])))
def test_a_time_reads_back_from_its_text_and_writes_the_same_text(moment):
    text = clock.isoformat(moment)
    parsed = clock.parse(text)
    assert parsed == moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    assert clock.isoformat(parsed) == text
    later = parsed + dt.timedelta(milliseconds=1)  # derived times carry no text: formatted afresh
    assert clock.isoformat(later) == clock.isoformat(dt.datetime.fromisoformat(later.isoformat()))


@given(st.text(alphabet="0123456789-T:.Z ", min_size=24, max_size=24))
def test_text_of_the_canonical_shape_is_read_like_any_other(text):
    try:
        plain = dt.datetime.fromisoformat(text)
    except ValueError:
        plain = None
    if plain is None or plain.tzinfo is None:
        with pytest.raises(ValueError):
            clock.parse(text)
        return
    plain = plain.astimezone(dt.UTC)
    assert clock.parse(text) == plain and clock.isoformat(clock.parse(text)) == clock.isoformat(plain)
