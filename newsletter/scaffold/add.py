"""`newsletter add`: a new article or report in an issue, never over an existing file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from newsletter.dates import format_range
from newsletter.errors import ContentError, NewsletterError, UsageError
from newsletter.layout import ISSUE_FILE, RESERVED_SLUGS
from newsletter.model import Event
from newsletter.reading.files import read_yaml_file
from newsletter.scaffold.folders import issue_folder, newsletter_root
from newsletter.scaffold.yamltext import yaml_scalar
from newsletter.slugs import slugify
from newsletter.writer import atomic_write

Kind = Literal["article", "report"]


def add_page(root: Path, kind: Kind, title: str, issue: int | None = None) -> str:
    """Create an article or a report titled `title` in the issue; its path from the root.

    The file is named by the title's slug, `-2`, `-3`... when the name is taken; an
    existing file is never overwritten.
    """
    root = newsletter_root(root)
    title = " ".join(title.split())
    if not title:
        raise UsageError("the title is empty")
    number, folder = issue_folder(root, issue)
    text = _article(title) if kind == "article" else _report(root, number, title)
    directory = root / folder / f"{kind}s"
    directory.mkdir(exist_ok=True)
    slug = slugify(title) or kind
    names = [slug] if slug not in RESERVED_SLUGS else []
    for name in names + [f"{slug}-{n}" for n in range(2, 1000)]:
        if _slug_taken(root / folder, name):
            continue
        path = f"{folder}/{kind}s/{name}.md"
        try:
            atomic_write(root / path, text.encode("utf-8"), exclusive=True)
        except FileExistsError:
            continue
        except OSError as error:
            raise NewsletterError(f"cannot write {path}: {error.strerror}") from None
        return path
    raise NewsletterError(f"too many files named {slug}-N.md in {folder}")


def _slug_taken(issue: Path, slug: str) -> bool:
    """Articles and reports of one issue share the page names."""
    return any((issue / kind / f"{slug}.md").exists() for kind in ("articles", "reports"))


_SUMMARY = "# summary: one or two sentences for the issue page, the email and the feeds"


def _article(title: str) -> str:
    return "\n".join(
        [
            "---",
            f"title: {yaml_scalar(title)}",
            "# authors:",
            "#   - name: Full NAME",
            "#     role: Their role",
            "#     organisation: Their organisation",
            _SUMMARY,
            "# order: 1",
            "---",
            "",
        ]
    )


def _report(root: Path, number: int, title: str) -> str:
    """A report's front matter; dates, venue and id come from the schedule that announced
    the event, when one did (same title), so the report and the event are linked."""
    announced = _announced(root, number, title)
    lines = ["---", f"title: {yaml_scalar(title)}"]
    if announced is not None:
        where = f"issue {announced.announced_in}" if announced.announced_in else "calendar.yaml"
        lines += [
            *_event_dates(announced, f"as announced in {where}"),
            f"venue: {yaml_scalar(announced.venue)}",
            f"event: {announced.id}  # the announced event's id: keep it",
        ]
    else:
        year = _issue_year(root, number)
        lines += [
            "# dates: 2-6 July 2018   (required: when it took place)",
            "# venue: City, Country   (required)",
            f"# event: {slugify(title) or 'event'}-{year}   "
            "(the event's id: the title's slug and the start year; keep it once published)",
        ]
    lines += [_SUMMARY, "# order: 1", "---", ""]
    return "\n".join(lines)


def _event_dates(event: Event, note: str) -> list[str]:
    dates = event.dates
    if dates.all_day:
        text = format_range(dates.start_date, dates.end_date)
        return [f"dates: {yaml_scalar(text)}  # {note}"]
    lines = [f"start: {dates.start.isoformat()}  # {note}", f"end: {dates.end.isoformat()}"]
    return [*lines, f"timezone: {dates.timezone}"] if dates.timezone else lines


def _announced(root: Path, number: int, title: str) -> Event | None:
    """The latest event of that title that started by the issue's date."""
    # Only a report needs the whole newsletter read: an article is made without it.
    from newsletter.reading import read_newsletter

    newsletter, _ = read_newsletter(root)
    if newsletter is None:
        return None
    issue = newsletter.issue(number)
    slug = slugify(title)
    if not slug:
        return None
    matches = [
        event
        for event in newsletter.events
        if slugify(event.title) == slug
        and (issue is None or event.dates.start_date <= issue.date)
        and event.report is None
    ]
    return max(matches, key=lambda e: e.dates.start_date, default=None)


def _issue_year(root: Path, number: int) -> int:
    _, folder = issue_folder(root, number)
    try:
        data = read_yaml_file(root, f"{folder}/{ISSUE_FILE}")
    except ContentError:
        return date.today().year
    value = data.get("date")
    return value.year if isinstance(value, date) else date.today().year
