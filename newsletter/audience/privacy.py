"""The two requests a person can make about the data held on them: to see all of it (an
access request) and to have it erased (`forget`).

What is held about a reader: their subscriber row and its history in the database, and
a row in the send journal of every issue sent to them (the per-issue SQLite files, or
the database itself when the journal is there). Erasure deletes all of it and leaves a
keyed hash of the address, so that it stays suppressed. Deleting a row is not enough in
SQLite, which keeps the bytes in free pages and in the write-ahead log: each file that
held the person is rewritten (`VACUUM`, with `secure_delete`) and its log emptied.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, text

from newsletter.audience.addresses import address_key
from newsletter.audience.database import Database, insert_ignoring
from newsletter.audience.schema import forgotten, history, send_recipient, subscriber
from newsletter.audience.subscribers import changes, find, forgotten_hash, is_forgotten, now
from newsletter.layout import journal_files

_KEY_COLUMN = "address"  # how every table of a send journal names its reader (lower-cased)
_TIMEOUT = 10.0  # seconds to wait for a send that holds a journal


def held_about(root: Path, database: Database, address: str) -> dict[str, Any] | None:
    """Everything held about `address` (any case), or None when nothing is (not even the
    hash of a forgotten address)."""
    key = address_key(address)
    with database.reading() as connection:
        found = find(connection, address)
        history_rows = changes(connection, found) if found is not None else []
        gone = is_forgotten(database, connection, address)
        rows = connection.execute(select(send_recipient).where(send_recipient.c.address == key))
        shared = [{"journal": database.label, **row._asdict()} for row in rows]
    sends = [*shared, *_journal_rows(root, key)]
    if found is None and not sends and not gone:
        return None
    held: dict[str, Any] = {"email": address, "status": None}
    if found is not None:
        held = {
            "email": found.email,
            "name": found.name,
            "status": found.status.value,
            "source": found.source,
            "created": found.created,
            "changed": found.changed,
            "history": [
                {"at": c.at, "status": c.status.value, "source": c.source, "note": c.note}
                for c in history_rows
            ],
        }
    held["forgotten"] = gone
    held["sends"] = sends
    return held


@dataclass
class Erasure:
    """What `forget` found and erased."""

    subscriber: bool = False
    history: int = 0
    shared: int = 0  # rows of the send journal in the database (PostgreSQL)
    journals: list[str] = field(default_factory=list)  # root-relative paths
    in_use: list[str] = field(default_factory=list)  # files whose log could not be emptied


def forget(root: Path, database: Database, address: str) -> Erasure:
    """Erase `address` from the database and every send journal, and keep its hash."""
    key = address_key(address)
    erasure = Erasure()
    with database.writing() as connection:
        found = find(connection, address)
        if found is not None:
            erasure.subscriber = True
            erasure.history = connection.execute(
                delete(history).where(history.c.subscriber_id == found.id)
            ).rowcount
            connection.execute(delete(subscriber).where(subscriber.c.id == found.id))
        erasure.shared = connection.execute(
            delete(send_recipient).where(send_recipient.c.address == key)
        ).rowcount
        connection.execute(
            insert_ignoring(connection, forgotten).values(
                hash=forgotten_hash(database, address), at=now()
            )
        )
    if erasure.subscriber or erasure.shared:
        erasure.in_use += _scrub_database(database)
    for journal in journal_files(root):
        name = journal.relative_to(root).as_posix()
        deleted, busy = _erase_from_journal(journal, key)
        if deleted:
            erasure.journals.append(name)
        if busy:
            erasure.in_use.append(name)
    return erasure


def _scrub_database(database: Database) -> list[str]:
    """Rewrite the database's files without the deleted rows' bytes; the files that
    another process keeps from being emptied."""
    path = database.location.path
    if path is None:
        # PostgreSQL: VACUUM frees the deleted rows' space for reuse; the bytes leave the
        # files as the pages are rewritten (docs/audience.md, erasure).
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text(f"VACUUM {subscriber.name}, {history.name}, {send_recipient.name}"))
        return []
    database.close()  # only the connection below has the file open: none of ours waits
    with _sqlite(path) as connection:
        return [] if _rewrite(connection) else [database.label]


def _erase_from_journal(path: Path, key: str) -> tuple[int, bool]:
    """Delete `key`'s rows from every table of the journal at `path` that names readers;
    (rows deleted, whether its log could not be emptied)."""
    with _sqlite(path) as connection:
        deleted = 0
        for table in _tables_with_key(connection):
            cursor = connection.execute(f'DELETE FROM "{table}" WHERE {_KEY_COLUMN} = ?', (key,))
            deleted += cursor.rowcount
        return deleted, bool(deleted) and not _rewrite(connection)


def _journal_rows(root: Path, key: str) -> Iterator[dict[str, Any]]:
    """The rows about `key` in every send journal, each with the journal's path."""
    for path in journal_files(root):
        try:
            with _sqlite(path, read_only=True) as connection:
                connection.row_factory = sqlite3.Row
                for table in _tables_with_key(connection):
                    query = f'SELECT * FROM "{table}" WHERE {_KEY_COLUMN} = ?'
                    for row in connection.execute(query, (key,)):
                        yield {"journal": path.relative_to(root).as_posix(), **dict(row)}
        except sqlite3.DatabaseError:
            continue  # not a journal: it holds nobody


def _tables_with_key(connection: sqlite3.Connection) -> list[str]:
    """The tables of a journal that name readers."""
    names = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return [
        table
        for (table,) in names.fetchall()
        if _KEY_COLUMN in {row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')}
    ]


def _rewrite(connection: sqlite3.Connection) -> bool:
    """Rebuild the file from its live rows and empty its write-ahead log; False when
    another connection keeps the log from being emptied."""
    connection.execute("VACUUM")
    busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return not busy


@contextlib.contextmanager
def _sqlite(path: Path, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    uri = f"{path.as_uri()}?mode=ro" if read_only else path.as_uri()
    connection = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=_TIMEOUT)
    try:
        connection.execute("PRAGMA secure_delete=ON")
        yield connection
    finally:
        connection.close()
