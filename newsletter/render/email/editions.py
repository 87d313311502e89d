"""The email stage of `build`: each issue's email.html, email.txt and email.eml.

The HTML is fitted to the size budget first (render/email.py); the plain text then
shortens the same items, and the message carries both. A large archive is rendered on
every core: each issue's email depends on that issue alone.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

from newsletter import layout
from newsletter.errors import Problems
from newsletter.model import Issue, Newsletter
from newsletter.render.email.budget import Budget, budget_problems
from newsletter.render.email.html import EmailRenderer
from newsletter.render.markdown import BodyHtml

# Below this many issues a worker pool costs more than it saves.
_PARALLEL_FROM = 24
Job = tuple[Newsletter, Path, BodyHtml]
# What a worker renders from, set in the worker itself by the pool's initializer: a
# forked pool hands its initializer's arguments over by memory, not by pickling.
_worker_job: Job | None = None


@dataclass(frozen=True, slots=True)
class Emails:
    """The email files of some issues, and how each issue met the size budget."""

    files: dict[str, bytes]
    budgets: dict[int, Budget]


def email_files(issue: Issue) -> tuple[str, str, str]:
    """The paths of an issue's email.html, email.txt and email.eml in the output."""
    return layout.email_files(issue.path)


def render_emails(
    newsletter: Newsletter,
    root: Path,
    issues: Iterable[Issue],
    problems: Problems,
    html: BodyHtml | None = None,
) -> Emails:
    """email.html, email.txt and email.eml of each of `issues`; a warning in `problems`
    for each email that would have been clipped. `html`: the bodies rendered already."""
    from newsletter.render.email.message import warn_without_sender

    numbers = [issue.number for issue in issues]
    job = (newsletter, root, html if html is not None else BodyHtml())
    cores = os.cpu_count() or 1
    if len(numbers) < _PARALLEL_FROM or cores < 2 or "fork" not in get_all_start_methods():
        results = _render_some(job, numbers)
    else:
        results = _render_in_parallel(job, numbers, cores)
    files: dict[str, bytes] = {}
    budgets: dict[int, Budget] = {}
    for number, (issue_files, budget) in zip(numbers, results, strict=True):
        files.update(issue_files)
        budgets[number] = budget
        issue = newsletter.issue(number)
        if issue is not None:
            budget_problems(budget, issue, problems)
    if budgets:
        warn_without_sender(newsletter.settings, problems)
    return Emails(files, budgets)


def issue_email(
    renderer: EmailRenderer, root: Path, issue: Issue
) -> tuple[dict[str, bytes], Budget]:
    """One issue's email.html, email.txt and email.eml, and how it met the budget."""
    from newsletter.render.email.message import render_message
    from newsletter.render.email.text import render_text

    fitted = renderer.fit(issue)
    text = render_text(root, fitted.edition, fitted.budget.shortened, renderer.html)
    message = render_message(renderer.newsletter.settings, issue, text, fitted.html)
    html_path, text_path, message_path = email_files(issue)
    files = {
        html_path: fitted.html.encode("utf-8"),
        text_path: text.encode("utf-8"),
        message_path: message,
    }
    return files, fitted.budget


def _render_some(job: Job, numbers: Sequence[int]) -> list[tuple[dict[str, bytes], Budget]]:
    newsletter, root, html = job
    renderer = EmailRenderer(newsletter, root, html)
    by_number = {issue.number: issue for issue in newsletter.issues}
    return [issue_email(renderer, root, by_number[number]) for number in numbers]


def _render_in_parallel(
    job: Job, numbers: list[int], cores: int
) -> list[tuple[dict[str, bytes], Budget]]:
    chunks = [numbers[start :: cores * 4] for start in range(min(len(numbers), cores * 4))]
    with get_context("fork").Pool(cores, initializer=_start_worker, initargs=(job,)) as pool:
        rendered = pool.map(_render_chunk, chunks)
    by_number = {
        number: result
        for chunk, results in zip(chunks, rendered, strict=True)
        for number, result in zip(chunk, results, strict=True)
    }
    return [by_number[number] for number in numbers]


def _start_worker(job: Job) -> None:
    global _worker_job
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _worker_job = job


def _render_chunk(numbers: list[int]) -> list[tuple[dict[str, bytes], Budget]]:
    assert _worker_job is not None, "set by the pool's initializer"
    return _render_some(_worker_job, numbers)
