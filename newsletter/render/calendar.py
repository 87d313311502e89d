"""`calendar.ics` (every event) and `events/<id>.ics` (one event each), with icalendar.

Readers subscribe to the feed and keep it for years, so every value is set explicitly
and comes from the content: the UID from the event's id, DTSTAMP and LAST-MODIFIED
from the published record (`newsletter.events.published`), never from the clock. Each VEVENT
is serialised once and the same bytes go into the feed and into the event's own file;
an event that did not change keeps its lines byte for byte from build to build.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as VEvent
from icalendar.prop import vInline, vText

from newsletter.events.published import Published
from newsletter.layout import CALENDAR_FEED, event_file
from newsletter.model import Event, Issue, Newsletter, Settings, Status
from newsletter.render.timezones import vtimezone

PRODID = "-//newsletter//NONSGML newsletter calendar//EN"
_END = b"END:VCALENDAR\r\n"
_UTC_NAMES = {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu", "Universal"}
_STATUS = {
    Status.CONFIRMED: "CONFIRMED",
    Status.TENTATIVE: "TENTATIVE",
    Status.CANCELLED: "CANCELLED",
}
# RFC 5545 durations have weeks, days, hours, minutes, seconds: no years or months.
_YEARS_MONTHS = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?P<rest>(?:\d+D)?(?:T.*)?)$"
)
_URI_SAFE = ":/?#[]@!$&'()*+,;=%~"
_FOLD_AT = 75  # octets: a content line this long or longer is folded


@dataclass(frozen=True, slots=True)
class _Rendered:
    """One event's VEVENT bytes and the time zone its times are in (None: all-day or UTC)."""

    event: Event
    vevent: bytes
    zone: str | None


class VEvents:
    """The VEVENTs of the previous render, by everything each is made of: `serve` builds
    again after every edit, and icalendar takes most of a second for a thousand events.
    Whoever builds again (the preview server) keeps one and hands it to each build."""

    def __init__(self) -> None:
        self.previous: dict[tuple[object, ...], _Rendered] = {}


def render_calendar(
    newsletter: Newsletter, published: Mapping[str, Published], vevents: VEvents | None = None
) -> dict[str, bytes]:
    """`calendar.ics` and one `events/<id>.ics` per event whose days are known
    (`Newsletter.calendar_events`).

    `published` gives each event's SEQUENCE and LAST-MODIFIED (`events.published.publish`);
    `vevents`, the previous render's, spares rendering again what did not change.
    """
    rendered = _render_all(newsletter, published, vevents or VEvents())
    files = {CALENDAR_FEED: _feed(newsletter, rendered)}
    heads: dict[tuple[str, int, int] | None, bytes] = {}
    for item in rendered:
        files[event_file(item.event.id)] = _single(item, heads)
    return files


def event_url(settings: Settings, event: Event, announced: Issue | None) -> str | None:
    """The event's page: its report once reported, else the issue that announced it
    (`announced`), else its own `url`."""
    if event.report is not None:
        return settings.url(event.report.path)
    if announced is not None:
        return settings.url(announced.path)
    return _uri(event.url) if event.url else None


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
) -> list[_Rendered]:
    """Every event's VEVENT, reusing those of the previous render that nothing changed."""
    issues = {issue.number: issue for issue in newsletter.issues}
    current: dict[tuple[object, ...], _Rendered] = {}
    for event in newsletter.calendar_events:
        issue = issues.get(event.announced_in) if event.announced_in is not None else None
        key = (
            event,
            published[event.id],
            newsletter.calendar.uid_domain,
            newsletter.settings.base_url,
            issue.title if issue else None,
        )
        previous = vevents.previous.get(key)
        current[key] = previous or _render(newsletter, event, issue, published[event.id])
    vevents.previous = current
    return list(current.values())


def _render(
    newsletter: Newsletter, event: Event, announced: Issue | None, published: Published
) -> _Rendered:
    vevent = VEvent()
    stamp = published.last_modified.astimezone(UTC)
    vevent.add("UID", f"{event.id}@{newsletter.calendar.uid_domain}")
    vevent.add("DTSTAMP", stamp)
    vevent.add("LAST-MODIFIED", stamp)
    vevent.add("SEQUENCE", published.sequence)
    vevent.add("SUMMARY", event.title)
    vevent.add("LOCATION", event.venue)
    vevent.add("STATUS", _STATUS[event.status])
    zone = _add_dates(vevent, event)
    url = event_url(newsletter.settings, event, announced)
    if url:
        vevent.add("URL", url)
    description = _description(event, announced, url)
    if description:
        vevent.add("DESCRIPTION", description)
    if event.categories:
        vevent.add("CATEGORIES", list(event.categories))
    return _Rendered(event, serialise(vevent), zone)


def serialise(component: VEvent) -> bytes:
    """`component.to_ical()`, byte for byte, in half the time.

    icalendar folds every content line character by character, though most are far
    shorter than the 75 octets where folding starts; those are taken as they are.
    """
    lines = []
    for line in component.content_lines():
        if line:
            data = line.encode("utf-8")
            lines.append(data if len(data) < _FOLD_AT else line.to_ical())
    lines.append(b"")
    return b"\r\n".join(lines)


def _add_dates(vevent: VEvent, event: Event) -> str | None:
    """DTSTART, DTEND and TRANSP; the TZID used, if any."""
    dates = event.dates
    if dates.all_day:
        start, end = dates.start_date, dates.end_date
        vevent.add("DTSTART", start)
        vevent.add("DTEND", end + timedelta(days=1))  # iCalendar's DTEND is exclusive
        vevent.add("TRANSP", "TRANSPARENT" if end > start else "OPAQUE")
        return None
    zone = _zone_name(event)
    tz = UTC if zone is None else ZoneInfo(zone)
    start_time = _aware(dates.start).astimezone(tz)
    end_time = _aware(dates.end).astimezone(tz)
    if not (_unambiguous(start_time) and _unambiguous(end_time)):
        # A local time that a clock change skips or repeats is read differently by
        # different clients (ical.js takes the later 02:30); a UTC time is read alike.
        zone = None
        start_time, end_time = start_time.astimezone(UTC), end_time.astimezone(UTC)
    vevent.add("DTSTART", start_time)
    if end_time > start_time:  # an event of no length has no DTEND (RFC 5545 3.6.1)
        vevent.add("DTEND", end_time)
    vevent.add("TRANSP", "OPAQUE")
    return zone


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


def _description(event: Event, announced: Issue | None, url: str | None) -> str:
    """The description (or the report's summary), the event's page, and its own link."""
    text = event.description
    if text is None and event.report is not None:
        text = event.report.summary
    page = url
    if url and event.report is not None:
        page = f"Report: {url}"
    elif url and announced is not None:
        page = f"{announced.title}: {url}"
    own = _uri(event.url) if event.url else None
    parts = [text, page, own if own != url else None]
    return "\n\n".join(part for part in parts if part)


def _uri(url: str) -> str:
    return quote(url, safe=_URI_SAFE)


def _calendar(properties: Iterable[tuple[str, object, dict[str, str]]]) -> Calendar:
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", PRODID)
    calendar.add("CALSCALE", "GREGORIAN")
    for name, value, parameters in properties:
        calendar.add(name, value, parameters=parameters)
    return calendar


def _feed(newsletter: Newsletter, rendered: list[_Rendered]) -> bytes:
    settings = newsletter.calendar
    refresh = refresh_duration(settings.refresh)
    # A value object carries its parameters: each property gets its own.
    properties: list[tuple[str, object, dict[str, str]]] = [
        ("NAME", settings.name, {}),
        ("X-WR-CALNAME", vText(settings.name), {}),
        ("REFRESH-INTERVAL", vInline(refresh), {"VALUE": "DURATION"}),
        ("X-PUBLISHED-TTL", vInline(refresh), {}),
        ("URL", newsletter.settings.base_url, {}),
        ("SOURCE", newsletter.settings.url(CALENDAR_FEED), {"VALUE": "URI"}),
    ]
    if settings.description:
        properties.append(("DESCRIPTION", settings.description, {}))
        properties.append(("X-WR-CALDESC", vText(settings.description), {}))
    calendar = _calendar(properties)
    spans: dict[str, tuple[int, int]] = {}
    for item in rendered:
        if item.zone is not None:
            first, last = _years(item.event)
            low, high = spans.get(item.zone, (first, last))
            spans[item.zone] = (min(low, first), max(high, last))
    for zone in sorted(spans):
        calendar.add_component(vtimezone(zone, *spans[zone]))
    return _wrap(calendar, (item.vevent for item in rendered))


def _single(item: _Rendered, heads: dict[tuple[str, int, int] | None, bytes]) -> bytes:
    """An event's own file; `heads` keeps the calendar lines before the VEVENT, which all
    events of one zone and years share."""
    key = None if item.zone is None else (item.zone, *_years(item.event))
    head = heads.get(key)
    if head is None:
        calendar = _calendar(())
        if key is not None:
            calendar.add_component(vtimezone(*key))
        head = heads[key] = _wrap(calendar, ())[: -len(_END)]
    return b"".join((head, item.vevent, _END))


def _years(event: Event) -> tuple[int, int]:
    return event.dates.start_date.year, event.dates.end_date.year


def _wrap(calendar: Calendar, vevents: Iterable[bytes]) -> bytes:
    """The calendar's bytes with the VEVENTs, already serialised, before its END line."""
    head = calendar.to_ical()
    if not head.endswith(_END):
        raise ValueError("icalendar wrote a calendar that does not end with END:VCALENDAR")
    return b"".join((head[: -len(_END)], *vevents, _END))
