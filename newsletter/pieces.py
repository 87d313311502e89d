"""The incremental build: each output made from its pieces, each piece rendered only
when its key is new.

A piece is what one renderer makes from one set of inputs: an issue's web pages, its
email files, the index and stylesheet, the feeds, the calendar, each body's HTML. Its
key digests exactly what that renderer reads (newsletter/fingerprint.py), so a piece
found under its key is the piece a cold build would render:

- every key: the program and its libraries, the template files, the settings, the
  calendar settings and the root;
- an issue's own digest: the issue as read (every field, every body) and the bytes
  of each image it shows;
- its web pages: its own digest, its neighbours' (the page links to both, by title),
  and every merged event (each page lists the calendars by kind and country, and
  links its own events' files);
- its email: its own digest and the merged events its schedule and reports show (their
  "Add to calendar" links, "add this issue's events");
- index and stylesheet: every issue's own digest and the merged events; the events
  page: the merged events and each issue's number, date, path and title, all it shows
  of an issue (render/events_page.py hands the template nothing more of it);
  the feeds: every issue's own digest and each item's `updated` (content/revisions.yaml);
- the calendar: the shared key, the merged events and their published record, and of
  each issue what the events page takes, with the events it lists (the calendar's
  VEVENTs are kept one by one by `render.calendar.VEvents`, itself kept in the store).

The per-issue pieces are rendered on every core (newsletter/render/issues.py) while
this process makes the calendar, the index and the events page, and indexes each
issue's pieces as they come. The index of pieces (newsletter/pieceindex.py), kept in
`.newsletter-cache/` (newsletter/store.py), holds each file's size and digest, not its
bytes: the output folder holds them, and a piece whose files it no longer holds as they
were is rendered again. What is stored besides is what renders cheaper pieces: the
parsed issues, each body's HTML, the feeds' entries, the calendar's VEVENTs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.fingerprint import digest, file_digest, templates
from newsletter.layout import EVENTS_PAGE
from newsletter.model import Article, Body, Issue, Newsletter, Report
from newsletter.output.staging import EarlyStage, Written
from newsletter.pieceindex import Files, Made, PieceIndex
from newsletter.render.email.budget import Budget
from newsletter.render.issues import IssueOutput, Job, Task, render_issues
from newsletter.render.markdown import BodyHtml
from newsletter.stages import Stages
from newsletter.store import Store

if TYPE_CHECKING:
    from newsletter.render.feeds import FeedEntry
    from newsletter.render.web import WebPages

try:  # hashlib would load OpenSSL first (see newsletter/cache.py)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Pythons
    from hashlib import blake2b


Read = tuple[Mapping[int, str], Mapping[str, str]]  # see `Keys.of`


@dataclass(frozen=True, slots=True)
class Keys:
    """The keys of one build's pieces."""

    shared: str
    own: dict[int, str]  # each issue's own digest
    web: dict[int, str]
    email: dict[int, str]
    archive: str  # every issue's own digest: the index, the feeds
    events: str  # every merged event
    listed: str  # the events and what the events page and calendar show of each issue

    @classmethod
    def of(cls, newsletter: Newsletter, root: Path, program: str, read: Read) -> Keys:
        """The keys of `newsletter`'s pieces, rendered by `program` (fingerprint.program).
        `read`: each issue's `digest(issue)` and each event's `digest(event)`, kept with
        the reading (newsletter/readcache.py) so that what was read from the store is not
        spelt out again."""
        issue_digests, event_digests = read
        shared = digest(
            program, templates(root), newsletter.settings, newsletter.calendar, str(root)
        )
        own = {
            issue.number: _own(shared, issue, issue_digests.get(issue.number))
            for issue in newsletter.issues
        }
        events = {  # each spelt once
            event.id: event_digests.get(event.id) or digest(event) for event in newsletter.events
        }
        all_events = digest(list(events.items()))
        ordered = sorted(newsletter.issues, key=lambda issue: issue.number)
        web, email = {}, {}
        for index, issue in enumerate(ordered):
            older = own[ordered[index - 1].number] if index > 0 else None
            newer = own[ordered[index + 1].number] if index + 1 < len(ordered) else None
            entries = issue.schedule.entries if issue.schedule else ()
            shown = [events.get(entry.id) for entry in entries]
            shown += [events.get(report.event_id) for report in issue.reports]
            web[issue.number] = digest("web", own[issue.number], older, newer, all_events)
            email[issue.number] = digest("email", own[issue.number], shown)
        archive = digest("archive", shared, [own[issue.number] for issue in ordered])
        listed = digest("listed", shared, all_events, _listings(newsletter))
        return cls(shared, own, web, email, archive, all_events, listed)


def _own(shared: str, issue: Issue, model: str | None) -> str:
    """An issue's own digest: the issue as read, and the bytes of its images."""
    model = model if model is not None else digest(issue)
    return digest(shared, model, [file_digest(image.file) for image in issue.images])


@dataclass(frozen=True, slots=True)
class Rendered:
    """Every file of the site but the calendar's, and the budgets of the emails made."""

    files: Made
    calendar: Made
    budgets: dict[int, Budget]
    fresh_budgets: dict[int, tuple[str, Budget]]  # rendered now, each with its EmailKeys key


def render_site(
    newsletter: Newsletter,
    root: Path,
    store: Store,
    program: str,
    read: Read,
    kept_emails: Mapping[int, Files],
    calendar: Callable[[], tuple[object, Callable[[], Files]]],
    updated: Mapping[str, datetime],
    folders: Sequence[Path],
    stages: Stages,
    early: EarlyStage | None = None,
) -> Rendered:
    """The site's files: the pieces an output folder holds unchanged, and the others
    rendered (and indexed). `read`: see `Keys.of`; `kept_emails`: issues whose email files
    are taken as they are; `calendar`: gives what the calendar is made from besides the
    model (the published record) and what renders it, called while the issues render;
    `updated`: when each article and report last changed, for the feeds; `folders`: the
    output folders a piece's files may be found in (see newsletter/pieceindex.py);
    `early`, a first build's: each piece rendered is written into it as soon as it is
    made (the feeds' last), while the others render; the workers write their own."""
    keys = Keys.of(newsletter, root, program, read)
    stages.done("keys")
    index = PieceIndex(store, program, folders)
    html_key = digest(program, "markdown")
    known = store.get("markdown", "all", html_key)
    known_html: dict[str, str] = known if isinstance(known, dict) else {}
    marks = {body: _mark(body) for issue in newsletter.issues for body in issue.bodies}
    html = BodyHtml({body: known_html[mark] for body, mark in marks.items() if mark in known_html})
    job = Job(newsletter, root, html, program, updated, read[0])
    made = early.add if early is not None else _kept_nothing

    def again(number: int, web: bool) -> Callable[[], Files]:
        def render() -> Files:  # a piece's file changed in its output folder since
            task = Task(number, web, not web)
            [output], _ = render_issues(job, [task], _kept)  # in this process: as bytes
            files = output.web if web else output.email
            assert isinstance(files, dict)
            return files

        return render

    web: dict[int, Made] = {}
    emails: dict[int, tuple[Made, Budget]] = {}
    tasks = []
    for issue in newsletter.issues:
        number, name = issue.number, issue.slug
        pages = index.known("web", name, keys.web[number], again(number, True))
        if pages is not None:
            web[number] = pages
        want_email = number not in kept_emails
        if want_email:
            email = index.known("email", name, keys.email[number], again(number, False))
            budget = index.extra("email", name)
            if email is not None and isinstance(budget, Budget):
                emails[number] = (email, budget)
        missing_web = number not in web
        missing_email = want_email and number not in emails
        if missing_web or missing_email:
            tasks.append(Task(number, missing_web, missing_email))

    stages.done("cached pieces")
    if tasks:  # worked out once here, for the calendar too, not in every worker forked
        from newsletter.events.calendars import events_by_issue, subscriptions

        _compiled_templates(store, program)
        subscriptions(newsletter)
        events_by_issue(newsletter)
    issues = {issue.number: issue for issue in newsletter.issues}

    entries: dict[str, FeedEntry] = {}  # by item path: made with the issues' pages

    def received(output: IssueOutput) -> None:  # while the other issues render
        number = output.number
        html.update(dict(zip(issues[number].bodies, output.html, strict=True)))
        entries.update(output.feed)
        if output.web is not None:
            web[number] = put("web", number, keys.web[number], output.web)
        if output.email is not None and output.budget is not None:
            budget = output.budget[1]
            emails[number] = (
                put("email", number, keys.email[number], output.email, budget),
                budget,
            )

    def put(kind: str, number: int, key: str, sent: Files | Written, extra: object = None) -> Made:
        files = index.put(kind, issues[number].slug, key, sent, extra, again(number, kind == "web"))
        made(sent if isinstance(sent, Written) else files)  # written by the worker already
        return files

    site_pages, feeds = _archive(job, store, index, keys, entries, made)

    def alongside() -> tuple[Made, Made]:
        source, render = calendar()
        key = digest(keys.listed, source)
        known = index.known("calendar", "files", key, render)
        if known is not None:
            return known, site_pages()
        files = index.put("calendar", "files", key, render())
        made(files)
        return files, site_pages()

    sending = _written_into(early.spare) if early is not None else None
    outputs, (calendar_files, files) = render_issues(job, tasks, alongside, received, sending)
    stages.done("render issues, calendar alongside")
    files.update(feeds())
    stages.done("index and feeds")
    for issue in newsletter.issues:
        files.update(web[issue.number])
        kept = kept_emails.get(issue.number)
        files.update(kept if kept is not None else emails[issue.number][0])
    bodies = {mark: html[body] for body, mark in marks.items() if body in html}
    if bodies != known_html:
        store.put("markdown", "all", html_key, bodies)
    names = {issue.slug for issue in newsletter.issues}
    for kind in ("web", "email"):
        index.keep_only(kind, names)
    index.save()
    stages.done("store new pieces")
    budgets = {number: budget for number, (_, budget) in emails.items()}
    fresh = {o.number: o.budget for o in outputs if o.budget is not None}
    return Rendered(files, calendar_files, budgets, fresh)


def _kept() -> None:
    """What renders a piece found in the store: nothing."""


def _kept_nothing(files: Made | Written) -> None:
    """Where a build that is not a first one keeps a piece as it is made: nowhere."""


def _written_into(spare: str) -> Callable[[IssueOutput], IssueOutput]:
    """What has each issue's files written into a first build's early stage by the
    process that rendered them (each worker has its own copy of the stage) and sent as
    `Written` instead of their bytes: this process then neither receives the 40 MB of a
    200-issue site nor writes it. A piece that could not be written goes as its bytes."""
    stage = EarlyStage(spare)

    def written(output: IssueOutput) -> IssueOutput:
        web = stage.write(output.web) if isinstance(output.web, dict) else None
        email = stage.write(output.email) if isinstance(output.email, dict) else None
        return replace(output, web=web or output.web, email=email or output.email)

    return written


_RENDERERS = (
    "newsletter.render.web",
    "newsletter.render.email.editions",
    "newsletter.render.email.html",
    "newsletter.render.email.text",
    "newsletter.render.email.message",  # and the email package: 0.13 s to import
    "pycountry",  # the email's calendars by country: 0.07 s to import
    "newsletter.render.feeds",  # feedgen and lxml: 0.03 s, which the feeds wait for last
    "newsletter.writer",
)


def prepare_renderers(root: Path, store: Store, program: str) -> None:
    """Load what renders and writes the pages and emails and compile the templates:
    called while workers read a large archive, so that the renderers forked afterwards
    start ready (the same work done once instead of in every worker)."""
    import importlib

    from newsletter.render.markdown import warm_up
    from newsletter.render.templates import compile_all

    for module in _RENDERERS:
        importlib.import_module(module)
    _compiled_templates(store, program)
    compile_all(root)
    warm_up()


def _compiled_templates(store: Store, program: str) -> None:
    """Before anything renders: Jinja keeps its compiled templates in the store."""
    from newsletter.render.templates import keep_compiled
    from newsletter.store import bytecode_cache

    keep_compiled(bytecode_cache(store, program))


def _archive(
    job: Job,
    store: Store,
    index: PieceIndex,
    keys: Keys,
    entries_made: Mapping[str, FeedEntry],
    made: Callable[[Made], None],
) -> tuple[Callable[[], Made], Callable[[], Made]]:
    """What gives the index, the events page and the stylesheet, and what gives the
    feeds: from the store, or rendered (and handed to `made`). The first shows no body,
    so it can run while the issues render; the feeds show every body's HTML, so they
    come after, and take the entries made by then (`entries_made`, by item path) with
    the issues' pages."""

    newsletter, updated = job.newsletter, job.updated
    pages: list[WebPages] = []

    def web() -> WebPages:  # made once, for whichever of the pages needs rendering
        from newsletter.render.web import WebPages

        if not pages:
            _compiled_templates(store, job.program)
            pages.append(WebPages(newsletter, job.root, job.html))
        return pages[0]

    def site() -> Files:
        return dict(web().site_files())

    def events() -> Files:
        return {EVENTS_PAGE: web().events_index()}

    def feeds() -> Files:  # only the items whose key is new are rendered
        from newsletter.render.feeds import feed_items, render_feeds_kept

        stored = store.get("archive", "feed-entries", keys.shared)
        kept = stored if isinstance(stored, dict) else {}

        def key(issue: Issue, item: Article | Report) -> str:  # the issue's digest covers it
            return digest(keys.own[issue.number], item.path, updated.get(item.path))

        fresh = {
            key(issue, item): entries_made[item.path]
            for issue, item in feed_items(newsletter)
            if item.path in entries_made
        }
        files, entries = render_feeds_kept(newsletter, job.html, updated, kept | fresh, key)
        if entries != kept:
            store.put("archive", "feed-entries", keys.shared, entries)
        return files

    def files_of(pieces: list[tuple[str, str, Callable[[], Files]]]) -> Made:
        files: Made = {}
        for name, key, render in pieces:
            known = index.known("archive", name, key, render)
            if known is None:
                known = index.put("archive", name, key, render())
                made(known)
            files.update(known)
        return files

    archive = [("site", digest(keys.archive, keys.events), site), ("events", keys.listed, events)]
    feed = [("feeds", digest(keys.archive, sorted(updated.items())), feeds)]
    return functools.partial(files_of, archive), functools.partial(files_of, feed)


def _listings(newsletter: Newsletter) -> list[object]:
    """All the events page and the calendar files show of the issues: each one's number,
    date, path and title, and the events it lists (schedule rows, reports). An edited
    article leaves both as they are."""
    return [
        (
            issue.number,
            issue.date,
            issue.path,
            issue.title,
            [entry.id for entry in issue.schedule.entries] if issue.schedule else [],
            [report.event_id for report in issue.reports],
        )
        for issue in newsletter.issues
    ]


def _mark(body: Body) -> str:
    """The key of a body's HTML: its Markdown (the images only name files it shows)."""
    return blake2b(body.markdown.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
