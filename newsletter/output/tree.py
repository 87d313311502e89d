"""The tree an output folder holds, and the tree a staged build makes of it.

A staged site holds the new files, and carries over (as hard links) everything the
folder holds that no build wrote: a user's own files, links and folders stay where they
were, exactly as a build in place keeps them. What an earlier build wrote and this one
does not make goes (with `prune`), and so do the temporary files of a killed writer.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from pathlib import Path

from newsletter.errors import UsageError
from newsletter.layout import MANIFEST
from newsletter.output.files import is_temporary


@dataclass(frozen=True, slots=True)
class Found:
    """What an output folder holds, by path relative to it: folders, and the rest (files,
    links, anything that is not a folder) with their inode numbers."""

    folders: set[str] = field(default_factory=set)
    inodes: dict[str, int] = field(default_factory=dict)

    @property
    def others(self) -> set[str]:
        """Everything that is not a folder."""
        return set(self.inodes)

    @property
    def temporaries(self) -> list[str]:
        """The files a killed writer left half-written."""
        return sorted(name for name in self.others if is_temporary(name))


@dataclass(frozen=True, slots=True)
class Staged:
    """The staged tree besides the build's own files: every folder (parents first), and
    what is carried over from the output folder as it is."""

    folders: list[str]
    carried: list[str]


def walk(out: Path) -> Found:
    """Everything under `out` (nothing when it is not a folder); links are not followed."""
    found = Found()
    if out.is_dir() and not out.is_symlink():
        _walk(str(out), "", found)
    return found


def _walk(folder: str, prefix: str, found: Found) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            name = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                found.folders.add(name)
                _walk(entry.path, name + "/", found)
            else:
                found.inodes[name] = entry.inode()


def parents(name: str) -> Iterable[str]:
    """The folders `name` sits in, outermost first (`a`, `a/b` for `a/b/c`)."""
    at = name.find("/")
    while at != -1:
        yield name[:at]
        at = name.find("/", at + 1)


def make_folders(base: str, name: str, made: set[str]) -> None:
    """Make the folders `name` sits in under `base`, unless `made` (the folders made so
    far, which this adds to) has them: one `mkdir` for each folder."""
    folder = name.rpartition("/")[0]
    if folder and folder not in made:
        os.makedirs(os.path.join(base, folder), exist_ok=True)
        made.update(parents(name))


def stage(out: Path, found: Found, names: Set[str], ours: Set[str], prune: bool) -> Staged:
    """The folders and carried entries of the staged tree that makes `names` (the build's
    files) in the folder `found` describes; `ours` are the files an earlier build wrote.
    `UsageError` when something no build wrote stands where a new file must go."""
    carried = {
        name
        for name in found.others
        if name not in names
        and name != MANIFEST
        and not is_temporary(name)
        and (name not in ours or not prune)
    }
    needed = {folder for name in names for folder in parents(name)}
    for name in sorted(carried):
        blocked = name if name in needed else next((p for p in parents(name) if p in names), None)
        if blocked is not None:
            raise UsageError(
                f"cannot write {out / blocked}: {out / name} is in the way, and no build "
                "wrote it; move it out of the output folder"
            )
    ours_folders = {folder for name in ours for folder in parents(name)}
    folders = needed | {folder for name in carried for folder in parents(name)}
    for folder in found.folders - ours_folders:  # a user's own folder, empty or not
        if folder not in names and not any(p in names for p in parents(folder)):
            folders.add(folder)
            folders.update(parents(folder))
    return Staged(sorted(folders), sorted(carried))


def rescue_late(retired: Path, out: Path, known: Set[str]) -> None:
    """Move into the new site `out` what the old site's tree `retired` holds that was not
    there when the build looked (`known`): a file put into the output while the build
    ran, unless the new site has a file by that name. The rest stays, as the spare."""
    _rescue(str(retired), "", str(out), known)


def _rescue(folder: str, prefix: str, out: str, known: Set[str]) -> None:
    with os.scandir(folder) as listing:
        entries = list(listing)
    for entry in entries:
        name = prefix + entry.name
        if entry.is_dir(follow_symlinks=False):
            _rescue(entry.path, name + "/", out, known)
        elif name not in known and not is_temporary(name) and not _has(out, name):
            os.makedirs(os.path.dirname(os.path.join(out, name)), exist_ok=True)
            os.rename(entry.path, os.path.join(out, name))


def _has(out: str, name: str) -> bool:
    return os.path.lexists(os.path.join(out, name))
