"""The subscribers one by one: adding, removing, looking up and importing them, and the
suppression that keeps an address that left, bounced, complained or was forgotten from
ever being mailed again.

Every change adds a row to the history (its time, the new status and its source); no
history row is ever changed. An address is one person whatever its case: its key is the
lower-cased address, unique in the database.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Integer, Text, bindparam, func, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.selectable import TableValuedAlias

from newsletter.audience.addresses import address_key, clean_name
from newsletter.audience.database import Database, among, insert_ignoring
from newsletter.audience.importing import Row
from newsletter.audience.schema import Status, forgotten, history, subscriber
from newsletter.errors import RefusedError

BATCH = 500  # addresses a statement looks up or inserts at once


@dataclass(frozen=True, slots=True)
class Subscriber:
    """One subscriber, as the database holds them."""

    id: int
    email: str
    name: str
    status: Status
    created: str
    changed: str
    source: str  # where they came from (their first history row's source)

    @property
    def key(self) -> str:
        """The address lower-cased: how the database tells one person from another."""
        return address_key(self.email)


@dataclass(frozen=True, slots=True)
class Change:
    """One row of a subscriber's history."""

    at: str
    status: Status
    source: str
    note: str = ""


@dataclass
class Imported:
    """What an import did, row by row."""

    added: int = 0
    already: int = 0  # on the list already (or earlier in the file)
    suppressed: int = 0  # left, bounced, complained or forgotten: not added back


def now() -> str:
    """The time of a change, as the database keeps it."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def forgotten_hash(database: Database, address: str) -> str:
    """The keyed hash that stands for a forgotten address."""
    message = b"forgotten:" + address_key(address).encode("utf-8")
    return hmac.new(database.key, message, hashlib.sha256).hexdigest()


def find(connection: Connection, address: str) -> Subscriber | None:
    """The subscriber of `address` (any case), or None."""
    row = connection.execute(
        select(*COLUMNS).where(subscriber.c.email_key == address_key(address))
    ).first()
    return None if row is None else subscriber_of(row)


def is_forgotten(database: Database, connection: Connection, address: str) -> bool:
    """Whether `address` was forgotten (and so stays suppressed)."""
    wanted = forgotten_hash(database, address)
    found = connection.execute(select(forgotten.c.hash).where(forgotten.c.hash == wanted))
    return found.first() is not None


def add(database: Database, address: str, name: str, source: str) -> str:
    """Make `address` active (the editor vouches for it); what happened, in words.
    `RefusedError` when the address is suppressed: only the person can come back."""
    with database.writing() as connection:
        if is_forgotten(database, connection, address):
            raise RefusedError(
                f"{address} was forgotten at the person's request and stays suppressed: it is "
                "not added back (only they can subscribe again, through the form)"
            )
        found = find(connection, address)
        if found is None:
            insert_new(connection, [Row(0, address, name)], Status.ACTIVE, source)
            return f"Added {address} (active)."
        if found.status.suppressed:
            raise RefusedError(
                f"{found.email} is {found.status} (since {found.changed}) and stays suppressed: "
                "it is not added back (only the person can subscribe again, through the form)"
            )
        if found.status is Status.PENDING:
            record_change(connection, found, Status.ACTIVE, source, name=name or found.name)
            return f"{found.email} was pending (not confirmed): it is active now."
        if name and name != found.name:
            record_change(connection, found, Status.ACTIVE, source, name=name, note="name changed")
            return f"{found.email} is active already; its name is now {name!r}."
        return f"{found.email} is active already."


def remove(database: Database, address: str, source: str) -> str:
    """Make `address` unsubscribed; what happened, in words. An address not on the list
    is recorded as unsubscribed, so that no import adds it later."""
    with database.writing() as connection:
        if is_forgotten(database, connection, address):
            return f"{address} was forgotten: it is suppressed already."
        found = find(connection, address)
        if found is None:
            insert_new(connection, [Row(0, address, "")], Status.UNSUBSCRIBED, source)
            return (
                f"{address} was not on the list: it is recorded as unsubscribed, so that no "
                "import adds it."
            )
        if found.status.suppressed:
            return f"{found.email} is {found.status} already: it is not mailed."
        record_change(connection, found, Status.UNSUBSCRIBED, source)
        return f"{found.email} is unsubscribed: it will not be mailed again."


def import_rows(database: Database, rows: Iterable[Row], source: str) -> Imported:
    """Add each new address of `rows` as active; the repeated (any case), those already
    on the list and the suppressed are counted and left as they are."""
    result = Imported()
    first: dict[str, Row] = {}
    for row in rows:
        if first.setdefault(address_key(row.address), row) is not row:
            result.already += 1
    unique = list(first.values())
    for start in range(0, len(unique), BATCH):
        batch = unique[start : start + BATCH]
        with database.writing() as connection:
            statuses = _statuses(connection, [address_key(row.address) for row in batch])
            gone = _forgotten_among(database, connection, [row.address for row in batch])
            new: list[Row] = []
            for row in batch:
                status = statuses.get(address_key(row.address))
                if row.address in gone or (status is not None and status.suppressed):
                    result.suppressed += 1
                elif status is not None:
                    result.already += 1
                else:
                    new.append(row)
            added = insert_new(connection, new, Status.ACTIVE, source)
        result.added += len(added)
        result.already += len(new) - len(added)  # added by another process meanwhile
    return result


def suppressed_among(database: Database, addresses: Collection[str]) -> set[str]:
    """The keys of those of `addresses` that are suppressed (left, bounced, complained or
    forgotten)."""
    found: set[str] = set()
    listed = list(addresses)
    for start in range(0, len(listed), BATCH):
        batch = listed[start : start + BATCH]
        with database.reading() as connection:
            statuses = _statuses(connection, [address_key(address) for address in batch])
            found |= {key for key, status in statuses.items() if status.suppressed}
            gone = _forgotten_among(database, connection, batch)
            found |= {address_key(address) for address in gone}
    return found


def changes(connection: Connection, found: Subscriber) -> list[Change]:
    """The history of `found`, oldest first."""
    rows = connection.execute(
        select(history.c.at, history.c.status, history.c.source, history.c.note)
        .where(history.c.subscriber_id == found.id)
        .order_by(history.c.id)
    )
    return [Change(at, Status(status), source, note) for at, status, source, note in rows]


# A subscriber's columns, in the order `subscriber_of` reads them.
COLUMNS = (
    subscriber.c.id,
    subscriber.c.email,
    subscriber.c.name,
    subscriber.c.status,
    subscriber.c.created,
    subscriber.c.changed,
    subscriber.c.source,
    subscriber.c.email_key,  # last, for `_by_key`
)


def subscriber_of(row: Sequence[Any]) -> Subscriber:
    """The subscriber of a row of `COLUMNS`."""
    id_, email, name, status, created, changed, source, _ = row
    return Subscriber(id_, email, name, Status(status), created, changed, source)


def _statuses(connection: Connection, keys: list[str]) -> dict[str, Status]:
    rows = connection.execute(
        select(subscriber.c.email_key, subscriber.c.status).where(
            among(connection, subscriber.c.email_key, keys)
        )
    )
    return {key: Status(status) for key, status in rows}


def _forgotten_among(database: Database, connection: Connection, addresses: list[str]) -> set[str]:
    """Those of `addresses` that were forgotten."""
    hashes = {forgotten_hash(database, address): address for address in addresses}
    rows = connection.execute(
        select(forgotten.c.hash).where(among(connection, forgotten.c.hash, list(hashes)))
    )
    return {hashes[found] for (found,) in rows}


def insert_new(connection: Connection, rows: list[Row], status: Status, source: str) -> list[str]:
    """Insert the subscribers of `rows` (none of them known) with `status`, and their first
    history row; the keys of those inserted (another process may have been first)."""
    if not rows:
        return []
    at = now()
    constants = {"status": status.value, "created": at, "changed": at, "source": source}
    if connection.dialect.name == "postgresql":
        return _insert_arrays(connection, rows, constants)
    statement = insert_ignoring(connection, subscriber).returning(
        subscriber.c.id, subscriber.c.email_key
    )
    values = [
        {
            "email": row.address,
            "email_key": address_key(row.address),
            "name": clean_name(row.name),
            **constants,
        }
        for row in rows
    ]
    # One statement compiled once, sent as multi-row INSERTs ("insertmanyvalues").
    inserted = [(id_, key) for id_, key in connection.execute(statement, values)]
    connection.execute(
        history.insert(),
        [
            {"subscriber_id": id_, "at": at, "status": status.value, "source": source}
            for id_, _ in inserted
        ],
    )
    return [key for _, key in inserted]


def _insert_arrays(connection: Connection, rows: list[Row], constants: dict[str, str]) -> list[str]:
    """`insert_new` in PostgreSQL: each column an array parameter, which keeps the statements
    short and prepared once, where multi-row VALUES are thousands of parameters long and
    cost more to build than to run."""
    columns = _unnest(
        Text,
        email=[row.address for row in rows],
        email_key=[address_key(row.address) for row in rows],
        name=[clean_name(row.name) for row in rows],
    )
    given = [literal(value, Text).label(name) for name, value in constants.items()]
    inserted = connection.execute(
        postgresql.insert(subscriber)
        .from_select([*columns.c.keys(), *constants], select(*columns.c, *given))
        .on_conflict_do_nothing()
        .returning(subscriber.c.id, subscriber.c.email_key)
    ).all()
    ids = _unnest(Integer, subscriber_id=[id_ for id_, _ in inserted])
    kept = {name: constants[name] for name in ("status", "source")}
    at = literal(constants["created"], Text).label("at")
    given = [at, *(literal(value, Text).label(name) for name, value in kept.items())]
    connection.execute(
        history.insert().from_select(["subscriber_id", "at", *kept], select(*ids.c, *given))
    )
    return [key for _, key in inserted]


def _unnest(kind: type[Text] | type[Integer], **columns: Sequence[object]) -> TableValuedAlias:
    """The rows of `columns` (arrays of one length, of `kind`) as a table: PostgreSQL's
    unnest."""
    arrays = (bindparam(name, values, type_=ARRAY(kind)) for name, values in columns.items())
    return func.unnest(*arrays).table_valued(*columns).render_derived()


def record_change(
    connection: Connection,
    found: Subscriber,
    status: Status,
    source: str,
    name: str | None = None,
    note: str = "",
) -> None:
    """Give `found` a new status (and name), and the history its row."""
    at = now()
    values = {"status": status.value, "changed": at}
    if name is not None:
        values["name"] = clean_name(name)
    connection.execute(subscriber.update().where(subscriber.c.id == found.id).values(values))
    connection.execute(
        history.insert().values(
            subscriber_id=found.id, at=at, status=status.value, source=source, note=note
        )
    )
