"""The plain data every renderer reads (newsletter/model.py): what its properties and
methods derive from the fields."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from newsletter.model import (
    Article,
    Body,
    CalendarSettings,
    Change,
    DateRange,
    EmailSettings,
    Event,
    Foreword,
    Image,
    Issue,
    Newsletter,
    Report,
    Sections,
    Settings,
    Source,
    Status,
)

SETTINGS = Settings("Test Newsletter", "Test Publisher", "https://news.example.org/")
JULY = DateRange(date(2018, 7, 2), date(2018, 7, 6))


def article(slug: str, issue: int = 62) -> Article:
    """An article whose body is its slug."""
    return Article(issue, slug, slug.title(), (), None, None, Body(slug), Source("a.md"))


def report(slug: str) -> Report:
    """A report of issue 62 whose body and event id are its slug."""
    source = Source("r.md")
    return Report(62, slug, slug.title(), JULY, "Brussels", slug, None, None, Body(slug), source)


def issue(number: int, on: date, **fields: object) -> Issue:
    """An empty issue, but for `fields`."""
    values: dict[str, object] = {
        "number": number,
        "date": on,
        "title": f"No. {number}",
        "period": None,
        "preheader": None,
        "highlights": (),
        "sections": Sections(),
        "foreword": None,
        "articles": (),
        "reports": (),
        "schedule": None,
        "images": (),
        "source": Source(f"content/issues/{number:03d}/issue.yaml"),
    }
    return Issue(**{**values, **fields})  # type: ignore[arg-type]


def newsletter(*issues: Issue) -> Newsletter:
    """A newsletter of `issues` and no events."""
    return Newsletter(SETTINGS, CalendarSettings("Events"), issues, ())


# --- where things come from --------------------------------------------------------------


def test_source_prints_as_path_and_line() -> None:
    assert str(Source("content/newsletter.yaml")) == "content/newsletter.yaml"
    assert str(Source("content/newsletter.yaml", 3)) == "content/newsletter.yaml:3"
    assert str(Source("content/newsletter.yaml", 0)) == "content/newsletter.yaml:0"


def test_the_model_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        SETTINGS.title = "Other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Source("a").line = 1  # type: ignore[misc]


# --- settings ----------------------------------------------------------------------------


def test_settings_url_is_the_base_url_joined_with_the_path() -> None:
    assert SETTINGS.url() == "https://news.example.org/"
    assert SETTINGS.url("issues/062/") == "https://news.example.org/issues/062/"
    assert SETTINGS.url("feed.xml") == "https://news.example.org/feed.xml"


def test_settings_host_and_list_id() -> None:
    assert SETTINGS.host == "news.example.org"
    assert SETTINGS.list_id == "news.example.org"  # the host, when none is set
    own = dataclasses.replace(SETTINGS, email=EmailSettings(list_id="list.example.org"))
    assert own.list_id == "list.example.org"
    assert Settings("T", "P", "not a url").host == ""


def test_settings_defaults() -> None:
    assert (SETTINGS.language, SETTINGS.timezone, SETTINGS.staff) == ("en", "UTC", ())
    assert SETTINGS.email == EmailSettings()


# --- dates -------------------------------------------------------------------------------


def test_all_day_dates() -> None:
    assert JULY.all_day
    assert (JULY.start_date, JULY.end_date) == (date(2018, 7, 2), date(2018, 7, 6))


def test_timed_dates() -> None:
    start, end = datetime(2019, 3, 30, 22, tzinfo=UTC), datetime(2019, 3, 31, 2, tzinfo=UTC)
    timed = DateRange(start, end, "Europe/Brussels")
    assert not timed.all_day
    assert (timed.start_date, timed.end_date) == (date(2019, 3, 30), date(2019, 3, 31))


# --- issues ------------------------------------------------------------------------------


def test_issue_slug_and_paths() -> None:
    one = issue(7, date(2019, 1, 15))
    assert one.slug == "007"
    assert one.path == "issues/007/"
    assert article("lab", issue=7).path == "issues/007/lab/"
    assert report("workshop").path == "issues/062/workshop/"


def test_issue_bodies_foreword_first_then_articles_then_reports() -> None:
    foreword = Foreword("A. Author", None, Body("foreword"), Source("f.md"))
    full = issue(
        62,
        date(2018, 10, 15),
        foreword=foreword,
        articles=(article("one"), article("two")),
        reports=(report("three"),),
    )
    assert [body.markdown for body in full.bodies] == ["foreword", "one", "two", "three"]
    assert issue(61, date(2018, 6, 29), reports=(report("r"),)).bodies == (report("r").body,)


def test_highlighted_articles_in_the_order_of_highlights_without_unknown_slugs() -> None:
    articles = (article("one"), article("two"), article("three"))
    full = issue(62, date(2018, 10, 15), articles=articles, highlights=("three", "gone", "one"))
    assert [a.slug for a in full.highlighted_articles] == ["three", "one"]


def test_newsletter_issue_by_number_and_latest_date() -> None:
    old, new = issue(61, date(2018, 6, 29)), issue(62, date(2018, 10, 15))
    both = newsletter(old, new)
    assert both.issue(62) is new
    assert both.issue(61) is old
    assert both.issue(60) is None
    assert both.latest_date == date(2018, 10, 15)
    assert newsletter(new, old).latest_date == date(2018, 10, 15)  # the newest, not the last


def test_an_empty_newsletter_has_no_latest_date() -> None:
    assert newsletter().latest_date is None
    assert newsletter().issue(1) is None


# --- events ------------------------------------------------------------------------------


def test_event_sequence_and_dates_from_its_history() -> None:
    history = (
        Change(61, date(2018, 6, 29)),
        Change(62, date(2018, 10, 15), ("dates",)),
        Change(None, date(2018, 11, 1), ("venue", "status")),
    )
    event = Event(
        "transit-2018",
        "Transit",
        JULY,
        "Bangkok",
        Status.CONFIRMED,
        url=None,
        description=None,
        categories=(),
        announced_in=61,
        report=None,
        history=history,
    )
    assert event.sequence == 2
    assert event.first_published == date(2018, 6, 29)
    assert event.last_modified == date(2018, 11, 1)
    unchanged = dataclasses.replace(event, history=history[:1])
    assert unchanged.sequence == 0
    assert unchanged.first_published == unchanged.last_modified == date(2018, 6, 29)


def test_status_values_are_what_the_editor_writes() -> None:
    assert [s.value for s in Status] == ["confirmed", "tentative", "cancelled"]
    assert Status("cancelled") is Status.CANCELLED


# --- Markdown bodies ---------------------------------------------------------------------


def test_bodies_compare_by_markdown_and_images() -> None:
    image = Image("lab.jpg", Path("/somewhere/images/lab.jpg"), "A lab", Source("a.md", 4))
    body = Body("![A lab](images/lab.jpg)", (image,))
    assert body == Body("![A lab](images/lab.jpg)", (image,))
    assert body != Body("![A lab](images/lab.jpg)")


def test_merging_records_revisions_apart_from_the_history() -> None:
    from newsletter.events.merge import merge_events
    from newsletter.model import EventEntry, Origin, Source

    def entry(issue: int | None, **fields: object) -> EventEntry:
        base = EventEntry(
            "transit-2018",
            "Transit",
            JULY,
            "Bangkok",
            Status.CONFIRMED,
            Source("schedule.yaml", 1),
            Origin.SCHEDULE,
            issue=issue,
        )
        return dataclasses.replace(base, **fields)

    sources = [
        (entry(61, category="workshop"), date(2018, 6, 29)),
        (entry(62, description="Now with a description", country="TH"), date(2018, 10, 15)),
        (entry(63, venue="Nonthaburi, Thailand"), date(2019, 1, 15)),
        (entry(None, venue="Nonthaburi, Thailand", url="https://example.org/t"), date(2019, 1, 15)),
    ]
    (event,) = merge_events(sources, {})
    assert event.sequence == 1
    assert [c.fields for c in event.revisions] == [("description",)]  # calendar.yaml: no date
    assert event.last_modified == date(2019, 1, 15)
    assert (event.category, event.country) == ("workshop", "TH")  # kept when left out
    assert event.url == "https://example.org/t"
