"""The calendars a reader subscribes to: each event's category and country, the list of
subscriptions, and the events of one issue."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from newsletter.countries import country_in_venue, find_country
from newsletter.events.calendars import (
    category_label,
    category_of,
    country_of,
    issue_events,
    subscriptions,
)
from newsletter.model import Change, DateRange, Event, Issue, Status
from newsletter.site import load
from tests.calendars import copy_sample


def event(title: str = "Workshop", venue: str = "Suva, Fiji", **fields: object) -> Event:
    base = Event(
        id="an-event-2019",
        title=title,
        dates=DateRange(date(2019, 6, 10), date(2019, 6, 14)),
        venue=venue,
        status=Status.CONFIRMED,
        url=None,
        description=None,
        categories=(),
        announced_in=1,
        report=None,
        history=(Change(1, date(2019, 1, 15)),),
    )
    return replace(base, **fields)


@pytest.mark.parametrize(
    ("title", "category"),
    [
        ("WCO Regional Workshop on Transit", "workshop"),
        ("16th Meeting of Heads of the WCO A/P Regional Training Centers", "meeting"),
        ("WCO Integrity Sub-Committee", "meeting"),
        ("WCO Council Sessions", "meeting"),
        ("WCO A/P Regional High-Level Seminar on E-Commerce", "seminar"),
        ("Trade Facilitation International Conference", "conference"),
        ("WORKSHOPS ON RISK", "workshop"),
        ("Diagnostic mission to Tonga", "mission"),
        ("Workshop at the Customs Conference", "workshop"),  # the first kind word
        ("ROCB A/P joins the Assumption Ceremony", None),
        ("Workshopping ideas", None),  # a whole word only
    ],
)
def test_the_category_is_the_kind_word_of_the_title(title: str, category: str | None) -> None:
    assert category_of(event(title)) == category


def test_an_explicit_category_wins() -> None:
    assert category_of(event("WCO Regional Workshop", category="study-visit")) == "study-visit"
    assert category_of(event("An assumption ceremony", category="ceremony")) == "ceremony"


@pytest.mark.parametrize(
    ("venue", "code", "name", "slug"),
    [
        ("Suva, Fiji", "FJ", "Fiji", "fiji"),
        ("Seoul, Korea", "KR", "South Korea", "south-korea"),
        ("Vientiane, Laos", "LA", "Laos", "laos"),
        ("Saint Petersburg, Russia", "RU", "Russia", "russia"),
        ("Honiara,  Solomon   Islands", "SB", "Solomon Islands", "solomon-islands"),
        ("Hanoi, Viet Nam.", "VN", "Vietnam", "vietnam"),
        ("Singapore", "SG", "Singapore", "singapore"),
        ("Ankara, Türkiye", "TR", "Türkiye", "turkiye"),
    ],
)
def test_the_country_is_the_last_part_of_the_venue(
    venue: str, code: str, name: str, slug: str
) -> None:
    country = country_in_venue(venue)
    assert country is not None
    assert (country.code, country.name, country.slug) == (code, name, slug)


@pytest.mark.parametrize(
    "venue", ["online", "Online", "Brussels", "Conference Centre, Bangkok", "Room 5, 242", ""]
)
def test_a_venue_without_a_country_has_none(venue: str) -> None:
    assert country_in_venue(venue) is None


def test_an_explicit_country_wins() -> None:
    assert country_of(event(venue="online", country="FJ")) == find_country("Fiji")
    assert country_of(event(venue="Brussels, Belgium", country="KR")) == find_country("Korea")


@pytest.mark.parametrize(
    ("slug", "label"),
    [
        ("workshop", "Workshops"),
        ("training", "Training"),
        ("study-visit", "Study visits"),
        ("policy", "Policies"),
        ("day", "Days"),
        ("match", "Matches"),
        ("g20", "G20"),
    ],
)
def test_category_labels(slug: str, label: str) -> None:
    assert category_label(slug) == label


def test_the_samples_subscriptions(tmp_path: Path) -> None:
    newsletter, _ = load(copy_sample(tmp_path))
    found = subscriptions(newsletter)
    assert found[0].kind == "all"
    assert (found[0].slug, found[0].label, found[0].path) == ("", "All events", "calendar.ics")
    assert found[0].events == newsletter.events
    kinds = [s.kind for s in found]
    assert kinds == sorted(kinds, key=["all", "category", "country"].index)
    categories = [s for s in found if s.kind == "category"]
    countries = [s for s in found if s.kind == "country"]
    assert [s.label for s in categories] == ["Conferences", "Meetings", "Seminars", "Workshops"]
    labels = [s.label for s in countries]
    assert labels == sorted(labels, key=str.casefold)
    assert {"Fiji", "South Korea", "Belgium", "Russia"} <= set(labels)
    fiji = next(s for s in countries if s.slug == "fiji")
    assert fiji.path == "calendars/countries/fiji.ics"
    assert fiji.name == "WCO A/P Workshops and Meetings: Fiji"
    assert {e.venue for e in fiji.events} == {"Suva, Fiji"}
    workshops = next(s for s in categories if s.slug == "workshop")
    assert workshops.path == "calendars/workshop.ics"
    assert workshops.name == "WCO A/P Workshops and Meetings: Workshops"
    assert all("workshop" in e.title.casefold() for e in workshops.events)
    for subscription in found[1:]:  # each in the calendar's order
        chosen = subscription.events
        assert list(chosen) == [e for e in newsletter.events if e in chosen]
    assert sum(len(s.events) for s in countries) == len(newsletter.events)  # every venue has one


def test_an_issues_events_are_its_schedule_and_its_reports(tmp_path: Path) -> None:
    newsletter, _ = load(copy_sample(tmp_path))
    issue = newsletter.issue(62)
    assert issue is not None and issue.schedule is not None
    found = issue_events(newsletter, 62)
    ids = {r.event_id for r in issue.reports} | {e.id for e in issue.schedule.entries}
    assert {e.id for e in found} == ids
    assert list(found) == [e for e in newsletter.events if e in found]
    assert issue_events(newsletter, 99) == ()


def test_the_status_note_names_the_issue() -> None:
    from newsletter.model import Settings
    from newsletter.render.vevent import status_note, summary

    settings = Settings("News", "Publisher", "https://news.example.org/")
    issues = {n: _issue(n) for n in (1, 2, 3)}
    moved = event(history=(Change(1, date(2019, 1, 15)), Change(2, date(2019, 4, 15), ("dates",))))
    assert status_note(moved, issues, settings) == (
        "New dates in News No.2: https://news.example.org/issues/002/"
    )
    both = replace(moved, history=(*moved.history, Change(3, date(2019, 7, 1), ("dates", "venue"))))
    assert status_note(both, issues, settings) == (
        "New dates and venue in News No.3: https://news.example.org/issues/003/"
    )
    cancelled = replace(
        moved,
        status=Status.CANCELLED,
        history=(*moved.history, Change(3, date(2019, 7, 1), ("status",))),
    )
    assert status_note(cancelled, issues, settings) == (
        "Cancelled, as News No.3 announced: https://news.example.org/issues/003/"
    )
    assert summary(cancelled) == "Cancelled: Workshop"
    from_the_start = event(status=Status.CANCELLED)
    assert status_note(from_the_start, issues, settings) == (
        "Cancelled, as News No.1 announced: https://news.example.org/issues/001/"
    )
    standing = event(status=Status.CANCELLED, history=(Change(None, date(2019, 1, 15)),))
    assert status_note(standing, issues, settings) == "Cancelled."
    assert status_note(event(), issues, settings) is None
    assert summary(event(status=Status.TENTATIVE)) == "Workshop (dates to be confirmed)"


def _issue(number: int) -> Issue:
    from newsletter.model import Sections, Source

    return Issue(
        number=number,
        date=date(2019, 1, 15),
        title=f"News No.{number}",
        period=None,
        preheader=None,
        highlights=(),
        sections=Sections(),
        foreword=None,
        articles=(),
        reports=(),
        schedule=None,
        images=(),
        source=Source("issue.yaml"),
    )


def test_a_reports_category_and_country_file_its_event(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    report = root / "content/issues/062/reports/mercator-advisor-seminar.md"
    text = report.read_text()
    report.write_text(
        text.replace(
            "venue: Brussels, Belgium", "venue: online\ncategory: study-visit\ncountry: BE", 1
        )
    )
    newsletter, problems = load(root)
    assert problems.errors == []
    found = {s.path: s for s in subscriptions(newsletter)}
    visit = found["calendars/study-visit.ics"]
    assert visit.label == "Study visits"
    assert [e.id for e in visit.events] == ["wco-global-mercator-program-advisor-seminar-2018"]
    assert visit.events[0] in found["calendars/countries/belgium.ics"].events
    assert visit.events[0] not in found["calendars/seminar.ics"].events


def test_issue_events_are_worked_out_once_per_newsletter(tmp_path: Path) -> None:
    from newsletter.events.calendars import events_by_issue

    newsletter, _ = load(copy_sample(tmp_path))
    first = events_by_issue(newsletter)
    assert events_by_issue(newsletter) is first
    fewer = replace(newsletter, events=newsletter.events[:3])
    assert events_by_issue(fewer) is not first
    assert sum(map(len, events_by_issue(fewer).values())) <= 3
    assert issue_events(newsletter, 62) == first[62]  # the other newsletter again: right
