"""What an issue's email says, whatever its format: the view both the HTML email and the
plain-text edition are written from, so the two always carry the same titles, dates,
links and footer.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from newsletter.events.calendars import issue_events
from newsletter.layout import issue_calendar
from newsletter.model import Article, Issue, Newsletter, Person, Report, Settings, Status
from newsletter.render.links import Links, calendar_file, calendar_files, format_dates, format_day

PREHEADER_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Entry:
    """An article or a report as the email shows it."""

    item: Article | Report
    url: str  # its web page
    byline: str | None = None  # articles
    when: str | None = None  # reports: the dates
    venue: str | None = None
    calendar_url: str | None = None  # reports: the event's .ics file (none when cancelled)

    @property
    def slug(self) -> str:
        return self.item.slug

    @property
    def title(self) -> str:
        return self.item.title


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the Future Activities schedule."""

    title: str
    url: str | None
    dates: str
    venue: str
    status: Status
    calendar_url: str | None  # None when cancelled, or while the days are not known


@dataclass(frozen=True, slots=True)
class Footer:
    """The links and addresses at the foot of every email."""

    view_url: str  # the issue's web page
    archive_url: str
    calendar_url: str
    google_calendar_url: str
    outlook_calendar_url: str
    issue_calendar_url: str | None  # this issue's events.ics; None when it has no event
    feed_url: str
    unsubscribe: str | None  # https URL with "{token}" for `send`, or a mailto: URL


@dataclass(frozen=True, slots=True)
class Edition:
    """One issue's email, before it becomes HTML or text."""

    settings: Settings
    issue: Issue
    url: str
    date: str
    preheader: str
    highlights: tuple[Entry, ...]
    articles: tuple[Entry, ...]
    reports: tuple[Entry, ...]
    rows: tuple[Row, ...]
    footer: Footer
    staff: tuple[str, ...]  # "Name (Role)"

    @property
    def entries(self) -> tuple[Entry, ...]:
        return (*self.articles, *self.reports)


def edition(newsletter: Newsletter, issue: Issue) -> Edition:
    """The email view of `issue`."""
    settings = newsletter.settings
    files = calendar_files(newsletter)

    def calendar_url(event_id: str, status: Status = Status.CONFIRMED) -> str | None:
        file = calendar_file(files, event_id, status)
        return settings.url(file) if file else None

    articles = tuple(
        Entry(a, settings.url(a.path), byline=byline(a.authors)) for a in issue.articles
    )
    reports = tuple(
        Entry(
            r,
            settings.url(r.path),
            when=format_dates(r.dates),
            venue=r.venue,
            calendar_url=calendar_url(r.event_id),
        )
        for r in issue.reports
    )
    by_slug = {e.slug: e for e in articles}
    highlights = tuple(by_slug[a.slug] for a in issue.highlighted_articles)
    rows = tuple(
        Row(
            title=e.title,
            url=e.url,
            dates=format_dates(e.dates),
            venue=e.venue,
            status=e.status,
            calendar_url=calendar_url(e.id, e.status),
        )
        for e in (issue.schedule.entries if issue.schedule else ())
    )
    has_events = bool(issue_events(newsletter, issue.number))
    links = Links.of(newsletter)
    footer = Footer(
        view_url=settings.url(issue.path),
        archive_url=settings.base_url,
        calendar_url=links.calendar,
        google_calendar_url=links.google,
        outlook_calendar_url=links.outlook,
        issue_calendar_url=settings.url(issue_calendar(issue.number)) if has_events else None,
        feed_url=links.rss,
        unsubscribe=unsubscribe_link(settings),
    )
    return Edition(
        settings=settings,
        issue=issue,
        url=settings.url(issue.path),
        date=format_day(issue.date),
        preheader=preheader(issue, highlights or articles or reports),
        highlights=highlights,
        articles=articles,
        reports=reports,
        rows=rows,
        footer=footer,
        staff=tuple(f"{p.name} ({p.role})" if p.role else p.name for p in settings.staff),
    )


def byline(people: tuple[Person, ...]) -> str | None:
    """`By Name, Role, Organisation; Other Name`."""
    if not people:
        return None
    names = [", ".join(p for p in (x.name, x.role, x.organisation) if p) for x in people]
    return "By " + "; ".join(names)


def unsubscribe_link(settings: Settings) -> str | None:
    """The per-recipient https URL (its `{token}` left for `send`), else a mailto: URL."""
    email = settings.email
    if email.unsubscribe_url:
        return email.unsubscribe_url
    if email.unsubscribe_mailto:
        return f"mailto:{quote(email.unsubscribe_mailto, safe='@')}?subject=unsubscribe"
    return None


def preheader(issue: Issue, entries: tuple[Entry, ...]) -> str:
    """The issue's `preheader:`, else its highlights' titles, cut to 100 characters."""
    if issue.preheader:
        text = issue.preheader
    elif entries:
        text = "In this issue: " + "; ".join(e.title for e in entries)
    else:
        text = " · ".join(p for p in (issue.title, issue.period) if p)
    return shorten(text, PREHEADER_LIMIT)


def shorten(text: str, limit: int) -> str:
    """`text` on one line, at most `limit` characters, cut at a word with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:·-") + "…"
