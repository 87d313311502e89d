"""What every output names the same way: the feeds' and calendars' addresses (with the
links that subscribe Google Calendar and Outlook to them), and dates as readers read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from newsletter.dates import format_human, format_range
from newsletter.events.calendars import calendar_events, for_last_model
from newsletter.layout import ATOM_FEED, CALENDAR_FEED, RSS_FEED, event_file
from newsletter.model import DateRange, Newsletter, Precision, Settings, Status

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


@for_last_model
def calendar_files(newsletter: Newsletter) -> dict[str, str]:
    """Each event's own .ics file (relative to the output root) by id, for its "Add to
    calendar" link: every event the calendar files hold, less the cancelled ones, which
    no reader should add. Every page and email asks (`for_last_model`)."""
    return {
        e.id: event_file(e.id)
        for e in calendar_events(newsletter)
        if e.status is not Status.CANCELLED
    }


def calendar_file(
    files: Mapping[str, str], event_id: str, status: Status = Status.CONFIRMED
) -> str | None:
    """The "Add to calendar" file of a schedule row or report (`calendar_files`); none
    when the row says the event is cancelled, even if a later issue brought it back."""
    return None if status == Status.CANCELLED else files.get(event_id)


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
