"""Reading again only what changed: the `ReadCache` that `build` and `check` hand
`read_newsletter`.

An issue folder is parsed again only when one of its files changed: its key is the
program, the settings the reader uses, and each file's path, size, modification and change
times and inode (a stat, not a read: unchanged files are not opened). A file
modified in the last two seconds is not trusted to its stat, which a second edit within
one tick of the clock could leave the same: its issue is read and not stored. The
look-alike warnings, which compare every event with the others, are kept under a
digest of the entries they compare; the merged events, each one's digest and what
this build publishes of them under a digest of all they are made from (each issue's
`Marks`); content/newsletter.yaml, calendar/calendar.yaml, calendar/published.yaml and
content/revisions.yaml under their bytes.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from newsletter.errors import Problem, Problems
from newsletter.events.lookalikes import warn_lookalike_events
from newsletter.events.merge import merge_events
from newsletter.fingerprint import RACY_NS, Stat, digest, file_digest, real_path, stat_tree
from newsletter.layout import RECORD_PATH, REVISIONS_PATH
from newsletter.model import Event, EventEntry, Newsletter, Settings
from newsletter.reading import event_sources
from newsletter.reading.folder import IssueFolder, Marks
from newsletter.store import Store

if TYPE_CHECKING:
    from newsletter.events.published import Record
    from newsletter.revisions import Revisions

R = TypeVar("R")


class StoredReading:
    """A `ReadCache` (newsletter/reading) over the piece store."""

    def __init__(
        self, store: Store, program: str, stated: tuple[int, Mapping[str, list[Stat]]] = (0, {})
    ) -> None:
        """`stated`: when, and each issue folder's entries as `stat_tree` listed them then
        (`lastbuild.Sources.folders`), which stand for the folders' stats; the folders not
        in it are stated here."""
        self.store = store
        self.program = program
        self.stated = stated
        self.seen: set[str] = set()
        self.marks: dict[int, Marks] = {}  # of each issue as read
        self.event_digests: dict[str, str] = {}  # of each merged event: `digest(event)`
        self.keys: dict[str, str] = {}  # the merged events' and the records' keys
        self.meanwhile: Callable[[], None] | None = None  # while workers read (see `issues`)
        # With a list, the look-alike warnings are left in it for the caller to work out
        # (`finish`) while it does something else: they only ever add warnings.
        self.later: list[Callable[[], None]] | None = None

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
        found: dict[int, tuple[IssueFolder | None, list[Problem], Marks | None]] = {}
        missing: list[tuple[str, int, str, bool]] = []
        shared = digest(self.program, str(root), settings)  # spelt once, not for every issue
        parents: dict[str, str] = {}
        for folder, number in folders:
            name = f"{number:03d}"
            self.seen.add(name)
            path = str(root / folder)
            started, stats = self.stated[0], self.stated[1].get(path)
            if stats is None:
                started = time.time_ns()
                stats = list(stat_tree(path, real_path(path, parents)))
            key = digest(shared, folder, number, stats)
            piece = self.store.get("read", name, key)
            if isinstance(piece, tuple) and len(piece) == 3 and isinstance(piece[2], Marks):
                found[number] = piece
            else:
                settled = all(stat[2] < started - RACY_NS for stat in stats)
                missing.append((folder, number, key, settled))
        wanted = [(folder, number) for folder, number, *_ in missing]
        # Each reader stores what it read, but an issue with a file changed within
        # RACY_NS of now: that file could change again within the same tick of its time.
        places = {number: ("read", f"{number:03d}", key) for _, number, key, ok in missing if ok}
        readings = []
        if wanted:  # the reading modules load only then
            from newsletter.reading.parallel import read_folders

            readings = read_folders(root, wanted, settings, self.meanwhile, stored=places)
        for (_, number, *_), reading in zip(missing, readings, strict=True):
            piece = (reading.folder, reading.problems, reading.marks)
            found[number] = piece
            if number in places:
                self.store.put(*places[number], piece, disk=False)  # stored, now remembered
        results = []
        for _, number in folders:
            result, items, marks = found[number]
            problems.items.extend(items)
            if marks is not None:
                self.marks[number] = marks
            results.append(result)
        return results

    @property
    def digests(self) -> dict[int, str]:
        """Each issue's `digest(issue)`, as read."""
        return {number: marks.issue for number, marks in self.marks.items()}

    def events(
        self,
        folders: Sequence[IssueFolder],
        standing: Sequence[EventEntry],
        latest: date,
        problems: Problems,
    ) -> tuple[Event, ...]:
        """`merged_events`: the look-alike warnings worked out again only when an entry
        changed, the events merged again only when an entry, an issue's date or a report
        did (kept in memory only: merging is cheaper than loading them), each event's
        digest kept with them."""
        marks = [self.marks[folder.issue.number] for folder in folders]
        sources, reports = event_sources(folders, standing, latest)
        key = digest(self.program, [mark.entries for mark in marks], list(standing))

        def lookalikes() -> None:
            piece = self.store.get("lookalikes", "all", key)
            if isinstance(piece, list) and all(isinstance(p, Problem) for p in piece):
                problems.items.extend(piece)
            else:
                fresh = Problems()
                warn_lookalike_events([entry for entry, _ in sources], fresh)
                problems.items.extend(fresh.items)
                self.store.put("lookalikes", "all", key, fresh.items)

        if self.later is None:
            lookalikes()
        else:
            self.later.append(lookalikes)
        key = self.keys["events"] = digest(key, [mark.reports for mark in marks], latest)
        events = self.store.get("events", "merged", key)
        if not isinstance(events, tuple):
            events = merge_events(sources, reports)
            self.store.put("events", "merged", key, events, disk=False)
        digests = self.store.get("events", "digests", key)
        if not isinstance(digests, dict):
            digests = {event.id: digest(event) for event in events}
            self.store.put("events", "digests", key, digests)
        self.event_digests = digests
        return events

    def finish(self) -> None:
        """Add the problems left for `later` to the reading's."""
        while self.later:
            self.later.pop(0)()

    def item_digests(self, newsletter: Newsletter) -> dict[str, str]:
        """`revisions.digest` of every article and report by its path, as each issue's
        reader worked it out (`Marks.items`): `newsletter` was read through this cache."""
        return {path: mark for i in newsletter.issues for path, mark in self.marks[i.number].items}

    def publish(self, events: Sequence[Event], record: Record, now: datetime) -> Record:
        """`events.published.publish(events, record, now)` of the merged events (`events`),
        worked out again only when they, the record or the time changed."""
        from newsletter.events.published import publish

        if "events" not in self.keys or "published" not in self.keys:
            return publish(events, record, now)  # not read through this cache
        key = digest(self.keys["events"], self.keys["published"], now)
        piece = self.store.get("record", "publish", key)
        if isinstance(piece, dict):
            return piece
        published = publish(events, record, now)
        self.store.put("record", "publish", key, published)
        return published

    def record(self, root: Path, problems: Problems) -> Record:
        """`events.published.load_record`, parsed again only when the file's bytes changed."""
        from newsletter.events.published import read_record

        return self._record("published", root, RECORD_PATH, read_record, problems)

    def revisions(self, root: Path, problems: Problems) -> Revisions:
        """`content/revisions.yaml` (`revisions.read_revisions`), parsed again only when the
        file's bytes changed."""
        from newsletter.revisions import read_revisions

        return self._record("revisions", root, REVISIONS_PATH, read_revisions, problems)

    def source(
        self,
        root: Path,
        path: str,
        depends: object,
        read: Callable[[Problems], R],
        problems: Problems,
    ) -> R:
        """`read(problems)` of the file `root/path`, worked out again only when its
        bytes, where it leads (a link) or `depends` changed."""
        file = root / path
        key = digest(self.program, str(root), os.path.realpath(file), file_digest(file), depends)
        return self._kept(file.name, key, read, problems)

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

        key = self.keys[name] = digest(self.program, file_digest(root / path))
        record = self._kept(name, key, functools.partial(read, root), problems)
        if problems.errors:
            raise ContentErrors(problems)
        return record

    def _kept(self, name: str, key: str, read: Callable[[Problems], R], problems: Problems) -> R:
        """What `read(problems)` gave under `key`, from the store when it is there."""
        piece = self.store.get("source", name, key)
        value: R
        if isinstance(piece, tuple) and len(piece) == 2 and isinstance(piece[1], list):
            value, found = piece
        else:
            fresh = Problems()
            value = read(fresh)
            found = fresh.items
            self.store.put("source", name, key, (value, found))
        problems.items.extend(found)
        return value

    def forget_others(self) -> None:
        """Drop the stored readings of issue folders that are gone."""
        self.store.keep_only("read", self.seen)
