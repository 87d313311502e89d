"""Reading again only what changed: the `ReadCache` that `build` hands `read_newsletter`.

An issue folder is parsed again only when one of its files changed: its key is the
program, the settings the reader uses, and each file's path, size, modification and change
times and inode (a stat, not a read: unchanged files are not opened). A file
modified in the last two seconds is not trusted to its stat, which a second edit within
one tick of the clock could leave the same: its issue is read and not stored. The
look-alike warnings, which compare every event with the others, are kept under a
digest of the entries they compare, and calendar/published.yaml under its bytes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from newsletter.errors import Problem, Problems
from newsletter.events.lookalikes import warn_lookalike_events
from newsletter.fingerprint import RACY_NS, digest, file_digest, real_path, stat_tree
from newsletter.layout import RECORD_PATH, REVISIONS_PATH
from newsletter.model import EventEntry, Settings
from newsletter.reading.issue import IssueFolder
from newsletter.store import Store

if TYPE_CHECKING:
    from newsletter.events.published import Record
    from newsletter.revisions import Revisions

R = TypeVar("R")


class StoredReading:
    """A `ReadCache` (newsletter/reading) over the piece store."""

    def __init__(self, store: Store, program: str) -> None:
        self.store = store
        self.program = program
        self.seen: set[str] = set()
        self.digests: dict[int, str] = {}  # of each issue as read: `digest(issue)`
        self.meanwhile: Callable[[], None] | None = None  # while workers read (see `issues`)

    def issues(
        self,
        root: Path,
        folders: Sequence[tuple[str, int]],
        settings: Settings | None,
        problems: Problems,
    ) -> list[IssueFolder | None]:
        """The issues as `read_issue` reads them, each from the store when none of its
        files changed; the others read on every core (reading/parallel.py), this process
        calling `meanwhile()` while they do."""
        from newsletter.reading.parallel import read_folders

        found: dict[int, tuple[IssueFolder | None, list[Problem], str | None]] = {}
        missing: list[tuple[str, int, str, bool]] = []
        shared = digest(self.program, str(root), settings)  # spelt once, not for every issue
        parents: dict[str, str] = {}
        for folder, number in folders:
            name = f"{number:03d}"
            self.seen.add(name)
            started = time.time_ns()
            path = str(root / folder)
            stats = list(stat_tree(path, real_path(path, parents)))
            key = digest(shared, folder, number, stats)
            piece = self.store.get("read", name, key)
            if isinstance(piece, tuple) and len(piece) == 3 and isinstance(piece[2], str):
                found[number] = piece
            else:
                settled = all(stat[2] < started - RACY_NS for stat in stats)
                missing.append((folder, number, key, settled))
        wanted = [(folder, number) for folder, number, *_ in missing]
        readings = read_folders(root, wanted, settings, self.meanwhile)
        for (_, number, key, settled), reading in zip(missing, readings, strict=True):
            piece = (reading.folder, reading.problems, reading.digest)
            found[number] = piece
            if settled:
                self.store.put_pickled("read", f"{number:03d}", key, piece, reading.payload)
        results = []
        for _, number in folders:
            result, items, mark = found[number]
            problems.items.extend(items)
            if mark is not None:
                self.digests[number] = mark
            results.append(result)
        return results

    def lookalikes(self, entries: Sequence[EventEntry], problems: Problems) -> None:
        """The look-alike warnings of `entries`, worked out again only when they changed."""
        key = digest(self.program, list(entries))
        piece = self.store.get("lookalikes", "all", key)
        if isinstance(piece, list) and all(isinstance(p, Problem) for p in piece):
            problems.items.extend(piece)
            return
        fresh = Problems()
        warn_lookalike_events(entries, fresh)
        problems.items.extend(fresh.items)
        self.store.put("lookalikes", "all", key, fresh.items)

    def record(self, root: Path, problems: Problems) -> Record:
        """`events.published.load_record`, parsed again only when the file's bytes changed."""
        from newsletter.events.published import read_record

        return self._record("published", root, RECORD_PATH, read_record, problems)

    def revisions(self, root: Path, problems: Problems) -> Revisions:
        """`content/revisions.yaml` (`revisions.read_revisions`), parsed again only when the
        file's bytes changed."""
        from newsletter.revisions import read_revisions

        return self._record("revisions", root, REVISIONS_PATH, read_revisions, problems)

    def _record(
        self,
        name: str,
        root: Path,
        path: str,
        read: Callable[[Path, Problems], R],
        problems: Problems,
    ) -> R:
        """A record the build commits with the content, read by `read`, with its problems;
        `ContentErrors` (with every problem) when it is unusable."""
        from newsletter.errors import ContentErrors

        key = digest(self.program, file_digest(root / path))
        piece = self.store.get("record", name, key)
        record: R
        if isinstance(piece, tuple) and len(piece) == 2 and isinstance(piece[0], dict):
            record, found = piece
            problems.items.extend(found)
        else:
            fresh = Problems()
            record = read(root, fresh)
            problems.items.extend(fresh.items)
            self.store.put("record", name, key, (record, fresh.items))
        if problems.errors:
            raise ContentErrors(problems)
        return record

    def forget_others(self) -> None:
        """Drop the stored readings of issue folders that are gone."""
        self.store.keep_only("read", self.seen)
