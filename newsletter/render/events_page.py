"""The events page (`events/index.html`): every event, the coming ones first, then the
past ones by year, newest year first.

"Coming" is counted from the newest issue's date, not from the clock, so the same
content always gives the same page: an event is coming while it has not ended on the
day the newest issue came out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from newsletter.events.calendars import subscriptions
from newsletter.model import Event, Newsletter, Report
from newsletter.render.links import CalendarLinks, calendar_files, format_dates


@dataclass(frozen=True, slots=True)
class IssueLink:
    """An issue as the events page links it: all it may show of the issue, so that the
    page's cached piece depends on nothing else of it (`issue_links`)."""

    path: str
    title: str


@dataclass(frozen=True, slots=True)
class Listing:
    """One event as the events page lists it."""

    event: Event
    moved_from: str | None  # the dates before its latest move; None when it never moved
    announced: IssueLink | None  # the issue that first published it
    changed: IssueLink | None  # the later issue that moved or cancelled it
    report: Report | None
    calendar: str | None  # its own .ics, relative to the output root; None when cancelled


@dataclass(frozen=True, slots=True)
class Year:
    """The past events of one year, newest first."""

    year: int
    listings: tuple[Listing, ...]


@dataclass(frozen=True, slots=True)
class EventsPage:
    """What the events page shows: the coming events in date order, then the past by year."""

    today: date | None  # the newest issue's date; None before the first issue
    coming: tuple[Listing, ...]
    past: tuple[Year, ...]


@dataclass(frozen=True, slots=True)
class CalendarChoice:
    """A calendar readers can subscribe to, as the events page and the subscribe block
    offer it."""

    kind: str  # "all", "category" (by kind of event) or "country"
    label: str  # "All events", "Workshops", "Fiji"
    links: CalendarLinks
    count: int  # how many events it holds


def calendar_choices(newsletter: Newsletter) -> tuple[CalendarChoice, ...]:
    """Every calendar to subscribe to: the whole calendar, then by kind, then by country."""
    settings = newsletter.settings
    return tuple(
        CalendarChoice(s.kind, s.label, CalendarLinks.of(settings, s.path, s.name), len(s.events))
        for s in subscriptions(newsletter)
    )


def moved_from(event: Event) -> str | None:
    """The dates an event had before its latest move (`10–14 December 2018`), if it moved."""
    before = [c.moved_from for c in event.history if c.moved_from is not None]
    return format_dates(before[-1]) if before else None


def issue_links(newsletter: Newsletter) -> dict[int, IssueLink]:
    """What the events page shows of each issue, by number."""
    return {issue.number: IssueLink(issue.path, issue.title) for issue in newsletter.issues}


def listing(event: Event, issues: Mapping[int, IssueLink], files: Mapping[str, str]) -> Listing:
    """One event's line of the events page; `issues` by number, `files` (`calendar_files`)
    the events' own .ics files by id."""
    later = [c.issue for c in event.history[1:] if c.issue not in (None, event.announced_in)]
    return Listing(
        event=event,
        moved_from=moved_from(event),
        announced=issues.get(event.announced_in) if event.announced_in else None,
        changed=issues.get(later[-1]) if later and later[-1] else None,
        report=event.report,
        calendar=files.get(event.id),
    )


def events_page(newsletter: Newsletter) -> EventsPage:
    """The events page's contents, from the merged events and the newest issue's date."""
    today = newsletter.latest_date
    issues = issue_links(newsletter)
    files = calendar_files(newsletter)
    coming: list[Event] = []
    past: list[Event] = []
    for event in newsletter.events:
        (coming if today is None or event.dates.end_date >= today else past).append(event)
    newest_first = sorted(past, key=_date_order, reverse=True)
    return EventsPage(
        today=today,
        coming=tuple(listing(e, issues, files) for e in sorted(coming, key=_date_order)),
        past=tuple(
            Year(year, tuple(listing(e, issues, files) for e in events))
            for year, events in groupby(newest_first, key=lambda e: e.dates.start_date.year)
        ),
    )


def _date_order(event: Event) -> tuple[date, date, str]:
    return event.dates.start_date, event.dates.end_date, event.id
