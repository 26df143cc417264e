"""Quiet hours on the user's wall clock (zoneinfo), correct across daylight-saving changes.

Pure functions: instants are aware UTC datetimes; `zone` is a zoneinfo.ZoneInfo.

What the wall-clock rules mean, decided here once:
- An instant is inside quiet hours when the user's wall clock shows a time in [start, end) at that instant
  (start > end spans midnight). During a fall-back hour the clock shows the same times twice: an instant is
  inside if the time it shows is, whichever pass it is.
- A reminder inside quiet hours moves to the first instant after it at which the wall clock leaves them:
  the clock reaching `end` (when `end` occurs twice, the occurrence that ends the quiet stretch the reminder
  is in), or a spring-forward jump over `end` (an `end` that does not exist that night: the moment of the
  jump, i.e. the first instant whose wall time is past it).
- "Just before they start": LEAD before the instant the wall clock entered the quiet stretch the reminder is
  in (a `start` that does not exist that night: the moment of the jump over it).
- Turning a wall time into an instant (`local_instant`) uses `fold` deliberately: a repeated time means its
  first occurrence (fold=0, the earlier instant), and a skipped time means the moment the clock jumps past it
  (neither fold's instant: fold=0 lands an hour late and fold=1 an hour early).
No step assumes a day has 24 hours or that an offset is a whole hour (Asia/Kathmandu is +05:45,
Australia/Lord_Howe shifts by 30 minutes).
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DAY_S = 24 * 3600
# A reminder moved before quiet hours is due this long before they start: the delivery run comes every
# 5 minutes, so it is pushed before they begin.
LEAD = dt.timedelta(minutes=5)
_MAX_JUMPS = 8


@dataclass(frozen=True)
class QuietHours:
    start: dt.time
    end: dt.time

    @classmethod
    def parse(cls, value: dict | None) -> "QuietHours | None":
        """From the stored/API form {"start": "HH:MM", "end": "HH:MM"} (None stays None)."""
        if not value:
            return None
        return cls(parse_hhmm(value["start"]), parse_hhmm(value["end"]))

    def as_dict(self) -> dict:
        return {"start": f"{self.start:%H:%M}", "end": f"{self.end:%H:%M}"}

    @property
    def start_s(self) -> int:
        return self.start.hour * 3600 + self.start.minute * 60

    @property
    def end_s(self) -> int:
        return self.end.hour * 3600 + self.end.minute * 60


def parse_hhmm(value: str) -> dt.time:
    """"HH:MM" (24-hour, two digits each) as a time; ValueError otherwise."""
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":" or not (value[:2] + value[3:]).isdigit():
        raise ValueError("not HH:MM")
    hour, minute = int(value[:2]), int(value[3:])
    if hour > 23 or minute > 59:
        raise ValueError("not a time of day")
    return dt.time(hour, minute)


@dataclass(frozen=True)
class Placement:
    at: dt.datetime
    note: str | None  # what the reason adds when quiet hours moved the reminder


def _wall_s(instant: dt.datetime, zone: ZoneInfo) -> int:
    local = instant.astimezone(zone)
    return local.hour * 3600 + local.minute * 60 + local.second


def is_quiet(instant: dt.datetime, quiet: QuietHours | None, zone: ZoneInfo) -> bool:
    """True when the user's wall clock shows a time inside quiet hours at `instant`."""
    if quiet is None or quiet.start_s == quiet.end_s:
        return False
    wall = _wall_s(instant, zone)
    if quiet.start_s < quiet.end_s:
        return quiet.start_s <= wall < quiet.end_s
    return wall >= quiet.start_s or wall < quiet.end_s


def _offset_change(earlier: dt.datetime, later: dt.datetime, zone: ZoneInfo) -> dt.datetime | None:
    """The first instant in (earlier, later] whose UTC offset differs from `earlier`'s, to the second; None if
    `later` has the same offset (a day holds at most one change in every zone)."""
    offset = earlier.astimezone(zone).utcoffset()
    if later.astimezone(zone).utcoffset() == offset:
        return None
    while (later - earlier).total_seconds() > 1:
        middle = (earlier + (later - earlier) / 2).replace(microsecond=0)
        if middle <= earlier:
            break
        if middle.astimezone(zone).utcoffset() == offset:
            earlier = middle
        else:
            later = middle
    return later


def quiet_end_after(instant: dt.datetime, quiet: QuietHours, zone: ZoneInfo) -> dt.datetime:
    """The first instant at or after `instant` that is not inside quiet hours."""
    at = instant
    for _ in range(_MAX_JUMPS):
        if not is_quiet(at, quiet, zone):
            return at
        # Between offset changes the wall clock runs with real time: it shows `end` after `ahead` seconds.
        ahead = dt.timedelta(seconds=(quiet.end_s - _wall_s(at, zone)) % DAY_S or DAY_S)
        change = _offset_change(at, at + ahead, zone)
        if change is None or at + ahead < change:
            return at + ahead
        at = change  # the clock jumps before reaching `end`: see where it lands
    return at


def quiet_start_before(instant: dt.datetime, quiet: QuietHours, zone: ZoneInfo) -> dt.datetime:
    """The instant the quiet stretch holding `instant` began (the first second inside it)."""
    at = instant
    for _ in range(_MAX_JUMPS):
        back = dt.timedelta(seconds=(_wall_s(at, zone) - quiet.start_s) % DAY_S)
        candidate = at - back
        change = _offset_change(candidate, at, zone)
        if change is not None and candidate < change:
            # The clock jumped between `candidate` and `at`: the stretch began at the jump, or before it.
            if not is_quiet(change - dt.timedelta(seconds=1), quiet, zone):
                return change
            at = change - dt.timedelta(seconds=1)
            continue
        before = candidate - dt.timedelta(seconds=1)
        if not is_quiet(before, quiet, zone):
            return candidate
        at = before
    return at


def place(due_at: dt.datetime, *, zone: ZoneInfo, quiet: QuietHours | None, spoils_at: dt.datetime,
          now: dt.datetime) -> Placement:
    """Where an automatic reminder due at `due_at` goes: out of quiet hours, to their end, unless that is past
    `spoils_at`, then just before they start (not before now)."""
    if not is_quiet(due_at, quiet, zone):
        return Placement(due_at, None)
    end = quiet_end_after(due_at, quiet, zone)
    if end <= spoils_at:
        return Placement(end, f"moved to {wall_text(end, zone)}, when your quiet hours end")
    before = quiet_start_before(due_at, quiet, zone) - LEAD
    if before < now:
        return Placement(due_at, "inside your quiet hours: waiting for them to end would spoil the kefir")
    return Placement(before, f"moved to {wall_text(before, zone)}, before your quiet hours: waiting for them to "
                             f"end at {wall_text(end, zone)} would spoil the kefir")


def wall_text(instant: dt.datetime, zone: ZoneInfo) -> str:
    """An instant as the user's wall clock shows it, with the zone's abbreviation: "07:00 CEST"."""
    local = instant.astimezone(zone)
    return f"{local:%a %H:%M} {local.tzname()}"


def local_instant(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The instant (UTC) the wall clock of `zone` shows `time` on `day`: a repeated time's first occurrence
    (fold=0), and for a time skipped by a spring-forward, the moment of the jump."""
    naive = dt.datetime.combine(day, time)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    # Skipped: fold=1 reads it with the offset from before the jump (an instant before it), fold=0 with the
    # one after (an instant after it); the jump lies between, where the wall clock passes `naive`.
    low = naive.replace(tzinfo=zone, fold=1).astimezone(dt.UTC)
    low, high = min(low, first), max(low, first)
    while (high - low).total_seconds() > 1:
        middle = (low + (high - low) / 2).replace(microsecond=0)
        if middle.astimezone(zone).replace(tzinfo=None) < naive:
            low = middle
        else:
            high = middle
    return high
