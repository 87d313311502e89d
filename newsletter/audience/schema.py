"""The tables of the subscribers database, one schema for SQLite and PostgreSQL
(SQLAlchemy Core). `migrations` brings an older database to this shape.

Times are ISO 8601 text in UTC (`2024-05-01T09:30:00+00:00`), the same in both kinds of
database and readable with their command-line clients.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, MetaData, Table, Text


class Status(StrEnum):
    """Where a subscriber stands (see docs/audience.md)."""

    PENDING = "pending"  # subscribed through the form, not confirmed yet
    ACTIVE = "active"  # confirmed, imported or added by the editor: mailed by `send`
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"

    @property
    def suppressed(self) -> bool:
        """Whether no import or `add` may bring the address back."""
        return self in SUPPRESSED


SUPPRESSED = frozenset({Status.UNSUBSCRIBED, Status.BOUNCED, Status.COMPLAINED})
_STATUSES = ", ".join(f"'{status}'" for status in Status)

metadata = MetaData()

subscriber = Table(
    "subscriber",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", Text, nullable=False),  # as first written
    Column("email_key", Text, nullable=False, unique=True),  # lower-cased: one person
    Column("name", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False),
    Column("created", Text, nullable=False),
    Column("changed", Text, nullable=False),
    CheckConstraint(f"status IN ({_STATUSES})", name="subscriber_status"),
)

# Every change of a subscriber, never updated: what changed, when, and who or what made it
# ("import list.csv", "add", "remove", "form 203.0.113.7", a bounce's Message-ID).
history = Table(
    "subscriber_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "subscriber_id",
        Integer,
        ForeignKey("subscriber.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("at", Text, nullable=False),
    Column("status", Text, nullable=False),  # the status after the change
    Column("source", Text, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
)

# What is left of a forgotten address: a keyed hash, so that it stays suppressed.
forgotten = Table(
    "forgotten_address",
    metadata,
    Column("hash", Text, primary_key=True),
    Column("at", Text, nullable=False),
)

# The schema's version, and the key of the forgotten addresses' hashes.
setting = Table(
    "audience_setting",
    metadata,
    Column("name", Text, primary_key=True),
    Column("value", Text, nullable=False),
)
