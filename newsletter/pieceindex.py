"""The index of the pieces of files: each piece's key, and each of its files' size and
digest (as the output's manifest records them).

The files themselves are not kept twice: the output folder holds them, and its manifest
vouches for their bytes. A build that finds a piece's key unchanged takes the piece as
`Known` files when an output folder (the one built into, or the newsletter's own
`public/`, which `serve`'s preview starts from) holds every one of them with the digest
the index records; otherwise the piece is rendered again, with the missing ones.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from newsletter.output.manifest import Content, Entry, Known, Manifest, read_manifest
from newsletter.output.manifest import digest as file_entry_digest
from newsletter.output.staging import Written
from newsletter.store import Store

Files = dict[str, bytes]
Made = dict[str, Content]  # a piece's files, as the writer takes them


class PieceIndex:
    """Each piece of files by its key, with each file's size and digest and a small
    extra (an email's budget), and the output folders that may hold the files.

    A piece found here is handed to the writer as `Known` files, whose bytes are read
    from the folder that holds them only when the writer needs them (to write another
    folder); a file changed there meanwhile is noticed by its digest, and the piece is
    rendered again, so what is written is always what a cold build writes. The index
    itself is one piece in the store, under the program's key.
    """

    def __init__(self, store: Store, program: str, outputs: Sequence[Path] = ()) -> None:
        """`outputs`: the folders where a piece's files may be found, in that order."""
        self.store, self.program = store, program
        found = store.get("index", "files", program)
        self.held: dict[tuple[str, str], tuple[str, dict[str, Entry], object]]
        self.held = found if isinstance(found, dict) else {}
        self.changed = False
        self.outputs = [_Output(str(folder)) for folder in outputs]

    def known(
        self, kind: str, name: str, key: str, render: Callable[[], Files | None]
    ) -> Made | None:
        """The files of the piece `kind/name` made under `key`, when an output folder
        holds them all; None if it does not, or the piece was made from another key."""
        held = self.held.get((kind, name))
        if held is None or held[0] != key:
            return None
        where = {}
        for file, entry in held[1].items():
            folder = next((output for output in self.outputs if output.holds(file, entry)), None)
            if folder is None:
                return None
            where[file] = folder
        load = _Loaded({file: folder.path for file, folder in where.items()}, held[1], render)
        return {
            file: Known(entry, load, file, where[file].seal()) for file, entry in held[1].items()
        }

    def extra(self, kind: str, name: str) -> object:
        """What was recorded with the piece `kind/name` besides its files."""
        held = self.held.get((kind, name))
        return held[2] if held is not None else None

    def put(
        self,
        kind: str,
        name: str,
        key: str,
        files: Files | Written,
        extra: object = None,
        render: Callable[[], Files | None] = lambda: None,
    ) -> Made:
        """Record `files` as the piece `kind/name` made under `key`; the same files, with
        the digests the writer would otherwise compute again. `Written` files are read
        back from their folder if the writer needs their bytes (`render`, which makes the
        piece again, when one changed there meanwhile)."""
        if isinstance(files, Written):
            entries = {file: entry for file, (_, entry) in files.files.items()}
            load: Callable[[], Files] = _Loaded(
                dict.fromkeys(entries, files.spare), entries, render
            )
        else:
            entries = {
                file: Entry(len(data), file_entry_digest(data)) for file, data in files.items()
            }
            load = functools.partial(_data, files)
        self.held[(kind, name)] = (key, entries, extra)
        self.changed = True
        return {file: Known(entry, load, file) for file, entry in entries.items()}

    def keep_only(self, kind: str, names: set[str]) -> None:
        """Forget the pieces of `kind` not named in `names` (a deleted issue's)."""
        for held in [held for held in self.held if held[0] == kind and held[1] not in names]:
            del self.held[held]
            self.changed = True

    def save(self) -> None:
        """Store the index, if this build changed it."""
        if self.changed:
            self.store.put("index", "files", self.program, self.held)


class _Output:
    """An output folder, whose manifest (read on the first question) vouches for the
    bytes of the files a build wrote there."""

    __slots__ = ("manifest", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.manifest: Manifest | None = None

    def seal(self) -> object:
        """The manifest's seal (`Manifest.seal`), which the writer checks again."""
        return self.manifest.seal if self.manifest is not None else None

    def holds(self, name: str, entry: Entry) -> bool:
        """Whether the folder's file `name` has the size and digest of `entry`."""
        if self.manifest is None:
            self.manifest = read_manifest(Path(self.path))
        if name not in self.manifest.entries:  # most files of a fresh folder: no stat
            return False
        return self.manifest.vouches(self.path, name, entry) is True


class _Loaded:
    """A known piece's files, read on the first call from the folders that held them
    (each checked against its digest; rendered again if one changed since) and kept.
    (`functools.cache` of a partial cost a nothing-changed build of 400 issues 0.03 s,
    made for every piece.)"""

    __slots__ = ("entries", "files", "render", "where")

    def __init__(
        self, where: dict[str, str], entries: dict[str, Entry], render: Callable[[], Files | None]
    ) -> None:
        self.where, self.entries, self.render = where, entries, render
        self.files: Files | None = None

    def __call__(self) -> Files:
        if self.files is None:
            files = {name: _read(os.path.join(folder, name)) for name, folder in self.where.items()}
            if all(_matches(files[name], entry) for name, entry in self.entries.items()):
                self.files = {name: data for name, data in files.items() if data is not None}
            else:
                made = self.render()
                assert made is not None
                self.files = made
        return self.files


def _read(file: str) -> bytes | None:
    try:
        with open(file, "rb") as stream:
            return stream.read()
    except OSError:
        return None


def _matches(data: bytes | None, entry: Entry) -> bool:
    return data is not None and len(data) == entry.size and file_entry_digest(data) == entry.digest


def _data(files: Files) -> Files:
    return files
