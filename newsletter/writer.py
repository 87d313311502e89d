"""The one owner of the output folder.

Everything is rendered in memory first, so a build that fails writes nothing. Then
each file is written beside its final name and renamed over it: a reader fetching
`calendar.ics` or `feed.xml` mid-build gets the old file or the new one, never half.
Files whose bytes did not change are not touched (their mtimes stay, which keeps
rsync and the preview server quiet); files the new build no longer makes are removed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from newsletter.errors import UsageError

Output = Mapping[str, bytes]  # path relative to the output folder (posix) -> bytes
_TEMP_SUFFIX = ".newsletter-tmp"


@dataclass(frozen=True, slots=True)
class WriteResult:
    written: int
    unchanged: int
    removed: int


def write_output(out: Path, files: Output, prune: bool = True) -> WriteResult:
    """Make `out` hold exactly `files` (with `prune`), each file replaced atomically."""
    for name in files:
        _check_name(name)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create the output folder {out}: {error.strerror}") from None
    written = unchanged = 0
    for name in sorted(files):
        target = out / name
        data = files[name]
        if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
            unchanged += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(target.name + _TEMP_SUFFIX)
        temp.write_bytes(data)
        os.replace(temp, target)
        written += 1
    removed = _prune(out, set(files)) if prune else 0
    return WriteResult(written, unchanged, removed)


def _check_name(name: str) -> None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"output path {name!r} leaves the output folder")


def _prune(out: Path, keep: set[str]) -> int:
    removed = 0
    for directory, subdirs, names in os.walk(out, topdown=False):
        here = Path(directory)
        for name in names:
            relative = (here / name).relative_to(out).as_posix()
            if relative not in keep:
                (here / name).unlink()
                removed += 1
        for subdir in subdirs:
            with contextlib.suppress(OSError):  # only empty folders go
                (here / subdir).rmdir()
    return removed
