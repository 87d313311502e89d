"""Whose copy a report is about: the send journals know which addresses each issue went
to, and the send secret makes each copy's VERP token and Message-ID from its address, so
that making them for every address of the issue finds the one a report names. An issue's
tokens are made once, when a report first names it.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from newsletter.audience.database import Database
from newsletter.audience.schema import send_recipient
from newsletter.layout import ISSUES_PATH, JOURNAL_NAME
from newsletter.sending.secret import Secret
from newsletter.sending.verp import Verp

# A copy's Message-ID: <newsletter.062.1a2b3c4d.KEY@host>, KEY 12 to 20 hex digits.
_COPY_ID = re.compile(r"\.(\d{1,6})\.[0-9a-f]+\.([0-9a-f]{12,20})@", re.IGNORECASE)
_KEY = 12  # hex digits of a Message-ID's key that every copy keeps


@dataclass(frozen=True, slots=True)
class Copy:
    """One copy we sent: its issue and its recipient (lower-cased)."""

    issue: int
    address: str


class SentCopies:
    """The copies of every issue the journals of the newsletter at `root` (and the
    database, when it is PostgreSQL) record."""

    def __init__(self, root: Path, database: Database, verp: Verp | None, secret: Secret | None):
        self.root = root
        self.database = database
        self.verp = verp
        self.secret = secret
        self._tokens: dict[int, dict[str, str]] = {}
        self._keys: dict[int, dict[str, str]] = {}

    def by_token(self, issue: int, token: str) -> Copy | None:
        """The copy whose VERP token is `issue-token`, or None (forged, or not ours)."""
        if self.verp is None:
            return None
        if issue not in self._tokens:
            verp = self.verp
            self._tokens[issue] = {
                verp.token(issue, a).partition("-")[2]: a for a in self._addresses(issue)
            }
        address = self._tokens[issue].get(token.lower())
        return None if address is None else Copy(issue, address)

    @staticmethod
    def looks_ours(message_id: str) -> bool:
        """Whether `message_id` has the form of our copies' Message-IDs."""
        return _COPY_ID.search(message_id) is not None

    def by_message_id(self, message_id: str) -> Copy | None:
        """The copy whose Message-ID is `message_id`, or None."""
        match = _COPY_ID.search(message_id)
        if match is None or self.secret is None:
            return None
        issue, key = int(match.group(1)), match.group(2).lower()[:_KEY]
        if issue not in self._keys:
            secret = self.secret
            self._keys[issue] = {
                secret.message_key(issue, a)[:_KEY]: a for a in self._addresses(issue)
            }
        address = self._keys[issue].get(key)
        return None if address is None else Copy(issue, address)

    def _addresses(self, issue: int) -> set[str]:
        found: set[str] = set()
        journal = self.root / ISSUES_PATH / f"{issue:03d}" / JOURNAL_NAME
        if journal.exists():
            try:
                file = sqlite3.connect(f"{journal.as_uri()}?mode=ro", uri=True, timeout=10)
                try:
                    found |= {a for (a,) in file.execute("SELECT address FROM recipient")}
                finally:
                    file.close()
            except sqlite3.DatabaseError:
                pass  # not a journal: it names nobody
        if self.database.location.postgresql:
            with self.database.reading() as connection:
                rows = connection.execute(
                    select(send_recipient.c.address).where(send_recipient.c.issue == issue)
                )
                found |= {a for (a,) in rows}
        return found
