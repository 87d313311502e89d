"""The two things every caller wants: `check` a newsletter folder, and `build` it.

`build` reads top to bottom: read and validate everything, render every output in
memory, hand the files to the writer.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.errors import ContentErrors, Problems, UsageError
from newsletter.interrupts import stop_if_interrupted
from newsletter.layout import TEMPLATES, check_root, out_folder, packaged_templates

if TYPE_CHECKING:
    from newsletter.events.published import Record
    from newsletter.model import Newsletter
    from newsletter.reading import ReadCache
    from newsletter.render.calendar import VEvents
    from newsletter.stages import Stages
    from newsletter.store import Store
    from newsletter.writer import WriteResult


def load(root: Path, cache: ReadCache | None = None) -> tuple[Newsletter, Problems]:
    """The newsletter, or `ContentErrors` carrying every problem when there is any error."""
    from newsletter.reading import read_newsletter

    newsletter, problems = read_newsletter(check_root(root), cache)
    if newsletter is None or problems.errors:
        raise ContentErrors(problems)
    return newsletter, problems


def check(root: Path) -> Problems:
    """Every problem of the newsletter folder, errors and warnings. Emails are rendered
    only when `build` has not recorded their size (see newsletter/budget.py); files
    are read again only when they changed since the last `check` or `build`
    (newsletter/readcache.py)."""
    from newsletter.cache import check_budgets
    from newsletter.events.published import read_record
    from newsletter.fingerprint import program
    from newsletter.readcache import StoredReading
    from newsletter.reading import read_newsletter
    from newsletter.revisions import read_revisions
    from newsletter.store import Store

    root = check_root(root)
    code = program()
    reading = StoredReading(Store(root), code)
    newsletter, problems = read_newsletter(root, reading)
    reading.forget_others()
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
        check_budgets(root, newsletter, problems, code, reading.digests)
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


@contextlib.contextmanager
def _collecting_less() -> Iterator[None]:
    """A build makes hundreds of thousands of objects that live until its end, which the
    cyclic garbage collector would go through again and again (with the workers' own
    collections, see newsletter/pools.py, a tenth of a cold build's CPU): it runs less
    often meanwhile."""
    before = gc.get_threshold()
    gc.set_threshold(10_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@dataclass(frozen=True, slots=True)
class BuildResult:
    out: Path
    files: int
    write: WriteResult
    problems: Problems


@_collecting_less()
def build(
    root: Path,
    out: Path | None = None,
    issues: tuple[int, ...] = (),
    preview: bool = False,
    vevents: VEvents | None = None,
    store: Store | None = None,
    stages: Stages | None = None,
) -> BuildResult:
    """Build the site of the newsletter at `root` into `out` (default root/public).

    `issues` limits the email editions rendered again to those issues; the archive,
    feeds and calendar always cover every issue. A `preview` build (what `serve` makes)
    leaves calendar/published.yaml and content/revisions.yaml alone: drafts are not
    publications.

    Every piece is taken from the previous builds' cache (ROOT/.newsletter-cache/, see
    newsletter/pieces.py) when what it is made from did not change. `vevents` and
    `store`, kept by a caller that builds again and again, also keep them in memory. A
    complete build (not a preview, all issues) that finds nothing changed since the
    last one gives the last one's result without reading (see newsletter/lastbuild.py).
    `stages`, when given, learns how long each stage took.
    """
    from newsletter.fingerprint import program
    from newsletter.stages import Stages
    from newsletter.store import Store

    stages = stages if stages is not None else Stages()
    root = check_root(root)
    target = out_folder(root, out)  # a wrong --out is refused before the cache is written
    store = store if store is not None else Store(root)
    code = program()
    made = None
    if not preview and not issues:
        from newsletter.lastbuild import sources, unchanged

        made = sources(root, target, code)
        note = unchanged(store, made, target)
        if note is not None:
            from newsletter.writer import WriteResult

            stages.done("nothing changed")
            written = WriteResult(0, note.files, 0)
            return BuildResult(target, note.files, written, Problems(list(note.problems)))
    from newsletter.readcache import StoredReading

    reading = StoredReading(store, code, made.folders if made is not None else (0, {}))
    reading.meanwhile = functools.partial(_prepare, root, store, code)
    reading.later = []  # the look-alike warnings: worked out while the issues render
    try:
        newsletter, problems = load(root, reading)
    except ContentErrors:
        reading.finish()  # into the failed build's report too
        raise
    from newsletter.cache import email_problems, record_budgets  # loaded by now (_prepare)
    from newsletter.events.published import save_record
    from newsletter.pieces import render_site
    from newsletter.revisions import revise, save_revisions
    from newsletter.writer import first_stage, write_output

    reading.forget_others()
    stages.done("read")
    known = {i.number for i in newsletter.issues}
    missing = sorted(set(issues) - known)
    if missing:
        raise UsageError(
            f"no issue {', '.join(map(str, missing))}; the issues are "
            f"{', '.join(str(n) for n in sorted(known)) or 'none yet'}"
        )
    revisions = reading.revisions(root, problems)
    revised = revise(
        newsletter, revisions, build_time(newsletter), reading.item_digests(newsletter)
    )
    updated = {path: revision.updated for path, revision in revised.items()}
    stages.done("revisions")
    records: list[tuple[Record, Record]] = []  # as read, and with this build's events

    def calendar() -> tuple[Record, Callable[[], dict[str, bytes]]]:
        # While the workers render: the calendar alone shows the published record.
        from newsletter.render.calendar import render_calendar

        reading.finish()  # meanwhile too
        record = reading.record(root, problems)
        # Only events with days are published: one still "to be announced" is in no calendar.
        published = reading.publish(newsletter.calendar_events, record, build_time(newsletter))
        records.append((record, published))

        def render() -> dict[str, bytes]:
            events = vevents if vevents is not None else _stored_vevents(store, code)
            before = set(events.previous)
            files = render_calendar(newsletter, published, events)
            if set(events.previous) != before:
                store.put("calendar", "vevents", code, events)
            return files

        return published, render

    kept = _kept_emails(newsletter, target, issues)
    # A first build writes each file as soon as it is made (see writer.first_stage).
    first = first_stage(target) if not preview and not issues else contextlib.nullcontext()
    with first as early:
        rendered = render_site(
            newsletter,
            root,
            store,
            code,
            (reading.digests, reading.event_digests),
            kept,
            calendar,
            updated,
            _outputs(root, target),
            stages,
            early,
        )
        email_problems(newsletter, rendered.budgets, problems)
        files = {**rendered.files, **rendered.calendar}
        with _finish_before_interrupt():
            result = write_output(target, files, at_once=not preview, early=early)
            if not preview:
                save_record(root, *records[0])
                save_revisions(root, revisions, revised)
    stages.done("write")
    record_budgets(root, rendered.fresh_budgets)
    if made is not None:
        from newsletter.lastbuild import remember

        remember(store, made, root, target, len(files), problems.items)
    stages.done("budgets for check")
    return BuildResult(target, len(files), result, problems)


def _prepare(root: Path, store: Store, program: str) -> None:
    """`pieces.prepare_renderers`, while workers read a large archive: loaded only then,
    since the readers fork sooner without it."""
    from newsletter.pieces import prepare_renderers

    prepare_renderers(root, store, program)


def _outputs(root: Path, target: Path) -> list[Path]:
    """Where the files of an unchanged piece may be found: in the folder built into, or
    in the newsletter's own output folder (what `serve`'s preview starts from)."""
    own = out_folder(root, None)
    return [target] if own == target else [target, own]


def _stored_vevents(store: Store, program: str) -> VEvents:
    """The VEVENTs of the previous build, or none."""
    from newsletter.render.calendar import VEvents

    stored = store.get("calendar", "vevents", program)
    return stored if isinstance(stored, VEvents) else VEvents()


def _kept_emails(
    newsletter: Newsletter, target: Path, issues: tuple[int, ...]
) -> dict[int, dict[str, bytes]]:
    """With `issues`, the email files of the other issues as the output folder holds
    them, so an email already sent stays as it was (an issue missing one is made)."""
    from newsletter.layout import email_files
    from newsletter.writer import read_existing

    kept = {}
    for issue in newsletter.issues:
        if issues and issue.number not in issues:
            names = email_files(issue.path)
            found = read_existing(target, names)
            if all(name in found for name in names):
                kept[issue.number] = found
    return kept


@contextlib.contextmanager
def _finish_before_interrupt() -> Iterator[None]:
    """A Ctrl-C while the output is written takes effect once it is written: the
    output folder is then the old build or the new one, never a mix. One that came
    earlier and was lost (see newsletter/interrupts.py) stops the build here."""
    stop_if_interrupted()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught and callable(previous):
        previous(signal.SIGINT, None)
