"""What every output names the same way: the feeds' and calendars' addresses (with the
links that subscribe Google Calendar and Outlook to them), and dates as readers read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from newsletter.dates import format_range
from newsletter.layout import ATOM_FEED, CALENDAR_FEED, RSS_FEED, event_file
from newsletter.model import DateRange, Event, Newsletter, Settings, Status

GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/render?cid="
OUTLOOK_SUBSCRIBE = "https://outlook.live.com/calendar/0/addfromweb?url="


@dataclass(frozen=True, slots=True)
class CalendarLinks:
    """The ways to subscribe to one calendar file: its https address (any calendar app
    takes it), webcal:// (the desktop and phone apps open it), and the pages where
    Google Calendar and Outlook.com add it by URL."""

    https: str
    webcal: str
    google: str
    outlook: str

    @classmethod
    def of(cls, settings: Settings, path: str, name: str) -> CalendarLinks:
        """The links of the calendar at `path` in the output, called `name` in Outlook."""
        https = settings.url(path)
        webcal = "webcal://" + https.split("://", 1)[-1]
        return cls(
            https=https,
            webcal=webcal,
            # Google subscribes to a webcal:// cid; Outlook.com fetches the https address.
            google=GOOGLE_SUBSCRIBE + quote(webcal, safe=""),
            outlook=OUTLOOK_SUBSCRIBE + quote(https, safe="") + "&name=" + quote(name, safe=""),
        )


@dataclass(frozen=True, slots=True)
class Links:
    """Where the feeds and the calendar are, for subscribe links and autodiscovery."""

    rss: str
    atom: str
    calendar: str  # https
    webcal: str
    google: str
    outlook: str

    @classmethod
    def of(cls, newsletter: Newsletter) -> Links:
        settings = newsletter.settings
        calendar = CalendarLinks.of(settings, CALENDAR_FEED, newsletter.calendar.name)
        return cls(
            rss=settings.url(RSS_FEED),
            atom=settings.url(ATOM_FEED),
            calendar=calendar.https,
            webcal=calendar.webcal,
            google=calendar.google,
            outlook=calendar.outlook,
        )


def calendar_file(event: Event | None, status: Status = Status.CONFIRMED) -> str | None:
    """The event's own .ics file, relative to the output root, for an "Add to calendar"
    link; None for a cancelled event (or a row that says it is cancelled: `status`),
    which no reader should add."""
    if event is None or Status.CANCELLED in (event.status, status):
        return None
    return event_file(event.id)


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
