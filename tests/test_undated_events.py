"""Events whose days are not known yet (`Feb. 2019`, `TBD`): shown as written in every
output, by start date with the unknown last, and kept out of every calendar file."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import Element

import html5lib
import icalendar
import pytest

from newsletter.errors import Severity
from newsletter.model import Precision
from newsletter.scaffold.new import new_issue
from newsletter.site import build, check, load
from tests.conftest import REPORT, SCHEDULE, Folder, Run

# Written out of date order, as an import merge can leave the file.
UNDATED_SCHEDULE = (
    "title: Schedule\n"
    "events:\n"
    "  - id: regional-forum\n"
    "    title: Regional Forum\n"
    "    dates: to be announced\n"
    "    venue: Suva, Fiji\n"
    "  - id: event-two-2019\n"
    "    title: Event two\n"
    "    dates: 4-8 Nov. 2019\n"
    "    venue: Suva, Fiji\n"
    "  - id: valuation-workshop-2020\n"
    "    title: Valuation Workshop\n"
    "    dates: Feb. 2020\n"
    "    venue: Manila, Philippines\n"
    "  - id: event-one-2019\n"
    "    title: Event one\n"
    "    dates: 24-25 Oct. 2019\n"
    "    venue: Bangkok, Thailand\n"
    "  - id: audit-seminar-2020\n"
    "    title: Audit Seminar\n"
    "    dates: March 2020 (tbc)\n"
    "    venue: Kashiwa, Japan\n"
)
IN_ORDER = ["Event one", "Event two", "Valuation Workshop", "Audit Seminar", "Regional Forum"]
UNDATED = ("regional-forum", "valuation-workshop-2020", "audit-seminar-2020")


@pytest.fixture
def undated(folder: Folder) -> Folder:
    folder.write(SCHEDULE, UNDATED_SCHEDULE)
    return folder


def test_check_notes_each_undated_event_without_warning(undated: Folder) -> None:
    problems = undated.check()
    assert problems.errors == [] and problems.warnings == []
    notes = [str(p) for p in problems.sorted()]
    assert notes == [
        f"{SCHEDULE}:5: note: events[1].dates: 'to be announced' has no days yet: listed as 'dates "
        "to be announced', and left out of the calendar feed until its dates give the days",
        f"{SCHEDULE}:13: note: events[3].dates: 'Feb. 2020' has no days yet: listed as 'February "
        "2020', and left out of the calendar feed until its dates give the days",
        f"{SCHEDULE}:21: note: events[5].dates: 'March 2020 (tbc)' has no days yet: listed "
        "as 'March 2020', and left out of the calendar feed until its dates give the days",
    ]
    assert all(p.severity is Severity.NOTE for p in problems.items)


def test_check_command_exits_0_and_counts_the_notes(
    undated: Folder, run_cli: Callable[..., Run]
) -> None:
    run = run_cli("--root", str(undated.root), "check")
    assert run.code == 0
    assert run.out.count(": note: ") == 3
    assert run.err.strip() == "No problems found; 3 notes."


def test_summary_counts_notes_beside_warnings(undated: Folder, run_cli: Callable[..., Run]) -> None:
    text = undated.path(SCHEDULE).read_text()
    undated.write(SCHEDULE, text.replace("  - id: regional-forum\n", "  - \n", 1))
    run = run_cli("--root", str(undated.root), "check")
    assert run.code == 0
    assert run.err.strip() == "0 errors, 1 warning, 3 notes."
    # Without a year to go by, the default id is the title's slug alone.
    assert "add `id: regional-forum`" in run.out


def test_the_model_keeps_the_precision_and_sorts_by_start(undated: Folder) -> None:
    newsletter, _ = load(undated.root)
    schedule = newsletter.issues[0].schedule
    assert schedule is not None
    assert [e.title for e in schedule.entries] == IN_ORDER
    precision = {e.id: e.dates.precision for e in schedule.entries}
    assert precision["valuation-workshop-2020"] is Precision.MONTH
    assert precision["regional-forum"] is Precision.UNKNOWN
    assert precision["event-one-2019"] is Precision.DAY
    status = {e.id: e.status.value for e in schedule.entries}
    assert status["valuation-workshop-2020"] == "tentative"  # a month only is tentative
    assert status["regional-forum"] == "confirmed"
    assert [e.id for e in newsletter.events][-1] == "regional-forum"  # unknown sorts last
    assert {e.id for e in newsletter.calendar_events}.isdisjoint(UNDATED)
    assert {e.id for e in newsletter.calendar_events} >= {"event-one-2019", "event-two-2019"}


@pytest.fixture
def built(undated: Folder) -> Path:
    build(undated.root)
    return undated.root / "public"


def test_no_calendar_file_holds_an_undated_event(built: Path, undated: Folder) -> None:
    feed = icalendar.Calendar.from_ical((built / "calendar.ics").read_bytes())
    uids = sorted(str(e["UID"]).split("@")[0] for e in feed.walk("VEVENT"))
    assert uids == ["event-one-2019", "event-two-2019", "first-report-2018"]
    events = sorted(p.name for p in (built / "events").glob("*.ics"))
    assert events == [f"{uid}.ics" for uid in uids]
    record = undated.path("calendar/published.yaml").read_text()
    assert all(uid not in record for uid in UNDATED)
    for ics in [built / "calendar.ics", *(built / "events").glob("*.ics")]:
        assert b"9999" not in ics.read_bytes()


def test_no_calendar_by_kind_country_or_issue_holds_an_undated_event(built: Path) -> None:
    files = [*(built / "calendars").rglob("*.ics"), *(built / "issues").glob("*/events.ics")]
    names = {p.relative_to(built).as_posix() for p in files}
    # Their kinds and countries have a calendar only through the dated events.
    assert "calendars/workshop.ics" not in names
    assert "calendars/countries/philippines.ics" not in names
    assert "calendars/countries/japan.ics" not in names
    assert {"calendars/countries/fiji.ics", "calendars/countries/thailand.ics"} <= names
    for ics in files:
        feed = icalendar.Calendar.from_ical(ics.read_bytes())
        uids = {str(e["UID"]).split("@")[0] for e in feed.walk("VEVENT")}
        assert uids and not uids & set(UNDATED), ics


def _rows(page: Path) -> list[list[str]]:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    root: Element = parser.parse(page.read_bytes())
    table = root.find(".//table[@class='schedule']")
    assert table is not None
    return [["".join(td.itertext()).strip() for td in tr.findall("td")] for tr in table.iter("tr")][
        1:
    ]


def test_the_events_page_lists_them_coming_as_written_without_a_calendar_link(
    built: Path,
) -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    root: Element = parser.parse((built / "events/index.html").read_bytes())
    items = {li.get("id"): li for li in root.iter("li") if li.get("id") in UNDATED}
    assert sorted(items) == sorted(UNDATED)
    forum = items["regional-forum"]
    text = " ".join("".join(forum.itertext()).split())
    assert "dates to be announced" in text and "9999" not in text
    assert forum.find(".//time") is None and "Add to calendar" not in text
    assert "February 2020" in "".join(items["valuation-workshop-2020"].itertext())
    scripts = [json.loads(s.text or "") for s in root.iter("script") if s.get("type")]
    by_id = {d["@id"].rsplit("#", 1)[1]: d for d in scripts if "@id" in d}
    assert "startDate" not in by_id["regional-forum"]
    assert by_id["valuation-workshop-2020"]["startDate"] == "2020-02"


def test_the_issue_page_shows_them_as_written_in_date_order(built: Path) -> None:
    page = built / "issues/001/index.html"
    rows = _rows(page)
    assert [r[0] for r in rows] == IN_ORDER
    assert [r[1] for r in rows] == [
        "24–25 October 2019",
        "4–8 November 2019",
        "February 2020 (tentative)",
        "March 2020 (tentative)",
        "dates to be announced",
    ]
    assert [r[3] for r in rows] == ["Add to calendar"] * 2 + [""] * 3
    html = page.read_text()
    assert '<time datetime="2020-02">February 2020</time>' in html
    assert "9999" not in html
    for uid in UNDATED:
        assert f"events/{uid}.ics" not in html
    assert '"startDate": "2020-02"' in html  # schema.org takes a month
    assert "#regional-forum" not in html  # and nothing without a start


def test_the_email_shows_them_as_written_without_calendar_links(built: Path) -> None:
    text = (built / "issues/001/email.txt").read_text()
    blocks = text.split("Event one\n", 1)[1]
    positions = [blocks.find(title) for title in IN_ORDER[1:]]
    assert positions == sorted(positions) and -1 not in positions
    assert "February 2020 (tentative) · Manila, Philippines" in text
    assert "dates to be announced · Suva, Fiji" in text
    html = (built / "issues/001/email.html").read_text()
    assert "February 2020" in html and "dates to be announced" in html
    assert html.index("Valuation Workshop") < html.index("Regional Forum")
    message = email.message_from_bytes(
        (built / "issues/001/email.eml").read_bytes(), policy=email.policy.default
    )
    for part in message.walk():
        if part.get_content_maintype() == "text":
            body = part.get_content()
            assert "9999" not in body
            for uid in UNDATED:
                assert f"events/{uid}.ics" not in body


def test_an_event_that_gets_its_days_joins_the_calendar(undated: Folder) -> None:
    build(undated.root)
    text = undated.path(SCHEDULE).read_text()
    undated.write(SCHEDULE, text.replace("Feb. 2020", "17-21 Feb. 2020"))
    build(undated.root)
    feed = icalendar.Calendar.from_ical((undated.root / "public/calendar.ics").read_bytes())
    workshop = [e for e in feed.walk("VEVENT") if "valuation" in str(e["UID"])]
    assert len(workshop) == 1
    assert workshop[0].decoded("DTSTART").isoformat() == "2020-02-17"
    assert (undated.root / "public/events/valuation-workshop-2020.ics").is_file()


@pytest.mark.parametrize("dates", ["Feb. 2019", "TBD"])
def test_a_report_needs_its_days(folder: Folder, dates: str) -> None:
    text = folder.path(REPORT).read_text().replace("2-6 July 2018", dates)
    folder.write(REPORT, text)
    problems = check(folder.root)
    assert [str(p) for p in problems.errors] == [
        f"{REPORT}:3: dates: {dates!r}: a report tells of an event that took place; give "
        "the days it took place, e.g. 2-6 July 2018"
    ]


def test_new_carries_forward_the_undated_and_drops_a_month_that_ended(undated: Folder) -> None:
    made = new_issue(undated.root, date(2020, 3, 2))
    assert (made.carried, made.dropped) == (2, 3)
    carried = undated.path("content/issues/002/schedule.yaml").read_text()
    assert "dates: to be announced" in carried and "dates: March 2020 (tbc)" in carried
    assert "Feb. 2020" not in carried  # February 2020 ended before 2 March


def test_events_to_be_announced_are_no_lookalikes(undated: Folder) -> None:
    text = undated.path(SCHEDULE).read_text()
    extra = (
        "  - id: regional-forum-two\n"
        "    title: Regional Forums\n"
        "    dates: TBD\n"
        "    venue: Suva, Fiji\n"
    )
    undated.write(SCHEDULE, text + extra)
    problems = check(undated.root)
    assert problems.errors == [] and problems.warnings == []
