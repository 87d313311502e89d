"""The two things every caller wants: `check` a newsletter folder, and `build` it.

`build` reads top to bottom: read and validate everything, render every output in
memory, hand the files to the writer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.errors import ContentErrors, Problems, UsageError
from newsletter.layout import TEMPLATES, check_root, out_folder, packaged_templates
from newsletter.model import Newsletter

if TYPE_CHECKING:
    from newsletter.render.calendar import VEvents
    from newsletter.render.email.editions import Emails
    from newsletter.render.markdown import BodyHtml
    from newsletter.writer import WriteResult


def load(root: Path) -> tuple[Newsletter, Problems]:
    """The newsletter, or `ContentErrors` carrying every problem when there is any error."""
    from newsletter.reading import read_newsletter

    newsletter, problems = read_newsletter(check_root(root))
    if newsletter is None or problems.errors:
        raise ContentErrors(problems)
    return newsletter, problems


def check(root: Path) -> Problems:
    """Every problem of the newsletter folder, errors and warnings. Emails are rendered
    only when `build` has not recorded their size (see newsletter/budget.py)."""
    from newsletter.cache import check_budgets
    from newsletter.events.published import read_record
    from newsletter.reading import read_newsletter
    from newsletter.revisions import read_revisions

    root = check_root(root)
    newsletter, problems = read_newsletter(root)
    read_record(root, problems)
    read_revisions(root, problems)
    changed = _own_templates(root)
    if changed:
        from newsletter.render.templates import check_templates
        from newsletter.scaffold.skeletons import skeleton_environment

        skeletons = {"scaffold/": skeleton_environment(root)}
        check_templates(root, changed, problems, skeletons)
    if newsletter is not None and newsletter.settings.email.dkim is not None:
        from newsletter.sending.dkim import check_dkim

        check_dkim(root, newsletter.settings, problems)
    if newsletter is not None and newsletter.issues and not newsletter.settings.email.sender:
        from newsletter.render.email.message import warn_without_sender

        warn_without_sender(newsletter.settings, problems)
    if newsletter is not None and not problems.errors:
        check_budgets(root, newsletter, problems)
    return problems


def _own_templates(root: Path) -> list[str]:
    """The names of the templates in the newsletter's own templates/ that are not the
    packaged ones byte for byte: what `check` compiles (loading Jinja only for them)."""
    own = root / TEMPLATES
    packaged = packaged_templates()
    if not own.is_dir() or own.resolve() == packaged.resolve():
        return []
    names = []
    for directory, folders, files in os.walk(own):  # links are listed, never followed
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for file in sorted(files):
            path = os.path.join(directory, file)
            if file.startswith(".") or not os.path.isfile(path):
                continue  # a link to nothing, or in a loop: no template to load
            name = Path(path).relative_to(own).as_posix()
            if not _same_file(Path(path), packaged / name):
                names.append(name)
    return names


def _same_file(file: Path, other: Path) -> bool:
    try:
        return file.read_bytes() == other.read_bytes()
    except OSError:
        return False


def build_time(newsletter: Newsletter) -> datetime:
    """The one time an output may show: SOURCE_DATE_EPOCH, else the newest issue's date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=UTC)
        except (ValueError, OverflowError):
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds") from None
    latest = newsletter.latest_date or date(1970, 1, 1)
    return datetime.combine(latest, time(0, 0), tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class BuildResult:
    out: Path
    files: int
    write: WriteResult
    problems: Problems


def build(
    root: Path,
    out: Path | None = None,
    issues: tuple[int, ...] = (),
    preview: bool = False,
    vevents: VEvents | None = None,
) -> BuildResult:
    """Build the site of the newsletter at `root` into `out` (default root/public).

    `issues` limits the email editions rendered again to those issues; the archive,
    feeds and calendar always cover every issue. A `preview` build (what `serve` makes)
    leaves calendar/published.yaml and content/revisions.yaml alone: drafts are not
    publications. `vevents`, kept by a caller that builds again and again, spares
    rendering unchanged events.
    """
    from newsletter.cache import record_budgets
    from newsletter.events.published import load_record, publish, save_record
    from newsletter.render.calendar import render_calendar
    from newsletter.render.feeds import render_feeds
    from newsletter.render.markdown import render_bodies
    from newsletter.render.web import render_web
    from newsletter.revisions import load_revisions, revise, save_revisions
    from newsletter.writer import write_output

    newsletter, problems = load(root)
    root = check_root(root)
    known = {i.number for i in newsletter.issues}
    missing = sorted(set(issues) - known)
    if missing:
        raise UsageError(
            f"no issue {', '.join(map(str, missing))}; the issues are "
            f"{', '.join(str(n) for n in sorted(known)) or 'none yet'}"
        )
    html = render_bodies(body for issue in newsletter.issues for body in issue.bodies)
    files = dict(render_web(newsletter, root, html))
    revisions = load_revisions(root, problems)
    revised = revise(newsletter, revisions, build_time(newsletter))
    files.update(render_feeds(newsletter, html, {p: r.updated for p, r in revised.items()}))
    record = load_record(root, problems)
    # Only events with days are published: one still "to be announced" is in no calendar.
    published = publish(newsletter.calendar_events, record, build_time(newsletter))
    files.update(render_calendar(newsletter, published, vevents))
    target = out_folder(root, out)
    emails = _email_editions(newsletter, root, target, issues, problems, html)
    files.update(emails.files)
    result = write_output(target, files, at_once=not preview)
    if not preview:
        save_record(root, record, published)
        save_revisions(root, revisions, revised)
    record_budgets(root, newsletter, emails.budgets)
    return BuildResult(target, len(files), result, problems)


def _email_editions(
    newsletter: Newsletter,
    root: Path,
    target: Path,
    issues: tuple[int, ...],
    problems: Problems,
    html: BodyHtml,
) -> Emails:
    """The email files: those of `issues` (all without) rendered, the others kept as the
    output folder holds them, so an email already sent stays as it was."""
    from newsletter.render.email.editions import Emails, email_files, render_emails
    from newsletter.writer import read_existing

    others = [i for i in newsletter.issues if issues and i.number not in issues]
    kept = read_existing(target, [name for i in others for name in email_files(i)])
    missing = {i.number for i in others if not all(name in kept for name in email_files(i))}
    chosen = [i for i in newsletter.issues if i.number in missing or i not in others]
    emails = render_emails(newsletter, root, chosen, problems, html)
    return Emails({**kept, **emails.files}, emails.budgets)
