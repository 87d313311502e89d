"""Reading the whole list: every subscriber (or every active one) by key, a page at a
time, and the counts by status and by source. No transaction is held open between
pages, so a long read never holds up a change to the list.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from newsletter.audience.database import Database
from newsletter.audience.schema import Status, forgotten, subscriber
from newsletter.audience.subscribers import COLUMNS, Subscriber, subscriber_of


def subscribers(database: Database, status: Status | None = None) -> Iterator[Subscriber]:
    """Every subscriber (with `status`), in the order of their keys, read in batches:
    never the whole list in memory, and no transaction held open in between."""
    for row in _by_key(database, COLUMNS, status):
        yield subscriber_of(row)


def active_readers(database: Database) -> Iterator[tuple[str, str]]:
    """The address and name of every active subscriber, as `subscribers` reads them but
    with only what `send` needs."""
    columns = (subscriber.c.email, subscriber.c.name, subscriber.c.email_key)
    for email, name, _ in _by_key(database, columns, Status.ACTIVE):
        yield email, name


_PAGE = 5000  # rows a query of `_by_key` reads


def _by_key(
    database: Database, columns: Sequence[ColumnElement[Any]], status: Status | None
) -> Iterator[Sequence[Any]]:
    """`columns` (the key last) of every subscriber with `status`, by key, a page at a
    time: each page a query of its own, after the last key of the one before."""
    after = ""
    while True:
        query = select(*columns).where(subscriber.c.email_key > after)
        if status is not None:
            query = query.where(subscriber.c.status == status.value)
        query = query.order_by(subscriber.c.email_key).limit(_PAGE)
        with database.reading() as connection:
            page = connection.execute(query).all()
        yield from page
        if len(page) < _PAGE:
            return
        after = page[-1][-1]


@dataclass(frozen=True, slots=True)
class Stats:
    """How many subscribers there are by status, and by where they came from."""

    by_status: dict[Status, int]
    by_source: dict[str, int]
    forgotten: int

    @property
    def total(self) -> int:
        """Every subscriber, whatever the status (the forgotten are no longer any)."""
        return sum(self.by_status.values())


def status_counts(database: Database) -> tuple[dict[Status, int], int]:
    """How many subscribers have each status, and how many addresses were forgotten."""
    with database.reading() as connection:
        return _status_counts(connection)


def _status_counts(connection: Connection) -> tuple[dict[Status, int], int]:
    counted = connection.execute(
        select(subscriber.c.status, func.count()).group_by(subscriber.c.status)
    )
    by_status = dict.fromkeys(Status, 0) | {Status(s): n for s, n in counted}
    gone = connection.execute(select(func.count()).select_from(forgotten)).scalar_one()
    return by_status, gone


def stats(database: Database) -> Stats:
    """The counts of the whole database."""
    with database.reading() as connection:
        by_status, gone = _status_counts(connection)
        sources = connection.execute(
            select(subscriber.c.source, func.count())
            .group_by(subscriber.c.source)
            .order_by(func.count().desc(), subscriber.c.source)
        )
        by_source = {source: count for source, count in sources}
    return Stats(by_status, by_source, gone)
