"""The web archive: the index, one page per issue, one per article and per report.

Pages link to each other and to the stylesheet with relative URLs, so the site works
from any folder and in the preview; each page also names its absolute canonical URL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from markupsafe import Markup

from newsletter.events.calendars import issue_events
from newsletter.layout import EVENTS_PAGE, IMAGES, STYLESHEET, issue_calendar
from newsletter.model import Body, Event, Issue, Newsletter, Report, Status
from newsletter.render.events_page import calendar_choices, events_page
from newsletter.render.links import (
    CalendarLinks,
    Links,
    calendar_file,
    calendar_files,
    machine_dates,
)
from newsletter.render.markdown import BodyHtml
from newsletter.render.templates import environment, render_template

_SCHEMA_STATUS = {
    Status.CONFIRMED: "https://schema.org/EventScheduled",
    Status.TENTATIVE: "https://schema.org/EventScheduled",
    Status.CANCELLED: "https://schema.org/EventCancelled",
}


def event_jsonld(event: Event, url: str) -> Markup:
    """schema.org `Event` JSON-LD for a report or schedule entry, from the merged event."""
    dates = event.dates
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": url + "#" + event.id,
        "name": event.title,
        "eventStatus": _SCHEMA_STATUS[event.status],
        "location": {"@type": "Place", "name": event.venue, "address": event.venue},
        "url": url,
    }
    if machine_dates(dates) is not None:  # schema.org has no "to be announced"
        data["startDate"] = machine_dates(dates)
        data["endDate"] = dates.end.isoformat() if dates.has_days else machine_dates(dates)
    if event.venue.strip().lower() == "online":
        data["eventAttendanceMode"] = "https://schema.org/OnlineEventAttendanceMode"
        data["location"] = {"@type": "VirtualLocation", "url": url}
    moved = [c for c in event.history if "dates" in c.fields]
    if moved and event.status is not Status.CANCELLED:
        data["eventStatus"] = "https://schema.org/EventRescheduled"
    if event.description:
        data["description"] = event.description
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    # "</script>" inside a value must not end the script element.
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


class WebPages:
    """Renders the archive's pages of one newsletter; the templates are compiled once."""

    def __init__(self, newsletter: Newsletter, root: Path, html: BodyHtml) -> None:
        self.newsletter = newsletter
        self.html = html
        self.settings = newsletter.settings
        self.env = environment(root)
        self.links = Links.of(newsletter)
        self.calendars = calendar_choices(newsletter)
        # The same on every page (absolute URLs only): rendered once, not once a page.
        listed = {"calendars": self.calendars[1:]}
        self.more_calendars = Markup(
            render_template(self.env, "web/calendars.html", listed).strip()
        )
        self.events = {e.id: e for e in newsletter.events}
        self.calendar_files = calendar_files(newsletter)
        self.issues = sorted(newsletter.issues, key=lambda i: i.number, reverse=True)
        self._oldest_first = self.issues[::-1]
        self._position = {issue.number: index for index, issue in enumerate(self._oldest_first)}

    def render(self, template: str, path: str, **context: Any) -> bytes:
        depth = path.count("/")
        up = "../" * depth
        page = {
            "settings": self.settings,
            "calendar": self.newsletter.calendar,
            "links": self.links,
            "calendars": self.calendars,
            "more_calendars": self.more_calendars if len(self.calendars) > 1 else None,
            "events_page": EVENTS_PAGE,
            "root": up,
            "canonical": self.settings.url(path.removesuffix("index.html")),
            "stylesheet": up + STYLESHEET,
            "calendar_link": self.calendar_link,
            **context,
        }
        return render_template(self.env, template, page).encode("utf-8")

    def body_html(self, prefix: str) -> Callable[[Body, int], Markup]:
        return lambda body, top: Markup(self.html.at(body, prefix, top))

    def jsonld(self, event_id: str, url: str) -> Markup | None:
        event = self.events.get(event_id)
        if event is None or machine_dates(event.dates) is None:
            return None  # schema.org wants a start date: none until one is announced
        return event_jsonld(event, url)

    def events_index(self) -> bytes:
        """The events page (`events/index.html`)."""
        url = self.settings.url(EVENTS_PAGE.removesuffix("index.html"))
        return self.render(
            "web/events.html",
            EVENTS_PAGE,
            page=events_page(self.newsletter),
            jsonld=lambda event: event_jsonld(event, url),
        )

    def calendar_link(self, event_id: str, status: Status) -> str | None:
        """A row's or report's "Add to calendar" file: none when the row or the event
        (cancelled by a later issue) is cancelled."""
        return calendar_file(self.calendar_files, event_id, status)

    def index(self) -> bytes:
        return self.render("web/index.html", "index.html", issues=self.issues)

    def issue(self, issue: Issue) -> bytes:
        url = self.settings.url(issue.path)
        entries = issue.schedule.entries if issue.schedule else ()
        return self.render(
            "web/issue.html",
            f"{issue.path}index.html",
            issue=issue,
            body_html=self.body_html(""),
            neighbours=self.neighbours(issue),
            schedule_jsonld=[self.jsonld(e.id, url) for e in entries],
            report_jsonld={
                r.slug: self.jsonld(r.event_id, self.settings.url(r.path)) for r in issue.reports
            },
            issue_calendar=self._issue_calendar(issue),
        )

    def _issue_calendar(self, issue: Issue) -> CalendarLinks | None:
        """The links of the issue's own events.ics; None when it announces and reports none."""
        if not issue_events(self.newsletter, issue.number):
            return None
        name = f"{self.newsletter.calendar.name}: {issue.title}"
        return CalendarLinks.of(self.settings, issue_calendar(issue.number), name)

    def article(self, issue: Issue, slug: str) -> bytes:
        article = next(a for a in issue.articles if a.slug == slug)
        return self.render(
            "web/article.html",
            f"{article.path}index.html",
            issue=issue,
            article=article,
            body_html=self.body_html("../"),
        )

    def report(self, issue: Issue, report: Report) -> bytes:
        return self.render(
            "web/report.html",
            f"{report.path}index.html",
            issue=issue,
            report=report,
            event=self.events.get(report.event_id),
            jsonld=self.jsonld(report.event_id, self.settings.url(report.path)),
            body_html=self.body_html("../"),
        )

    def neighbours(self, issue: Issue) -> tuple[Issue | None, Issue | None]:
        """The issues before and after `issue`, by number: the page links to both."""
        ordered = self._oldest_first
        index = self._position[issue.number]
        older = ordered[index - 1] if index > 0 else None
        newer = ordered[index + 1] if index + 1 < len(ordered) else None
        return older, newer

    def site_files(self) -> Iterator[tuple[str, bytes]]:
        """The files that are not any one issue's, but the events page (`events_index`):
        the index and the stylesheet."""
        yield "index.html", self.index()
        yield STYLESHEET, render_template(self.env, "web/style.css", {}).encode("utf-8")

    def issue_files(self, issue: Issue) -> Iterator[tuple[str, bytes]]:
        """One issue's files: its page, its articles' and reports' pages, its images."""
        yield f"{issue.path}index.html", self.issue(issue)
        for article in issue.articles:
            yield f"{article.path}index.html", self.article(issue, article.slug)
        for report in issue.reports:
            yield f"{report.path}index.html", self.report(issue, report)
        for image in issue.images:
            yield f"{issue.path}{IMAGES}/{image.name}", image.file.read_bytes()
