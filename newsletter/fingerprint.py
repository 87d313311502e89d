"""The keys of the incremental build: digests of exactly what a piece is made from.

`program()` stands for the program that renders: every module of the package (their
bytes, as the email budget's key), the Python, and every installed distribution's
name, version and install time, so an upgrade of any dependency (Jinja, icalendar,
tzdata, ...) changes every key. `templates()` digests the template files a build may
load. `digest()` turns model objects into a key: the model is frozen dataclasses, whose
repr spells out every field, so two models with one digest are the same model.
"""

from __future__ import annotations

import contextlib
import os
import sys
import zoneinfo
from pathlib import Path

from newsletter import __version__
from newsletter.cache import add_files
from newsletter.layout import PACKAGE, TEMPLATES, packaged_templates

try:  # hashlib would load OpenSSL first (see newsletter/cache.py)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Pythons
    from hashlib import blake2b

_HEADER = "newsletter incremental build 1"


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
