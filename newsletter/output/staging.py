"""Staging a new site beside the output folder: every folder made once, every unchanged
or carried file hard-linked from the current site (no copy, and its mtime stays), every
new file written once, straight into place, since no reader sees the staged folder."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from collections.abc import Mapping, Set
from pathlib import Path

from newsletter.layout import MANIFEST
from newsletter.output.files import umask, write_new
from newsletter.output.tree import Found, Staged


def make_stage(
    out: Path,
    stage: Path,
    files: Mapping[str, bytes],
    unchanged: Set[str],
    staged: Staged,
    found: Found,
    manifest: bytes,
) -> None:
    """Make the staged site in `stage` (which must not exist): the folders and carried
    entries of `staged`, the build's `files` (those `unchanged` linked from `out`), and
    the manifest last. The `OSError` is the caller's, who removes the stage."""
    source, target = str(out), str(stage)
    os.mkdir(target)
    if out.is_dir():
        _like(target, source)
    for folder in staged.folders:
        os.mkdir(os.path.join(target, folder))
        if folder in found.folders:
            _like(os.path.join(target, folder), os.path.join(source, folder))
    for name in sorted(files):
        if name not in unchanged or not _link(os.path.join(source, name), target, name):
            write_new(os.path.join(target, name), files[name])
    for name in staged.carried:
        _link(os.path.join(source, name), target, name)  # gone meanwhile: removed by its user
    write_new(os.path.join(target, MANIFEST), manifest)


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
    found = os.lstat(model)
    wanted = stat.S_IMODE(found.st_mode)
    if found.st_gid != os.getegid():
        with contextlib.suppress(OSError):  # not a member of that group: keep ours
            os.chown(folder, -1, found.st_gid)
    if wanted != 0o777 & ~umask() or found.st_gid != os.getegid():
        os.chmod(folder, wanted)
