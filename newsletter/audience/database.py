"""Where the subscribers database is, and the connection to it.

A URL names it: `sqlite:///path/to/file.sqlite` or `postgresql://user@host:port/dbname`
(the password in the URL or in `PGPASSWORD`), from `--database` or the environment
variable `NEWSLETTER_DATABASE_URL`; by default the SQLite file `subscribers.sqlite` at
the newsletter folder's root, made readable by its owner only. Opening a database brings
its schema up to date (`migrations`).

SQLite connections run with `secure_delete` on, so that a deleted row's bytes are
overwritten rather than left in free pages, and in WAL mode, so that a `send` reading the
list never blocks a command changing it; writes take the lock when they begin
(`BEGIN IMMEDIATE`), so two writers wait for each other instead of failing.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    Text,
    any_,
    bindparam,
    create_engine,
    event,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.sql.dml import Insert

from newsletter.errors import DatabaseError, UsageError
from newsletter.layout import DATABASE_PATH, DEFAULT_OUTPUT, SOURCE_FOLDERS

DATABASE_VARIABLE = "NEWSLETTER_DATABASE_URL"
_FORMS = "sqlite:///path/to/file.sqlite or postgresql://user@host:port/dbname"
_TIMEOUT = 30  # seconds a writer waits for another one (SQLite) or for a connection
_WRITE = "newsletter_write"  # the execution option of a connection that will write


@dataclass(frozen=True, slots=True)
class Location:
    """A database's URL, and how messages name it."""

    url: URL
    label: str  # the file as given, or the URL without its password
    path: Path | None = None  # the SQLite file
    default: bool = False  # the newsletter folder's own file, not named by the editor

    @property
    def postgresql(self) -> bool:
        return self.path is None

    @property
    def exists(self) -> bool:
        """Whether there is a database there (a PostgreSQL one is assumed to exist)."""
        return self.path is None or self.path.exists()


def locate(root: Path, url: str | None) -> Location:
    """The database named by `url`, or the newsletter folder's own; `UsageError` for a URL
    that names neither kind, or an SQLite file where it would be committed or published."""
    if url is None:
        path = root / DATABASE_PATH
        return Location(URL.create("sqlite", database=str(path)), DATABASE_PATH, path, True)
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        raise UsageError(f"--database {url!r} is not a database URL: {_FORMS}") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise UsageError(f"--database {url!r} names no file: {_FORMS}")
        path = Path(parsed.database or "")
        _refuse_published(root, path)
        return Location(parsed.set(drivername="sqlite"), str(path), path)
    if parsed.get_backend_name() in ("postgresql", "postgres"):
        label = parsed.set(drivername="postgresql").render_as_string(hide_password=True)
        return Location(parsed.set(drivername="postgresql+psycopg"), label)
    raise UsageError(f"--database {url!r} is neither SQLite nor PostgreSQL: {_FORMS}")


def _refuse_published(root: Path, path: Path) -> None:
    where = path.resolve()
    for folder in (*SOURCE_FOLDERS, DEFAULT_OUTPUT):
        if where.is_relative_to(root.resolve() / folder):
            raise UsageError(
                f"the database {str(path)!r} is inside {folder}/, which is committed or "
                f"published: keep the list outside it (the default is {DATABASE_PATH})"
            )


class Database:
    """An open subscribers database."""

    def __init__(self, location: Location, engine: Engine) -> None:
        self.location = location
        self.engine = engine
        self.key = b""  # of the forgotten addresses' hashes; set when the schema is checked
        self.upgraded: tuple[int, int] | None = None  # (from, to) when opening upgraded it

    @property
    def label(self) -> str:
        return self.location.label

    @property
    def shared(self) -> bool:
        """Whether others than its owner can read the SQLite file."""
        path = self.location.path
        return path is not None and bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection in a transaction that sees one state of the database."""
        with self._errors(), self.engine.connect() as connection, connection.begin():
            yield connection

    @contextlib.contextmanager
    def writing(self) -> Iterator[Connection]:
        """A connection in a transaction that holds the write lock from its start, and
        commits when the block ends without an exception."""
        with (
            self._errors(),
            self.engine.connect().execution_options(**{_WRITE: True}) as connection,
            connection.begin(),
        ):
            yield connection

    def close(self) -> None:
        """Close every connection."""
        self.engine.dispose()

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except DBAPIError as error:
            raise DatabaseError(f"the database {self.label}: {_reason(error)}") from None


def among(
    connection: Connection, column: ColumnElement[str], values: Sequence[str]
) -> ColumnElement[bool]:
    """`column` is one of `values`: in PostgreSQL one array parameter (`= ANY`), so the
    statement stays short and the same whatever the count; in SQLite an IN list."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(Text)))
    return column.in_(values)


def insert_ignoring(connection: Connection, table: Table) -> Insert:
    """An INSERT into `table` that skips a row whose key is taken (ON CONFLICT DO NOTHING in
    the connection's dialect)."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def connect(location: Location, create: bool = True) -> Database:
    """The database at `location`, not yet checked (`migrations.open_database` does that);
    an SQLite file is made, mode 0600, when `create` allows it."""
    if location.path is not None:
        _make_file(location, create)
        engine = create_engine(location.url, connect_args={"timeout": _TIMEOUT})
        event.listen(engine, "connect", _sqlite_connection)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(
            location.url, connect_args={"connect_timeout": _TIMEOUT}, pool_pre_ping=False
        )
    return Database(location, engine)


def _make_file(location: Location, create: bool) -> None:
    path = location.path
    assert path is not None
    if path.exists():
        return
    if not create:
        raise UsageError(f"there is no subscribers database at {location.label}")
    try:
        # The list is personal data: the file (and the -wal and -shm files SQLite gives
        # the same mode) is for its owner's eyes only.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # another command made it first
    except OSError as error:
        raise UsageError(
            f"the database {location.label} cannot be created: {error.strerror}"
        ) from None


def _sqlite_connection(connection: Any, record: Any) -> None:
    connection.isolation_level = None  # transactions are begun by `_sqlite_begin`
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "secure_delete=ON", "foreign_keys=ON"):
        connection.execute(f"PRAGMA {pragma}")


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _reason(error: DBAPIError) -> str:
    text = " ".join(str(error.orig).split()) if error.orig is not None else str(error)
    return text or type(error.orig).__name__
