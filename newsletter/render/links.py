"""What every output names the same way: the feeds' and calendar's addresses, an
event's own .ics file, and dates as readers read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from newsletter.dates import format_human, format_range
from newsletter.layout import ATOM_FEED, CALENDAR_FEED, RSS_FEED
from newsletter.model import DateRange, Newsletter, Precision


@dataclass(frozen=True, slots=True)
class Links:
    """Where the feeds and the calendar are, for subscribe links and autodiscovery."""

    rss: str
    atom: str
    calendar: str  # https
    webcal: str
    google: str

    @classmethod
    def of(cls, newsletter: Newsletter) -> Links:
        settings = newsletter.settings
        https = settings.url(CALENDAR_FEED)
        webcal = "webcal://" + https.removeprefix("https://")
        return cls(
            rss=settings.url(RSS_FEED),
            atom=settings.url(ATOM_FEED),
            calendar=https,
            webcal=webcal,
            google="https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe=""),
        )


def format_dates(dates: DateRange) -> str:
    """`24–25 October 2018`, or `27 June 2019, 09:00–17:00 (Europe/Brussels)` for times;
    `February 2019` or `dates to be announced` while the days are not known."""
    text = format_human(dates.start_date, dates.end_date, dates.precision)
    if dates.all_day:
        return text
    start, end = dates.start, dates.end
    times = f"{start:%H:%M}–{end:%H:%M}"
    return f"{text}, {times} ({dates.timezone})" if dates.timezone else f"{text}, {times}"


def machine_dates(dates: DateRange) -> str | None:
    """The dates for machines (`<time datetime>`, schema.org): the ISO start, `2019-02`
    when only the month is known, None when nothing is."""
    if dates.precision is Precision.UNKNOWN:
        return None
    if dates.precision is Precision.MONTH:
        return f"{dates.start_date:%Y-%m}"
    return dates.start.isoformat()


def format_day(day: date) -> str:
    """`15 October 2018`, whatever the machine's locale."""
    return format_range(day, day)
