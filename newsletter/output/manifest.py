"""The output folder's manifest: every file the last build wrote, with its size and a
digest of its bytes.

Pruning removes only files listed here, so a mistaken `--out` cannot wipe a folder; and
the digests tell whether a file already holds the new bytes without reading it back. A
digest is trusted only for a file that is no newer than the manifest and has the size it
records: a file edited by hand since is read and compared instead. The manifest holds no
time, so the same content builds to the same bytes here too. One line per file,
`name<TAB>size<TAB>digest`; an older build's manifest (names alone) still reads.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from newsletter.layout import MANIFEST

_DIGEST_CHARS = 32  # 128 bits of SHA-256: hardware-accelerated, and plenty to tell bytes apart


@dataclass(frozen=True, slots=True)
class Entry:
    """One file as the manifest records it; `digest` None for an older build's manifest."""

    size: int
    digest: str | None


@dataclass(frozen=True, slots=True)
class Known:
    """A file's bytes known by their size and digest, read (`load`) only when the file
    must be written or compared: a build that finds a piece unchanged in its cache never
    reads the piece's bytes when the output already holds them."""

    entry: Entry
    files: Callable[[], Mapping[str, bytes]]  # the piece's files, made or read on call
    name: str
    held: object = None  # `Manifest.seal` of the output folder found holding the file

    def load(self) -> bytes:
        """The bytes."""
        return self.files()[self.name]


Content = bytes | Known
"""What a build makes of one file: its bytes, or bytes known by their digest."""


def entry_of(content: Content) -> Entry:
    """The size and digest the manifest records for `content`."""
    if isinstance(content, Known):
        return content.entry
    return Entry(len(content), digest(content))


def bytes_of(content: Content) -> bytes:
    """The bytes of `content`."""
    return content.load() if isinstance(content, Known) else content


@dataclass(frozen=True, slots=True)
class Manifest:
    """The entries by file name, and when the manifest was written (ns; 0 if there is none)."""

    entries: dict[str, Entry]
    written_ns: int
    seal: object = None  # the folder and its manifest file's identity: None if there is none

    def holds(self, name: str, data_digest: str, stat: os.stat_result) -> bool | None:
        """Whether the file `name`, as `stat` finds it, holds the bytes of `data_digest`;
        None when the manifest cannot tell (the bytes must be compared)."""
        entry = self.entries.get(name)
        if entry is None or entry.digest is None or entry.size != stat.st_size:
            return None
        if stat.st_mtime_ns > self.written_ns:
            return None  # changed since the build that recorded it
        return entry.digest == data_digest

    def vouches(self, folder: str, name: str, wanted: Entry) -> bool | None:
        """Whether the file `name` in `folder` holds the bytes `wanted` describes: False
        when it is missing, not a regular file or of another size; None when this
        manifest cannot tell (the bytes must be compared)."""
        try:
            found = os.lstat(os.path.join(folder, name))
        except OSError:
            return False
        if not stat.S_ISREG(found.st_mode) or found.st_size != wanted.size:
            return False
        return self.holds(name, wanted.digest or "", found)


def digest(data: bytes) -> str:
    """The digest the manifest records for `data`."""
    return hashlib.sha256(data).hexdigest()[:_DIGEST_CHARS]


def check_name(name: str) -> None:
    """`ValueError` unless `name` is a normal relative path inside the output folder
    (`issues/062/index.html`) that a manifest line can hold."""
    parts = name.split("/")
    if name.startswith("/") or ".." in parts or name in ("", "."):
        raise ValueError(f"output path {name!r} leaves the output folder")
    if "" in parts or "." in parts or "\n" in name:
        raise ValueError(f"output path {name!r} is not a plain relative path")


def read_manifest(out: Path) -> Manifest:
    """The manifest of the output folder `out`; empty when it has none or it is
    unreadable. A line naming a path outside the folder is skipped."""
    global _last
    file = out / MANIFEST
    try:
        found = file.stat()
        if _last is not None and _last.seal == seal_of(out, found):
            return _last  # the build's pieces were looked up in it: parsed once
        lines = file.read_text("utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return Manifest({}, 0)
    entries = {}
    for line in lines:
        name, entry = _parse(line)
        if name and _valid(name):
            entries[name] = entry
    _last = Manifest(entries, found.st_mtime_ns, seal_of(out, found))
    return _last


_last: Manifest | None = None


def seal_of(out: Path, found: os.stat_result) -> object:
    """What tells that the manifest of `out` is the one that was read (as `found`): a
    build that switched in another site, or wrote another manifest, changes it."""
    return (str(out), found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)


def render_manifest(entries: Mapping[str, Entry]) -> bytes:
    """The manifest's bytes, sorted by name."""
    lines = []
    for name in sorted(entries):
        entry = entries[name]
        lines.append(name if entry.digest is None else f"{name}\t{entry.size}\t{entry.digest}")
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def _parse(line: str) -> tuple[str, Entry]:
    parts = line.rsplit("\t", 2)
    if len(parts) == 3 and parts[1].isdigit() and len(parts[2]) == _DIGEST_CHARS:
        return parts[0], Entry(int(parts[1]), parts[2])
    return line, Entry(-1, None)


def _valid(name: str) -> bool:
    try:
        check_name(name)
    except ValueError:
        return False
    return True
