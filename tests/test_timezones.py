"""VTIMEZONE from zoneinfo: the yearly rule as an RRULE, the dated history before it, and
every local time of the span read back with the offset zoneinfo gives it."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newsletter.render.contentlines import lines
from newsletter.render.timezones import vtimezone
from tests.calendars import with_ruby

CASES = [
    ("Europe/Brussels", 2019, 2019),  # one rule, from the year before
    ("America/New_York", 2006, 2008),  # the US rule changed in 2007
    ("America/New_York", 2006, 2006),  # an old rule that no longer holds: dated only
    ("Australia/Sydney", 2019, 2021),  # southern hemisphere: DAYLIGHT in October
    ("Asia/Tehran", 2019, 2023),  # fixed dates, then no DST at all: dated only
    ("Asia/Bangkok", 2018, 2019),  # no change at all
    ("Europe/Moscow", 2010, 2015),  # DST, then none, then a change of offset
    ("America/Santiago", 2020, 2022),
    ("Pacific/Chatham", 2019, 2020),  # offsets of 12:45 and 13:45
]


def _calendar(zone: tuple[str, ...]) -> bytes:
    return lines(("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *zone, "END:VCALENDAR"))


@pytest.mark.parametrize(("name", "first", "last"), CASES)
def test_every_local_time_of_the_span_has_zoneinfos_offset(
    name: str, first: int, last: int
) -> None:
    from ical.calendar_stream import IcsCalendarStream
    from ical.timezone import IcsTimezoneInfo
    from icalendar import Calendar

    data = _calendar(vtimezone(name, first, last))
    parsed = Calendar.from_ical(data)
    assert [c.errors for c in parsed.walk() if c.errors] == []
    (timezone,) = IcsCalendarStream.calendar_from_ics(data.decode()).timezones
    theirs = IcsTimezoneInfo.from_timezone(timezone)
    zone = ZoneInfo(name)
    moment = datetime(first, 1, 1, 12)
    checked = 0
    while moment.year <= last:
        ours = moment.replace(tzinfo=zone)
        if ours.utcoffset() == ours.replace(fold=1).utcoffset():  # neither skipped nor repeated
            assert moment.replace(tzinfo=theirs).utcoffset() == ours.utcoffset(), moment
            checked += 1
        moment += timedelta(days=3, hours=5)
    assert checked > 100


def test_the_current_rule_is_an_rrule_and_older_changes_are_dated() -> None:
    zone = vtimezone("America/New_York", 2006, 2008)
    rules = [line for line in zone if line.startswith("RRULE")]
    assert rules == [
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
        "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
    ]
    starts = [line for line in zone if line.startswith("DTSTART")]
    assert starts == [
        "DTSTART:20060101T000000",
        "DTSTART:20060402T020000",
        "DTSTART:20061029T020000",
        "DTSTART:20070311T020000",
        "DTSTART:20071104T020000",
    ]


def test_a_rule_that_ended_stays_dated() -> None:
    zone = vtimezone("America/New_York", 2006, 2006)
    assert not any(line.startswith("RRULE") for line in zone)
    assert [line for line in zone if line.startswith("RDATE")] == [
        "RDATE:20060101T000000",
        "RDATE:20060402T020000",
        "RDATE:20061029T020000",
    ]
    assert [line for line in zone if line.startswith("DTSTART")] == [
        "DTSTART:20060101T000000",
        "DTSTART:20060402T020000",
        "DTSTART:20061029T020000",
    ]
    tehran = vtimezone("Asia/Tehran", 2019, 2023)
    assert not any(line.startswith("RRULE") for line in tehran)


def test_a_zone_without_changes_has_one_observance() -> None:
    assert vtimezone("Asia/Bangkok", 2018, 2019) == (
        "BEGIN:VTIMEZONE",
        "TZID:Asia/Bangkok",
        "BEGIN:STANDARD",
        "DTSTART:20180101T000000",
        "RDATE:20180101T000000",
        "TZNAME:+07",
        "TZOFFSETFROM:+0700",
        "TZOFFSETTO:+0700",
        "END:STANDARD",
        "END:VTIMEZONE",
    )


def _with_event(zone: tuple[str, ...], start: str) -> bytes:
    event = (
        "BEGIN:VEVENT",
        "UID:a@example.org",
        "DTSTAMP:20190101T000000Z",
        f"DTSTART;TZID=Europe/Brussels:{start}",
        "SUMMARY:An event",
        "END:VEVENT",
    )
    return _calendar((*zone, *event))


def test_ruby_reads_the_rule_from_the_year_before_and_not_a_rule_yet_to_begin(
    tmp_path: Path,
) -> None:
    """Ruby's icalendar 2.8 fails on a time before one of two STANDARD observances
    begins: what the rule starting a year early avoids."""
    good = tmp_path / "good.ics"
    good.write_bytes(_with_event(vtimezone("Europe/Brussels", 2019, 2019), "20190330T180000"))
    assert with_ruby([good])[good][0].start == "2019-03-30T17:00:00.000Z"
    zone = list(vtimezone("Europe/Brussels", 2019, 2019))
    late = [line.replace("20181028", "20191027") for line in zone]
    late[2:2] = [
        "BEGIN:STANDARD",
        "DTSTART:20190101T000000",
        "TZNAME:CET",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0100",
        "END:STANDARD",
    ]
    bad = tmp_path / "bad.ics"
    bad.write_bytes(_with_event(tuple(late), "20190330T180000"))
    with pytest.raises(AssertionError, match="comparison of IceCube::Occurrence with nil"):
        with_ruby([bad])
