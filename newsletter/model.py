"""The newsletter as plain, typed, immutable data: what the readers build and every
renderer reads. Nothing here touches the disk."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from newsletter.layout import issue_output


@dataclass(frozen=True, slots=True)
class Source:
    """Where something was written: a path relative to the root, and a line if known."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Image:
    """An image of an issue's `images/` folder that some Markdown refers to."""

    name: str  # path inside images/, e.g. "lab.jpg"
    file: Path  # where to read it from
    alt: str
    source: Source


@dataclass(frozen=True, slots=True)
class Body:
    """A Markdown body and the images it shows. Rendering it is the renderers' work
    (`render.markdown.BodyHtml`); reading and `check` never render, which keeps them fast.
    """

    markdown: str
    images: tuple[Image, ...] = ()


@dataclass(frozen=True, slots=True)
class Person:
    """A person named in a byline or the staff list."""

    name: str
    role: str | None = None
    organisation: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """The contact block printed in every footer."""

    address: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None


@dataclass(frozen=True, slots=True)
class DkimSettings:
    """The `email.dkim:` block: how `send` signs each copy."""

    selector: str
    key_file: str  # a PEM private key, relative to the root or absolute
    domain: str | None = None  # default: the domain of `email.from`
    public_key: str | None = None  # the DNS record's p= value, to check the key against


@dataclass(frozen=True, slots=True)
class EmailSettings:
    """The `email:` block of newsletter.yaml."""

    sender: str | None = None  # the `from:` key
    reply_to: str | None = None
    list_id: str | None = None
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None
    feedback_id: str | None = None  # Feedback-ID's fields after the issue number
    dkim: DkimSettings | None = None


@dataclass(frozen=True, slots=True)
class AudienceSettings:
    """The `audience:` block: the subscription service and bounce handling."""

    service_url: str | None = None  # https, ending in "/": where `subscribers serve` runs
    double_opt_in: bool = True
    bounce_address: str | None = None  # VERP: bounces+TOKEN@domain


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """The `feed:` block of newsletter.yaml."""

    limit: int | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """content/newsletter.yaml."""

    title: str
    publisher: str
    base_url: str  # absolute https URL ending in "/"
    language: str = "en"
    timezone: str = "UTC"
    email: EmailSettings = field(default_factory=EmailSettings)
    audience: AudienceSettings = field(default_factory=AudienceSettings)
    contact: Contact | None = None
    staff: tuple[Person, ...] = ()
    feed: FeedSettings = field(default_factory=FeedSettings)
    image: str | None = None  # absolute https URL of the newsletter's logo

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    def url(self, path: str = "") -> str:
        """The absolute URL of a path inside the output folder."""
        return self.base_url + path

    @property
    def list_id(self) -> str:
        return self.email.list_id or self.host


@dataclass(frozen=True, slots=True)
class CalendarSettings:
    """calendar/calendar.yaml, less its events."""

    name: str
    description: str | None = None
    refresh: str = "P1D"
    uid_domain: str = ""


class Status(StrEnum):
    CONFIRMED = "confirmed"
    TENTATIVE = "tentative"
    CANCELLED = "cancelled"


class Precision(StrEnum):
    """How much of an event's dates is known."""

    DAY = "day"  # the days: `18-22 Feb. 2019`, or ISO dates and times
    MONTH = "month"  # only the month: `Feb. 2019`; start and end span the month
    UNKNOWN = "unknown"  # `TBD`: start and end are `date.max`, which sorts last


@dataclass(frozen=True, slots=True)
class DateRange:
    """When an event happens: all-day dates with an inclusive end, or aware datetimes.

    An event whose days are not known yet (`precision` month or unknown) still has a
    start and an end, for sorting and carrying forward; only `has_days` ranges go into
    calendar files.
    """

    start: date | datetime
    end: date | datetime
    timezone: str | None = None  # IANA name, for timed events
    precision: Precision = Precision.DAY

    @property
    def has_days(self) -> bool:
        """Whether the days are known: only then can a calendar file hold the event."""
        return self.precision is Precision.DAY

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    @property
    def start_date(self) -> date:
        return self.start.date() if isinstance(self.start, datetime) else self.start

    @property
    def end_date(self) -> date:
        return self.end.date() if isinstance(self.end, datetime) else self.end


class Origin(StrEnum):
    SCHEDULE = "schedule"
    REPORT = "report"
    CALENDAR = "calendar"


@dataclass(frozen=True, slots=True)
class EventEntry:
    """One mention of an event in one source: a schedule row, a report, a calendar entry."""

    id: str
    title: str
    dates: DateRange
    venue: str
    status: Status
    source: Source
    origin: Origin
    explicit_id: bool = True
    issue: int | None = None  # the issue that wrote it; None for calendar.yaml
    report: str | None = None  # the report's slug, for a report
    url: str | None = None
    description: str | None = None
    categories: tuple[str, ...] = ()
    category: str | None = None  # the `category:` slug, when written
    country: str | None = None  # the `country:` as an ISO 3166 alpha-2 code, when written


@dataclass(frozen=True, slots=True)
class Schedule:
    """An issue's forthcoming-activities table."""

    title: str | None
    period: str | None
    note: str | None
    entries: tuple[EventEntry, ...]


@dataclass(frozen=True, slots=True)
class Foreword:
    """An issue's foreword, signed by its author."""

    author: str | None
    role: str | None
    body: Body
    source: Source


@dataclass(frozen=True, slots=True)
class Article:
    """A feature article (the "Special Topics"), with its byline."""

    issue: int
    slug: str
    title: str
    authors: tuple[Person, ...]
    summary: str | None
    order: float | None
    body: Body
    source: Source

    @property
    def path(self) -> str:
        """The article's page folder, relative to the output root."""
        return f"{issue_output(self.issue)}{self.slug}/"


@dataclass(frozen=True, slots=True)
class Report:
    """A report of a past workshop or meeting; a report is also an event."""

    issue: int
    slug: str
    title: str
    dates: DateRange
    venue: str
    event_id: str
    summary: str | None
    order: float | None
    body: Body
    source: Source

    @property
    def path(self) -> str:
        return f"{issue_output(self.issue)}{self.slug}/"


@dataclass(frozen=True, slots=True)
class Sections:
    """The headings of an issue's three parts, in the editor's words."""

    articles: str = "Special Topics"
    reports: str = "Workshops and Meetings"
    schedule: str = "Future Activities"


@dataclass(frozen=True, slots=True)
class Issue:
    number: int
    date: date
    title: str
    period: str | None
    preheader: str | None
    highlights: tuple[str, ...]  # article slugs
    sections: Sections
    foreword: Foreword | None
    articles: tuple[Article, ...]
    reports: tuple[Report, ...]
    schedule: Schedule | None
    images: tuple[Image, ...]
    source: Source

    @property
    def slug(self) -> str:
        return f"{self.number:03d}"

    @property
    def path(self) -> str:
        """The issue's folder in the output, relative to the output root."""
        return issue_output(self.number)

    @property
    def bodies(self) -> tuple[Body, ...]:
        """Every Markdown body of the issue: foreword, articles, reports."""
        foreword = (self.foreword.body,) if self.foreword else ()
        return (*foreword, *(a.body for a in self.articles), *(r.body for r in self.reports))

    @property
    def highlighted_articles(self) -> tuple[Article, ...]:
        by_slug = {a.slug: a for a in self.articles}
        return tuple(by_slug[s] for s in self.highlights if s in by_slug)


@dataclass(frozen=True, slots=True)
class Change:
    """One step in an event's life: its first publication (no fields) or a change."""

    issue: int | None  # None: calendar/calendar.yaml
    date: date
    fields: tuple[str, ...] = ()
    moved_from: DateRange | None = None  # the dates before, when "dates" changed


@dataclass(frozen=True, slots=True)
class Event:
    """One event, merged from every source that mentions it (the latest source wins)."""

    id: str
    title: str
    dates: DateRange
    venue: str
    status: Status
    url: str | None
    description: str | None
    categories: tuple[str, ...]
    announced_in: int | None  # first issue that published it; None: calendar.yaml only
    report: Report | None  # the latest report of it
    history: tuple[Change, ...]
    category: str | None = None  # `category:` as written; events.calendars gives the default
    country: str | None = None  # `country:` (alpha-2) as written; the default is the venue's
    # Later changes of what the calendar shows besides title, dates, venue and status
    # (description, url, categories, the report): they move LAST-MODIFIED, not SEQUENCE.
    revisions: tuple[Change, ...] = ()

    @property
    def sequence(self) -> int:
        """How many times the title, dates, venue or status changed after publication."""
        return len(self.history) - 1

    @property
    def last_modified(self) -> date:
        """The date of the latest change of anything the calendar shows of the event."""
        latest = self.history[-1].date
        return max(latest, self.revisions[-1].date) if self.revisions else latest

    @property
    def first_published(self) -> date:
        return self.history[0].date

    @property
    def in_calendar(self) -> bool:
        """Whether calendar files hold the event: only once its days are known."""
        return self.dates.has_days


@dataclass(frozen=True, slots=True)
class Newsletter:
    """Everything read from a newsletter folder."""

    settings: Settings
    calendar: CalendarSettings
    issues: tuple[Issue, ...]  # by number, oldest first
    events: tuple[Event, ...]  # by start date, then id

    @property
    def calendar_events(self) -> tuple[Event, ...]:
        """The events that calendar files hold (`Event.in_calendar`), by start date."""
        return tuple(event for event in self.events if event.in_calendar)

    @property
    def latest_date(self) -> date | None:
        return max((i.date for i in self.issues), default=None)

    def issue(self, number: int) -> Issue | None:
        return next((i for i in self.issues if i.number == number), None)
