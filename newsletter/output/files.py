"""Writing one file: atomically beside its name, or new inside a staged folder."""

from __future__ import annotations

import contextlib
import os
import tempfile
from functools import cache
from pathlib import Path

from newsletter.layout import TEMP_SUFFIX


def atomic_write(file: Path, data: bytes, mode: int | None = None, exclusive: bool = False) -> None:
    """Write `file` beside its name, then rename it into place: a reader finds the old
    file or the new one, never half. `mode` (default: the umask's) is set before the
    rename, so a private file is never readable by others even for a moment.

    With `exclusive` the file is linked into place only if there is none, after an
    fsync: of two processes making it at once, one wins, and `FileExistsError` tells
    the other. Any failure leaves no temporary file; the `OSError` is the caller's.
    """
    handle, temp = tempfile.mkstemp(prefix=f".{file.name}.", suffix=TEMP_SUFFIX, dir=file.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            if exclusive:
                stream.flush()
                os.fsync(stream.fileno())
        os.chmod(temp, mode if mode is not None else 0o666 & ~umask())
        if exclusive:
            os.link(temp, file)
        else:
            os.replace(temp, file)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def write_new(file: str, data: bytes) -> int:
    """Create `file`, which must not exist, holding `data` (the umask's mode): for a
    folder no reader sees yet, where a temporary name and a rename would buy nothing.
    Returns the file's inode number."""
    handle = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:  # os.write itself: a file object would cost three system calls more per file
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view) :]
        return os.fstat(handle).st_ino
    finally:
        os.close(handle)


def is_temporary(name: str) -> bool:
    """A file `atomic_write` was writing when its process died
    (`.index.html.x1y2.newsletter-tmp`)."""
    base = name.rsplit("/", 1)[-1]
    return base.startswith(".") and base.endswith(TEMP_SUFFIX)


@cache
def umask() -> int:
    """The process's umask (read once: setting it is the only way to read it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
