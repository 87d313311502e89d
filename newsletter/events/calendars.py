"""The calendars a reader can subscribe to: the whole calendar, one per kind of event
(`calendars/workshop.ics`) and one per country (`calendars/countries/fiji.ics`), and
the events of one issue (`issues/062/events.ics`).

An event's *category* is its `category:`, else the kind word of its title (the first
of `KINDS` it has: "WCO Regional Workshop on Transit" is a workshop); its *country* is
its `country:`, else the last part of its venue when that names a country ("Suva,
Fiji"; `online` has none). An event without either is in the whole calendar only.
`category:` is the one kind the event is filed under; `categories:` stay free tags,
written to the event's CATEGORIES.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from newsletter.countries import Country, country_in_venue, find_country
from newsletter.layout import CALENDAR_FEED, category_calendar, country_calendar
from newsletter.model import Event, Newsletter

T = TypeVar("T")

# A word of a title, and the category it files the event under.
KINDS = {
    "workshop": "workshop",
    "meeting": "meeting",
    "committee": "meeting",
    "sub-committee": "meeting",
    "council": "meeting",
    "session": "meeting",
    "dialogue": "meeting",
    "seminar": "seminar",
    "webinar": "seminar",
    "lecture": "seminar",
    "conference": "conference",
    "forum": "conference",
    "symposium": "conference",
    "summit": "conference",
    "congress": "conference",
    "mission": "mission",
    "training": "training",
    "course": "training",
}
# What a reader sees for a category in a list of calendars.
LABELS = {
    "workshop": "Workshops",
    "meeting": "Meetings",
    "seminar": "Seminars",
    "conference": "Conferences",
    "mission": "Missions",
    "training": "Training",
}
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")


@dataclass(frozen=True, slots=True)
class Subscription:
    """One subscribable calendar file."""

    kind: Literal["all", "category", "country"]
    slug: str  # "" for the whole calendar; the category slug; the country slug
    label: str  # what a reader sees in a list: "All events", "Workshops", "Fiji"
    name: str  # the calendar's NAME / X-WR-CALNAME
    path: str  # output-relative: calendar.ics, calendars/workshop.ics, calendars/countries/fiji.ics
    events: tuple[Event, ...]


def for_last_model(compute: Callable[[Newsletter], T]) -> Callable[[Newsletter], T]:
    """`compute`, its answer for the newsletter last asked about kept (by identity: the
    model never changes, and a build asks once per page and email). The answer is
    shared: callers only read it."""
    last: list[tuple[Newsletter, T]] = []

    @functools.wraps(compute)
    def kept(newsletter: Newsletter) -> T:
        if not last or last[0][0] is not newsletter:
            last[:] = [(newsletter, compute(newsletter))]
        return last[0][1]

    return kept


def calendar_events(newsletter: Newsletter) -> tuple[Event, ...]:
    """The events that go into calendar files, by start date then id: every file —
    the whole calendar, by kind, by country, per issue, per event — takes its events
    from here."""
    return newsletter.calendar_events


_subscribed: list[tuple[tuple[Event, ...], str, tuple[Subscription, ...]]] = []


def subscriptions(newsletter: Newsletter) -> tuple[Subscription, ...]:
    """The whole calendar first, then the categories, then the countries, each sorted by
    label. Every page, the events page and the calendar files ask: the answer for the
    last events asked about (by identity: `serve` keeps the merged events while their
    sources stay the same, see newsletter/readcache.py) and calendar name is kept."""
    events, name = newsletter.events, newsletter.calendar.name
    if not _subscribed or _subscribed[0][0] is not events or _subscribed[0][1] != name:
        _subscribed[:] = [(events, name, _subscriptions(newsletter))]
    return _subscribed[0][2]


def _subscriptions(newsletter: Newsletter) -> tuple[Subscription, ...]:
    events = calendar_events(newsletter)
    name = newsletter.calendar.name
    whole = Subscription("all", "", "All events", name, CALENDAR_FEED, events)
    by_category: dict[str, list[Event]] = {}
    by_country: dict[str, tuple[Country, list[Event]]] = {}
    for event in events:
        category = category_of(event)
        if category is not None:
            by_category.setdefault(category, []).append(event)
        country = country_of(event)
        if country is not None:
            by_country.setdefault(country.slug, (country, []))[1].append(event)
    categories = sorted(
        (
            Subscription(
                "category",
                slug,
                label := category_label(slug),
                f"{name}: {label}",
                category_calendar(slug),
                tuple(chosen),
            )
            for slug, chosen in by_category.items()
        ),
        key=_by_label,
    )
    countries = sorted(
        (
            Subscription(
                "country",
                slug,
                country.name,
                f"{name}: {country.name}",
                country_calendar(slug),
                tuple(chosen),
            )
            for slug, (country, chosen) in by_country.items()
        ),
        key=_by_label,
    )
    return (whole, *categories, *countries)


def issue_events(newsletter: Newsletter, number: int) -> tuple[Event, ...]:
    """The events issue `number` announces (its schedule) and reports."""
    return events_by_issue(newsletter).get(number, ())


@for_last_model
def events_by_issue(newsletter: Newsletter) -> dict[int, tuple[Event, ...]]:
    """`issue_events` of every issue that has events, in one pass over the calendar.
    Every page and email of a build asks for its issue's events (`for_last_model`)."""
    issues_of: dict[str, list[int]] = {}
    for issue in newsletter.issues:
        ids = {report.event_id for report in issue.reports}
        if issue.schedule is not None:
            ids.update(entry.id for entry in issue.schedule.entries)
        for event_id in ids:
            issues_of.setdefault(event_id, []).append(issue.number)
    found: dict[int, list[Event]] = {}
    for event in calendar_events(newsletter):
        for number in issues_of.get(event.id, ()):
            found.setdefault(number, []).append(event)
    return {number: tuple(events) for number, events in sorted(found.items())}


def category_of(event: Event) -> str | None:
    """The event's `category:`, else the category of the first kind word of its title."""
    if event.category is not None:
        return event.category
    for word in _WORD.findall(event.title.casefold()):
        kind = KINDS.get(word) or KINDS.get(word.removesuffix("s"))
        if kind is not None:
            return kind
    return None


def country_of(event: Event) -> Country | None:
    """The event's `country:`, else the country its venue ends with."""
    if event.country is not None:
        return find_country(event.country)
    return country_in_venue(event.venue)


def category_label(slug: str) -> str:
    """A category as a reader sees it in a list: `Workshops`, `Study visits`."""
    known = LABELS.get(slug)
    if known is not None:
        return known
    *words, last = slug.split("-")
    if last.endswith(("s", "x", "z", "ch", "sh")):
        last += "es"
    elif last.endswith("y") and last[-2:-1] not in ("", "a", "e", "i", "o", "u"):
        last = last[:-1] + "ies"
    elif not last[-1:].isdigit():
        last += "s"
    text = " ".join((*words, last))
    return text[:1].upper() + text[1:]


def _by_label(subscription: Subscription) -> tuple[str, str]:
    return subscription.label.casefold(), subscription.slug
