"""One event's VEVENT, written line by line (`contentlines`), and what it says.

Every value comes from the content and the published record: the UID from the
event's id, DTSTAMP and LAST-MODIFIED from the record, never from the clock. Clients
show STATUS badly or not at all (Google drops a cancelled event from a subscription
without a word, Outlook has no cancelled state, hardly any shows TENTATIVE), so the
text says it too: the SUMMARY of a cancelled event starts with "Cancelled:", that of a
tentative one ends with "(dates to be confirmed)", and the DESCRIPTION starts by
naming the issue that cancelled or moved the event. Every event is TRANSPARENT: a
newsletter's calendar never makes its reader busy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from newsletter.events.published import Published
from newsletter.model import Event, Issue, Settings, Status
from newsletter.render.contentlines import day, lines, local_time, text, texts, utc_time

_UTC_NAMES = {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu", "Universal"}
_STATUS = {
    Status.CONFIRMED: "CONFIRMED",
    Status.TENTATIVE: "TENTATIVE",
    Status.CANCELLED: "CANCELLED",
}
_URI_SAFE = ":/?#[]@!$&'()*+,;=%~"
TENTATIVE = "(dates to be confirmed)"


@dataclass(frozen=True, slots=True)
class Rendered:
    """One event's VEVENT bytes and the time zone its times are in (None: all-day or UTC)."""

    event: Event
    vevent: bytes
    zone: str | None

    @property
    def years(self) -> tuple[int, int]:
        """The years its VTIMEZONE must cover."""
        return self.event.dates.start_date.year, self.event.dates.end_date.year


def summary(event: Event) -> str:
    """The SUMMARY: the title, and the status where clients would not show it."""
    if event.status is Status.CANCELLED:
        return f"Cancelled: {event.title}"
    if event.status is Status.TENTATIVE:
        return f"{event.title} {TENTATIVE}"
    return event.title


def status_note(event: Event, issues: Mapping[int, Issue], settings: Settings) -> str | None:
    """The first line of the DESCRIPTION of a cancelled or moved event: what happened,
    in which issue, and that issue's page."""
    if event.status is Status.CANCELLED:
        # The change to cancelled, or the first mention of an event cancelled from the start.
        change = next((c for c in reversed(event.history) if "status" in c.fields), None)
        change = change or event.history[0]
        issue = issues.get(change.issue) if change.issue is not None else None
        if issue is None:
            return "Cancelled."
        return f"Cancelled, as {issue.title} announced: {settings.url(issue.path)}"
    if event.report is not None:
        return None  # it took place: the report says how
    for change in reversed(event.history):
        moved = [name for name in ("dates", "venue") if name in change.fields]
        issue = issues.get(change.issue) if change.issue is not None else None
        if moved and issue is not None:
            what = " and ".join(moved)
            return f"New {what} in {issue.title}: {settings.url(issue.path)}"
    return None


def event_url(settings: Settings, event: Event, announced: Issue | None) -> str | None:
    """The event's page: its report once reported, else the issue that announced it
    (`announced`), else its own `url`."""
    if event.report is not None:
        return settings.url(event.report.path)
    if announced is not None:
        return settings.url(announced.path)
    return _uri(event.url) if event.url else None


def render_vevent(
    event: Event,
    uid_domain: str,
    settings: Settings,
    announced: Issue | None,
    note: str | None,
    published: Published,
) -> Rendered:
    """The VEVENT of `event`, with its properties in icalendar's order (the canonical
    ones, then the others by name)."""
    stamp = utc_time(published.last_modified)
    start, end, zone = _dates(event)
    url = event_url(settings, event, announced)
    description = _description(event, announced, url, note)
    content = [
        "BEGIN:VEVENT",
        f"SUMMARY:{text(summary(event))}",
        start,
        *end,
        f"DTSTAMP:{stamp}",
        f"UID:{text(f'{event.id}@{uid_domain}')}",
        f"SEQUENCE:{published.sequence}",
    ]
    if event.categories:
        content.append(f"CATEGORIES:{texts(event.categories)}")
    if description:
        content.append(f"DESCRIPTION:{text(description)}")
    content += [
        f"LAST-MODIFIED:{stamp}",
        f"LOCATION:{text(event.venue)}",
        f"STATUS:{_STATUS[event.status]}",
        "TRANSP:TRANSPARENT",
    ]
    if url:
        content.append(f"URL:{url}")
    content.append("END:VEVENT")
    return Rendered(event, lines(content), zone)


def _dates(event: Event) -> tuple[str, list[str], str | None]:
    """The DTSTART line, the DTEND line (none for a timed event of no length), and the
    TZID used, if any."""
    dates = event.dates
    if dates.all_day:
        after = dates.end_date + timedelta(days=1)  # iCalendar's DTEND is exclusive
        return (
            f"DTSTART;VALUE=DATE:{day(dates.start_date)}",
            [f"DTEND;VALUE=DATE:{day(after)}"],
            None,
        )
    zone = _zone_name(event)
    tz = UTC if zone is None else ZoneInfo(zone)
    start_time = _aware(dates.start).astimezone(tz)
    end_time = _aware(dates.end).astimezone(tz)
    if not (_unambiguous(start_time) and _unambiguous(end_time)):
        # A local time that a clock change skips or repeats is read differently by
        # different clients (ical.js takes the later 02:30); a UTC time is read alike.
        zone = None
    end = end_time > start_time  # an event of no length has no DTEND (RFC 5545 3.6.1)
    if zone is None:
        return (
            f"DTSTART:{utc_time(start_time)}",
            [f"DTEND:{utc_time(end_time)}"] if end else [],
            None,
        )
    return (
        f"DTSTART;TZID={zone}:{local_time(start_time)}",
        [f"DTEND;TZID={zone}:{local_time(end_time)}"] if end else [],
        zone,
    )


def _zone_name(event: Event) -> str | None:
    """The IANA zone of a timed event's TZID; None to write it in UTC."""
    dates = event.dates
    name = dates.timezone
    if name is None and isinstance(dates.start, datetime):
        name = getattr(dates.start.tzinfo, "key", None)
    return None if name is None or name in _UTC_NAMES else name


def _unambiguous(moment: datetime) -> bool:
    """The local time happens exactly once (it is neither skipped nor repeated)."""
    return moment.replace(fold=1 - moment.fold).utcoffset() == moment.utcoffset()


def _aware(moment: date | datetime) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"a timed event needs date-times, not {moment!r}")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _description(event: Event, announced: Issue | None, url: str | None, note: str | None) -> str:
    """What happened to it, the description (or the report's summary), the event's
    page, and its own link."""
    body = event.description
    if body is None and event.report is not None:
        body = event.report.summary
    page = url
    if url and event.report is not None:
        page = f"Report: {url}"
    elif url and announced is not None:
        page = f"{announced.title}: {url}"
    own = _uri(event.url) if event.url else None
    parts = [note, body, page, own if own != url else None]
    return "\n\n".join(part for part in parts if part)


def _uri(url: str) -> str:
    return quote(url, safe=_URI_SAFE)
