"""`newsletter add`: a new article or report in an issue, never over an existing file."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from newsletter.dates import format_human, format_range
from newsletter.errors import ContentError, NewsletterError, UsageError
from newsletter.layout import ARTICLES, ISSUE_FILE, REPORTS, RESERVED_SLUGS
from newsletter.model import Event
from newsletter.reading.files import read_yaml_file
from newsletter.scaffold import skeletons
from newsletter.scaffold.folders import issue_folder, newsletter_root
from newsletter.scaffold.skeletons import render_skeleton
from newsletter.slugs import default_event_id, page_slug, slugify
from newsletter.writer import atomic_write

Kind = Literal["article", "report"]
KINDS: tuple[Kind, ...] = ("article", "report")


def add_page(root: Path, kind: Kind, title: str, issue: int | None = None) -> str:
    """Create an article or a report titled `title` in the issue; its path from the root.

    The file is named by the title's slug, cut after a whole word to `MAX_PAGE_SLUG`
    characters, with `-2`, `-3`... when the name is taken; an existing file is never
    overwritten. Another `kind`, an empty title or an issue that is not there is a
    `UsageError`.
    """
    if kind not in KINDS:
        raise UsageError(f"cannot add {kind!r}: add an article or a report")
    root = newsletter_root(root)
    title = " ".join(title.split())
    if not title:
        raise UsageError("the title is empty")
    number, folder = issue_folder(root, issue)
    if kind == "article":
        text = render_skeleton(root, skeletons.ARTICLE, {"title": title, "issue": number})
    else:
        text = _report(root, number, title)
    directory = root / folder / f"{kind}s"
    directory.mkdir(exist_ok=True)
    slug = page_slug(title) or kind
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
    return any((issue / kind / f"{slug}.md").exists() for kind in (ARTICLES, REPORTS))


def _report(root: Path, number: int, title: str) -> str:
    """A report's front matter; dates, venue and id come from the schedule that announced
    the event, when one did (same title), so the report and the event are linked."""
    announced = _announced(root, number, title)
    event: dict[str, Any] | None = None
    if announced is not None:
        dates = announced.dates
        where = f"issue {announced.announced_in}" if announced.announced_in else "calendar.yaml"
        event = {
            "id": announced.id,
            # Still "February 2019" when the days were never announced: `check` then asks
            # for the days the event took place.
            "dates": format_human(dates.start_date, dates.end_date, dates.precision)
            if dates.all_day
            else None,
            "start": dates.start.isoformat(),
            "end": dates.end.isoformat(),
            "timezone": dates.timezone,
            "venue": announced.venue,
            "announced_in": where,
        }
    # An example in the form `dates:` takes, in the days before the issue it is in: a
    # fixed one (2-6 July 2018) was read as filled in, and then as an event to come.
    end = _issue_date(root, number)
    start = end - timedelta(days=4)
    context = {
        "title": title,
        "issue": number,
        "event": event,
        "event_id": default_event_id(title, start.year),  # what the reader would give it
        "example_dates": format_range(start, end),
    }
    return render_skeleton(root, skeletons.REPORT, context)


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


def _issue_date(root: Path, number: int) -> date:
    """The date of issue `number` (today when its issue.yaml has none)."""
    _, folder = issue_folder(root, number)
    try:
        data = read_yaml_file(root, f"{folder}/{ISSUE_FILE}")
    except ContentError:
        return date.today()
    value = data.get("date")
    return value if isinstance(value, date) else date.today()
