"""A build that finds nothing changed since the last one does nothing.

A complete build (not `serve`'s preview, nor `build ISSUE...`) leaves a note in the
piece store, under a key of what it was made from: the program, the newsletter and
output folders, SOURCE_DATE_EPOCH, and every entry under the source folders and the
packaged templates as the read cache trusts it (path, size, modification and change
times, inode: a stat, not a read), but for the two records the build itself writes
there (calendar/published.yaml, content/revisions.yaml), which count by their bytes as
the build read them (a build that changed them leaves no note; the next one does).
Those stats are the read cache's too: it keys each issue folder by them instead of
stating the folder again.
The note holds the output's manifest as the build left it, the number of files and the
problems found.

The next build with that key, into an output folder that still holds every file of
that very manifest as the writer trusts one (a regular file of its size, not modified
since the manifest) and nothing left over from an interrupted write, gives the same
result without reading or rendering anything. Anything else builds as
usual. A build that found a source file modified in the last two seconds leaves no
note: a second edit within one tick of the clock could leave its stat the same.
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.errors import Problem
from newsletter.fingerprint import RACY_NS, Stat, digest, file_digest, real_path, stat_tree
from newsletter.layout import (
    ISSUES_PATH,
    MANIFEST,
    RECORD_PATH,
    REVISIONS_PATH,
    SOURCE_FOLDERS,
    beside_output,
    packaged_templates,
)
from newsletter.store import Store

if TYPE_CHECKING:  # the output's modules load only when there is a note to compare
    from newsletter.output.manifest import Manifest


@dataclass(frozen=True, slots=True)
class Sources:
    """What a build is made from, as stated before it reads anything: the note's key,
    whether every source file's stat is old enough to trust, and the note's name (one
    for each output folder). `folders`: when the stats were taken (`time.time_ns()`) and
    each issue folder's entries as `stat_tree` lists them, for the read cache to take
    instead of stating them again."""

    key: str
    settled: bool
    name: str
    records: tuple[str, str]
    folders: tuple[int, dict[str, list[Stat]]]


@dataclass(frozen=True, slots=True)
class Note:
    """What the last build left: its manifest's seal, the number of files it made and
    its problems."""

    seal: object
    files: int
    problems: list[Problem]


def sources(root: Path, target: Path, program: str) -> Sources:
    """The key of a build of `root` into `target` by `program`."""
    started = time.time_ns()
    written = {str(root / path) for path in (RECORD_PATH, REVISIONS_PATH)}
    parents: dict[str, str] = {}
    stats = []
    for folder in [*(str(root / name) for name in SOURCE_FOLDERS), str(packaged_templates())]:
        for found in stat_tree(folder, real_path(folder, parents)):
            if found[0] not in written:  # these count by their bytes: the build writes them
                stats.append(found)
    settled = all(found[2] < started - RACY_NS for found in stats)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    records = _records(root)
    key = digest(program, str(root), str(target), epoch, stats, records)
    folders = (started, _subtrees(stats, str(root / ISSUES_PATH)))
    return Sources(key, settled, f"last-{digest(str(target))}", records, folders)


def _subtrees(stats: list[Stat], under: str) -> dict[str, list[Stat]]:
    """The entries of each folder in `under`, as `stat_tree` lists them from that folder,
    of the folders without a link among them (where a walk enters a link depends on
    where it began)."""
    prefix = under + os.sep
    trees: dict[str, list[Stat]] = {}
    linked = set()
    for found in stats:
        if not found[0].startswith(prefix):
            continue
        name, inside, _ = found[0][len(prefix) :].partition(os.sep)
        folder = prefix + name
        if found[5]:
            linked.add(folder)
        if inside:
            trees.setdefault(folder, []).append(found)
    return {folder: tree for folder, tree in trees.items() if folder not in linked}


def unchanged(store: Store, made: Sources, target: Path) -> Note | None:
    """The note of the last build when it was made from `made` and the output folder
    still holds what it wrote; None otherwise."""
    note = store.get("build", made.name, made.key)
    if not isinstance(note, Note):
        return None
    if any(os.path.lexists(path) for path in beside_output(target)[1:]):
        return None  # a switch to finish: the writer's
    from newsletter.output.manifest import read_manifest

    manifest = read_manifest(target)
    if manifest.seal != note.seal or len(manifest.entries) != note.files:
        return None
    return note if _holds_all(str(target), manifest) else None


def remember(
    store: Store, made: Sources, root: Path, target: Path, files: int, problems: list[Problem]
) -> None:
    """Leave the note of a build made from `made` that wrote `files` into `target`."""
    if not made.settled or _records(root) != made.records:
        return
    from newsletter.output.manifest import seal_of

    try:
        seal = seal_of(target, (target / MANIFEST).stat())
    except OSError:
        return
    store.put("build", made.name, made.key, Note(seal, files, problems))


def _records(root: Path) -> tuple[str, str]:
    return file_digest(root / RECORD_PATH), file_digest(root / REVISIONS_PATH)


def _holds_all(folder: str, manifest: Manifest) -> bool:
    """Whether `folder` holds every file of `manifest` as `Manifest.vouches` trusts one,
    and no temporary file of a killed writer (which the writer would remove)."""
    from newsletter.output.files import is_temporary

    held = 0
    pending = [(folder, "")]
    while pending:
        path, prefix = pending.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                name = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, name + "/"))
                    continue
                if is_temporary(name):
                    return False
                wanted = manifest.entries.get(name)
                if wanted is None:
                    continue  # a user's own file, which builds leave alone
                found = entry.stat(follow_symlinks=False)
                if not stat.S_ISREG(found.st_mode) or wanted.digest is None:
                    return False
                if manifest.holds(name, wanted.digest, found) is not True:
                    return False
                held += 1
    return held == len(manifest.entries)
