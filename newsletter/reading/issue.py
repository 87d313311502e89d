"""One issue folder: its issue.yaml, and the pages and schedule it gathers into an `Issue`."""

from __future__ import annotations

from pathlib import Path

from newsletter.errors import Problems
from newsletter.layout import ISSUE_FILE
from newsletter.model import Article, Issue, Sections, Settings, Source
from newsletter.reading.entries import check_duplicate_ids
from newsletter.reading.fields import Fields
from newsletter.reading.files import check_links, read_yaml_reporting
from newsletter.reading.folder import IssueFolder
from newsletter.reading.pages import Pages
from newsletter.reading.schedule import read_schedule

ISSUE_KEYS = ("number", "date", "title", "period", "preheader", "highlights", "sections")


def read_issue(
    root: Path, folder: str, number: int, settings: Settings | None, problems: Problems
) -> IssueFolder | None:
    """Read `root/folder` (e.g. content/issues/062) as issue `number`."""
    path = f"{folder}/{ISSUE_FILE}"
    check_links(root, folder, problems)
    data = read_yaml_reporting(root, path, problems)
    if data is None:
        return None
    fields = Fields(data, path, problems, ISSUE_KEYS)
    written = fields.integer("number", required=True)
    if written is not None and written != number:
        fields.error(
            "number",
            f"is {written} but the folder is {(root / folder).name}; "
            f"rename the folder to {written:03d} or set number: {number}",
            written,
        )
    issue_date = fields.date("date", required=True)
    default_title = f"{settings.title} No.{number}" if settings else f"No.{number}"
    title = fields.one_line("title") or default_title
    sections = _sections(fields)

    timezone = settings.timezone if settings else "UTC"
    pages = Pages(root, folder, timezone, problems)
    foreword = pages.foreword()
    articles = pages.articles(number)
    reports = pages.reports(number, issue_date)
    schedule = read_schedule(root, folder, number, timezone, problems)
    pages.check_slugs(articles, reports)
    highlights = _highlights(fields, articles)
    if issue_date is None:
        return None
    issue = Issue(
        number=number,
        date=issue_date,
        title=title,
        period=fields.one_line("period"),
        preheader=fields.one_line("preheader"),
        highlights=highlights,
        sections=sections,
        foreword=foreword,
        articles=articles,
        reports=tuple(r for r, _ in reports),
        schedule=schedule,
        images=pages.image_list(),
        source=Source(path, None),
    )
    entries = (*(schedule.entries if schedule else ()), *(e for _, e in reports))
    check_duplicate_ids(entries, problems)
    _warn_past_events(issue, problems)
    _warn_if_empty(issue, problems)
    return IssueFolder(issue, entries)


def _warn_past_events(issue: Issue, problems: Problems) -> None:
    """A warning for each event of the schedule that ended before the issue's date: the
    schedule lists what is to come."""
    for entry in issue.schedule.entries if issue.schedule else ():
        if entry.dates.end_date < issue.date:
            problems.warning(
                entry.source.path,
                entry.source.line,
                f"{entry.title!r} ended on {entry.dates.end_date}, before this issue's date "
                f"({issue.date}), yet it is listed under {issue.sections.schedule}; remove "
                "it from the schedule (a report tells how it went)",
                value=entry.id,
            )


def _warn_if_empty(issue: Issue, problems: Problems) -> None:
    """A warning for an issue that would say nothing: no page and no foreword text."""
    foreword = issue.foreword.body.markdown.strip() if issue.foreword else ""
    if not issue.articles and not issue.reports and not foreword:
        problems.warning(
            issue.source.path,
            None,
            f"issue {issue.number} has no articles, no reports and an empty foreword: its "
            "page and email would have nothing to read; write foreword.md, or add a page "
            "with `newsletter add article TITLE`",
        )


def _sections(fields: Fields) -> Sections:
    sub = fields.sub("sections", ("articles", "reports", "schedule"))
    if sub is None:
        return Sections()
    default = Sections()
    return Sections(
        articles=sub.one_line("articles") or default.articles,
        reports=sub.one_line("reports") or default.reports,
        schedule=sub.one_line("schedule") or default.schedule,
    )


def _highlights(fields: Fields, articles: tuple[Article, ...]) -> tuple[str, ...]:
    slugs = [a.slug for a in articles]
    if not fields.has("highlights"):
        return tuple(slugs)
    chosen = []
    for slug in fields.text_list("highlights"):
        if slug in slugs:
            chosen.append(slug)
            continue
        from difflib import get_close_matches

        close = get_close_matches(slug, slugs, n=1)
        hint = f"; did you mean {close[0]}?" if close else f"; the articles are: {', '.join(slugs)}"
        fields.error("highlights", f"no article {slug!r} in this issue{hint}", slug)
    return tuple(chosen)
