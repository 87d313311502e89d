"""VTIMEZONE components from zoneinfo, with each onset where RFC 5545 puts it.

An observance's DTSTART is the local time of the change *in the offset before it*
(TZOFFSETFROM): Brussels springs forward at 02:00 CET, so DAYLIGHT starts at
`20190331T020000`. icalendar 7's `Timezone.from_tzid` writes the first local time
after the change instead (`T030000`), which puts the change an hour late for a
client that reads the VTIMEZONE rather than its own time-zone database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Observance:
    """From `onset` (UTC) on, the zone's offset is `offset` and its abbreviation `name`."""

    onset: datetime
    before: timedelta
    offset: timedelta
    name: str
    daylight: bool


def vtimezone(name: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE of the IANA zone `name` for the years `first_year` to `last_year`."""
    component = Timezone()
    component.add("TZID", name)
    for observance in observances(ZoneInfo(name), first_year, last_year):
        part = TimezoneDaylight() if observance.daylight else TimezoneStandard()
        part.add("DTSTART", (observance.onset + observance.before).replace(tzinfo=None))
        part.add("TZNAME", observance.name)
        part.add("TZOFFSETFROM", observance.before)
        part.add("TZOFFSETTO", observance.offset)
        component.add_component(part)
    return component


def observances(zone: ZoneInfo, first_year: int, last_year: int) -> Iterator[Observance]:
    """The observance in force on 1 January of `first_year`, then every change to the end
    of `last_year`."""
    moment = datetime(first_year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    offset = _offset(zone, moment)
    yield _observance(zone, moment, offset, offset)
    while moment < end:
        following = moment + _DAY
        after = _offset(zone, following)
        if after != offset:
            change = _change(zone, moment, following, offset)
            yield _observance(zone, change, offset, after)
            offset = after
        moment = following


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


def _observance(
    zone: ZoneInfo, onset: datetime, before: timedelta, offset: timedelta
) -> Observance:
    local = onset.astimezone(zone)
    daylight = bool(local.dst())
    return Observance(onset, before, offset, local.tzname() or _numeric(offset), daylight)


def _offset(zone: ZoneInfo, moment: datetime) -> timedelta:
    offset = moment.astimezone(zone).utcoffset()
    return offset if offset is not None else timedelta(0)


def _numeric(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
