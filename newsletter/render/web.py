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

from newsletter.layout import IMAGES, STYLESHEET
from newsletter.model import Body, Event, Issue, Newsletter, Report, Status
from newsletter.render.links import Links
from newsletter.render.markdown import BodyHtml
from newsletter.render.templates import environment, render_template

_SCHEMA_STATUS = {
    Status.CONFIRMED: "https://schema.org/EventScheduled",
    Status.TENTATIVE: "https://schema.org/EventScheduled",
    Status.CANCELLED: "https://schema.org/EventCancelled",
}


def event_jsonld(event: Event, url: str) -> Markup:
    """schema.org `Event` JSON-LD for a report or schedule entry, from the merged event."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": url + "#" + event.id,
        "name": event.title,
        "startDate": event.dates.start.isoformat(),
        "endDate": event.dates.end.isoformat(),
        "eventStatus": _SCHEMA_STATUS[event.status],
        "location": {"@type": "Place", "name": event.venue, "address": event.venue},
        "url": url,
    }
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


class _Pages:
    def __init__(self, newsletter: Newsletter, root: Path, html: BodyHtml) -> None:
        self.newsletter = newsletter
        self.html = html
        self.settings = newsletter.settings
        self.env = environment(root)
        self.links = Links.of(newsletter)
        self.events = {e.id: e for e in newsletter.events}
        self.issues = sorted(newsletter.issues, key=lambda i: i.number, reverse=True)
        self.oldest_first = self.issues[::-1]  # sorted once, not for every issue's page
        self.positions = {issue.number: n for n, issue in enumerate(self.oldest_first)}

    def render(self, template: str, path: str, **context: Any) -> bytes:
        depth = path.count("/")
        up = "../" * depth
        page = {
            "settings": self.settings,
            "calendar": self.newsletter.calendar,
            "links": self.links,
            "root": up,
            "canonical": self.settings.url(path.removesuffix("index.html")),
            "stylesheet": up + STYLESHEET,
            **context,
        }
        return render_template(self.env, template, page).encode("utf-8")

    def body_html(self, prefix: str) -> Callable[[Body, int], Markup]:
        return lambda body, top: Markup(self.html.at(body, prefix, top))

    def jsonld(self, event_id: str, url: str) -> Markup | None:
        event = self.events.get(event_id)
        return event_jsonld(event, url) if event else None

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
            neighbours=self._neighbours(issue),
            schedule_jsonld=[self.jsonld(e.id, url) for e in entries],
            report_jsonld={
                r.slug: self.jsonld(r.event_id, self.settings.url(r.path)) for r in issue.reports
            },
        )

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

    def _neighbours(self, issue: Issue) -> tuple[Issue | None, Issue | None]:
        ordered = self.oldest_first
        index = self.positions[issue.number]
        older = ordered[index - 1] if index > 0 else None
        newer = ordered[index + 1] if index + 1 < len(ordered) else None
        return older, newer


def render_web(newsletter: Newsletter, root: Path, html: BodyHtml) -> Iterator[tuple[str, bytes]]:
    """Every file of the web archive as (path, bytes): pages, stylesheet, images."""
    pages = _Pages(newsletter, root, html)
    yield "index.html", pages.index()
    yield STYLESHEET, render_template(pages.env, "web/style.css", {}).encode("utf-8")
    for issue in newsletter.issues:
        yield f"{issue.path}index.html", pages.issue(issue)
        for article in issue.articles:
            yield f"{article.path}index.html", pages.article(issue, article.slug)
        for report in issue.reports:
            yield f"{report.path}index.html", pages.report(issue, report)
        for image in issue.images:
            yield f"{issue.path}{IMAGES}/{image.name}", image.file.read_bytes()
