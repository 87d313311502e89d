"""The keys of the incremental build: digests of exactly what a piece is made from.

`program()` stands for the program that renders: every module of the package (their
bytes, as the email budget's key), the Python, and every installed distribution's
name, version and install time, so an upgrade of any dependency (Jinja, icalendar,
tzdata, ...) changes every key. `templates()` digests the template files a build may
load. `digest()` turns model objects into a key: the model is frozen dataclasses, whose
repr spells out every field, so two models with one digest are the same model.
`stat_tree()` states the files of a folder by their stats, what the read cache and a
build with nothing changed (newsletter/lastbuild.py) trust instead of reading them.
"""

from __future__ import annotations

import contextlib
import os
import sys
import zoneinfo
from collections.abc import Iterable, Iterator
from pathlib import Path

from newsletter import __version__
from newsletter.layout import PACKAGE, TEMPLATES, packaged_templates

try:  # hashlib would load OpenSSL first (see newsletter/cache.py)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Pythons
    from hashlib import blake2b

_HEADER = "newsletter incremental build 1"
# Deeper than any folder an editor makes; a link to a folder above it goes no further.
_MAX_DEPTH = 16
# A stat newer than this (ns) is not trusted: a second edit within one tick of the clock
# could leave it the same.
RACY_NS = 2_000_000_000


def digest(*parts: object) -> str:
    """A key for `parts`, from their repr (model objects spell out every field)."""
    return blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def program() -> str:
    """The digest of the program that renders: package, Python and installed libraries."""
    key = blake2b(f"{_HEADER} {__version__} {sys.version}".encode(), digest_size=16)
    add_files(key, str(PACKAGE), [str(PACKAGE)], ".py", skip=str(packaged_templates()))
    for place in sys.path:
        try:
            entries = sorted(os.scandir(place or "."), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith((".dist-info", ".egg-info", ".pth")):
                try:
                    stamp = entry.stat().st_mtime_ns
                except OSError:
                    stamp = 0
                key.update(f"\0{place}/{entry.name} {stamp}".encode())
    for zones in zoneinfo.TZPATH:  # the system's time zones, which VTIMEZONEs come from
        with contextlib.suppress(OSError):
            key.update(f"\0{zones} {os.stat(zones).st_mtime_ns}".encode())
    return key.hexdigest()


def templates(root: Path) -> str:
    """The digest of every template file a build of `root` may load."""
    key = blake2b(b"templates", digest_size=16)
    for base in (str(root / TEMPLATES), str(packaged_templates())):
        key.update(f"\0base {base}".encode())
        add_files(key, base, [base])
    return key.hexdigest()


def file_digest(file: Path) -> str:
    """The digest of a file's bytes; of its absence when it cannot be read."""
    try:
        return blake2b(file.read_bytes(), digest_size=16).hexdigest()
    except OSError as error:
        return f"unreadable {error.errno}"


def add_files(
    digest: blake2b, base: str, places: Iterable[str], suffix: str = "", skip: str = ""
) -> None:
    """Each file's name (relative to `base`), size and bytes."""
    for file in walk_files(places, skip):
        if file.endswith(suffix):
            with open(file, "rb") as stream:
                data = stream.read()
            name = os.path.relpath(file, base).replace(os.sep, "/")
            digest.update(f"\0{name}\0{len(data)}\0".encode())
            digest.update(data)


def walk_files(places: Iterable[str], skip: str = "", _depth: int = 0) -> Iterator[str]:
    """Every file in or under `places` (a file stands for itself), sorted, without the
    folder `skip`, caches and dot-files (the reader ignores them; `send` keeps its
    journal in the issue's folder). A link in a loop is left out: the reader reports it."""
    for place in places:
        if os.path.isfile(place):
            yield place
        elif os.path.isdir(place) and place != skip and _depth < _MAX_DEPTH:
            entries = sorted(os.scandir(place), key=lambda entry: entry.name)
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    is_dir, is_file = entry.is_dir(), entry.is_file()
                except OSError:  # a link in a loop: Too many levels of symbolic links
                    continue
                if is_dir and entry.name != "__pycache__":
                    yield from walk_files([entry.path], skip, _depth + 1)
                elif is_file:
                    yield entry.path


def real_path(folder: str, parents: dict[str, str]) -> str:
    """The real path of `folder`, its parent's looked up once for all its siblings
    (`os.path.realpath` stats every part of the path: 400 issues cost 0.02 s)."""
    parent, name = os.path.split(folder)
    if os.path.islink(folder) or not name:
        return os.path.realpath(folder)
    real = parents.get(parent)
    if real is None:
        real = parents[parent] = os.path.realpath(parent)
    return os.path.join(real, name)


Stat = tuple[str, int, int, int, int, str]  # what `stat_tree` gives of an entry


def stat_tree(folder: str, real: str = "", inside: frozenset[str] = frozenset()) -> Iterator[Stat]:
    """(path, size, mtime, ctime, inode, link target) of every entry under `folder`, sorted;
    a link's target is followed, so a replaced target counts as a change. A link to a
    folder that holds it (a loop, which reading reports) is listed, not entered.
    `real`: the folder's real path, `inside`: those of the folders that hold it."""
    try:
        real = real or os.path.realpath(folder)
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return
    inside = inside | {real}
    for entry in entries:
        try:
            stat = entry.stat(follow_symlinks=False)
            link = os.readlink(entry.path) if entry.is_symlink() else ""
            if link:
                stat = os.stat(entry.path)
        except OSError:
            yield (entry.path, -1, 0, 0, 0, "")
            continue
        yield (entry.path, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, link)
        if entry.is_dir():
            target = os.path.realpath(entry.path) if link else os.path.join(real, entry.name)
            if target not in inside:
                yield from stat_tree(entry.path, target, inside)
