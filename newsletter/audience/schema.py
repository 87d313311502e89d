"""The tables of the subscribers database, one schema for SQLite and PostgreSQL
(SQLAlchemy Core). `migrations` brings an older database to this shape.

Times are ISO 8601 text in UTC (`2024-05-01T09:30:00+00:00`), the same in both kinds of
database and readable with their command-line clients.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    text,
)


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
    # Where they came from: their first history row's source (for `stats`).
    Column("source", Text, nullable=False, server_default=""),
    CheckConstraint(f"status IN ({_STATUSES})", name="subscriber_status"),
)
# `send` reads the active subscribers in the order of their keys, a batch at a time.
Index("subscriber_status_key", subscriber.c.status, subscriber.c.email_key)

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

# What the subscription service needs of a subscriber: the hash of their unsubscribe
# token (an HMAC of the address, which cannot be inverted: the service finds them by it),
# and when their last confirmation email went out (at most one per 10 minutes).
link = Table(
    "subscriber_link",
    metadata,
    Column(
        "subscriber_id",
        Integer,
        ForeignKey("subscriber.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("unsubscribe_key", Text, nullable=False, unique=True),
    Column("confirmation_sent", Text),
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

# The send journal of every issue, when the database is PostgreSQL (an SQLite database
# leaves it in each issue's own file): the same columns and rules as sending/journal.py,
# one row per issue and recipient, so that every process sending an issue shares it.
SEND_STATES = ("pending", "handed-over", "delivered", "failed")
send_recipient = Table(
    "send_recipient",
    metadata,
    Column("issue", Integer, primary_key=True),
    Column("address", Text, primary_key=True),  # lower-cased
    Column("state", Text, nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("reply", Text),  # the server's last answer about it
    Column("changed", Text),
    CheckConstraint(
        f"state IN ({', '.join(repr(state) for state in SEND_STATES)})",
        name="send_recipient_state",
    ),
)
send_setting = Table(
    "send_setting",
    metadata,
    Column("issue", Integer, primary_key=True),
    Column("name", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

# Every message `bounces` has read, so that none is counted twice: by a digest of its
# bytes and by its Message-ID (a copy of it in another folder has the same), with what
# was decided. Neither names the person.
bounce_message = Table(
    "bounce_message",
    metadata,
    Column("digest", Text, primary_key=True),  # SHA-256 of the message's bytes, hex
    Column("message_id", Text, nullable=False, server_default=""),
    Column("at", Text, nullable=False),
    Column("outcome", Text, nullable=False),
)
Index("bounce_message_id", bounce_message.c.message_id)

# The soft bounces of each subscriber, one per report: the third from a third issue
# makes them `bounced`.
soft_bounce = Table(
    "soft_bounce",
    metadata,
    Column(
        "subscriber_id",
        Integer,
        ForeignKey("subscriber.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("report", Text, primary_key=True),  # the digest of the report
    Column("issue", Integer),  # the copy's issue, when the report names it
    Column("at", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=""),
)
