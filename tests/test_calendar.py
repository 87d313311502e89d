"""calendar.ics and events/<id>.ics of the sample, held to five independent parsers
(icalendar, ical, vobject, recurring-ical-events, and ical.js and node-ical through
Node) and to byte-level rules none of them checks."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from newsletter.site import build
from tests.calendars import (
    Seen,
    copy_sample,
    properties,
    unfold,
    vevents,
    with_ical,
    with_icalendar,
    with_node,
    with_vobject,
)

TRANSIT = "wco-regional-workshop-on-transit-2018@newsletter.example.org"
DST = "overnight-meeting-across-dst-2019@newsletter.example.org"
FALL_BACK = "fall-back-breakfast-2019@newsletter.example.org"
CASES = ("sample", "extra-events")


@pytest.fixture(scope="module", params=CASES)
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built sample (`sample`), or the sample plus the cases it lacks (`extra-events`)."""
    case = str(request.param)
    root = copy_sample(tmp_path_factory.mktemp(case), extra_events=case == "extra-events")
    build(root)
    return root / "public"


@pytest.fixture(scope="module")
def extra(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_sample(tmp_path_factory.mktemp("extra"), extra_events=True)
    build(root)
    return root / "public"


def ics_files(site: Path) -> list[Path]:
    return [site / "calendar.ics", *sorted((site / "events").glob("*.ics"))]


def test_every_parser_reads_the_same_events_without_error(site: Path) -> None:
    feed = site / "calendar.ics"
    data = feed.read_bytes()
    reference = with_icalendar(data)
    assert len(reference) >= 38
    assert with_ical(data) == reference
    assert with_vobject(data) == reference
    node = with_node(feed)
    assert node["ical.js"] == reference
    assert node["node-ical"] == reference
    transit = next(seen for seen in reference if seen.uid == TRANSIT)
    assert transit == Seen(
        TRANSIT, "WCO Regional Workshop on Transit", "2019-01-07", "2019-01-12", "CONFIRMED", 1
    )


def test_recurring_ical_events_sees_the_last_day_and_not_the_next(site: Path) -> None:
    import recurring_ical_events
    from icalendar import Calendar

    calendar = Calendar.from_ical((site / "calendar.ics").read_bytes())

    def on(day: date) -> set[str]:
        return {str(e["UID"]) for e in recurring_ical_events.of(calendar).at(day)}

    assert TRANSIT in on(date(2019, 1, 7))
    assert TRANSIT in on(date(2019, 1, 11))
    assert TRANSIT not in on(date(2019, 1, 12))
    assert TRANSIT not in on(date(2019, 1, 6))
    between = recurring_ical_events.of(calendar).between(date(2018, 12, 1), date(2018, 12, 31))
    assert TRANSIT not in {str(e["UID"]) for e in between}  # its first dates are gone


def test_lines_are_crlf_folded_at_75_octets_and_never_split_a_character(site: Path) -> None:
    for file in ics_files(site):
        data = file.read_bytes()
        assert data.endswith(b"END:VCALENDAR\r\n"), file
        assert b"\n" not in data.replace(b"\r\n", b""), f"{file}: a bare LF"
        assert b"\r" not in data.replace(b"\r\n", b""), f"{file}: a bare CR"
        for line in data.split(b"\r\n")[:-1]:
            assert len(line) <= 75, f"{file}: {len(line)} octets: {line!r}"
            line.decode("utf-8")  # a character split by folding would not decode alone


def test_folding_keeps_long_unicode_text(extra: Path) -> None:
    data = (extra / "calendar.ics").read_bytes()
    summary = properties(data, DST)["SUMMARY"]
    assert summary == (
        "Overnight meeting across the clock change – Ünïcode ✓ and a title long enough to be folded"
    )
    assert any(line.startswith(b" ") for line in data.split(b"\r\n"))


def test_every_event_has_its_required_properties(site: Path) -> None:
    data = (site / "calendar.ics").read_bytes()
    uids = list(vevents(data))
    assert len(uids) == len(set(uids))
    for uid in uids:
        assert re.fullmatch(r"[a-z0-9-]+@newsletter\.example\.org", uid), uid
        lines = unfold(vevents(data)[uid])
        names = [line.split(":", 1)[0].split(";", 1)[0] for line in lines]
        for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "LOCATION", "STATUS"):
            assert names.count(name) == 1, (uid, name)
        for name in ("SEQUENCE", "LAST-MODIFIED", "TRANSP"):
            assert names.count(name) == 1, (uid, name)
        found = properties(data, uid)
        assert re.fullmatch(r"\d{8}T\d{6}Z", found["DTSTAMP"]), uid
        assert found["LAST-MODIFIED"] == found["DTSTAMP"]
        assert found["STATUS"] in ("CONFIRMED", "TENTATIVE", "CANCELLED")


def _when(name: str, value: str) -> date | datetime:
    if "VALUE=DATE" in name and "DATE-TIME" not in name:
        return datetime.strptime(value, "%Y%m%d").date()
    return datetime.strptime(value.removesuffix("Z"), "%Y%m%dT%H%M%S")


def test_dtend_is_after_dtstart_and_all_day_ends_are_exclusive(site: Path) -> None:
    data = (site / "calendar.ics").read_bytes()
    for uid in vevents(data):
        found = properties(data, uid)
        start_name = next(n for n in found if n.startswith("DTSTART"))
        end_name = next(n for n in found if n.startswith("DTEND"))
        assert start_name.split(";")[1:] == end_name.split(";")[1:], uid  # same kind, same zone
        start, end = _when(start_name, found[start_name]), _when(end_name, found[end_name])
        assert type(start) is type(end), uid
        assert end > start, uid
        if not isinstance(start, datetime):
            multi_day = (end - start).days > 1
            assert found["TRANSP"] == ("TRANSPARENT" if multi_day else "OPAQUE"), uid
    transit = properties(data, TRANSIT)
    assert transit["DTSTART;VALUE=DATE"] == "20190107"
    assert transit["DTEND;VALUE=DATE"] == "20190112"


def test_one_day_event_ends_the_next_day(extra: Path) -> None:
    found = properties(
        (extra / "calendar.ics").read_bytes(), "one-day-seminar-2019@newsletter.example.org"
    )
    assert (found["DTSTART;VALUE=DATE"], found["DTEND;VALUE=DATE"]) == ("20190503", "20190504")
    assert found["TRANSP"] == "OPAQUE"


def test_calendar_properties(site: Path) -> None:
    lines = unfold((site / "calendar.ics").read_bytes())
    head = lines[: lines.index("BEGIN:VEVENT")]
    assert head[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert any(line.startswith("PRODID:-//") for line in head)
    assert "NAME:WCO A/P Workshops and Meetings" in head
    assert "X-WR-CALNAME:WCO A/P Workshops and Meetings" in head
    assert any(line.startswith("DESCRIPTION:Capacity-building workshops\\,") for line in head)
    assert "REFRESH-INTERVAL;VALUE=DURATION:P1D" in head
    assert "X-PUBLISHED-TTL:P1D" in head
    assert not any(line.startswith("X-WR-TIMEZONE") for line in lines)


@pytest.mark.parametrize(("refresh", "written"), [("PT12H", "PT12H"), ("P1M", "P30D")])
def test_refresh_interval_and_ttl_are_the_same_duration(
    tmp_path: Path, refresh: str, written: str
) -> None:
    root = copy_sample(tmp_path)
    calendar = root / "calendar/calendar.yaml"
    calendar.write_text(calendar.read_text().replace("refresh: P1D", f"refresh: {refresh}"))
    build(root)
    lines = unfold((root / "public/calendar.ics").read_bytes())
    assert f"REFRESH-INTERVAL;VALUE=DURATION:{written}" in lines
    assert f"X-PUBLISHED-TTL:{written}" in lines


def test_urls_and_descriptions_point_at_the_pages(site: Path) -> None:
    data = (site / "calendar.ics").read_bytes()
    announced = properties(data, TRANSIT)
    assert announced["URL"] == "https://newsletter.example.org/issues/061/"
    assert announced["DESCRIPTION"].endswith("https://newsletter.example.org/issues/061/")
    reported = properties(data, "wco-it-conference-2018@newsletter.example.org")
    page = "https://newsletter.example.org/issues/061/wco-it-conference/"
    assert reported["URL"] == page
    assert reported["DESCRIPTION"].endswith(page)
    assert len(reported["DESCRIPTION"]) > len(page) + 20  # the summary comes first
    standing = properties(
        data, "9th-asem-customs-enforcement-working-group-meeting-2006@newsletter.example.org"
    )
    assert "URL" not in standing
    assert standing["DESCRIPTION"].startswith("Hosted by the Korea Customs Service\\,")
    for uid in vevents(data):
        url = properties(data, uid).get("URL")
        if url and url.startswith("https://newsletter.example.org/"):
            path = url.removeprefix("https://newsletter.example.org/")
            assert (site / path / "index.html").is_file(), (uid, url)


def test_text_is_escaped_and_categories_kept(extra: Path) -> None:
    found = properties((extra / "calendar.ics").read_bytes(), DST)
    assert found["CATEGORIES"] == "Meeting,Customs\\; Trade\\, Policy"
    assert found["DESCRIPTION"].startswith(
        "Line one.\\nLine two\\; with a semicolon\\, a comma and a backslash \\\\ too."
    )
    assert found["URL"] == "https://www.wcoomd.org/en/events/overnight%20meeting.html"
    assert found["LOCATION"] == "Brussels\\, Belgium"


def test_cancelled_and_tentative_events_stay_with_their_status(extra: Path) -> None:
    data = (extra / "calendar.ics").read_bytes()
    assert properties(data, "cancelled-forum-2019@newsletter.example.org")["STATUS"] == (
        "CANCELLED"
    )
    assert properties(data, "video-call-2019@newsletter.example.org")["STATUS"] == "TENTATIVE"
    tbc = "wco-national-workshop-on-risk-management-for-the-philippines-2019"
    assert properties(data, f"{tbc}@newsletter.example.org")["STATUS"] == "TENTATIVE"


def test_timed_event_across_dst_has_tzid_and_a_matching_vtimezone(extra: Path) -> None:
    from icalendar import Calendar

    data = (extra / "calendar.ics").read_bytes()
    found = properties(data, DST)
    assert found["DTSTART;TZID=Europe/Brussels"] == "20190330T180000"
    assert found["DTEND;TZID=Europe/Brussels"] == "20190331T120000"
    lines = unfold(data)
    zone = lines[lines.index("TZID:Europe/Brussels") - 1 : lines.index("END:VTIMEZONE") + 1]
    assert zone[0] == "BEGIN:VTIMEZONE"
    # RFC 5545: an onset is the local time in the offset before it (02:00 CET, 03:00 CEST).
    daylight = zone[zone.index("BEGIN:DAYLIGHT") :]
    assert daylight[1:5] == [
        "DTSTART:20190331T020000",
        "TZNAME:CEST",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
    ]
    standard = daylight[daylight.index("BEGIN:STANDARD") :]
    assert standard[1:5] == [
        "DTSTART:20191027T030000",
        "TZNAME:CET",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
    ]
    assert lines.index("END:VTIMEZONE") < lines.index("BEGIN:VEVENT")
    event = next(e for e in Calendar.from_ical(data).events if str(e["UID"]) == DST)
    assert event.start.astimezone(UTC) == datetime(2019, 3, 30, 17, 0, tzinfo=UTC)
    assert event.end.astimezone(UTC) == datetime(2019, 3, 31, 10, 0, tzinfo=UTC)
    assert "BEGIN:VTIMEZONE" not in unfold((extra / "events/one-day-seminar-2019.ics").read_bytes())
    own = unfold((extra / "events/overnight-meeting-across-dst-2019.ics").read_bytes())
    assert "TZID:Europe/Brussels" in own and "BEGIN:DAYLIGHT" in own


def test_utc_and_repeated_local_times_are_written_in_utc(extra: Path) -> None:
    data = (extra / "calendar.ics").read_bytes()
    call = properties(data, "video-call-2019@newsletter.example.org")
    assert (call["DTSTART"], call["DTEND"]) == ("20190502T100000Z", "20190502T113000Z")
    # 02:30 happens twice in Brussels that morning; RFC 5545 means the first (CEST).
    breakfast = properties(data, FALL_BACK)
    assert (breakfast["DTSTART"], breakfast["DTEND"]) == ("20191027T003000Z", "20191027T030000Z")
    assert not any(line.startswith("TZID:UTC") for line in unfold(data))


def test_each_event_file_holds_the_feeds_event(site: Path) -> None:
    feed = vevents((site / "calendar.ics").read_bytes())
    seen = {s.uid: s for s in with_icalendar((site / "calendar.ics").read_bytes())}
    files = sorted((site / "events").glob("*.ics"))
    assert len(files) == len(feed)
    for file in files:
        data = file.read_bytes()
        own = vevents(data)
        uid = f"{file.stem}@newsletter.example.org"
        assert list(own) == [uid]
        assert own[uid] == feed[uid]
        assert with_icalendar(data) == [seen[uid]]
        lines = unfold(data)
        assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
        assert not any(line.startswith(("X-WR-CALNAME", "REFRESH-INTERVAL")) for line in lines)


def test_pages_link_only_to_built_event_files(site: Path) -> None:
    for page in site.rglob("*.html"):
        for target in re.findall(r'href="((?:\.\./)*events/[^"]+\.ics)"', page.read_text()):
            assert (page.parent / target).resolve().is_file(), (page, target)


def test_serialise_gives_icalendars_own_bytes() -> None:
    from zoneinfo import ZoneInfo

    from icalendar import Event

    from newsletter.render.calendar import serialise

    event = Event()
    event.add("UID", "x@example.org")
    event.add("SUMMARY", "Ünïcode ✓ " * 12)
    event.add("DESCRIPTION", "a;b,c\\d\nnext line " + "x" * 70)
    event.add("CATEGORIES", ["One, two", "Three"])
    event.add("DTSTART", datetime(2019, 3, 31, 9, 0, tzinfo=ZoneInfo("Europe/Brussels")))
    event.add("LOCATION", "y" * 65)  # exactly 74 octets with its name: not folded
    data = serialise(event)
    assert data == event.to_ical()
    assert b"LOCATION:" + b"y" * 65 + b"\r\n" in data
