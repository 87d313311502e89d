"""Switching the output folder to a staged site in one step, and finishing (or undoing)
a switch a killed process left.

On Linux the staged folder and the output folder trade places in one atomic
`renameat2(RENAME_EXCHANGE)`: at every instant the output folder's path shows the whole
old site or the whole new one. Where the system cannot exchange, the switch takes two
renames (the old site aside, the new one in), recorded first in a journal beside the
output folder; `recover`, which every build runs first, completes a switch the journal
records. Either way the old site ends in the spare folder, where the next build stages
its site (newsletter/output/staging.py). Builds into one folder take turns (a lock on
the folder it sits in), so one never changes another's spare.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from newsletter.layout import beside_output
from newsletter.output.files import atomic_write

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_CANNOT_EXCHANGE = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP}


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the lock of builds into `out` (where the system has one; else go on)."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system: no lock
        yield
        return
    try:
        handle = os.open(out.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        yield
        return
    try:
        with contextlib.suppress(OSError):  # a file system without locks
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # which releases the lock, as a killed process's end does


def switch_in(out: Path, stage: Path) -> bool:
    """Put the complete staged site `stage` (the spare folder) at `out`; True when the
    old site is now in `stage`, False when there was none."""
    _, old, journal = beside_output(out)
    if not os.path.lexists(out):
        os.rename(stage, out)
        return False
    if exchange(stage, out):
        return True
    atomic_write(journal, _journal_text(out, stage, old))
    os.rename(out, old)
    os.rename(stage, out)
    os.unlink(journal)
    os.rename(old, stage)  # killed before: `recover` does it
    return True


def recover(out: Path) -> None:
    """Finish the switch a killed build recorded, and put an old site a killed two-step
    switch left aside in the spare folder (or remove it, when there is a spare)."""
    spare, old, journal = beside_output(out)
    if journal.exists():
        if spare.is_dir() and not os.path.lexists(out):
            os.rename(spare, out)
        elif spare.is_dir() and not os.path.lexists(old):
            os.rename(out, old)
            os.rename(spare, out)
        elif old.is_dir() and not os.path.lexists(out):
            os.rename(old, out)  # the new site is gone: the old one comes back
        journal.unlink()
    if os.path.lexists(old):
        if os.path.lexists(spare):
            shutil.rmtree(old)
        else:
            os.rename(old, spare)


def exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step; False where the system cannot."""
    swap = _renameat2()
    if swap is None:
        return False
    if swap(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _CANNOT_EXCHANGE:
        return False
    raise OSError(code, os.strerror(code), str(second))


@cache
def _renameat2() -> Callable[..., int] | None:
    """glibc's renameat2 (2.28 and later), or None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    path = ctypes.c_char_p
    function.argtypes = [ctypes.c_int, path, ctypes.c_int, path, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def _journal_text(out: Path, stage: Path, old: Path) -> bytes:
    return (
        f"newsletter is switching the output folder {out} to the new site in {stage.name}, "
        f"the old site going to {old.name} first. If this file stays, the next `newsletter "
        "build` finishes the switch.\n"
    ).encode()
