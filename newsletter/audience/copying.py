"""Copying the whole database into another, empty one: how a list moves from the SQLite
file to PostgreSQL (or back) without losing a status, a history row or a forgotten
address.

An import of `subscribers list` would not do: it makes every address active, the
unsubscribed among them. The copy keeps every row as it is, ids included, and the key of
the forgotten addresses' hashes, without which they could be imported again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, func, select, text

from newsletter.audience.database import Database
from newsletter.audience.schema import (
    forgotten,
    history,
    send_recipient,
    send_setting,
    setting,
    subscriber,
)
from newsletter.errors import RefusedError

_PAGE = 5000  # rows read and written at once
# Parents before children (history refers to subscribers).
_TABLES = (subscriber, history, forgotten, send_recipient, send_setting)


@dataclass(frozen=True, slots=True)
class Copied:
    """How many rows of each table went across."""

    rows: dict[str, int]


def copy_database(source: Database, target: Database) -> Copied:
    """Every row of `source` into `target`, which must hold no subscriber, forgotten
    address or journal yet (`RefusedError` otherwise): one transaction, so that a copy
    that fails leaves `target` empty."""
    counts: dict[str, int] = {}
    with target.writing() as writer:
        for table in _TABLES:
            if writer.execute(select(func.count()).select_from(table)).scalar_one():
                raise RefusedError(
                    f"{target.label} is not empty (its {table.name} table has rows): the "
                    "copy goes into a new, empty database only"
                )
        writer.execute(
            setting.update().where(setting.c.name == "forget_key"),
            {"value": source.key.decode("ascii")},
        )
        for table in _TABLES:
            counts[table.name] = 0
            for page in _pages(source, table):
                writer.execute(table.insert(), page)
                counts[table.name] += len(page)
        if writer.dialect.name == "postgresql":
            _advance_sequences(writer)
    target.key = source.key
    return Copied(counts)


def _pages(database: Database, table: Table) -> Iterator[list[dict[str, Any]]]:
    """The rows of `table`, a page at a time, in the order of its primary key."""
    key = list(table.primary_key.columns)
    offset = 0
    while True:
        query = select(table).order_by(*key).limit(_PAGE).offset(offset)
        with database.reading() as connection:
            page = [dict(row._mapping) for row in connection.execute(query)]
        if page:
            yield page
        if len(page) < _PAGE:
            return
        offset += _PAGE


def _advance_sequences(connection: Connection) -> None:
    """PostgreSQL draws new ids from a sequence, which rows given ids do not move."""
    for table in (subscriber, history):
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
            )
        )
