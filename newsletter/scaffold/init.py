"""`newsletter init`: a new newsletter folder that `check` passes and `build` builds.

It writes content/newsletter.yaml, the first issue (issue.yaml and a foreword to fill
in, as `newsletter new` makes them), calendar/calendar.yaml and a .gitignore that keeps
the output, the caches, the send secret and journals, and the subscribers database out
of git. The settings are validated by the reader of newsletter.yaml itself before
anything is written; a folder that already holds a newsletter is refused, untouched.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from newsletter.errors import NewsletterError, Problems, UsageError
from newsletter.layout import (
    CACHE_FOLDER,
    CALENDAR_PATH,
    DATABASE_PATH,
    DEFAULT_OUTPUT,
    ISSUES_PATH,
    JOURNAL_NAME,
    SECRET_PATH,
    SETTINGS_PATH,
    is_issue_folder,
)
from newsletter.reading.settings import read_settings
from newsletter.scaffold.skeletons import render_skeleton
from newsletter.writer import atomic_write

SETTINGS_SKELETON = "scaffold/newsletter.yaml"  # context: title, publisher, base_url, host
CALENDAR_SKELETON = "scaffold/calendar.yaml"  # title, host
GITIGNORE_SKELETON = "scaffold/gitignore"  # output, cache, secret, journals, database
GITIGNORE = ".gitignore"
# The command-line option of each setting, for messages.
OPTIONS = {"title": "--title", "publisher": "--publisher", "base_url": "--base-url"}


@dataclass(frozen=True, slots=True)
class NewNewsletter:
    """What `init` made: the folder, the files written, and what it left as it was."""

    root: Path
    title: str
    written: tuple[str, ...]
    kept: tuple[str, ...]  # files that were there already
    ignored: int  # lines added to an existing .gitignore

    def describe(self) -> list[str]:
        """What was made, for the editor, and what to do next."""
        lines = [f"Started the newsletter {self.title!r} in {self.root}:"]
        lines += [f"  {path}" for path in self.written]
        lines += [f"  {path} (already there: kept)" for path in self.kept]
        if self.ignored:
            lines.append(f"  {GITIGNORE}: {self.ignored} lines added")
        lines.append(
            "Next: write the foreword, add articles and reports "
            '(`newsletter add article "A title"`), then `newsletter check` and '
            "`newsletter build`."
        )
        return lines


def refuse_taken(root: Path) -> None:
    """`UsageError` when `root` cannot be a new newsletter: it already has one (its
    newsletter.yaml or an issue), or it is not a folder."""
    if root.exists() and not root.is_dir():
        raise UsageError(f"{str(root)!r} is not a folder")
    if (root / SETTINGS_PATH).exists():
        raise UsageError(
            f"{root} already holds a newsletter ({SETTINGS_PATH}); nothing was changed. "
            "Start a new one in another folder (--root)"
        )
    issues = root / ISSUES_PATH
    if issues.is_dir() and any(is_issue_folder(child.name) for child in issues.iterdir()):
        raise UsageError(
            f"{root} already has issues in {ISSUES_PATH}/ but no {SETTINGS_PATH}; nothing "
            "was changed. Write that file by hand (see docs/content.md), or start in "
            "another folder (--root)"
        )


def setting_problem(root: Path, key: str, value: str) -> str | None:
    """What the reader of newsletter.yaml says of `value` as the setting `key` (title,
    publisher or base_url) of a newsletter at `root`; None when it takes it."""
    values = {"title": "Title", "publisher": "Publisher", "base_url": "https://example.org/"}
    values[key] = value
    problems = _settings_problems(_settings_text(root, values))
    found = [p for p in problems.errors if p.field == key]
    if found:
        return found[0].message.removeprefix(f"{key}: ")
    if problems.errors:  # the value broke the file around it (a newline, say)
        return "must be a single line of text"
    return None


def init_newsletter(
    root: Path, title: str, publisher: str, base_url: str, on: date | None = None
) -> NewNewsletter:
    """Start a newsletter in `root` (made if missing), its first issue dated `on`
    (default: today). A bad setting is a `UsageError` naming its option; a folder that
    already has a newsletter is refused with nothing changed."""
    refuse_taken(root)
    values = {"title": title, "publisher": publisher, "base_url": base_url}
    for key, value in values.items():
        problem = setting_problem(root, key, value)
        if problem is not None:
            raise UsageError(f"{OPTIONS[key]}: {problem}")
    settings_text = _settings_text(root, values)
    made_root = not root.exists()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise NewsletterError(f"cannot create {root}: {error.strerror}") from None
    created: list[Path] = []
    try:
        return _write(root, values, settings_text, on, created)
    except BaseException:
        for path in reversed(created):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        if made_root:
            shutil.rmtree(root, ignore_errors=True)
        raise


def _write(
    root: Path, values: dict[str, str], settings_text: str, on: date | None, created: list[Path]
) -> NewNewsletter:
    from newsletter.scaffold.new import new_issue

    host = urlsplit(values["base_url"]).hostname or ""
    written: list[str] = []
    kept: list[str] = []
    for folder in ("content", "calendar"):
        if not (root / folder).exists():
            (root / folder).mkdir()
            created.append(root / folder)
    calendar = root / CALENDAR_PATH
    if calendar.exists():
        kept.append(CALENDAR_PATH)
    else:
        _create(calendar, render_skeleton(root, CALENDAR_SKELETON, {**values, "host": host}))
        created.append(calendar)
        written.append(CALENDAR_PATH)
    ignored = _gitignore(root, created, written)
    settings = root / SETTINGS_PATH
    _create(settings, settings_text)
    created.append(settings)
    had_issues = (root / ISSUES_PATH).exists()
    issue = new_issue(root, on)
    created.append(root / (ISSUES_PATH if not had_issues else issue.folder))
    written = [SETTINGS_PATH, *issue.files, *written]
    return NewNewsletter(root.resolve(), values["title"], tuple(written), tuple(kept), ignored)


def _gitignore(root: Path, created: list[Path], written: list[str]) -> int:
    """Write .gitignore, or add to an existing one the lines it lacks; how many were added."""
    context = {
        "output": DEFAULT_OUTPUT,
        "cache": CACHE_FOLDER,
        "secret": SECRET_PATH,
        "journals": f"{ISSUES_PATH}/*/{JOURNAL_NAME}",
        "database": DATABASE_PATH,
    }
    text = render_skeleton(root, GITIGNORE_SKELETON, context)
    file = root / GITIGNORE
    if not file.exists():
        _create(file, text)
        created.append(file)
        written.append(GITIGNORE)
        return 0
    old = file.read_text(encoding="utf-8", errors="replace")
    present = {line.strip() for line in old.splitlines()}
    missing = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    missing = [line for line in missing if line not in present]
    if missing:
        separator = "" if old.endswith("\n") or not old else "\n"
        added = "\n# newsletter\n" + "\n".join(missing) + "\n"
        atomic_write(file, (old + separator + added).encode("utf-8"), file.stat().st_mode & 0o777)
    return len(missing)


def _create(file: Path, text: str) -> None:
    try:
        atomic_write(file, text.encode("utf-8"), exclusive=True)
    except FileExistsError:
        raise NewsletterError(f"{file} appeared while init was writing; nothing was kept") from None
    except OSError as error:
        raise NewsletterError(f"cannot write {file}: {error.strerror}") from None


def _settings_text(root: Path, values: dict[str, str]) -> str:
    host = urlsplit(values["base_url"]).hostname or "example.org"
    return render_skeleton(root, SETTINGS_SKELETON, {**values, "host": host})


def _settings_problems(text: str) -> Problems:
    """Every problem the reader of newsletter.yaml finds in `text`."""
    problems = Problems()
    with tempfile.TemporaryDirectory(prefix="newsletter-init-") as folder:
        file = Path(folder) / SETTINGS_PATH
        file.parent.mkdir()
        file.write_text(text, encoding="utf-8")
        read_settings(Path(folder), problems)
    return problems
