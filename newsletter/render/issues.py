"""Every issue's own outputs (web pages, email files), on every core: one pool for it all.

What an issue's pages and email show depends on that issue, its neighbours' titles and
the settings, never on another issue's rendering, so issues are shared out among
worker processes forked after reading: the model is handed over by memory, and each
worker sends back its issues' files, the HTML of their bodies and their items' feed
entries (the feeds need both). While the workers render, the calling process does what
is not per issue (`alongside`: the calendar), so both cores work on a machine that is
otherwise idle. The workers are newsletter/pools.py's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from newsletter.model import Article, Issue, Newsletter, Report
from newsletter.pools import cores_for, forked_pool, shares
from newsletter.render.email.budget import Budget
from newsletter.render.markdown import BodyHtml

if TYPE_CHECKING:  # feedgen and lxml load only when a feed is rendered
    from newsletter.output.staging import Written
    from newsletter.render.feeds import FeedEntry

# Below this many issues a worker pool costs more than it saves.
_PARALLEL_FROM = 12
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Task:
    """What to render of one issue."""

    number: int
    web: bool
    email: bool


@dataclass(frozen=True, slots=True)
class Job:
    """What the issues are rendered from: the model, the newsletter folder, the bodies'
    HTML (filled in as they render), `fingerprint.program()` (which the email budget
    keys start from), when each article and report last changed (the feeds), and each
    issue's digest as read (the budget keys, `cache.EmailKeys`)."""

    newsletter: Newsletter
    root: Path
    html: BodyHtml
    program: str
    updated: Mapping[str, datetime]
    read: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IssueOutput:
    """What a task rendered: the files (None: not asked for; `Written` where `sending`
    wrote them, see `render_issues`), the email's budget with the key `check` finds it
    under (`cache.EmailKeys`), the HTML of each of the issue's bodies, in `Issue.bodies`
    order, and with the web pages, the feed entry of each of its items the feeds show,
    by the item's path."""

    number: int
    web: dict[str, bytes] | Written | None
    email: dict[str, bytes] | Written | None
    budget: tuple[str, Budget] | None
    html: tuple[str, ...]
    feed: dict[str, FeedEntry]


_worker: _Renderer | None = None  # set in each worker by the pool's initializer
_sending: Callable[[IssueOutput], IssueOutput] | None = None  # the same, by the initializer


def render_issues(
    job: Job,
    tasks: Sequence[Task],
    alongside: Callable[[], T],
    received: Callable[[IssueOutput], None] = lambda output: None,
    sending: Callable[[IssueOutput], IssueOutput] | None = None,
) -> tuple[list[IssueOutput], T]:
    """The outputs of `tasks`, in order, and what `alongside()` returned meanwhile.
    `received(output)` is called in this process for each output as it arrives, so that
    what is done with one overlaps the rendering of the others. `sending(output)`, in
    the process that rendered it, is what an output becomes before it is sent (a first
    build's workers write their own files: newsletter/pieces.py)."""
    cores = cores_for(len(tasks), _PARALLEL_FROM)
    if not cores:
        outputs = _Renderer(job).render_all(tasks)
        if sending is not None:
            outputs = [sending(output) for output in outputs]
        for output in outputs:
            received(output)
        return outputs, alongside()
    by_number: dict[int, IssueOutput] = {}
    with forked_pool(cores, _start_worker, (job, sending)) as pool:
        pending = pool.imap_unordered(_render_chunk, shares(tasks, cores))
        other = alongside()
        for chunk in pending:
            for output in chunk:
                by_number[output.number] = output
                received(output)
    return [by_number[task.number] for task in tasks], other


class _Renderer:
    """One process's renderers, made on first use (a web-only task never compiles the
    email templates)."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.newsletter, self.root, self.html = job.newsletter, job.root, job.html
        self.issues = {issue.number: issue for issue in self.newsletter.issues}
        self._web: object = None
        self._email: object = None
        self._keys: object = None
        self._in_feed: set[str] | None = None

    def render_all(self, tasks: Sequence[Task]) -> list[IssueOutput]:
        outputs = [self.render(task) for task in tasks]
        # The feed entries of all of them in one go: made issue by issue, feedgen's own
        # work for each call (0.35 ms) was twice that of the entries.
        feeds = self._feed_entries([self.issues[task.number] for task in tasks if task.web])
        return [replace(output, feed=feeds.get(output.number, {})) for output in outputs]

    def render(self, task: Task) -> IssueOutput:
        from newsletter.cache import EmailKeys
        from newsletter.render.email.editions import issue_email
        from newsletter.render.email.html import EmailRenderer
        from newsletter.render.web import WebPages

        issue = self.issues[task.number]
        web = email = budget = None
        if task.web:
            if not isinstance(self._web, WebPages):
                self._web = WebPages(self.newsletter, self.root, self.html)
            web = dict(self._web.issue_files(issue))
        if task.email:
            if not isinstance(self._email, EmailRenderer):
                self._email = EmailRenderer(self.newsletter, self.root, self.html)
            email, fitted = issue_email(self._email, self.root, issue)
            if not isinstance(self._keys, EmailKeys):
                self._keys = EmailKeys(self.root, self.job.program, self.job.read)
            budget = (self._keys.key(issue), fitted)  # here, on every core
        html = tuple(self.html[body] for body in issue.bodies)
        return IssueOutput(task.number, web, email, budget, html, {})

    def _feed_entries(self, issues: list[Issue]) -> dict[int, dict[str, FeedEntry]]:
        """The feed entries of the items of `issues` that the feeds show (`feed: limit`),
        by issue number and item path."""
        from newsletter.render.feeds import feed_entries, feed_items

        if self._in_feed is None:
            self._in_feed = {item.path for _, item in feed_items(self.newsletter)}
        shown: list[tuple[Issue, Article | Report]] = []
        for issue in issues:
            items: tuple[Article | Report, ...] = (*issue.articles, *issue.reports)
            shown += [(issue, item) for item in items if item.path in self._in_feed]
        feeds: dict[int, dict[str, FeedEntry]] = {}
        if shown:
            made = feed_entries(self.newsletter, self.html, self.job.updated, shown)
            for (issue, item), entry in zip(shown, made, strict=True):
                feeds.setdefault(issue.number, {})[item.path] = entry
        return feeds


def _start_worker(job: Job, sending: Callable[[IssueOutput], IssueOutput] | None) -> None:
    # One renderer for all of a worker's chunks: a fresh one per chunk loads every
    # template again and digests the email's shared key again (2.5 ms a chunk).
    global _worker, _sending
    _worker, _sending = _Renderer(job), sending


def _render_chunk(tasks: list[Task]) -> list[IssueOutput]:
    assert _worker is not None, "set by the pool's initializer"
    outputs = _worker.render_all(tasks)
    return outputs if _sending is None else [_sending(output) for output in outputs]
