"""What every output names the same way: the feeds' and calendar's addresses, an
event's own .ics file, and dates as readers read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from newsletter.dates import format_range
from newsletter.layout import ATOM_FEED, CALENDAR_FEED, RSS_FEED
from newsletter.model import DateRange, Newsletter


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
    """`24–25 October 2018`, or `27 June 2019, 09:00–17:00 (Europe/Brussels)` for times."""
    text = format_range(dates.start_date, dates.end_date)
    if dates.all_day:
        return text
    start, end = dates.start, dates.end
    times = f"{start:%H:%M}–{end:%H:%M}"
    return f"{text}, {times} ({dates.timezone})" if dates.timezone else f"{text}, {times}"


def format_day(day: date) -> str:
    """`15 October 2018`, whatever the machine's locale."""
    return format_range(day, day)
