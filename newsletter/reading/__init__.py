"""Reading a newsletter folder into the model, collecting every problem on the way."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from newsletter.errors import Problems
from newsletter.events.lookalikes import warn_lookalike_events
from newsletter.events.merge import merge_events
from newsletter.layout import CALENDAR_PATH, ISSUE_FILE, ISSUES_PATH, SETTINGS_PATH
from newsletter.model import (
    CalendarSettings,
    Event,
    EventEntry,
    Issue,
    Newsletter,
    Report,
    Settings,
)

if TYPE_CHECKING:  # the reading modules load only when a file is read (not from the cache)
    from newsletter.reading.folder import IssueFolder

_ISSUE_FOLDER = re.compile(r"^\d+$")
T = TypeVar("T")


class ReadCache(Protocol):
    """What `build` and `check` keep from reading to reading (newsletter/readcache.py):
    each issue read again only when one of its files changed, the settings and the
    calendar only when their bytes did, the look-alike warnings worked out again only
    when an event entry changed. The same model and problems as reading without it."""

    def source(
        self,
        root: Path,
        path: str,
        depends: object,
        read: Callable[[Problems], T],
        problems: Problems,
    ) -> T:
        """`read(problems)`, which reads the file `root/path` (and `depends`, the model
        it reads it with), or what it gave before."""

    def issues(
        self,
        root: Path,
        folders: Sequence[tuple[str, int]],
        settings: Settings | None,
        problems: Problems,
    ) -> list[IssueFolder | None]:
        """`read_issue(root, folder, number, settings, problems)` of each of `folders`,
        or what it gave before."""

    def events(
        self,
        folders: Sequence[IssueFolder],
        standing: Sequence[EventEntry],
        latest: date,
        problems: Problems,
    ) -> tuple[Event, ...]:
        """`merged_events(folders, standing, latest, problems)`, or what it gave before."""


class _NoCache:
    def source(
        self,
        root: Path,
        path: str,
        depends: object,
        read: Callable[[Problems], T],
        problems: Problems,
    ) -> T:
        return read(problems)

    def issues(
        self,
        root: Path,
        folders: Sequence[tuple[str, int]],
        settings: Settings | None,
        problems: Problems,
    ) -> list[IssueFolder | None]:
        from newsletter.reading.parallel import read_folders

        readings = read_folders(root, folders, settings, kept=False)
        for reading in readings:
            problems.items.extend(reading.problems)
        return [reading.folder for reading in readings]

    def events(
        self,
        folders: Sequence[IssueFolder],
        standing: Sequence[EventEntry],
        latest: date,
        problems: Problems,
    ) -> tuple[Event, ...]:
        return merged_events(folders, standing, latest, problems)


def event_sources(
    folders: Sequence[IssueFolder], standing: Sequence[EventEntry], latest: date
) -> tuple[list[tuple[EventEntry, date]], dict[tuple[int, str], Report]]:
    """What `merge_events` merges: each entry with the date of its source, the issues'
    in number order and then calendar.yaml's (dated with the newest issue), and the
    reports by issue number and slug."""
    sources = [(entry, folder.issue.date) for folder in folders for entry in folder.entries]
    sources += [(entry, latest) for entry in standing]
    reports = {(r.issue, r.slug): r for folder in folders for r in folder.issue.reports}
    return sources, reports


def merged_events(
    folders: Sequence[IssueFolder],
    standing: Sequence[EventEntry],
    latest: date,
    problems: Problems,
) -> tuple[Event, ...]:
    """The events of the issues `folders` and of calendar.yaml's `standing` entries,
    merged (events/merge.py), with a warning for each two entries that look alike."""
    sources, reports = event_sources(folders, standing, latest)
    events = merge_events(sources, reports)
    warn_lookalike_events([entry for entry, _ in sources], problems)
    return events


def read_newsletter(
    root: Path, cache: ReadCache | None = None
) -> tuple[Newsletter | None, Problems]:
    """The whole newsletter, and every problem found. None when the settings are unusable."""
    cache = cache or _NoCache()
    problems = Problems()
    settings = cache.source(root, SETTINGS_PATH, None, functools.partial(_settings, root), problems)
    folders = _read_issues(root, settings, problems, cache)
    calendar, standing = cache.source(
        root, CALENDAR_PATH, settings, functools.partial(_calendar, root, settings), problems
    )
    issues = tuple(f.issue for f in folders)
    latest = max((i.date for i in issues), default=date(1970, 1, 1))
    events = cache.events(folders, standing, latest, problems)
    if settings is None:
        return None, problems
    return Newsletter(settings, calendar, issues, events), problems


def _settings(root: Path, problems: Problems) -> Settings | None:
    from newsletter.reading.settings import read_settings

    return read_settings(root, problems)


def _calendar(
    root: Path, settings: Settings | None, problems: Problems
) -> tuple[CalendarSettings, tuple[EventEntry, ...]]:
    """calendar/calendar.yaml, its standing entries' ids checked against each other."""
    from newsletter.reading.entries import check_duplicate_ids
    from newsletter.reading.settings import read_calendar

    calendar, standing = read_calendar(root, settings, problems)
    check_duplicate_ids(standing, problems)
    return calendar, standing


def _read_issues(
    root: Path, settings: Settings | None, problems: Problems, cache: ReadCache
) -> list[IssueFolder]:
    directory = root / ISSUES_PATH
    if not directory.is_dir():
        problems.warning(ISSUES_PATH, None, "no issues yet: create one with `newsletter new`")
        return []
    numbered: dict[int, str] = {}
    for child in sorted(directory.iterdir()):
        if child.name.startswith(".") or not child.is_dir():
            continue
        folder = f"{ISSUES_PATH}/{child.name}"
        if not _ISSUE_FOLDER.match(child.name):
            problems.warning(
                folder,
                None,
                "ignored: issue folders are named by number, e.g. 062",
                value=child.name,
            )
            continue
        number = int(child.name)
        if number in numbered:
            problems.error(folder, None, f"issue {number} has two folders: {numbered[number]} too")
            continue
        if len(child.name) < 3 or (child.name.startswith("0") and len(child.name) > 3):
            problems.warning(
                folder,
                None,
                f"name issue folders with three digits: {number:03d}",
                value=child.name,
            )
        numbered[number] = folder
    wanted: list[tuple[str, int]] = []
    for number in sorted(numbered):
        if not (root / numbered[number] / ISSUE_FILE).is_file():
            problems.error(
                f"{numbered[number]}/issue.yaml",
                None,
                "missing: every issue folder needs an issue.yaml with number and date",
            )
            continue
        wanted.append((numbered[number], number))
    folders = [f for f in cache.issues(root, wanted, settings, problems) if f is not None]
    _check_dates(folders, problems)
    return folders


def _check_dates(folders: list[IssueFolder], problems: Problems) -> None:
    previous: Issue | None = None
    for folder in folders:
        issue = folder.issue
        if previous is not None and issue.date < previous.date:
            problems.warning(
                f"{issue.source.path}",
                None,
                f"dated {issue.date}, before issue {previous.number} ({previous.date})",
            )
        previous = issue
