"""One event from many sources: merging entries by id, and each event's history.

Sources are read in issue-number order (each issue's schedule, then its reports),
with calendar/calendar.yaml last; for every id the latest source's fields win. A
change of title, dates, venue or status is one step of the event's history, dated
with the issue that made it: the calendar's SEQUENCE and LAST-MODIFIED come from it.
A change of anything else the calendar shows (the description, the URL, the
categories, a report) is a revision: it moves LAST-MODIFIED only (RFC 5546 raises
SEQUENCE for time, place and status, and sync tools diff on LAST-MODIFIED).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from newsletter.model import Change, Event, EventEntry, Report

TRACKED = ("title", "dates", "venue", "status")
REVISED = ("url", "description", "categories", "report")


@dataclass
class _Life:
    event: Event
    history: list[Change] = field(default_factory=list)
    revisions: list[Change] = field(default_factory=list)


def merge_events(
    sources: Iterable[tuple[EventEntry, date]], reports: dict[tuple[int, str], Report]
) -> tuple[Event, ...]:
    """Events from `(entry, date of its source)` pairs in source order.

    `reports` maps (issue number, report slug) to the report, so an event knows the
    latest report of it.
    """
    lives: dict[str, _Life] = {}
    for entry, when in sources:
        report = reports.get((entry.issue, entry.report)) if entry.issue and entry.report else None
        life = lives.get(entry.id)
        if life is None:
            event = Event(
                id=entry.id,
                title=entry.title,
                dates=entry.dates,
                venue=entry.venue,
                status=entry.status,
                url=entry.url,
                description=entry.description,
                categories=entry.categories,
                announced_in=entry.issue,
                report=report,
                history=(),
                category=entry.category,
                country=entry.country,
            )
            lives[entry.id] = _Life(event, [Change(entry.issue, when)])
            continue
        old = life.event
        changed = tuple(name for name in TRACKED if getattr(entry, name) != getattr(old, name))
        if changed:
            moved_from = old.dates if "dates" in changed else None
            life.history.append(Change(entry.issue, when, changed, moved_from))
        life.event = replace(
            old,
            title=entry.title,
            dates=entry.dates,
            venue=entry.venue,
            status=entry.status,
            url=entry.url or old.url,
            description=entry.description or old.description,
            categories=entry.categories or old.categories,
            announced_in=old.announced_in or entry.issue,
            report=report or old.report,
            category=entry.category or old.category,
            country=entry.country or old.country,
        )
        revised = tuple(n for n in REVISED if getattr(life.event, n) != getattr(old, n))
        # calendar.yaml has no date of its own (it is dated with the newest issue, which
        # moves with every issue): only an issue's revision has a date to publish.
        if revised and entry.issue is not None:
            life.revisions.append(Change(entry.issue, when, revised))
    events = (
        replace(life.event, history=tuple(life.history), revisions=tuple(life.revisions))
        for life in lives.values()
    )
    return tuple(sorted(events, key=lambda e: (e.dates.start_date, e.id)))
