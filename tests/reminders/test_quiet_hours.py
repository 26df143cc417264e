"""Quiet hours on the user's wall clock: examples across daylight-saving changes, and properties (Hypothesis)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.reminders.quiet_hours import LEAD, QuietHours, is_quiet, local_instant, parse_hhmm, place

BERLIN = ZoneInfo("Europe/Berlin")
KATHMANDU = ZoneInfo("Asia/Kathmandu")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
FAR = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)  # spoils never: quiet hours may always end first
LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


def quiet(start, end):
    return QuietHours(parse_hhmm(start), parse_hhmm(end))


def test_a_reminder_outside_quiet_hours_stays_where_it_is():
    due = utc(2027, 6, 1, 12, 0)
    assert place(due, zone=BERLIN, quiet=quiet("22:00", "07:00"), spoils_at=FAR, now=LONG_AGO).at == due
    assert place(due, zone=BERLIN, quiet=None, spoils_at=FAR, now=LONG_AGO).note is None


def test_quiet_hours_spanning_midnight_move_a_reminder_to_their_end_next_morning():
    due = utc(2027, 6, 1, 21, 30)  # 23:30 CEST
    placed = place(due, zone=BERLIN, quiet=quiet("22:00", "07:00"), spoils_at=FAR, now=LONG_AGO)
    assert placed.at == utc(2027, 6, 2, 5, 0)  # 07:00 CEST
    assert placed.note == "moved to Wed 07:00 CEST, when your quiet hours end"


def test_an_end_that_does_not_exist_ends_them_at_the_spring_forward_jump():
    # Berlin, 2027-03-28: the clock jumps from 02:00 CET to 03:00 CEST; 02:30 never shows.
    due = utc(2027, 3, 28, 0, 30)  # 01:30 CET
    placed = place(due, zone=BERLIN, quiet=quiet("01:00", "02:30"), spoils_at=FAR, now=LONG_AGO)
    assert placed.at == utc(2027, 3, 28, 1, 0)  # the jump: 03:00 CEST


def test_a_start_that_does_not_exist_begins_them_at_the_spring_forward_jump():
    due = utc(2027, 3, 28, 2, 0)  # 04:00 CEST, inside 02:30-05:00; they began at the jump (01:00 UTC)
    placed = place(due, zone=BERLIN, quiet=quiet("02:30", "05:00"), spoils_at=due + dt.timedelta(minutes=30),
                   now=LONG_AGO)
    assert placed.at == utc(2027, 3, 28, 1, 0) - LEAD
    assert "before your quiet hours" in placed.note


def test_an_end_that_occurs_twice_ends_the_stretch_the_reminder_is_in():
    # Berlin, 2027-10-31: 03:00 CEST becomes 02:00 CET, so 02:00-02:59 show twice.
    first_pass = utc(2027, 10, 31, 0, 15)  # 02:15 CEST
    placed = place(first_pass, zone=BERLIN, quiet=quiet("01:00", "02:30"), spoils_at=FAR, now=LONG_AGO)
    assert placed.at == utc(2027, 10, 31, 0, 30)  # 02:30 CEST, the first 02:30
    second_pass = utc(2027, 10, 31, 1, 15)  # 02:15 CET: the clock shows a quiet time again
    placed = place(second_pass, zone=BERLIN, quiet=quiet("01:00", "02:30"), spoils_at=FAR, now=LONG_AGO)
    assert placed.at == utc(2027, 10, 31, 1, 30)  # 02:30 CET


def test_kathmandu_quarter_hour_offset_is_respected():
    due = utc(2027, 1, 10, 17, 0)  # 22:45 in Kathmandu (+05:45)
    placed = place(due, zone=KATHMANDU, quiet=quiet("22:30", "06:15"), spoils_at=FAR, now=LONG_AGO)
    assert placed.at == utc(2027, 1, 11, 0, 30)  # 06:15 +05:45


def test_lord_howe_half_hour_shift_is_respected():
    # Lord Howe, 2027-10-03: 02:00 LHST (+10:30) becomes 02:30 LHDT (+11).
    due = utc(2027, 10, 2, 15, 0)  # 01:30 LHST
    placed = place(due, zone=LORD_HOWE, quiet=quiet("01:00", "02:15"), spoils_at=FAR, now=LONG_AGO)
    assert placed.at == utc(2027, 10, 2, 15, 30)  # the jump: 02:30 LHDT


def test_when_waiting_would_spoil_the_kefir_it_moves_to_just_before_they_start():
    due = utc(2027, 6, 1, 22, 0)  # 00:00 CEST, quiet 22:00-07:00
    placed = place(due, zone=BERLIN, quiet=quiet("22:00", "07:00"), spoils_at=due + dt.timedelta(hours=4),
                   now=LONG_AGO)
    assert placed.at == utc(2027, 6, 1, 20, 0) - LEAD  # 21:55 CEST
    assert placed.note.startswith("moved to Tue 21:55 CEST, before your quiet hours")
    assert "would spoil the kefir" in placed.note


def test_when_they_already_began_and_waiting_would_spoil_it_stays_and_says_so():
    due = utc(2027, 6, 1, 22, 0)
    placed = place(due, zone=BERLIN, quiet=quiet("22:00", "07:00"), spoils_at=due + dt.timedelta(hours=4),
                   now=due - dt.timedelta(minutes=30))
    assert placed.at == due and "inside your quiet hours" in placed.note


def test_a_repeated_wall_time_is_its_first_occurrence_and_a_skipped_one_the_jump():
    assert local_instant(dt.date(2027, 10, 31), dt.time(2, 30), BERLIN) == utc(2027, 10, 31, 0, 30)
    assert local_instant(dt.date(2027, 3, 28), dt.time(2, 30), BERLIN) == utc(2027, 3, 28, 1, 0)
    assert local_instant(dt.date(2027, 10, 3), dt.time(2, 10), LORD_HOWE) == utc(2027, 10, 2, 15, 30)


@pytest.mark.parametrize("text", ["7:00", "24:00", "12:60", "ab:cd", "12-00", "", "12:001"])
def test_malformed_times_of_day_are_refused(text):
    with pytest.raises(ValueError):
        parse_hhmm(text)


ZONES = ["Europe/Berlin", "Asia/Kathmandu", "Australia/Lord_Howe", "America/New_York", "UTC",
         "Pacific/Chatham", "America/St_Johns"]
# Around every change of the zones above in 2027, and ordinary days.
ANCHORS = [utc(2027, 3, 28), utc(2027, 10, 31), utc(2027, 4, 4), utc(2027, 10, 3), utc(2027, 3, 14),
           utc(2027, 11, 7), utc(2027, 9, 26), utc(2027, 7, 1)]
times_of_day = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59]))


@st.composite
def cases(draw):
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    start, end = draw(times_of_day), draw(times_of_day)
    if start == end:
        end = dt.time((start.hour + 8) % 24, start.minute)
    anchor = draw(st.sampled_from(ANCHORS))
    due = anchor + dt.timedelta(minutes=draw(st.integers(-36 * 60, 36 * 60)))
    return zone, QuietHours(start, end), due


def minutes_between(first, last):
    at = first
    while at < last:
        yield at
        at += dt.timedelta(minutes=1)


@settings(max_examples=300, deadline=None)
@given(cases())
def test_a_moved_reminder_lands_at_the_first_instant_outside_quiet_hours(case):
    zone, hours, due = case
    placed = place(due, zone=zone, quiet=hours, spoils_at=FAR, now=LONG_AGO)
    assert not is_quiet(placed.at, hours, zone)
    assert placed.at >= due
    assert all(is_quiet(at, hours, zone) for at in minutes_between(due, placed.at))
    assert (placed.note is None) == (placed.at == due)


@settings(max_examples=300, deadline=None)
@given(cases())
def test_a_reminder_that_would_spoil_lands_just_before_its_quiet_stretch_began(case):
    zone, hours, due = case
    placed = place(due, zone=zone, quiet=hours, spoils_at=due, now=LONG_AGO)
    if not is_quiet(due, hours, zone):
        assert placed.at == due
        return
    began = placed.at + LEAD
    assert is_quiet(began, hours, zone) and not is_quiet(began - dt.timedelta(seconds=1), hours, zone)
    assert all(is_quiet(at, hours, zone) for at in minutes_between(began, due))
