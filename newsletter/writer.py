"""The one owner of the output folder.

Everything is rendered in memory first, so a build that fails writes nothing. Then
each file is written beside its final name and renamed over it: a reader fetching
`calendar.ics` or `feed.xml` mid-build gets the old file or the new one, never half.
Files whose bytes did not change are not touched (their mtimes stay, which keeps
rsync and the preview server quiet); files an earlier build made and the new one
does not are removed, and nothing else is.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

from newsletter.errors import UsageError
from newsletter.layout import TEMP_SUFFIX

Output = Mapping[str, bytes]  # path relative to the output folder (posix) -> bytes
MANIFEST = ".newsletter-files"  # what the last build wrote: the only files pruning may remove


@dataclass(frozen=True, slots=True)
class WriteResult:
    written: int
    unchanged: int
    removed: int


def write_output(out: Path, files: Output, prune: bool = True) -> WriteResult:
    """Make `out` hold `files`, each file replaced atomically.

    With `prune`, files an earlier build wrote (listed in the output's manifest) that
    this build no longer makes are removed; a file the writer did not write itself is
    never removed, so a mistaken `--out` cannot wipe a folder.
    """
    for name in files:
        _check_name(name)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create the output folder {out}: {error.strerror}") from None
    previous = _read_manifest(out)
    written = sum(_replace(out, name, files[name], previous) for name in sorted(files))
    removed = _prune(out, previous - set(files)) if prune else 0
    kept = set(files) if prune else set(files) | {n for n in previous if (out / n).is_file()}
    _replace(out, MANIFEST, "".join(f"{name}\n" for name in sorted(kept)).encode(), previous)
    return WriteResult(written, len(files) - written, removed)


def read_existing(out: Path, names: Iterable[str]) -> dict[str, bytes]:
    """The bytes of those of `names` that the output folder holds now (a partial build
    keeps some earlier outputs as they are)."""
    found = {}
    for name in names:
        _check_name(name)
        with contextlib.suppress(OSError):
            found[name] = (out / name).read_bytes()
    return found


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
        os.chmod(temp, mode if mode is not None else 0o666 & ~_umask())
        if exclusive:
            os.link(temp, file)
        else:
            os.replace(temp, file)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


@cache
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _replace(out: Path, name: str, data: bytes, ours: set[str]) -> bool:
    """Write one file atomically unless it already holds `data`; True when written."""
    target = out / name
    if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
        return False
    try:
        _clear_way(out, name, ours)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, data)
    except OSError as error:
        raise UsageError(f"cannot write {target}: {error.strerror or error}") from None
    return True


def _clear_way(out: Path, name: str, ours: set[str]) -> None:
    """Remove what an earlier build left where this one needs a file or a folder."""
    parts = PurePosixPath(name).parts
    for depth in range(1, len(parts)):
        parent = "/".join(parts[:depth])
        if (out / parent).is_file() and parent in ours:
            (out / parent).unlink()
    target = out / name
    if target.is_dir() and not target.is_symlink():
        inside = {p.relative_to(out).as_posix() for p in target.rglob("*") if not p.is_dir()}
        if inside <= ours:
            shutil.rmtree(target)


def _check_name(name: str) -> None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"output path {name!r} leaves the output folder")


def _read_manifest(out: Path) -> set[str]:
    try:
        lines = (out / MANIFEST).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    names = set()
    for line in lines:
        with contextlib.suppress(ValueError):
            _check_name(line)
            names.add(line)
    return names


def _prune(out: Path, stale: set[str]) -> int:
    removed = 0
    for name in sorted(stale):
        path = out / name
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed += 1
        for parent in PurePosixPath(name).parents:
            if str(parent) == ".":
                break
            with contextlib.suppress(OSError):  # only empty folders go
                (out / parent).rmdir()
    return removed
