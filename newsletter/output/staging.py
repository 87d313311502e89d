"""Staging a new site in the spare folder beside the output folder, touching only what
differs from what the spare holds.

The spare is the site the last switch retired, or what a killed build left, or nothing.
It is never trusted: a file the new site shares with the current one is kept only when
it *is* the current file (the same inode, a hard link made by an earlier build), and
every other entry is removed, linked again or written. So the work is proportional to
what changed since the spare was the site (the last build's changes and this one's),
and a spare tampered with or half-updated by a killed build ends the same as a fresh
one. Carried and unchanged files are hard links (no copy, and their mtime stays); new
files are written once, straight into place, since no reader sees the spare.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from collections.abc import Mapping, Set
from dataclasses import dataclass
from pathlib import Path

from newsletter.errors import UsageError
from newsletter.layout import MANIFEST
from newsletter.output.files import write_new
from newsletter.output.manifest import Content, Entry, bytes_of, check_name, entry_of
from newsletter.output.tree import Found, Staged, make_folders, parents, walk


def make_stage(
    out: Path,
    spare: Path,
    files: Mapping[str, Content],
    unchanged: Set[str],
    staged: Staged,
    found: Found,
    manifest: bytes,
    early: Mapping[str, tuple[int, Entry]] | None = None,
) -> None:
    """Bring `spare` (made if missing) to the staged site: the folders and carried
    entries of `staged`, the build's `files` (those `unchanged` linked from `out`), and
    the manifest last. `early`: the files an `EarlyStage` wrote into the spare (inode,
    entry), kept when the spare still has that very file (by its inode: nothing but the
    build writes there while it runs) and the build those bytes. The `OSError` is the
    caller's."""
    early = early or {}
    source, target = str(out), str(spare)
    held = _held(spare, out)
    if out.is_dir():
        _like(target, source)
    with contextlib.suppress(FileNotFoundError):  # from here the spare is being changed
        os.unlink(os.path.join(target, MANIFEST))
    held.inodes.pop(MANIFEST, None)
    linked = set(unchanged) | set(staged.carried)
    _remove_unwanted(target, held, set(staged.folders), linked | set(files))
    for folder in staged.folders:
        path = os.path.join(target, folder)
        if folder not in held.folders:
            os.mkdir(path)
        if folder in found.folders:
            _like(path, os.path.join(source, folder))
    for name in linked:
        kept = held.inodes.get(name)
        if kept is not None and kept == found.inodes.get(name):
            continue  # the very file the current site has
        _unlink_if(target, name, kept)
        if not _link(os.path.join(source, name), target, name) and name in files:
            write_new(os.path.join(target, name), bytes_of(files[name]))  # gone meanwhile
    for name in sorted(set(files) - linked):
        kept = held.inodes.get(name)
        if kept is not None and early.get(name) == (kept, entry_of(files[name])):
            continue  # written while the build rendered
        _unlink_if(target, name, kept)
        write_new(os.path.join(target, name), bytes_of(files[name]))
    write_new(os.path.join(target, MANIFEST), manifest)


class EarlyStage:
    """The spare folder of an output folder that holds nothing yet (a first build), into
    which the build's files are written as soon as each is made, while the others render:
    `make_stage` then writes only the rest. Writing here never fails a build: after an
    error it stops, and `make_stage` writes what it finds missing or different. The
    render workers write their own files, each with a stage of its own over the same
    spare, and send back what they wrote (`Written`) for this one to `add`."""

    def __init__(self, spare: Path | str) -> None:
        self.spare = str(spare)
        self.written: dict[str, tuple[int, Entry]] = {}  # name: inode, entry
        self.broken = False
        self._folders: set[str] = set()

    def add(self, files: Mapping[str, Content] | Written) -> None:
        """Write `files` (relative paths) into the spare; take `Written` ones, which
        another process wrote there, as written."""
        written = files if isinstance(files, Written) else self.write(files)
        if written is not None:
            assert written.spare == self.spare, "written into another spare"
            self.written.update(written.files)

    def write(self, files: Mapping[str, Content]) -> Written | None:
        """Write `files` into the spare and say what was written; None when one of them
        could not be (those written before it are then left to `make_stage`)."""
        if self.broken:
            return None
        written = {}
        try:
            for name, content in files.items():
                check_name(name)
                make_folders(self.spare, name, self._folders)
                inode = write_new(os.path.join(self.spare, name), bytes_of(content))
                written[name] = (inode, entry_of(content))
        except (OSError, ValueError):  # the disk full, a name taken twice: make_stage's
            self.broken = True
            return None
        return Written(self.spare, written)


@dataclass(frozen=True, slots=True)
class Written:
    """Files written into an early stage's spare (`EarlyStage.write`), sent in place of
    their bytes: each one's inode there and entry (size, digest)."""

    spare: str
    files: dict[str, tuple[int, Entry]]


def _held(spare: Path, out: Path) -> Found:
    """What the spare holds (made empty when there is none, or replacing a file or link
    of its name). `UsageError` when a mount point has its name (never emptied)."""
    try:
        found = os.lstat(spare)
    except FileNotFoundError:
        os.mkdir(spare)
        return Found()
    if not stat.S_ISDIR(found.st_mode):
        os.unlink(spare)
        os.mkdir(spare)
        return Found()
    if found.st_dev != os.lstat(out.parent).st_dev:
        raise UsageError(
            f"cannot stage the new site in {spare}: it is a mount point (another file "
            "system); unmount it, or remove it if it is yours"
        )
    return walk(spare)


def _remove_unwanted(target: str, held: Found, folders: Set[str], names: Set[str]) -> None:
    """Remove from the spare every entry the new site lacks, or has as another kind."""
    for name in held.others - names:
        os.unlink(os.path.join(target, name))
        del held.inodes[name]
    gone = held.folders - folders
    if not gone:
        return
    for folder in sorted(gone):
        if not any(parent in gone for parent in parents(folder)):
            shutil.rmtree(os.path.join(target, folder))
    held.folders.difference_update(gone)
    for name in list(held.inodes):
        if any(parent in gone for parent in parents(name)):
            del held.inodes[name]


def _unlink_if(target: str, name: str, held: int | None) -> None:
    """Remove the spare's file `name` if it has one (`held`: its inode)."""
    if held is not None:
        os.unlink(os.path.join(target, name))


def _link(source: str, stage: str, name: str) -> bool:
    """A hard link of `source` as `name` in the stage (a link itself, not what it points
    at); a copy where the system refuses the link (another user's file, too many links).
    False when `source` is gone since the build looked."""
    target = os.path.join(stage, name)
    try:
        os.link(source, target, follow_symlinks=False)
    except FileNotFoundError:
        return False
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EACCES, errno.EMLINK, errno.EXDEV):
            raise
        shutil.copy2(source, target, follow_symlinks=False)
    return True


def _like(folder: str, model: str) -> None:
    """Give a staged folder the permissions (and, where allowed, the group) of the folder
    it replaces, so the switch keeps a web server's access as it was."""
    found, held = os.lstat(model), os.lstat(folder)
    wanted = stat.S_IMODE(found.st_mode)
    if found.st_gid != held.st_gid:
        with contextlib.suppress(OSError):  # not a member of that group: keep ours
            os.chown(folder, -1, found.st_gid)
            held = os.lstat(folder)  # a change of group may clear the set-group-ID bit
    if wanted != stat.S_IMODE(held.st_mode):
        os.chmod(folder, wanted)
