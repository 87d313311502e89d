"""The schema's versions: a new database gets the current schema (`schema`), an older one
is upgraded in place, step by step, in one transaction, by the first command that opens
it; a newer one is refused.

Each step takes a database of version N to N+1 and keeps every row. Its SQL is written
out here, as it was at that version, rather than derived from `schema` (which describes
only the current version); `tests/test_audience_migrations.py` holds every step to the
schema a new database gets.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy import Connection, inspect, select, text

from newsletter.audience.database import Database, Location, connect
from newsletter.audience.schema import metadata, setting
from newsletter.errors import DatabaseError

CURRENT = 4
_LOCK = 7_420_913  # PostgreSQL advisory lock of the schema's creation and upgrades


def _version_2(connection: Connection) -> None:
    """The send journal in the database (for PostgreSQL); each subscriber's source, from
    their first history row; the index `send` reads the active subscribers by."""
    for statement in (
        "ALTER TABLE subscriber ADD COLUMN source TEXT DEFAULT '' NOT NULL",
        "UPDATE subscriber SET source = COALESCE((SELECT h.source FROM subscriber_history h "
        "WHERE h.subscriber_id = subscriber.id ORDER BY h.id LIMIT 1), '')",
        "CREATE INDEX subscriber_status_key ON subscriber (status, email_key)",
        "CREATE TABLE send_recipient (issue INTEGER NOT NULL, address TEXT NOT NULL, "
        "state TEXT DEFAULT 'pending' NOT NULL, attempts INTEGER DEFAULT 0 NOT NULL, "
        "reply TEXT, changed TEXT, PRIMARY KEY (issue, address), "
        "CONSTRAINT send_recipient_state "
        "CHECK (state IN ('pending', 'handed-over', 'delivered', 'failed')))",
        "CREATE TABLE send_setting (issue INTEGER NOT NULL, name TEXT NOT NULL, "
        "value TEXT NOT NULL, PRIMARY KEY (issue, name))",
    ):
        connection.execute(text(statement))


def _version_3(connection: Connection) -> None:
    """What `bounces` has read, and the soft bounces of each subscriber."""
    for statement in (
        "CREATE TABLE bounce_message (digest TEXT NOT NULL, message_id TEXT DEFAULT '' "
        "NOT NULL, at TEXT NOT NULL, outcome TEXT NOT NULL, PRIMARY KEY (digest))",
        "CREATE INDEX bounce_message_id ON bounce_message (message_id)",
        "CREATE TABLE soft_bounce (subscriber_id INTEGER NOT NULL, report TEXT NOT NULL, "
        "issue INTEGER, at TEXT NOT NULL, status TEXT DEFAULT '' NOT NULL, "
        "PRIMARY KEY (subscriber_id, report), "
        "FOREIGN KEY(subscriber_id) REFERENCES subscriber (id) ON DELETE CASCADE)",
    ):
        connection.execute(text(statement))


def _version_4(connection: Connection) -> None:
    """What the subscription service finds a subscriber by (their unsubscribe token's
    hash), and when it last sent them a confirmation."""
    connection.execute(
        text(
            "CREATE TABLE subscriber_link (subscriber_id INTEGER NOT NULL, "
            "unsubscribe_key TEXT NOT NULL, confirmation_sent TEXT, "
            "PRIMARY KEY (subscriber_id), UNIQUE (unsubscribe_key), "
            "FOREIGN KEY(subscriber_id) REFERENCES subscriber (id) ON DELETE CASCADE)"
        )
    )


# Version N -> N+1, by N.
UPGRADES: dict[int, Callable[[Connection], None]] = {
    1: _version_2,
    2: _version_3,
    3: _version_4,
}


def open_database(location: Location, create: bool = True) -> Database:
    """The database at `location`, its schema made or brought up to date; an SQLite file
    is made (mode 0600) when missing, unless `create` is False (then `UsageError`)."""
    database = connect(location, create)
    try:
        database.key = _bring_up_to_date(database)
    except BaseException:
        database.close()
        raise
    return database


def opening_notes(database: Database) -> list[str]:
    """What to tell about a database just opened: an upgrade it had, a file others can
    read."""
    notes = []
    if database.upgraded is not None:
        was, now = database.upgraded
        notes.append(f"Upgraded {database.label} from schema version {was} to {now}.")
    if database.shared:
        notes.append(f"warning: {database.label} can be read by others than you: chmod 600 it")
    return notes


def _bring_up_to_date(database: Database) -> bytes:
    """The key of the forgotten addresses' hashes, once the schema is current."""
    with database.reading() as connection:
        version, key = _version(database, connection)
    if version == CURRENT:
        return key
    with database.writing() as connection:
        if database.location.postgresql:
            connection.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _LOCK})
        version, key = _version(database, connection)  # another process may have done it
        if version is None:
            metadata.create_all(connection)
            key = secrets.token_hex(32).encode("ascii")
            connection.execute(setting.insert(), {"name": "forget_key", "value": key.decode()})
            connection.execute(setting.insert(), {"name": "version", "value": str(CURRENT)})
            return key
        if version == CURRENT:
            return key
        for step in range(version, CURRENT):
            UPGRADES[step](connection)
        connection.execute(
            setting.update().where(setting.c.name == "version"), {"value": str(CURRENT)}
        )
    database.upgraded = (version, CURRENT)
    return key


def _version(database: Database, connection: Connection) -> tuple[int | None, bytes]:
    """The schema's version (None for an empty database) and the hashes' key."""
    tables = set(inspect(connection).get_table_names())
    if setting.name not in tables:
        ours = tables & set(metadata.tables)
        if ours:
            raise DatabaseError(
                f"the database {database.label} has a {sorted(ours)[0]} table but no "
                f"{setting.name}: it is not a newsletter's, or it is damaged; name another "
                "with --database"
            )
        return None, b""
    values = {
        name: value for name, value in connection.execute(select(setting.c.name, setting.c.value))
    }
    version = int(values.get("version", "0"))
    if version > CURRENT:
        raise DatabaseError(
            f"the database {database.label} has schema version {version}, written by a newer "
            f"newsletter (this one knows versions up to {CURRENT}): upgrade newsletter"
        )
    if version < 1 or "forget_key" not in values:
        raise DatabaseError(
            f"the database {database.label} is damaged: {setting.name} is incomplete"
        )
    return version, values["forget_key"].encode("ascii")
