"""Every calendar file: `calendar.ics` (every event), the calendars by category and by
country (`calendars/…`), each issue's `events.ics`, and `events/<id>.ics` (one event
each).

Readers subscribe to these and keep them for years. Each VEVENT (`render.vevent`) is
written once and the same bytes go into every file that holds the event; an event
that did not change keeps its lines byte for byte from build to build. Which events
go into calendar files at all is `events.calendars.calendar_events`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from newsletter.events.calendars import calendar_events, events_by_issue, subscriptions
from newsletter.events.published import Published
from newsletter.layout import event_file, issue_calendar
from newsletter.model import Issue, Newsletter
from newsletter.render.contentlines import lines, text
from newsletter.render.timezones import vtimezone
from newsletter.render.vevent import Rendered, event_url, render_vevent, status_note

__all__ = ["PRODID", "VEvents", "event_url", "refresh_duration", "render_calendar"]

PRODID = "-//newsletter//NONSGML newsletter calendar//EN"
_END = b"END:VCALENDAR\r\n"
# RFC 5545 durations have weeks, days, hours, minutes, seconds: no years or months.
_YEARS_MONTHS = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?P<rest>(?:\d+D)?(?:T.*)?)$"
)


class VEvents:
    """The VEVENTs of the previous render, by everything each is made of: `serve` builds
    again after every edit. Whoever builds again (the preview server) keeps one and
    hands it to each build."""

    def __init__(self) -> None:
        self.previous: dict[tuple[object, ...], Rendered] = {}


@dataclass(frozen=True, slots=True)
class _Head:
    """What a calendar file says before its VTIMEZONEs: NAME and the rest for a
    subscription, nothing for a file of events to add."""

    name: str | None = None
    source: str | None = None  # the file's own URL


def render_calendar(
    newsletter: Newsletter, published: Mapping[str, Published], vevents: VEvents | None = None
) -> dict[str, bytes]:
    """Every calendar file, by path in the output.

    `published` gives each event's SEQUENCE and LAST-MODIFIED (`events.published.publish`);
    `vevents`, the previous render's, spares rendering again what did not change.
    """
    rendered = _render_all(newsletter, published, vevents or VEvents())
    by_id = {item.event.id: item for item in rendered}
    files: dict[str, bytes] = {}
    for subscription in subscriptions(newsletter):
        head = _Head(subscription.name, newsletter.settings.url(subscription.path))
        chosen = [by_id[event.id] for event in subscription.events]
        files[subscription.path] = _file(newsletter, head, chosen)
    for number, events in events_by_issue(newsletter).items():
        chosen = [by_id[event.id] for event in events]
        files[issue_calendar(number)] = _file(newsletter, _Head(), chosen)
    heads: dict[tuple[str, int, int] | None, bytes] = {}
    for item in rendered:
        files[event_file(item.event.id)] = _single(newsletter, item, heads)
    return files


def refresh_duration(refresh: str) -> str:
    """The editor's ISO 8601 `refresh:` as an RFC 5545 duration: years and months (which
    iCalendar lacks) become 365 and 30 days; anything else is kept as written."""
    match = _YEARS_MONTHS.match(refresh)
    if match is None or not (match["years"] or match["months"]):
        return refresh
    days = int(match["years"] or 0) * 365 + int(match["months"] or 0) * 30
    rest = match["rest"]
    if rest.startswith("T") or not rest:
        return f"P{days}D{rest}"
    extra, _, time_part = rest.partition("D")
    return f"P{days + int(extra)}D{time_part}"


def _render_all(
    newsletter: Newsletter, published: Mapping[str, Published], vevents: VEvents
) -> list[Rendered]:
    """Every event's VEVENT, reusing those of the previous render that nothing changed."""
    issues = {issue.number: issue for issue in newsletter.issues}
    settings = newsletter.settings
    uid_domain = newsletter.calendar.uid_domain
    current: dict[tuple[object, ...], Rendered] = {}
    for event in calendar_events(newsletter):
        announced: Issue | None = None
        if event.announced_in is not None:
            announced = issues.get(event.announced_in)
        note = status_note(event, issues, settings)
        record = published[event.id]
        key = (
            event,
            record,
            uid_domain,
            settings.base_url,
            announced.title if announced else None,
            note,
        )
        previous = vevents.previous.get(key)
        current[key] = previous or render_vevent(
            event, uid_domain, settings, announced, note, record
        )
    vevents.previous = current
    return list(current.values())


def _file(newsletter: Newsletter, head: _Head, rendered: Sequence[Rendered]) -> bytes:
    """A calendar file of `rendered`, with the VTIMEZONE of every zone their times use."""
    spans: dict[str, tuple[int, int]] = {}
    for item in rendered:
        if item.zone is not None:
            first, last = item.years
            low, high = spans.get(item.zone, (first, last))
            spans[item.zone] = (min(low, first), max(high, last))
    zones = [vtimezone(zone, *spans[zone]) for zone in sorted(spans)]
    return b"".join((_head(newsletter, head, zones), *(item.vevent for item in rendered), _END))


def _single(
    newsletter: Newsletter, item: Rendered, heads: dict[tuple[str, int, int] | None, bytes]
) -> bytes:
    """An event's own file; `heads` keeps the calendar lines before the VEVENT, which all
    events of one zone and years share."""
    key = None if item.zone is None else (item.zone, *item.years)
    head = heads.get(key)
    if head is None:
        zones = [] if key is None else [vtimezone(*key)]
        head = heads[key] = _head(newsletter, _Head(), zones)
    return b"".join((head, item.vevent, _END))


def _head(newsletter: Newsletter, head: _Head, zones: Iterable[Sequence[str]]) -> bytes:
    """BEGIN:VCALENDAR and the calendar's properties (in icalendar's order: the
    canonical ones, then the others by name), then the VTIMEZONEs."""
    content = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    if head.name is not None:
        settings = newsletter.calendar
        refresh = refresh_duration(settings.refresh)
        if settings.description:
            description = text(settings.description)
            content += [f"DESCRIPTION:{description}", f"X-WR-CALDESC:{description}"]
        name = text(head.name)
        content += [
            f"NAME:{name}",
            f"X-WR-CALNAME:{name}",
            f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}",
            f"SOURCE;VALUE=URI:{head.source}",
            f"URL:{newsletter.settings.base_url}",
            f"X-PUBLISHED-TTL:{refresh}",
        ]
    for zone in zones:
        content += zone
    return lines(content)
