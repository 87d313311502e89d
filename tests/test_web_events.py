"""The events page (`events/index.html`) of a newsletter whose events live a whole life:
announced, moved, cancelled, tentative, reported, and one from calendar.yaml only.
Held to html5lib's strict parser, the Nu checker and schema.org's Event vocabulary."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest

from newsletter.site import build
from tests.conftest import ISSUE_YAML, REPORT, SCHEDULE, make_folder
from tests.test_web import NS, jsonld, pages, parse

EVENTS = "events/index.html"
SECOND = "content/issues/002"
CALENDAR = (
    "name: Régional calendar\n"
    "events:\n"
    "  - id: standing-meeting-2006\n"
    "    title: Standing meeting of the heads\n"
    "    dates: 20-21 April 2006\n"
    "    venue: Seoul, Korea\n"
)
FIRST_SCHEDULE = (
    "events:\n"
    "  - id: transit-2018\n"
    "    title: Regional Workshop on Transit\n"
    "    dates: 10-14 Dec. 2018\n"
    "    venue: Faridabad, India\n"
    "  - id: valuation-2018\n"
    "    title: Séminaire sur l'évaluation — 評価 <script>\n"
    "    dates: 3-4 Sep. 2018\n"
    "    venue: Suva, Fiji\n"
)
SECOND_SCHEDULE = (
    "events:\n"
    "  - id: transit-2018\n"
    "    title: Regional Workshop on Transit\n"
    "    dates: 7-11 Jan. 2019\n"
    "    venue: Faridabad, India\n"
    "  - id: valuation-2018\n"
    "    title: Séminaire sur l'évaluation — 評価 <script>\n"
    "    dates: 3-4 Sep. 2018\n"
    "    venue: Suva, Fiji\n"
    "    status: cancelled\n"
    "  - id: tentative-2019\n"
    "    title: Tentative workshop\n"
    "    dates: 18-22 Feb. 2019 (tbc)\n"
    "    venue: Manila, Philippines\n"
    "  - id: on-the-day-2018\n"
    "    title: A meeting on the issue's day\n"
    "    dates: 15 Oct. 2018\n"
    "    venue: online\n"
    "  - id: day-before-2018\n"
    "    title: A meeting the day before\n"
    "    dates: 14 Oct. 2018\n"
    "    venue: Bangkok, Thailand\n"
)


@pytest.fixture(scope="module")
def lived(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output of two issues whose events moved, were cancelled and were reported."""
    folder = make_folder(
        tmp_path_factory.mktemp("events") / "news",
        {
            ISSUE_YAML: "number: 1\ndate: 2018-06-01\n",
            SCHEDULE: FIRST_SCHEDULE,
            REPORT: None,
            "calendar/calendar.yaml": CALENDAR,
            f"{SECOND}/issue.yaml": "number: 2\ndate: 2018-10-15\n",
            f"{SECOND}/schedule.yaml": SECOND_SCHEDULE,
            f"{SECOND}/reports/first-report.md": (
                "---\ntitle: First report\ndates: 2-6 July 2018\nvenue: Brussels, Belgium\n"
                "event: first-report-2018\n---\nWhat happened at the meeting.\n"
            ),
        },
    )
    return build(folder.root).out


def items(section: Element) -> list[Element]:
    return [li for li in section.iter(f"{NS}li") if li.get("class", "").startswith("event")]


def section(root: Element, section_id: str) -> Element:
    found = next((s for s in root.iter(f"{NS}section") if s.get("id") == section_id), None)
    assert found is not None, section_id
    return found


def text(element: Element) -> str:
    return " ".join("".join(element.itertext()).split())


def links(element: Element) -> dict[str, str]:
    """Each link's text by its href."""
    return {a.get("href") or "": text(a) for a in element.iter(f"{NS}a")}


def test_coming_events_are_counted_from_the_newest_issue_in_date_order(lived: Path) -> None:
    root = parse(lived / EVENTS)
    coming = [li.get("id") for li in items(section(root, "coming"))]
    # The day before the newest issue is past; the issue's own day is still coming.
    assert coming == ["on-the-day-2018", "transit-2018", "tentative-2019"]


def test_past_events_are_grouped_by_year_newest_first(lived: Path) -> None:
    past = section(parse(lived / EVENTS), "past")
    years = [s for s in past.iter(f"{NS}section") if s.get("class") == "events-year"]
    assert [s.get("id") for s in years] == ["year-2018", "year-2006"]
    assert [h.text for s in years for h in s.iter(f"{NS}h3")] == ["2018", "2006"]
    assert [li.get("id") for li in items(years[0])] == [
        "day-before-2018",
        "valuation-2018",
        "first-report-2018",
    ]
    assert [li.get("id") for li in items(years[1])] == ["standing-meeting-2006"]


def by_id(site: Path) -> dict[str, Element]:
    return {li.get("id") or "": li for li in items(parse(site / EVENTS))}


def test_a_moved_event_says_from_when_and_which_issue_moved_it(lived: Path) -> None:
    moved = by_id(lived)["transit-2018"]
    assert "7–11 January 2019 · Faridabad, India · moved from 10–14 December 2018" in text(moved)
    assert "Announced in Test Newsletter No.1 · moved in Test Newsletter No.2" in text(moved)
    assert links(moved)["../issues/001/index.html"] == "Test Newsletter No.1"
    assert "moved in" in text(moved) and "../issues/002/index.html" in links(moved)
    assert links(moved)["../events/transit-2018.ics"] == "Add to calendar"


def test_a_cancelled_event_offers_no_add_to_calendar_anywhere(lived: Path) -> None:
    cancelled = by_id(lived)["valuation-2018"]
    assert "Cancelled" in text(cancelled) or "cancelled" in text(cancelled)
    assert "Séminaire sur l'évaluation — 評価 <script>" in text(cancelled)
    assert not any(href.endswith(".ics") for href in links(cancelled))
    assert "cancelled in" in text(cancelled)
    # Neither issue's row of it (the first still says confirmed), nor either email.
    for number in ("001", "002"):
        page = parse(lived / f"issues/{number}/index.html")
        row = next(
            tr
            for tr in page.iter(f"{NS}tr")
            if "évaluation" in text(tr) and tr.find(f"{NS}td") is not None
        )
        assert not any(href.endswith(".ics") for href in links(row)), number
        email = (lived / f"issues/{number}/email.html").read_text("utf-8")
        assert "events/valuation-2018.ics" not in email, number
        assert "events/valuation-2018.ics" not in (lived / f"issues/{number}/email.txt").read_text()
    assert "events/transit-2018.ics" in (lived / "issues/001/email.html").read_text("utf-8")


def test_tentative_and_reported_events_say_so(lived: Path) -> None:
    events = by_id(lived)
    tentative = events["tentative-2019"]
    status = tentative.find(f".//{NS}strong")
    assert status is not None and status.text == "tentative"
    reported = events["first-report-2018"]
    assert links(reported)["../issues/002/first-report/index.html"] == "Read the report"
    standing = events["standing-meeting-2006"]
    assert "In the calendar" in text(standing)
    assert links(standing) == {"../events/standing-meeting-2006.ics": "Add to calendar"}


def test_every_event_carries_schema_org_event_data(lived: Path) -> None:
    data = {str(d["@id"]).rsplit("#", 1)[1]: d for d in jsonld(parse(lived / EVENTS))}
    assert len(data) == 7
    base = "https://news.example.org/events/"
    for event_id, event in data.items():
        assert event["@type"] == "Event"
        assert event["url"] == base and event["@id"] == f"{base}#{event_id}"
        assert {"name", "startDate", "endDate", "location", "eventStatus"} <= event.keys()
    status = {k: str(v["eventStatus"]).rsplit("/", 1)[1] for k, v in data.items()}
    assert status["transit-2018"] == "EventRescheduled"
    assert status["valuation-2018"] == "EventCancelled"
    assert status["tentative-2019"] == "EventScheduled"
    assert data["transit-2018"]["startDate"] == "2019-01-07"
    assert data["transit-2018"]["endDate"] == "2019-01-11"
    assert data["on-the-day-2018"]["location"] == {"@type": "VirtualLocation", "url": base}
    # "</script>" in a title never ends the script element.
    assert data["valuation-2018"]["name"] == "Séminaire sur l'évaluation — 評価 <script>"
    assert "<script>\n" not in (lived / EVENTS).read_text("utf-8")


def test_the_events_page_is_strict_html5_and_passes_the_nu_checker(lived: Path) -> None:
    from tests.nuchecker import nu_errors

    root = parse(lived / EVENTS)  # strict: raises on the first parse error
    assert len(root.findall(f".//{NS}h1")) == 1
    levels = [int(h.tag[-1]) for h in root.iter() if re.fullmatch(rf"{NS}h[1-6]", h.tag)]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in itertools.pairwise(levels))
    assert nu_errors([lived / EVENTS, lived / "issues/002/index.html"]) == []


def test_every_page_links_the_events_page_from_its_header(lived: Path) -> None:
    for page in pages(lived):
        header = parse(page).find(f".//{NS}header")
        assert header is not None
        base = page.relative_to(lived).as_posix()
        hrefs = links(header)
        up = "../" * base.count("/")
        assert hrefs[f"{up}events/index.html"] == "Events", base


def test_the_page_counts_from_the_issues_not_the_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_folder(tmp_path / "news", {ISSUE_YAML: "number: 1\ndate: 2019-10-01\n"})
    first = build(folder.root, out=tmp_path / "one").out / EVENTS
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1900000000")  # 2030
    second = build(folder.root, out=tmp_path / "two").out / EVENTS
    assert first.read_bytes() == second.read_bytes()
    coming = [li.get("id") for li in items(section(parse(second), "coming"))]
    assert coming == ["event-one-2019", "event-two-2019"]


def test_a_newsletter_without_events_says_so(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "news", {SCHEDULE: None, REPORT: None})
    page = build(folder.root).out / EVENTS
    root = parse(page)
    assert "No coming event is announced yet." in text(section(root, "coming"))
    assert not [s for s in root.iter(f"{NS}section") if s.get("id") == "past"]
    assert json.dumps(jsonld(root)) == "[]"


def calendar_items(element: Element) -> dict[str, list[str]]:
    """Each listed calendar's hrefs by its label."""
    found = {}
    for li in element.iter(f"{NS}li"):
        name = next((s for s in li.iter(f"{NS}span") if s.get("class") == "calendar-name"), None)
        if name is not None:
            found[name.text or ""] = [a.get("href") or "" for a in li.iter(f"{NS}a")]
    return found


def test_the_calendars_by_kind_and_country_are_listed_with_four_links_each(lived: Path) -> None:
    root = parse(lived / EVENTS)
    listed = calendar_items(section(root, "calendars"))
    assert next(iter(listed)) == "All events"
    assert {"Workshops", "Meetings", "Fiji", "India", "Philippines", "Thailand"} <= set(listed)
    base = "news.example.org/"
    for label, hrefs in listed.items():
        webcal, google, outlook, https = hrefs
        assert webcal.startswith(f"webcal://{base}") and webcal.endswith(".ics"), label
        assert https == "https://" + webcal.removeprefix("webcal://"), label
        assert google.startswith("https://calendar.google.com/calendar/render?cid=webcal%3A")
        assert outlook.startswith("https://outlook.live.com/calendar/0/addfromweb?url=https%3A")
        assert "&name=R%C3%A9gional%20calendar" in outlook, label
    assert listed["Fiji"][3] == f"https://{base}calendars/countries/fiji.ics"
    assert listed["Workshops"][3] == f"https://{base}calendars/workshop.ics"
    assert "All events (7 events):" in text(section(root, "calendars"))
    # Every page's subscribe block offers the same, the whole calendar outside the list.
    footer = parse(lived / "issues/001/index.html").find(f".//{NS}footer")
    assert footer is not None
    details = footer.find(f".//{NS}details")
    assert details is not None
    assert calendar_items(details) == {k: v for k, v in listed.items() if k != "All events"}


def test_the_issue_page_links_the_issues_own_calendar(lived: Path) -> None:
    header = parse(lived / "issues/002/index.html").find(f".//{NS}article/{NS}header")
    assert header is not None
    hrefs = list(links(header))
    assert "https://news.example.org/issues/002/events.ics" in hrefs
    assert "webcal://news.example.org/issues/002/events.ics" in hrefs
    assert any("addfromweb?url=https%3A%2F%2Fnews.example.org%2Fissues%2F002" in h for h in hrefs)
