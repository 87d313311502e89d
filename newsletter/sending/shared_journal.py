"""The journal of a send in the subscribers database, when it is PostgreSQL: one record
of the issue for every process that sends it, on one machine or several.

The rules are those of `journal` (its docstring): only `hand_over` takes a recipient out
of `pending`, with a conditional UPDATE that exactly one process can win (PostgreSQL
re-reads a row another transaction changed before deciding), committed durably
(synchronous_commit on) before the final dot of the message. The answers are committed
with synchronous_commit off: they survive the sending process being killed at once, as
the server has them, and a crash of the server itself at worst turns the last few back
into unknown outcomes, never into a second copy.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice

from sqlalchemy import ColumnElement, Connection, Executable, Update, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError

from newsletter.audience.database import Database, among
from newsletter.audience.schema import send_recipient, send_setting
from newsletter.errors import DatabaseError
from newsletter.sending.journal import Entry, State

_BATCH = 1000  # rows an INSERT or a lookup takes at once
_row = send_recipient.c


class SharedJournal:
    """The journal of issue `issue` in `database` (PostgreSQL)."""

    def __init__(self, database: Database, issue: int) -> None:
        self.database = database
        self.issue = issue
        # Two connections in autocommit, one a round trip per record: one commits
        # durably whatever the server's default, the other does not wait for the disk.
        self._durable = self._connect("on")
        self._quick = self._connect("off")

    def close(self) -> None:
        """Give the connections back to the pool as they came."""
        for connection in (self._durable, self._quick):
            with contextlib.suppress(DatabaseError):  # a server gone takes the setting along
                self._execute(connection, text("RESET synchronous_commit"))
            connection.close()

    def add(self, keys: Iterable[str]) -> None:
        """Every address of the list not in the journal yet, as pending, in one durable
        transaction however long the list."""
        now = _now()
        insert = postgresql.insert(send_recipient).on_conflict_do_nothing()
        with self.database.writing() as connection:
            for batch in batched(keys, _BATCH):
                rows = [{"issue": self.issue, "address": key, "changed": now} for key in batch]
                connection.execute(insert, rows)

    def entries(self, keys: Sequence[str]) -> dict[str, Entry]:
        """What the journal holds about those of `keys` it knows."""
        found: dict[str, Entry] = {}
        with self.database.reading() as connection:
            for batch in batched(keys, _BATCH):
                rows = connection.execute(
                    select(_row.address, _row.state, _row.reply).where(
                        _row.issue == self.issue, among(connection, _row.address, batch)
                    )
                )
                found.update((key, Entry(State(state), reply)) for key, state, reply in rows)
        return found

    def hand_over(self, key: str) -> bool:
        """Record, durably, that `key`'s message is about to be finished; False when it is
        not pending any more (another process has it)."""
        statement = self._update(key, _row.state == State.PENDING.value).values(
            state=State.HANDED_OVER.value, attempts=_row.attempts + 1, changed=_now()
        )
        return self._execute(self._durable, statement) == 1

    def delivered(self, key: str, reply: str) -> None:
        """The server took `key`'s message (2xx after the final dot)."""
        self._answer(key, State.DELIVERED, reply)

    def failed(self, key: str, reply: str) -> None:
        """The server refused `key` for good (5xx)."""
        self._answer(key, State.FAILED, reply)

    def release(self, key: str, reply: str) -> None:
        """Back to pending: the server answered 4xx to the final dot and took nothing."""
        self._answer(key, State.PENDING, reply)

    def note(self, key: str, reply: str) -> None:
        """The last temporary refusal of a pending recipient, for the summary."""
        self._execute(self._quick, self._update(key).values(reply=reply))

    def reopen(self, keys: Iterable[str]) -> None:
        """Unknown outcomes back to pending, to be sent again (`--resend-unknown`)."""
        now = _now()
        with self.database.writing() as connection:
            for key in keys:
                connection.execute(
                    self._update(key, _row.state == State.HANDED_OVER.value).values(
                        state=State.PENDING.value, changed=now
                    )
                )

    def setting(self, name: str) -> str | None:
        """A value the send keeps about itself (`message`: the digest of the issue sent)."""
        with self.database.reading() as connection:
            value = connection.execute(
                select(send_setting.c.value).where(
                    send_setting.c.issue == self.issue, send_setting.c.name == name
                )
            ).scalar()
        return None if value is None else str(value)

    def set_setting(self, name: str, value: str) -> None:
        """Keep `value` under `name` (see `setting`)."""
        insert = postgresql.insert(send_setting).values(issue=self.issue, name=name, value=value)
        with self.database.writing() as connection:
            connection.execute(
                insert.on_conflict_do_update(
                    index_elements=[send_setting.c.issue, send_setting.c.name],
                    set_={"value": insert.excluded.value},
                )
            )

    def _update(self, key: str, *conditions: ColumnElement[bool]) -> Update:
        return update(send_recipient).where(
            _row.issue == self.issue, _row.address == key, *conditions
        )

    def _answer(self, key: str, state: State, reply: str) -> None:
        statement = self._update(key).values(state=state.value, reply=reply, changed=_now())
        self._execute(self._quick, statement)

    def _connect(self, synchronous_commit: str) -> Connection:
        connection = self.database.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self._execute(connection, text(f"SET synchronous_commit TO {synchronous_commit}"))
        return connection

    def _execute(self, connection: Connection, statement: Executable) -> int:
        """Run `statement` as a transaction of its own; the rows it changed."""
        try:
            return connection.execute(statement).rowcount
        except DBAPIError as error:
            reason = " ".join(str(error.orig).split())
            raise DatabaseError(f"the send journal in {self.database.label}: {reason}") from None


def batched(items: Iterable[str], size: int) -> Iterator[list[str]]:
    """`items` in lists of `size` (itertools.batched is Python 3.12's)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
