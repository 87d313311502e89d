"""An older subscribers database is upgraded in place, without loss, by the first command
that opens it; one from a newer newsletter is refused. Against SQLite and PostgreSQL.

VERSION_1 is the schema as newsletter first wrote it (its `CREATE` statements, by hand),
so the test starts from a real version-1 database, not from today's code.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from newsletter.audience.migrations import CURRENT
from tests.audiencetools import Subscribers, csv_file
from tests.conftest import Folder, Run
from tests.postgres import PostgresServer
from tests.sendtools import send_folder

VERSION_1 = """
CREATE TABLE audience_setting (
    name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name));
CREATE TABLE forgotten_address (
    hash TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (hash));
CREATE TABLE subscriber (
    id {id} NOT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    name TEXT DEFAULT '' NOT NULL,
    status TEXT NOT NULL,
    created TEXT NOT NULL,
    changed TEXT NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT subscriber_status
        CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced', 'complained')),
    UNIQUE (email_key));
CREATE TABLE subscriber_history (
    id {id} NOT NULL,
    subscriber_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    note TEXT DEFAULT '' NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(subscriber_id) REFERENCES subscriber (id) ON DELETE CASCADE);
CREATE INDEX ix_subscriber_history_subscriber_id ON subscriber_history (subscriber_id);
"""
KEY = "5" * 64
DATA = """
INSERT INTO audience_setting VALUES ('version', '1'), ('forget_key', '{key}');
INSERT INTO subscriber (id, email, email_key, name, status, created, changed) VALUES
    (1, 'Ann@Example.org', 'ann@example.org', 'Ann Lee', 'active',
        '2024-01-02T10:00:00+00:00', '2024-01-02T10:00:00+00:00'),
    (2, 'bob@example.org', 'bob@example.org', '', 'unsubscribed',
        '2024-01-03T10:00:00+00:00', '2024-02-01T08:00:00+00:00'),
    (3, 'carol@example.org', 'carol@example.org', 'Carol', 'pending',
        '2024-03-01T12:00:00+00:00', '2024-03-01T12:00:00+00:00');
INSERT INTO subscriber_history (id, subscriber_id, at, status, source, note) VALUES
    (1, 1, '2024-01-02T10:00:00+00:00', 'active', 'import old.csv', ''),
    (2, 2, '2024-01-03T10:00:00+00:00', 'active', 'add', ''),
    (3, 2, '2024-02-01T08:00:00+00:00', 'unsubscribed', 'remove', ''),
    (4, 3, '2024-03-01T12:00:00+00:00', 'pending', 'form 203.0.113.7', '');
INSERT INTO forgotten_address VALUES ('{gone}', '2024-04-01T09:00:00+00:00');
"""
GONE = "dan@example.org"


@pytest.fixture
def news(tmp_path: Path) -> Folder:
    return send_folder(tmp_path / "news")


@pytest.fixture
def fresh_url(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty database of the same kind as `database_url`."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    with server.fresh_database() as url:
        yield url


def engine_of(url: str) -> Engine:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


def make_version_1(url: str) -> None:
    engine = engine_of(url)
    serial = "SERIAL" if engine.dialect.name == "postgresql" else "INTEGER"
    gone = hmac.new(KEY.encode(), b"forgotten:" + GONE.encode(), hashlib.sha256).hexdigest()
    script = VERSION_1.format(id=serial) + DATA.format(key=KEY, gone=gone)
    with engine.begin() as connection:
        for statement in script.split(";"):
            if statement.strip():
                connection.execute(text(statement))
        if engine.dialect.name == "postgresql":  # the ids above were given, not drawn
            for table in ("subscriber", "subscriber_history"):
                connection.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
    engine.dispose()


def shape(url: str) -> dict[str, Any]:
    """Every table's columns, keys, indexes and constraints, as the database reports them."""
    engine = engine_of(url)
    found = inspect(engine)
    tables: dict[str, Any] = {}
    for table in sorted(found.get_table_names()):
        tables[table] = {
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in found.get_columns(table)
            ),
            "primary key": found.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in found.get_indexes(table)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(table)),
            "checks": sorted(
                (c["name"], " ".join(c["sqltext"].split()))
                for c in found.get_check_constraints(table)
            ),
            "foreign keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], f["options"].get("ondelete"))
                for f in found.get_foreign_keys(table)
            ),
        }
    engine.dispose()
    return tables


def test_a_version_1_database_is_upgraded_in_place_and_keeps_everything(
    run_cli: Callable[..., Run], news: Folder, database_url: str, fresh_url: str, tmp_path: Path
) -> None:
    make_version_1(database_url)
    subscribers = Subscribers(run_cli, news, database_url)
    first = subscribers("list")
    assert first.code == 0, first.output
    assert "Upgraded" in first.err and f"from schema version 1 to {CURRENT}." in first.err
    assert subscribers.listed() == [
        {
            "email": "Ann@Example.org",
            "name": "Ann Lee",
            "status": "active",
            "source": "import old.csv",  # filled in from the first history row
            "created": "2024-01-02T10:00:00+00:00",
            "changed": "2024-01-02T10:00:00+00:00",
        },
        {
            "email": "bob@example.org",
            "name": "",
            "status": "unsubscribed",
            "source": "add",
            "created": "2024-01-03T10:00:00+00:00",
            "changed": "2024-02-01T08:00:00+00:00",
        },
        {
            "email": "carol@example.org",
            "name": "Carol",
            "status": "pending",
            "source": "form 203.0.113.7",
            "created": "2024-03-01T12:00:00+00:00",
            "changed": "2024-03-01T12:00:00+00:00",
        },
    ]
    assert "Upgraded" not in subscribers("list").err  # once only
    bob = subscribers.shown("bob@example.org")
    assert [(c["at"], c["status"], c["source"]) for c in bob["history"]] == [
        ("2024-01-03T10:00:00+00:00", "active", "add"),
        ("2024-02-01T08:00:00+00:00", "unsubscribed", "remove"),
    ]
    # The suppressed stay suppressed: the unsubscribed, and the forgotten by their hash
    # under the key the old database holds.
    rows = [["bob@example.org", "Bob"], [GONE.upper(), "Dan"], ["eve@example.org", "Eve"]]
    imported = subscribers("import", str(csv_file(tmp_path, rows)))
    assert "1 added, 0 already there, 2 suppressed, 0 skipped." in imported.out
    stats = subscribers("stats").out.splitlines()
    assert "  forgotten: 1 (only a keyed hash is left)" in stats
    assert "  form 203.0.113.7: 1" in stats
    # New rows get ids after the old ones, and the schema is the one a new database gets.
    assert subscribers("add", "fay@example.org").code == 0
    assert Subscribers(run_cli, news, fresh_url)("add", "fay@example.org").code == 0
    assert shape(database_url) == shape(fresh_url)


def test_a_database_of_a_newer_newsletter_is_refused_and_left_alone(
    run_cli: Callable[..., Run], news: Folder, database_url: str
) -> None:
    make_version_1(database_url)
    engine = engine_of(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audience_setting SET value = '99' WHERE name = 'version'"))
    engine.dispose()
    result = Subscribers(run_cli, news, database_url)("list")
    assert result.code == 1
    assert "has schema version 99, written by a newer newsletter" in result.err
    assert "Traceback" not in result.output
