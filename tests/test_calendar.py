"""Every calendar file of the sample — calendar.ics, the calendars by category and by
country, each issue's events.ics, events/<id>.ics — held to eight independent parsers
(icalendar, ical, vobject, recurring-ical-events, ical.js and node-ical through Node,
libical through a few lines of C, and Ruby's icalendar) and to byte-level rules none of
them checks."""

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
    with_libical,
    with_node,
    with_node_files,
    with_ruby,
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
    """Every calendar file of a built site."""
    return [
        site / "calendar.ics",
        *sorted((site / "calendars").rglob("*.ics")),
        *sorted((site / "issues").glob("*/events.ics")),
        *sorted((site / "events").glob("*.ics")),
    ]


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
    assert with_libical(feed) == reference
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
        assert found["TRANSP"] == "TRANSPARENT", uid  # a newsletter never makes anyone busy
    transit = properties(data, TRANSIT)
    assert transit["DTSTART;VALUE=DATE"] == "20190107"
    assert transit["DTEND;VALUE=DATE"] == "20190112"


def test_one_day_event_ends_the_next_day(extra: Path) -> None:
    found = properties(
        (extra / "calendar.ics").read_bytes(), "one-day-seminar-2019@newsletter.example.org"
    )
    assert (found["DTSTART;VALUE=DATE"], found["DTEND;VALUE=DATE"]) == ("20190503", "20190504")
    assert found["TRANSP"] == "TRANSPARENT"


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


def test_cancelled_and_tentative_events_say_so_in_their_text(extra: Path) -> None:
    data = (extra / "calendar.ics").read_bytes()
    cancelled = properties(data, "cancelled-forum-2019@newsletter.example.org")
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled["SUMMARY"] == "Cancelled: Cancelled forum"
    assert cancelled["DESCRIPTION"].startswith("Cancelled.")  # calendar.yaml: no issue to name
    call = properties(data, "video-call-2019@newsletter.example.org")
    assert call["STATUS"] == "TENTATIVE"
    assert call["SUMMARY"] == "Video call of the contact points (dates to be confirmed)"
    tbc = "wco-national-workshop-on-risk-management-for-the-philippines-2019"
    philippines = properties(data, f"{tbc}@newsletter.example.org")
    assert philippines["STATUS"] == "TENTATIVE"
    assert philippines["SUMMARY"] == (
        "WCO National Workshop on Risk Management for the Philippines (dates to be confirmed)"
    )
    confirmed = properties(data, TRANSIT)
    assert confirmed["SUMMARY"] == "WCO Regional Workshop on Transit"


def test_a_moved_event_names_the_issue_that_moved_it(site: Path) -> None:
    found = properties((site / "calendar.ics").read_bytes(), TRANSIT)
    assert found["DESCRIPTION"].startswith(
        "New dates in ROCB E-Newsletter No.62: https://newsletter.example.org/issues/062/\\n\\n"
        "ROCB E-Newsletter No.61: https://newsletter.example.org/issues/061/"
    )


def test_a_report_moves_last_modified_but_not_sequence(site: Path) -> None:
    """Announced in No.61 (29 June), reported in No.62 (15 October): the report's link
    and summary are new text, so LAST-MODIFIED and DTSTAMP move; SEQUENCE stays."""
    found = properties(
        (site / "calendar.ics").read_bytes(),
        "wco-global-mercator-program-advisor-seminar-2018@newsletter.example.org",
    )
    assert found["URL"] == "https://newsletter.example.org/issues/062/mercator-advisor-seminar/"
    assert (found["SEQUENCE"], found["LAST-MODIFIED"], found["DTSTAMP"]) == (
        "0",
        "20181015T000000Z",
        "20181015T000000Z",
    )
    announced_only = properties(
        (site / "calendar.ics").read_bytes(),
        "wco-regional-workshop-on-environment-program-2018@newsletter.example.org",
    )
    assert announced_only["LAST-MODIFIED"] == "20180629T000000Z"  # No.62 changed nothing


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
    # The yearly rule is an RRULE, from the year before the first event's: the two rules
    # are the whole zone (Ruby's icalendar fails on an observance not yet begun).
    assert zone[2:] == [
        "BEGIN:DAYLIGHT",
        "DTSTART:20180325T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "TZNAME:CEST",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "DTSTART:20181028T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "TZNAME:CET",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "END:STANDARD",
        "END:VTIMEZONE",
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


def test_every_calendar_file_is_read_alike_by_every_parser(site: Path) -> None:
    files = ics_files(site)
    assert len(files) > 60
    node = with_node_files(files)
    ruby = with_ruby(files)
    for file in files:
        data = file.read_bytes()
        reference = with_icalendar(data)
        assert reference, file
        assert with_ical(data) == reference, file
        assert with_vobject(data) == reference, file
        assert node[file]["ical.js"] == reference, file
        assert node[file]["node-ical"] == reference, file
        assert with_libical(file) == reference, file
        assert ruby[file] == reference, file


def test_libical_reports_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ics"
    broken.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:a@b\r\n"
        b"DTSTAMP:20190101T000000Z\r\nDTSTART:7 Jan 2019\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with pytest.raises(AssertionError, match="DTSTART"):
        with_libical(broken)


def test_ical_library_finds_the_transitions_of_the_rrule(extra: Path) -> None:
    from datetime import timedelta

    from ical.calendar_stream import IcsCalendarStream
    from ical.timezone import IcsTimezoneInfo

    data = (extra / "calendar.ics").read_text()
    calendar = IcsCalendarStream.calendar_from_ics(data)
    zone = next(tz for tz in calendar.timezones if tz.tz_id == "Europe/Brussels")
    info = IcsTimezoneInfo.from_timezone(zone)
    offsets = {
        when: datetime(*when, tzinfo=info).utcoffset()
        for when in (
            (2019, 1, 15, 12),
            (2019, 3, 31, 1),
            (2019, 3, 31, 4),
            (2019, 7, 1, 12),
            (2019, 10, 27, 4),
            (2021, 7, 1, 12),
            (2021, 12, 1, 12),
        )
    }
    hour = timedelta(hours=1)
    assert list(offsets.values()) == [hour, hour, 2 * hour, 2 * hour, hour, 2 * hour, hour]


def test_each_calendar_by_kind_and_country_holds_the_feeds_lines(site: Path) -> None:
    from newsletter.events.calendars import subscriptions
    from newsletter.site import load

    feed_data = (site / "calendar.ics").read_bytes()
    feed = vevents(feed_data)
    feed_head = unfold(feed_data)
    newsletter, _ = load(site.parent)
    found = subscriptions(newsletter)
    assert [s.kind for s in found].count("category") >= 4
    assert [s.kind for s in found].count("country") >= 20
    for subscription in found:
        data = (site / subscription.path).read_bytes()
        own = vevents(data)
        uids = [f"{e.id}@newsletter.example.org" for e in subscription.events]
        assert list(own) == uids, subscription.path  # in the feed's order
        assert all(own[uid] == feed[uid] for uid in uids), subscription.path
        lines = unfold(data)
        head = lines[: lines.index("BEGIN:VEVENT")]
        assert f"NAME:{subscription.name}" in head
        assert f"X-WR-CALNAME:{subscription.name}" in head
        assert f"SOURCE;VALUE=URI:https://newsletter.example.org/{subscription.path}" in head
        assert _settings(lines) == _settings(feed_head), subscription.path
    fiji = unfold((site / "calendars/countries/fiji.ics").read_bytes())
    assert "NAME:WCO A/P Workshops and Meetings: Fiji" in fiji
    assert all(line == "LOCATION:Suva\\, Fiji" for line in fiji if line.startswith("LOCATION:"))
    workshops = vevents((site / "calendars/workshop.ics").read_bytes())
    assert TRANSIT in workshops


def _settings(lines: list[str]) -> list[str]:
    """A calendar's own lines before its first component, less its name and address."""
    head = lines[: next(i for i, line in enumerate(lines) if i and line.startswith("BEGIN:"))]
    return [line for line in head if not line.startswith(("NAME:", "X-WR-CALNAME:", "SOURCE"))]


def test_each_issue_has_the_events_it_announces_and_reports(site: Path) -> None:
    feed = vevents((site / "calendar.ics").read_bytes())
    for number, schedule_uid, report_uid in (
        ("061", "wco-regional-workshop-on-transit-2018", "wco-it-conference-2018"),
        ("062", "wco-council-sessions-2019", "wco-global-mercator-program-advisor-seminar-2018"),
    ):
        data = (site / f"issues/{number}/events.ics").read_bytes()
        own = vevents(data)
        for uid in (schedule_uid, report_uid):
            assert own[f"{uid}@newsletter.example.org"] == feed[f"{uid}@newsletter.example.org"]
        lines = unfold(data)
        # A file of events to add, not a calendar to subscribe to: no name of its own.
        assert not any(line.startswith(("NAME", "X-WR-CALNAME", "REFRESH")) for line in lines)
    standing = "9th-asem-customs-enforcement-working-group-meeting-2006@newsletter.example.org"
    assert standing not in vevents((site / "issues/062/events.ics").read_bytes())


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "a;b,c\\d\nnext line\r\nand a CR\rhere " + "x" * 70,
        "Ünïcode ✓ " * 12,
        "é" * 40,
        "x" * 73 + "\\n" + "y" * 80,  # an escape at the fold moves to the next line
        "a^b" * 30,
    ],
)
def test_the_direct_writer_writes_icalendars_bytes(value: str) -> None:
    from icalendar import Event

    from newsletter.render.contentlines import fold, text, texts

    event = Event()
    event.add("SUMMARY", value)
    event.add("CATEGORIES", [value, "Two, three"])
    expected = event.to_ical().split(b"\r\n", 1)[1].rsplit(b"END:VEVENT", 1)[0]
    ours = fold(f"SUMMARY:{text(value)}") + fold(f"CATEGORIES:{texts([value, 'Two, three'])}")
    assert ours == expected
    parsed = Event.from_ical(b"BEGIN:VEVENT\r\n" + ours + b"END:VEVENT\r\n")
    assert str(parsed["SUMMARY"]) == value.replace("\r\n", "\n").replace("\r", "\n")


def test_lines_fold_as_character_by_character() -> None:
    """`fold` cuts the encoded line by position, never inside a character: the same parts
    as adding one character at a time (`folded_by_characters`), an escape that would end
    a part moved to the next included."""
    import random

    from newsletter.render.contentlines import fold

    rng = random.Random(5545)
    for alphabet in ("ab \\^,;n", "ab \\^é✓世😀"):
        for _ in range(3000):
            line = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 400)))
            assert fold(line) == folded_by_characters(line), line


def folded_by_characters(line: str) -> bytes:
    """`fold` as icalendar does it: a character at a time, a part ending before the one
    that would take it to 75 octets."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if current and size + width >= 75:
            carried = current.pop() if len(current) > 1 and current[-1] in "\\^" else None
            parts.append("".join(current))
            current = [carried] if carried else []
            size = len(carried.encode("utf-8")) if carried else 0
        current.append(char)
        size += width
    parts.append("".join(current))
    return ("\r\n ".join(parts) + "\r\n").encode("utf-8")


def test_a_literal_backslash_n_stays_two_characters() -> None:
    from icalendar import Calendar

    from newsletter.render.contentlines import fold, text

    value = "C:\\New folder"
    line = fold("SUMMARY:" + text(value))
    assert line == b"SUMMARY:C:\\\\New folder\r\n"
    data = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" + line + b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    assert str(Calendar.from_ical(data).events[0]["SUMMARY"]) == value
