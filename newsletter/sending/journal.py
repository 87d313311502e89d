"""The journal of a send: one SQLite file per issue, next to its content
(`content/issues/062/.send.sqlite`), holding each recipient's state.

    pending      not handed over yet (new, or the server answered 4xx: it took nothing)
    handed-over  recorded, durably, just before the final dot of DATA: from here on the
                 server may have the message. A recipient still in this state when a
                 send starts is an *unknown outcome*: the process stopped between
                 handing the message over and recording the server's answer.
    delivered    the server answered 2xx to the final dot
    failed       the server answered 5xx: never retried

Only `hand_over` moves a recipient out of `pending`, and only when it is still pending,
in one statement: of several processes sharing the journal exactly one wins, and a
message is finished (its final dot sent) only after that record is on disk
(synchronous=FULL). The answers are recorded with synchronous=NORMAL: they survive the
process being killed, and the next durable record carries them to the disk; power lost
in between turns a few of them back into unknown outcomes, never into a second copy.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from newsletter.errors import UsageError
from newsletter.layout import JOURNAL_NAME

_FORMAT = 1
_BATCH = 500  # addresses a lookup names at once (SQLite allows 999 parameters at the least)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS recipient (
    address TEXT PRIMARY KEY,          -- lower-cased
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'handed-over', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,  -- times handed over
    reply TEXT,                        -- the server's last answer about it
    changed TEXT                       -- when the state last changed (UTC)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS setting (name TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
"""


class State(StrEnum):
    """A recipient's state (see the module docstring)."""

    PENDING = "pending"
    HANDED_OVER = "handed-over"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Entry:
    """What the journal holds about one recipient."""

    state: State
    reply: str | None  # the server's last answer about it


class SendJournal(Protocol):
    """Where a send keeps each recipient's state: this module's SQLite file per issue, or
    the subscribers database when it is PostgreSQL (`shared_journal`). Both keep the
    rules of the module docstring."""

    def add(self, keys: Iterable[str]) -> None:
        """Every address of the list not in the journal yet, as pending (durably)."""

    def entries(self, keys: Sequence[str]) -> dict[str, Entry]:
        """What the journal holds about those of `keys` it knows (a batch of a list)."""

    def hand_over(self, key: str) -> bool:
        """Record, durably, that `key`'s message is about to be finished; False when it
        is not pending any more (another process has it)."""

    def delivered(self, key: str, reply: str) -> None:
        """The server took `key`'s message (2xx after the final dot)."""

    def failed(self, key: str, reply: str) -> None:
        """The server refused `key` for good (5xx)."""

    def release(self, key: str, reply: str) -> None:
        """Back to pending: the server answered 4xx to the final dot."""

    def note(self, key: str, reply: str) -> None:
        """The last temporary refusal of a pending recipient."""

    def reopen(self, keys: Iterable[str]) -> None:
        """Unknown outcomes back to pending (`--resend-unknown`)."""

    def setting(self, name: str) -> str | None:
        """A value the send keeps about itself."""

    def set_setting(self, name: str, value: str) -> None:
        """Keep `value` under `name`."""

    def close(self) -> None:
        """Let go of the journal."""


class Journal:
    """The journal at `path`; created (with its folder entry synced) when missing."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection

    @classmethod
    def open(cls, path: Path) -> Journal:
        """The journal at `path`, for sending; `UsageError` when it cannot be used."""
        try:
            # The list's addresses are personal data: the journal (and the -wal and -shm
            # files SQLite gives the same mode) is for its owner's eyes only.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass
        except OSError as error:
            raise UsageError(f"the journal {path} cannot be created: {error.strerror}") from None
        try:
            connection = sqlite3.connect(path, isolation_level=None, timeout=30.0)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, _FORMAT):
                raise UsageError(f"{path} was written by a newer newsletter (format {version})")
            connection.executescript(_SCHEMA)
            connection.execute(f"PRAGMA user_version={_FORMAT}")
            connection.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.DatabaseError as error:
            raise UsageError(f"the journal {path} cannot be used: {error}") from None
        # The write above made the file and its write-ahead log: their names in the
        # folder must survive a power loss as surely as what is written into them.
        _sync_folder(path.parent)
        return cls(path, connection)

    @classmethod
    def read(cls, path: Path) -> Journal | None:
        """The journal at `path` opened read-only (for a dry run), or None when there is none."""
        if not path.exists():
            return None
        try:
            connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None)
            connection.execute("SELECT 1 FROM recipient LIMIT 1")
        except sqlite3.DatabaseError as error:
            raise UsageError(f"the journal {path} cannot be read: {error}") from None
        return cls(path, connection)

    def close(self) -> None:
        """Close the database (SQLite folds the write-ahead log back into the file)."""
        self._db.close()

    def add(self, keys: Iterable[str]) -> None:
        """Every address of the list not in the journal yet, as pending (durably), in one
        transaction however long the list."""
        now = _now()
        self._durable_many(
            "INSERT OR IGNORE INTO recipient (address, changed) VALUES (?, ?)",
            ((key, now) for key in keys),
        )

    def entries(self, keys: Sequence[str]) -> dict[str, Entry]:
        """What the journal holds about those of `keys` it knows."""
        found: dict[str, Entry] = {}
        for start in range(0, len(keys), _BATCH):
            batch = keys[start : start + _BATCH]
            rows = self._db.execute(
                "SELECT address, state, reply FROM recipient "
                f"WHERE address IN ({', '.join('?' * len(batch))})",
                batch,
            )
            found.update((address, Entry(State(state), reply)) for address, state, reply in rows)
        return found

    def states(self) -> dict[str, State]:
        """The state of every recipient the journal knows."""
        rows = self._db.execute("SELECT address, state FROM recipient")
        return {address: State(state) for address, state in rows}

    def hand_over(self, key: str) -> bool:
        """Record, durably, that `key`'s message is about to be finished; False when it is
        not pending any more (another process has it): the message must not be finished."""
        cursor = self._durable(
            "UPDATE recipient SET state = 'handed-over', attempts = attempts + 1, changed = ? "
            "WHERE address = ? AND state = 'pending'",
            (_now(), key),
        )
        return cursor.rowcount == 1

    def delivered(self, key: str, reply: str) -> None:
        """The server took `key`'s message (2xx after the final dot)."""
        self._set(key, State.DELIVERED, reply)

    def failed(self, key: str, reply: str) -> None:
        """The server refused `key` for good (5xx)."""
        self._set(key, State.FAILED, reply)

    def release(self, key: str, reply: str) -> None:
        """Back to pending: the server answered 4xx to the final dot and took nothing."""
        self._set(key, State.PENDING, reply)

    def note(self, key: str, reply: str) -> None:
        """The last temporary refusal of a pending recipient, for the summary."""
        self._db.execute("UPDATE recipient SET reply = ? WHERE address = ?", (reply, key))

    def reopen(self, keys: Iterable[str]) -> None:
        """Unknown outcomes back to pending, to be sent again (`--resend-unknown`)."""
        now = _now()
        self._durable_many(
            "UPDATE recipient SET state = 'pending', changed = ? "
            "WHERE address = ? AND state = 'handed-over'",
            [(now, key) for key in keys],
        )

    def setting(self, name: str) -> str | None:
        """A value the send keeps about itself (`message`: the digest of the issue sent)."""
        row = self._db.execute("SELECT value FROM setting WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, name: str, value: str) -> None:
        """Keep `value` under `name` (see `setting`)."""
        self._db.execute("INSERT OR REPLACE INTO setting VALUES (?, ?)", (name, value))

    def _set(self, key: str, state: State, reply: str) -> None:
        self._db.execute(
            "UPDATE recipient SET state = ?, reply = ?, changed = ? WHERE address = ?",
            (state.value, reply, _now(), key),
        )

    def _durable(self, sql: str, parameters: tuple[str, ...]) -> sqlite3.Cursor:
        """Run `sql` as a transaction that is on disk when this returns."""
        self._db.execute("PRAGMA synchronous=FULL")
        try:
            return self._db.execute(sql, parameters)
        finally:
            self._db.execute("PRAGMA synchronous=NORMAL")

    def _durable_many(self, sql: str, rows: Iterable[tuple[str, str]]) -> None:
        """Run `sql` for each of `rows` in one transaction that is on disk when this returns."""
        self._db.execute("PRAGMA synchronous=FULL")
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(sql, rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        finally:
            self._db.execute("PRAGMA synchronous=NORMAL")


def journal_path(root: Path, issue_source: str) -> Path:
    """The journal of the issue whose issue.yaml is at `issue_source` (root-relative)."""
    return root / issue_source.rsplit("/", 1)[0] / JOURNAL_NAME


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _sync_folder(folder: Path) -> None:
    """Make a new file's name in `folder` survive a power loss."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
