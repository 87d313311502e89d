"""Helpers of the send tests: a newsletter folder ready to send, lists, the journal."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import sqlite3
from collections.abc import Iterable, Sequence
from email.message import EmailMessage
from pathlib import Path

from newsletter.sending.pacing import Backoff, Policy
from tests.conftest import ISSUE, Folder, make_folder

SEND_SETTINGS = (
    "title: Test Newsletter\n"
    "publisher: Test Publisher\n"
    "base_url: https://news.example.org/\n"
    "email:\n"
    '  from: "Test Newsletter <news@example.org>"\n'
    "  reply_to: editor@example.org\n"
    '  unsubscribe_url: "https://news.example.org/unsubscribe?t={token}"\n'
    "  unsubscribe_mailto: leave@example.org\n"
)
SENDER = "news@example.org"
JOURNAL = f"{ISSUE}/.send.sqlite"
# Retries and reconnections in hundredths of a second, so the tests stay fast.
FAST = Policy(
    retry=Backoff(0.01, 0.05, 3),
    reconnect=Backoff(0.01, 0.05, 3),
    stop_after_failures=20,
    seed=1,
)


def send_folder(root: Path) -> Folder:
    """The minimal newsletter (issue 1) with the email settings `send` needs."""
    return make_folder(root, {"content/newsletter.yaml": SEND_SETTINGS})


def addresses(count: int, start: int = 0) -> list[str]:
    return [f"reader{n:04d}@example.org" for n in range(start, start + count)]


def write_list(
    folder: Folder,
    rows: Iterable[Sequence[str]] | Iterable[str],
    header: Sequence[str] = ("email", "name"),
    name: str = "list.csv",
) -> Path:
    """A CSV list: `rows` of cells, or of bare addresses."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row] if isinstance(row, str) else row)
    return folder.write(name, buffer.getvalue())


def journal_states(folder: Folder) -> dict[str, str]:
    """address -> state, read straight from the journal's SQLite file."""
    with sqlite3.connect(folder.path(JOURNAL)) as connection:
        return dict(connection.execute("SELECT address, state FROM recipient").fetchall())


def journal_column(folder: Folder, column: str) -> dict[str, object]:
    with sqlite3.connect(folder.path(JOURNAL)) as connection:
        rows = connection.execute(f"SELECT address, {column} FROM recipient").fetchall()
        return dict(rows)


def parse(data: bytes) -> EmailMessage:
    """A received message through the standard library's parser (policy default)."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def shared_states(url: str, issue: int = 1) -> dict[str, str]:
    """address -> state of the send journal in the PostgreSQL database at `url`."""
    import psycopg

    with psycopg.connect(url, connect_timeout=10) as connection:
        rows = connection.execute(
            "SELECT address, state FROM send_recipient WHERE issue = %s", (issue,)
        ).fetchall()
    return dict(rows)


def states_of(folder: Folder, url: str) -> dict[str, str]:
    """The send journal's states: in the database when it is PostgreSQL, else the file."""
    return shared_states(url) if url.startswith("postgresql") else journal_states(folder)
