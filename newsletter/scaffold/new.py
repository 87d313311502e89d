"""`newsletter new`: the issue after the latest one, with its skeleton files.

The new issue is built in a hidden folder and renamed into place, so a refusal or a
failure leaves no half-made issue behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from newsletter.errors import ContentError, ContentErrors, NewsletterError, Problems, Severity
from newsletter.layout import FOREWORD_FILE, ISSUE_FILE, SCHEDULE_FILE, SETTINGS_PATH
from newsletter.layout import issue_folder as new_folder
from newsletter.model import Issue
from newsletter.reading.files import read_text, read_yaml_file
from newsletter.reading.issue import read_issue
from newsletter.reading.settings import read_settings
from newsletter.scaffold import skeletons
from newsletter.scaffold.folders import create_folder, folder_named, issue_folders, newsletter_root
from newsletter.scaffold.merge import carry_forward
from newsletter.scaffold.skeletons import render_skeleton


@dataclass(frozen=True, slots=True)
class NewIssue:
    """What `new` made: the issue's folder and, when carried forward, its schedule."""

    number: int
    folder: str
    files: tuple[str, ...]
    date: date
    carried: int  # schedule events carried forward
    dropped: int  # events left out: they ended before the new date
    schedule: bool  # whether the previous issue had a schedule to carry

    def describe(self) -> list[str]:
        """What was made, for the editor."""
        lines = [f"Created issue {self.number} ({self.date}) in {self.folder}:"]
        lines += [f"  {path}" for path in self.files]
        if self.schedule:
            lines.append(
                f"The schedule: {self.carried} event{'s' * (self.carried != 1)} carried forward, "
                f"{self.dropped} that ended before {self.date} left out."
            )
        return lines


def new_issue(root: Path, on: date | None = None) -> NewIssue:
    """Start the issue after the latest one, dated `on` (default: today).

    The foreword keeps the previous author; the schedule is carried forward without
    the events that ended before `on`, every id written out. A latest issue with errors
    (or unreadable settings) is `ContentErrors`, and nothing is made.
    """
    root = newsletter_root(root)
    try:
        return _new_issue(root, on or date.today())
    except ContentError as error:
        raise ContentErrors.of(error) from None


def _new_issue(root: Path, on: date) -> NewIssue:
    folders = issue_folders(root)
    previous = _read_issue(root, max(folders), folders[max(folders)]) if folders else None
    number = previous.number + 1 if previous else 1
    if previous is not None and on < previous.date:
        raise NewsletterError(
            f"issue {previous.number} is dated {previous.date}; the new issue cannot be dated "
            f"earlier ({on}): give --date {previous.date} or later"
        )
    folder = new_folder(number)
    taken = folder_named(root, number)
    if taken is not None:
        raise NewsletterError(
            f"{taken} already exists; move it away or finish it (it needs an issue.yaml)"
        )

    files = {ISSUE_FILE: _issue_yaml(root, number, on, folders.get(number - 1))}
    files[FOREWORD_FILE] = _foreword(root, previous)
    carried = dropped = 0
    if previous is not None and (root / folders[previous.number] / SCHEDULE_FILE).is_file():
        path = f"{folders[previous.number]}/schedule.yaml"
        files[SCHEDULE_FILE], carried, dropped = carry_forward(
            read_text(root, path), path, previous.number, on
        )
    create_folder(root, folder, files)
    paths = tuple(f"{folder}/{name}" for name in files)
    return NewIssue(number, folder, paths, on, carried, dropped, SCHEDULE_FILE in files)


def _read_issue(root: Path, number: int, folder: str) -> Issue:
    """The latest issue, read in full; refuses to go on from an issue with errors."""
    problems = Problems()
    settings = read_settings(root, Problems())
    found = read_issue(root, folder, number, settings, problems)
    if found is None or problems.errors:
        errors = Problems([p for p in problems.items if p.severity is Severity.ERROR])
        if not errors.items:
            errors.error(f"{folder}/{ISSUE_FILE}", None, f"issue {number} cannot be read")
        raise ContentErrors(errors)
    return found.issue


def _issue_yaml(root: Path, number: int, on: date, previous_folder: str | None) -> str:
    previous = read_yaml_file(root, f"{previous_folder}/{ISSUE_FILE}") if previous_folder else {}
    title = read_yaml_file(root, SETTINGS_PATH).get("title")
    period = previous.get("period")
    sections = previous.get("sections")
    context = {
        "number": number,
        "date": on.isoformat(),
        "default_title": f"{title} No.{number}" if isinstance(title, str) else f"No.{number}",
        "previous_period": period if isinstance(period, str) else None,
        "sections": sections if isinstance(sections, dict) else None,
    }
    return render_skeleton(root, skeletons.ISSUE, context)


def _foreword(root: Path, previous: Issue | None) -> str:
    foreword = previous.foreword if previous else None
    author = foreword.author if foreword is not None else None
    role = foreword.role if foreword is not None else None
    return render_skeleton(root, skeletons.FOREWORD, {"author": author, "role": role})
