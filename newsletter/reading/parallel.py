"""Reading many issue folders on every core.

Each folder is read on its own (`read_issue`), so a large archive's folders are shared
out among worker processes forked for the purpose. Each sends back its issues pickled
by the piece store's pickler (newsletter/store.py: the default way, 400 issues took
0.3 s to load), and writes those very bytes into the piece store itself. The workers
are newsletter/pools.py's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from newsletter.errors import Problem, Problems
from newsletter.model import Article, Report, Settings
from newsletter.pools import cores_for, forked_pool, shares
from newsletter.reading.folder import IssueFolder, Marks
from newsletter.reading.issue import read_issue

Place = tuple[str, str, str]  # kind, name and key in the piece store

# Below this many folders a worker pool costs more than it saves.
_PARALLEL_FROM = 16


@dataclass(frozen=True, slots=True)
class Reading:
    """One issue folder as read: what `read_issue` gave, its problems, its `Marks` (None
    without an issue or when not `kept`), and the three pickled, as the piece store keeps
    them (empty when not `kept`)."""

    folder: IssueFolder | None
    problems: list[Problem]
    marks: Marks | None
    payload: bytes


def read_folders(
    root: Path,
    folders: Sequence[tuple[str, int]],
    settings: Settings | None,
    meanwhile: Callable[[], None] | None = None,
    kept: bool = True,
    stored: Mapping[int, Place] | None = None,
) -> list[Reading]:
    """Each of `folders` (path relative to `root`, issue number) read, in order; `kept`:
    with the digest and the pickle the piece store keeps. `stored`: where in root's
    piece store (kind, name, key) the readings of some issues go, written by whoever
    reads them (on every core). When workers read them, this process calls
    `meanwhile()` while it waits, then loads each reading as it comes."""
    stored = stored or {}
    jobs = [
        (root, folder, number, settings, kept, stored.get(number)) for folder, number in folders
    ]
    cores = cores_for(len(jobs), _PARALLEL_FROM)
    if not cores:
        return [_reading(*job) for job in jobs]
    with forked_pool(cores) as pool:
        pending = pool.imap(_pickled_share, shares(jobs, cores))
        if meanwhile is not None:
            meanwhile()
        # Each loaded as it comes, while the workers read the rest (30 ms of 200 issues).
        return [_loaded(payload, kept) for share in pending for payload in share]


def _reading(
    root: Path,
    folder: str,
    number: int,
    settings: Settings | None,
    kept: bool,
    place: Place | None = None,
) -> Reading:
    problems = Problems()
    result = read_issue(root, folder, number, settings, problems)
    if not kept:  # read without the cache (`send`, `add`): nothing to store
        return Reading(result, problems.items, None, b"")
    from newsletter.fingerprint import digest
    from newsletter.revisions import digest as item_digest
    from newsletter.store import Store, dumps

    marks = None
    if result is not None:
        issue = result.issue
        shown: tuple[Article | Report, ...] = (*issue.articles, *issue.reports)
        items = tuple((item.path, item_digest(item)) for item in shown)
        marks = Marks(
            digest(issue), digest(result.entries), digest(issue.date, issue.reports), items
        )
    piece = (result, problems.items, marks)
    payload = dumps(piece)
    if place is not None:
        Store(root).put_pickled(*place, piece, payload)
    return Reading(result, problems.items, marks, payload)


def _pickled(
    root: Path,
    folder: str,
    number: int,
    settings: Settings | None,
    kept: bool,
    place: Place | None,
) -> bytes:
    from newsletter.store import dumps

    reading = _reading(root, folder, number, settings, kept, place)
    return reading.payload or dumps((reading.folder, reading.problems, None))


def _pickled_share(
    jobs: list[tuple[Path, str, int, Settings | None, bool, Place | None]],
) -> list[bytes]:
    return [_pickled(*job) for job in jobs]


def _loaded(payload: bytes, kept: bool) -> Reading:
    import pickle  # only for workers' readings

    result, problems, marks = pickle.loads(payload)
    return Reading(result, problems, marks, payload if kept else b"")
