"""The editor's scaffolding: `new` starts the next issue, `add` an article or a report,
`import-schedule` fills an issue's schedule from a pasted table.

Each command checks everything first and writes last, so a refusal leaves the folder
as it was: `new` builds the issue in a hidden folder and renames it into place,
`add` never overwrites a file, `import-schedule` replaces schedule.yaml in one rename.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO, Literal

from newsletter.dates import format_range
from newsletter.errors import (
    ContentError,
    ContentErrors,
    NewsletterError,
    Problems,
    Severity,
    UsageError,
)
from newsletter.layout import ISSUES_PATH, RESERVED_SLUGS, SETTINGS_PATH, check_root
from newsletter.model import Event, Issue
from newsletter.reading.files import read_text, read_yaml_file
from newsletter.scaffold.merge import Merge, carry_forward
from newsletter.scaffold.yamledit import dump_yaml
from newsletter.scaffold.yamltext import yaml_scalar
from newsletter.slugs import slugify
from newsletter.writer import atomic_write

Kind = Literal["article", "report"]


def newsletter_root(root: Path) -> Path:
    """The resolved root; refuses a folder that is not a newsletter (no newsletter.yaml)."""

    root = check_root(root)
    if not (root / SETTINGS_PATH).is_file():
        raise NewsletterError(
            f"{root} is not a newsletter folder: it has no {SETTINGS_PATH} "
            "(give the newsletter folder with --root)"
        )
    return root


def issue_folders(root: Path) -> dict[int, str]:
    """Issue number -> folder (relative to the root) of every folder with an issue.yaml."""
    directory = root / ISSUES_PATH
    if not directory.is_dir():
        return {}
    folders: dict[int, str] = {}
    for child in sorted(directory.iterdir()):
        if child.name.isdigit() and (child / "issue.yaml").is_file():
            folders.setdefault(int(child.name), f"{ISSUES_PATH}/{child.name}")
    return folders


def issue_folder(root: Path, number: int | None) -> tuple[int, str]:
    """The given issue's number and folder, or the latest issue's; an issue that is not
    there is a `UsageError`, and a newsletter without issues a `NewsletterError`."""
    folders = issue_folders(root)
    if number is None:
        if not folders:
            raise NewsletterError("there is no issue yet: start one with `newsletter new`")
        number = max(folders)
    if number not in folders:
        known = ", ".join(str(n) for n in sorted(folders)) or "none yet"
        raise UsageError(f"no issue {number}; the issues are {known}")
    return number, folders[number]


# -- new -----------------------------------------------------------------------------


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
    the events that ended before `on`, every id written out.
    """
    root = newsletter_root(root)
    on = on or date.today()
    folders = issue_folders(root)
    previous = _read_issue(root, max(folders), folders[max(folders)]) if folders else None
    number = previous.number + 1 if previous else 1
    if previous is not None and on < previous.date:
        raise NewsletterError(
            f"issue {previous.number} is dated {previous.date}; the new issue cannot be dated "
            f"earlier ({on}): give --date {previous.date} or later"
        )
    folder = f"{ISSUES_PATH}/{number:03d}"
    taken = _folder_named(root, number)
    if taken is not None:
        raise NewsletterError(
            f"{taken} already exists; move it away or finish it (it needs an issue.yaml)"
        )

    files = {"issue.yaml": _issue_yaml(root, number, on, folders.get(number - 1))}
    files["foreword.md"] = _foreword(previous)
    carried = dropped = 0
    if previous is not None and (root / folders[previous.number] / "schedule.yaml").is_file():
        path = f"{folders[previous.number]}/schedule.yaml"
        files["schedule.yaml"], carried, dropped = carry_forward(
            read_text(root, path), path, previous.number, on
        )
    _create_folder(root, folder, files)
    paths = tuple(f"{folder}/{name}" for name in files)
    return NewIssue(number, folder, paths, on, carried, dropped, "schedule.yaml" in files)


def _read_issue(root: Path, number: int, folder: str) -> Issue:
    """The latest issue, read in full; refuses to go on from an issue with errors."""
    from newsletter.reading.issues import read_issue
    from newsletter.reading.settings import read_settings

    problems = Problems()
    settings = read_settings(root, Problems())
    found = read_issue(root, folder, number, settings, problems)
    if found is None or problems.errors:
        listed = "\n".join(str(p) for p in problems.sorted() if p.severity is Severity.ERROR)
        raise NewsletterError(
            f"issue {number} has errors; fix them before starting the next issue:\n{listed}"
        )
    return found.issue


def _folder_named(root: Path, number: int) -> str | None:
    directory = root / ISSUES_PATH
    if not directory.is_dir():
        return None
    for child in directory.iterdir():
        if child.name.isdigit() and int(child.name) == number:
            return f"{ISSUES_PATH}/{child.name}"
    return None


def _issue_yaml(root: Path, number: int, on: date, previous_folder: str | None) -> str:
    lines = [f"number: {number}", f"date: {on.isoformat()}"]
    previous = read_yaml_file(root, f"{previous_folder}/issue.yaml") if previous_folder else {}
    title = read_yaml_file(root, SETTINGS_PATH).get("title")
    default = f"{title} No.{number}" if isinstance(title, str) else f"No.{number}"
    lines.append(f"# title: {default}  (the default)")
    period = previous.get("period")
    hint = f" (issue {number - 1}: {period})" if isinstance(period, str) else ""
    lines.append(f"# period: the quarter or months this issue covers{hint}")
    lines.append("# highlights: [article-slug, ...]  (default: every article, in order)")
    sections = previous.get("sections")
    text = "\n".join(lines) + "\n"
    if isinstance(sections, dict):
        text += dump_yaml({"sections": sections})
    return text


def _foreword(previous: Issue | None) -> str:
    foreword = previous.foreword if previous else None
    lines = ["---"]
    if foreword is not None and foreword.author:
        lines.append(f"author: {yaml_scalar(foreword.author)}")
        if foreword.role:
            lines.append(f"role: {yaml_scalar(foreword.role)}")
    else:
        lines += ["# author: Full Name", "# role: Their title"]
    lines.append("---")
    return "\n".join(lines) + "\n"


def _create_folder(root: Path, folder: str, files: dict[str, str]) -> None:
    """The whole folder appears at once, or not at all."""
    parent = root / ISSUES_PATH
    parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=".new-issue-", dir=parent))
    try:
        for name, text in files.items():
            (temp / name).write_text(text, encoding="utf-8")
        for kind in ("articles", "reports"):
            (temp / kind).mkdir()
        temp.chmod(0o777 & ~_umask())
        os.rename(temp, root / folder)
    except OSError as error:
        shutil.rmtree(temp, ignore_errors=True)
        raise NewsletterError(f"cannot create {folder}: {error.strerror}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- add -----------------------------------------------------------------------------


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
        try:
            with (directory / f"{name}.md").open("x", encoding="utf-8") as file:
                file.write(text)
        except FileExistsError:
            continue
        return f"{folder}/{kind}s/{name}.md"
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
        data = read_yaml_file(root, f"{folder}/issue.yaml")
    except ContentError:
        return date.today().year
    value = data.get("date")
    return value.year if isinstance(value, date) else date.today().year


# -- import-schedule -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduleImport:
    """What `import-schedule` did: the file it wrote, the rows read, the merge."""

    path: str
    rows: int
    merge: Merge
    written: bool

    def describe(self) -> list[str]:
        """What the import did, for the editor."""
        merge = self.merge
        counts = [
            f"{len(merge.added)} added",
            f"{len(merge.changed)} changed",
            f"{len(merge.unchanged)} unchanged",
        ]
        rows = f"{self.rows} row{'s' * (self.rows != 1)}"
        lines = [f"{self.path}: {rows} read: {', '.join(counts)}."]
        if merge.kept:
            lines.append(
                f"{merge.kept} event{'s' * (merge.kept != 1)} of the schedule not in the table: "
                "kept as they were."
            )
        lines += [
            f"line {row.line}: {row.title!r} is the scheduled event {event_id}: its id is kept."
            for row, event_id in merge.matched_by_title
        ]
        if not self.written:
            lines.append(f"{self.path} already said all that: not changed.")
        return lines


def import_schedule(
    root: Path, source: str, issue: int | None = None, stdin: BinaryIO | None = None
) -> ScheduleImport:
    """Merge the table in `source` (a file, or `-` for standard input) into the issue's
    schedule.yaml. Any line that is not a row: `ContentErrors`, and nothing written."""
    from newsletter.scaffold.merge import merge_rows
    from newsletter.scaffold.table import decode_pasted, read_table

    root = newsletter_root(root)
    number, folder = issue_folder(root, issue)
    name, data = _pasted(source, stdin)
    problems = Problems()
    rows = read_table(decode_pasted(data, name), name, problems)
    if problems.errors:
        raise ContentErrors(problems)
    path = f"{folder}/schedule.yaml"
    old = read_text(root, path) if (root / path).is_file() else None
    merge = merge_rows(old, path, rows, number)
    if merge.text != old:
        _replace(root / path, merge.text)
    return ScheduleImport(path, len(rows), merge, merge.text != old)


def _pasted(source: str, stdin: BinaryIO | None) -> tuple[str, bytes]:
    if source == "-":
        return "<stdin>", (stdin or sys.stdin.buffer).read()
    try:
        return source, Path(source).read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {source}: {error.strerror}") from None


def _replace(file: Path, text: str) -> None:
    """Write beside the file and rename over it: the old file or the new, never half."""
    mode = file.stat().st_mode & 0o777 if file.exists() else 0o666 & ~_umask()
    # A file saved with Windows line ends keeps them, or every line would show as changed.
    newline = "\r\n" if file.exists() and b"\r\n" in file.read_bytes() else "\n"
    try:
        atomic_write(file, text.replace("\n", newline).encode("utf-8"), mode)
    except OSError as error:
        raise NewsletterError(f"cannot write {file}: {error.strerror}") from None
