"""Where everything lives in a newsletter folder and in its output: every path the
program reads or writes is named here, and nowhere else.

A newsletter folder (the root) holds `content/` (the settings and one folder per
issue), `calendar/` (standing events and the published record), optionally
`templates/` (overrides of the packaged ones), and by default the output `public/`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from newsletter.errors import UsageError

SETTINGS_PATH = "content/newsletter.yaml"
ISSUES_PATH = "content/issues"
# In each issue's folder:
ISSUE_FILE = "issue.yaml"
FOREWORD_FILE = "foreword.md"
SCHEDULE_FILE = "schedule.yaml"
ARTICLES = "articles"
REPORTS = "reports"
IMAGES = "images"
CALENDAR_PATH = "calendar/calendar.yaml"
RECORD_PATH = "calendar/published.yaml"  # written by `build`, committed with the content
REVISIONS_PATH = "content/revisions.yaml"  # written by `build` too: when items last changed
SECRET_PATH = "content/.send-secret"
JOURNAL_NAME = ".send.sqlite"  # in each issue's folder
# The subscribers: personal data, so at the root, beside what is committed and published,
# never inside it (and git-ignored).
DATABASE_PATH = "subscribers.sqlite"
CACHE_FOLDER = ".newsletter-cache"
BUDGET_CACHE = f"{CACHE_FOLDER}/email-budget"
DEFAULT_OUTPUT = "public"
TEMPLATES = "templates"
# The folders the editor writes: an output folder never holds or sits inside one.
SOURCE_FOLDERS = ("content", "calendar", TEMPLATES)
# Names an article or report cannot take: the issue's own files and folders in the output.
RESERVED_SLUGS = frozenset({IMAGES, "email", "index"})
# In the output folder:
OUTPUT_ISSUES = "issues"
STYLESHEET = "style.css"
RSS_FEED = "feed.xml"
ATOM_FEED = "atom.xml"
CALENDAR_FEED = "calendar.ics"
EVENTS_PAGE = "events/index.html"  # beside the per-event files of event_file()
CALENDARS = "calendars"  # the calendars by category and by country
ISSUE_CALENDAR = "events.ics"  # in each issue's output folder: the events it announces and reports
TEMP_SUFFIX = ".newsletter-tmp"  # a file being written, renamed over its name when whole
MANIFEST = ".newsletter-files"  # in the output folder: what the last build wrote, with digests

_ISSUE_FOLDER = re.compile(r"^\d+$")
PACKAGE = Path(__file__).resolve().parent


def packaged_templates() -> Path:
    """The default templates: inside the installed package, or the repository's templates/."""
    inside = PACKAGE / TEMPLATES
    return inside if inside.is_dir() else PACKAGE.parent / TEMPLATES


def is_issue_folder(name: str) -> bool:
    """An issue's folder is named by its number (062)."""
    return bool(_ISSUE_FOLDER.match(name))


def issue_folder(number: int) -> str:
    """The folder, relative to the root, that `new` makes for issue `number`."""
    return f"{ISSUES_PATH}/{number:03d}"


def issue_output(number: int) -> str:
    """The folder of issue `number` in the output (`issues/062/`)."""
    return f"{OUTPUT_ISSUES}/{number:03d}/"


def event_file(event_id: str) -> str:
    """The per-event iCalendar file of an event, relative to the output root."""
    return f"events/{event_id}.ics"


def category_calendar(category: str) -> str:
    """The calendar of one category of events (`calendars/workshop.ics`)."""
    return f"{CALENDARS}/{category}.ics"


def country_calendar(country_slug: str) -> str:
    """The calendar of the events held in one country (`calendars/countries/fiji.ics`)."""
    return f"{CALENDARS}/countries/{country_slug}.ics"


def issue_calendar(number: int) -> str:
    """The calendar of the events issue `number` announces and reports."""
    return f"{issue_output(number)}{ISSUE_CALENDAR}"


def email_files(issue_path: str) -> tuple[str, str, str]:
    """The email.html, email.txt and email.eml of the issue whose output folder is
    `issue_path`."""
    return (f"{issue_path}email.html", f"{issue_path}email.txt", f"{issue_path}email.eml")


def beside_output(out: Path) -> tuple[Path, Path, Path]:
    """The folders and file a build keeps beside the output folder `out`: the spare site
    (the one the last switch retired, which the next build brings to its new site and
    switches in), the old site between the two renames of a two-step switch, and that
    switch's journal (`.public.newsletter-spare`, `-old`, `-switch`)."""
    base = out.parent / f".{out.name}.newsletter"
    return Path(f"{base}-spare"), Path(f"{base}-old"), Path(f"{base}-switch")


def folder_of(source_path: str) -> str:
    """The issue's folder of one of its files (`content/issues/062/issue.yaml`)."""
    return source_path.rsplit("/", 1)[0]


def journal_files(root: Path) -> list[Path]:
    """The send journal of every issue that has one."""
    return sorted((root / ISSUES_PATH).glob(f"*/{JOURNAL_NAME}"))


def check_root(root: Path) -> Path:
    """The root folder, resolved; `UsageError` when it is missing or unreadable."""
    if not root.exists():
        raise UsageError(f"the newsletter folder {str(root)!r} does not exist")
    if not root.is_dir():
        raise UsageError(f"{str(root)!r} is not a folder")
    if not os.access(root, os.R_OK | os.X_OK):
        raise UsageError(f"the newsletter folder {str(root)!r} cannot be read")
    return root.resolve()


def out_folder(root: Path, out: Path | None) -> Path:
    """The output folder; `UsageError` when it would hold or sit inside the content."""
    target = (out if out is not None else root / DEFAULT_OUTPUT).resolve()
    if root.is_relative_to(target):
        raise UsageError(f"the output folder {str(out)!r} contains the newsletter folder itself")
    for name in SOURCE_FOLDERS:
        if target.is_relative_to(root / name):
            raise UsageError(f"the output folder {str(out)!r} is inside {name}/")
    return target
