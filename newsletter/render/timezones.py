"""VTIMEZONE components from zoneinfo: the zone's changes over the years a calendar
needs, with the current yearly rule written as an RRULE.

An observance's DTSTART is the local time of the change *in the offset before it*
(TZOFFSETFROM): Brussels springs forward at 02:00 CET, so DAYLIGHT starts at
`20190331T020000`. icalendar 7's `Timezone.from_tzid` writes the first local time
after the change instead (`T030000`), which puts the change an hour late for a
client that reads the VTIMEZONE rather than its own time-zone database.

A list of dated changes alone is valid iCalendar, but Ruby's icalendar (2.10 and
older) fails on a file with two STANDARD (or DAYLIGHT) observances when one of them
has not started yet at an event's time, and the `ical` library finds no transitions
in it. So when the zone's changes follow a yearly rule ("the last Sunday of March at
02:00") up to the last year needed and for a full week cycle beyond it, that rule is
an RRULE from the first year it holds. When it held the year before the first year
needed, the two rules are the whole VTIMEZONE; otherwise the observance of 1 January
and the dated changes come before it, each with an RDATE of its own DTSTART (which
`ical` needs to see it at all).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from newsletter.render.contentlines import local_time, offset

_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# A rule is "current" when it also holds for this many years after the last one needed:
# seven years see every weekday a date can fall on.
_AHEAD = 7


@dataclass(frozen=True, slots=True)
class Observance:
    """From `onset` (UTC) on, the zone's offset is `offset` and its abbreviation `name`."""

    onset: datetime
    before: timedelta
    offset: timedelta
    name: str
    daylight: bool

    @property
    def local(self) -> datetime:
        """The onset as a local time in the offset before it (the DTSTART)."""
        return (self.onset + self.before).replace(tzinfo=None)

    def same_kind(self, other: Observance) -> bool:
        """The same change, a year apart: month, weekday, time, offsets and name."""
        mine, theirs = self.local, other.local
        return (
            mine.month == theirs.month
            and mine.weekday() == theirs.weekday()
            and mine.time() == theirs.time()
            and (self.before, self.offset, self.name, self.daylight)
            == (other.before, other.offset, other.name, other.daylight)
        )


def vtimezone(name: str, first_year: int, last_year: int) -> tuple[str, ...]:
    """The VTIMEZONE of the IANA zone `name` for the years `first_year` to `last_year`,
    as content lines."""
    return _vtimezone(name, first_year, last_year)


@cache
def _vtimezone(name: str, first_year: int, last_year: int) -> tuple[str, ...]:
    zone = ZoneInfo(name)
    # From the year before: a rule that already held then needs no dated start.
    changes = list(observances(zone, first_year - 1, last_year + _AHEAD))[1:]
    rules = _yearly_rules(changes, first_year - 1, last_year)
    start, weeks = rules if rules is not None else (last_year + 1, ())
    ruled = [c for c in changes if c.local.year == start] if rules is not None else []
    parts = [_observance(o, week) for o, week in zip(ruled, weeks, strict=True)]
    if start >= first_year:
        # Before the rule (or without one): the observance of 1 January, then each change.
        initial = next(observances(zone, first_year, first_year))
        dated = [c for c in changes if first_year <= c.local.year < start]
        parts = [_observance(o) for o in (initial, *dated)] + parts
    body = (line for part in parts for line in part)
    return ("BEGIN:VTIMEZONE", f"TZID:{name}", *body, "END:VTIMEZONE")


def observances(zone: ZoneInfo, first_year: int, last_year: int) -> Iterator[Observance]:
    """The observance in force on 1 January of `first_year`, then every change to the end
    of `last_year`."""
    moment = datetime(first_year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    before = _offset(zone, moment)
    yield _make(zone, moment, before, before)
    while moment < end:
        following = moment + _DAY
        after = _offset(zone, following)
        if after != before:
            change = _change(zone, moment, following, before)
            yield _make(zone, change, before, after)
            before = after
        moment = following


def _yearly_rules(
    changes: list[Observance], first_year: int, last_year: int
) -> tuple[int, tuple[int, ...]] | None:
    """The first year of the rule the changes follow to `last_year` and `_AHEAD` years
    beyond, and each change's week of its month (1 to 4, or -1 for the last); None when
    they follow none."""
    by_year: dict[int, list[Observance]] = {}
    for change in changes:
        by_year.setdefault(change.local.year, []).append(change)
    pattern = by_year.get(last_year, [])
    if not pattern:
        return None
    weeks = [set(_weeks(change.local)) for change in pattern]

    def follows(year: int) -> bool:
        them = by_year.get(year, [])
        if len(them) != len(pattern) or not all(
            a.same_kind(b) for a, b in zip(pattern, them, strict=True)
        ):
            return False
        narrowed = [w & set(_weeks(c.local)) for w, c in zip(weeks, them, strict=True)]
        if not all(narrowed):
            return False
        weeks[:] = narrowed
        return True

    if not all(follows(year) for year in range(last_year + 1, last_year + _AHEAD + 1)):
        return None
    start = last_year
    while start > first_year and follows(start - 1):
        start -= 1
    # "The last" where both fit: a rule written by its end holds in longer months too.
    return start, tuple(-1 if -1 in w else min(w) for w in weeks)


def _weeks(moment: datetime) -> tuple[int, ...]:
    """The week codes of a day in its month: the nth weekday, and -1 for the last one."""
    days = calendar.monthrange(moment.year, moment.month)[1]
    nth = (moment.day - 1) // 7 + 1
    last = (-1,) if moment.day + 7 > days else ()
    return (nth, *last) if nth <= 4 else last


def _observance(observance: Observance, week: int | None = None) -> list[str]:
    kind = "DAYLIGHT" if observance.daylight else "STANDARD"
    local = local_time(observance.local)
    if week is None:
        # A dated change is also its own RDATE: `ical` reads an observance only through
        # its RRULE or RDATE, and finds no transition in a DTSTART alone.
        rule = f"RDATE:{local}"
    else:
        weekday = _WEEKDAYS[observance.local.weekday()]
        rule = f"RRULE:FREQ=YEARLY;BYMONTH={observance.local.month};BYDAY={week}{weekday}"
    return [
        f"BEGIN:{kind}",
        f"DTSTART:{local}",
        rule,
        f"TZNAME:{observance.name}",
        f"TZOFFSETFROM:{offset(observance.before)}",
        f"TZOFFSETTO:{offset(observance.offset)}",
        f"END:{kind}",
    ]


def _change(zone: ZoneInfo, low: datetime, high: datetime, before: timedelta) -> datetime:
    """The first second in (low, high] at which the offset is no longer `before`."""
    while high - low > _SECOND:
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if _offset(zone, middle) == before:
            low = middle
        else:
            high = middle
    return high


def _make(zone: ZoneInfo, onset: datetime, before: timedelta, after: timedelta) -> Observance:
    local = onset.astimezone(zone)
    daylight = bool(local.dst())
    return Observance(onset, before, after, local.tzname() or offset(after), daylight)


def _offset(zone: ZoneInfo, moment: datetime) -> timedelta:
    value = moment.astimezone(zone).utcoffset()
    return value if value is not None else timedelta(0)
