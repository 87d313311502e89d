"""Reading events: a schedule row, a calendar.yaml entry, the event side of a report."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from urllib.parse import urlsplit

from newsletter.dates import parse_dates
from newsletter.errors import DateError, Problems
from newsletter.model import DateRange, EventEntry, Origin, Source, Status
from newsletter.reading.fields import Fields
from newsletter.slugs import SLUG, default_event_id

DATE_KEYS = ("dates", "start", "end", "timezone")
KIND_KEYS = ("category", "country")  # which calendars by kind and by country hold it
EVENT_KEYS = (
    "id",
    "title",
    *DATE_KEYS,
    "venue",
    "status",
    "url",
    "description",
    "categories",
    *KIND_KEYS,
)


def read_entry(
    fields: Fields, origin: Origin, issue: int | None, default_timezone: str
) -> EventEntry | None:
    """One event entry of a schedule or of calendar.yaml (`EVENT_KEYS`)."""
    title = fields.one_line("title", required=True)
    dates, tentative = read_dates(fields, default_timezone)
    venue = fields.one_line("venue", required=True)
    status = read_status(fields, tentative)
    event_id = read_id(fields, "id", title, dates)
    url = read_url(fields, "url")
    if title is None or dates is None or venue is None or status is None or event_id is None:
        return None
    return EventEntry(
        id=event_id,
        title=title,
        dates=dates,
        venue=venue,
        status=status,
        source=Source(fields.path, fields.line()),
        origin=origin,
        explicit_id=fields.has("id"),
        issue=issue,
        url=url,
        description=fields.text("description"),
        categories=fields.text_list("categories"),
        category=read_category(fields),
        country=read_country(fields),
    )


def read_category(fields: Fields) -> str | None:
    """`category:`, a slug (`workshop`, `study-visit`)."""
    text = fields.one_line("category")
    if text is not None and not SLUG.match(text):
        fields.error(
            "category",
            f"{text!r} is not a category: use lowercase letters, digits and '-', "
            "such as workshop, meeting, seminar, conference, mission",
            text,
        )
        return None
    return text


def read_country(fields: Fields) -> str | None:
    """`country:`, a country's name or ISO 3166 code, as its alpha-2 code."""
    text = fields.one_line("country")
    if text is None:
        return None
    from newsletter.countries import find_country

    country = find_country(text)
    if country is None:
        fields.error(
            "country",
            f"{text!r} is not a country: write its English name (Fiji) or ISO 3166 code (FJ)",
            text,
        )
        return None
    return country.code


def read_id(fields: Fields, key: str, title: str | None, dates: DateRange | None) -> str | None:
    """The explicit id under `key`, else the default id (with a warning)."""
    explicit = fields.one_line(key)
    if explicit is not None:
        if not SLUG.match(explicit):
            fields.error(
                key, f"{explicit!r} is not an id: use lowercase letters, digits and '-'", explicit
            )
            return None
        return explicit
    if title is None or dates is None:
        return None
    default = default_event_id(title, dates.start_date.year)
    fields.warning(
        None,
        f"{fields.prefix}{key}: no explicit event id; add `{key}: {default}` so that fixing "
        "the title or dates later keeps the same calendar entry",
    )
    return default


def read_status(fields: Fields, tentative: bool) -> Status | None:
    text = fields.one_line("status")
    if text is None:
        return Status.TENTATIVE if tentative else Status.CONFIRMED
    try:
        return Status(text.lower())
    except ValueError:
        fields.error(
            "status", f"unknown status {text!r}; use one of: confirmed, tentative, cancelled", text
        )
        return None


def read_url(fields: Fields, key: str) -> str | None:
    url = fields.one_line(key)
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            fields.error(key, f"{url!r} is not an absolute http(s) URL", url)
            return None
    return url


def read_dates(fields: Fields, default_timezone: str) -> tuple[DateRange | None, bool]:
    """`dates:` in the human form, or `start:`/`end:` (ISO), with `timezone:` for times."""
    if fields.has("dates"):
        if fields.has("start") or fields.has("end"):
            fields.error("dates", "give either `dates` or `start`/`end`, not both")
            return None, False
        value = fields.data["dates"]
        if isinstance(value, date):
            day = value.date() if isinstance(value, datetime) else value
            return DateRange(day, day), False
        text = fields.one_line("dates", required=True)  # `dates: ""` is an error too
        if text is None:
            return None, False
        try:
            human = parse_dates(text)
        except DateError as error:
            fields.error("dates", f"{error.reason} in {text!r}", text)
            return None, False
        return DateRange(human.start, human.end), human.tentative
    if not fields.has("start"):
        fields.error("dates", "required key is missing (or give `start:` and `end:`)")
        return None, False
    start = _iso(fields, "start")
    end = _iso(fields, "end") if fields.has("end") else start
    if start is None or end is None:
        return None, False
    if isinstance(start, datetime) != isinstance(end, datetime):
        fields.error("end", "`start` and `end` must both be dates or both be date-times")
        return None, False
    timezone = None
    if isinstance(start, datetime) and isinstance(end, datetime):
        timezone = fields.one_line("timezone") or default_timezone
        zone = _zone(fields, timezone)
        if zone is None:
            return None, False
        start = start if start.tzinfo else start.replace(tzinfo=zone)
        end = end if end.tzinfo else end.replace(tzinfo=zone)
        if end == start and not fields.has("end"):
            end = start + timedelta(hours=1)
    elif fields.has("timezone"):
        fields.warning("timezone", "ignored: `start` is a date without a time (an all-day event)")
    if end < start:
        fields.error("end", f"{end} is before the start {start}", end)
        return None, False
    return DateRange(start, end, timezone), False


def _iso(fields: Fields, key: str) -> date | datetime | None:
    value = fields.data.get(key)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return (
                datetime.fromisoformat(text)
                if ("T" in text or " " in text)
                else date.fromisoformat(text)
            )
        except ValueError:
            pass
    fields.error(
        key,
        f"must be an ISO date (2019-06-27) or date-time (2019-06-27T09:00), not {value!r}",
        value,
    )
    return None


def _zone(fields: Fields, name: str) -> tzinfo | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        fields.error(
            "timezone", f"unknown time zone {name!r}; use an IANA name like Asia/Bangkok", name
        )
        return None


def check_duplicate_ids(entries: tuple[EventEntry, ...], problems: Problems) -> None:
    """Report an id given to two events of one source (an issue, or calendar.yaml)."""
    seen: dict[str, EventEntry] = {}
    for entry in entries:
        first = seen.setdefault(entry.id, entry)
        if first is not entry:
            problems.error(
                entry.source.path,
                entry.source.line,
                f"event id {entry.id!r} is used twice (first at {first.source}); "
                "give each event its own id",
                value=entry.id,
            )
