"""Every issue's own outputs (web pages, email files), on every core: one pool for it all.

What an issue's pages and email show depends on that issue, its neighbours' titles and
the settings, never on another issue's rendering, so issues are shared out among
worker processes forked after reading: the model is handed over by memory, and each
worker sends back its issues' files and the HTML of their bodies (the feeds need it).
While the workers render, the calling process does what is not per issue (`alongside`:
the calendar), so both cores work on a machine that is otherwise idle. The workers are
newsletter/pools.py's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from newsletter.model import Newsletter
from newsletter.pools import cores_for, forked_pool
from newsletter.render.email.budget import Budget
from newsletter.render.markdown import BodyHtml

# Below this many issues a worker pool costs more than it saves.
_PARALLEL_FROM = 12
_CHUNKS_PER_CORE = 8
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Task:
    """What to render of one issue."""

    number: int
    web: bool
    email: bool


@dataclass(frozen=True, slots=True)
class IssueOutput:
    """What a task rendered: the files (None: not asked for), the email's budget with
    the key `check` finds it under (`cache.EmailKeys`), and the HTML of each of the
    issue's bodies, in `Issue.bodies` order."""

    number: int
    web: dict[str, bytes] | None
    email: dict[str, bytes] | None
    budget: tuple[str, Budget] | None
    html: tuple[str, ...]


_Job = tuple[Newsletter, Path, BodyHtml, str]
_worker_job: _Job | None = None  # set in each worker by the pool's initializer


def render_issues(
    newsletter: Newsletter,
    root: Path,
    html: BodyHtml,
    program: str,
    tasks: Sequence[Task],
    alongside: Callable[[], T],
    received: Callable[[IssueOutput], None] = lambda output: None,
) -> tuple[list[IssueOutput], T]:
    """The outputs of `tasks`, in order, and what `alongside()` returned meanwhile.
    `program`: `fingerprint.program()`, which the email budget keys start from.
    `received(output)` is called in this process for each output as it arrives, so that
    what is done with one overlaps the rendering of the others."""
    job = (newsletter, root, html, program)
    cores = cores_for(len(tasks), _PARALLEL_FROM)
    if not cores:
        outputs = _Renderer(job).render_all(tasks)
        for output in outputs:
            received(output)
        return outputs, alongside()
    count = min(len(tasks), cores * _CHUNKS_PER_CORE)
    chunks = [list(tasks[start::count]) for start in range(count)]
    by_number: dict[int, IssueOutput] = {}
    with forked_pool(cores, _start_worker, (job,)) as pool:
        pending = pool.imap_unordered(_render_chunk, chunks)
        other = alongside()
        for chunk in pending:
            for output in chunk:
                by_number[output.number] = output
                received(output)
    return [by_number[task.number] for task in tasks], other


class _Renderer:
    """One process's renderers, made on first use (a web-only task never compiles the
    email templates)."""

    def __init__(self, job: _Job) -> None:
        self.newsletter, self.root, self.html, self.program = job
        self.issues = {issue.number: issue for issue in self.newsletter.issues}
        self._web: object = None
        self._email: object = None
        self._keys: object = None

    def render_all(self, tasks: Sequence[Task]) -> list[IssueOutput]:
        return [self.render(task) for task in tasks]

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
                self._keys = EmailKeys(self.root, self.program)
            budget = (self._keys.key(issue), fitted)  # here, on every core: 0.3 ms an issue
        html = tuple(self.html[body] for body in issue.bodies)
        return IssueOutput(task.number, web, email, budget, html)


def _start_worker(job: _Job) -> None:
    global _worker_job
    _worker_job = job


def _render_chunk(tasks: list[Task]) -> list[IssueOutput]:
    assert _worker_job is not None, "set by the pool's initializer"
    return _Renderer(_worker_job).render_all(tasks)
