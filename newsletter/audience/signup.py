"""What the subscription service does to the database: a subscription through the form,
its confirmation, and an unsubscription by a link's token.

Each is one write transaction, and each says what happened without the caller having
to know the address's state: the service answers every subscription the same way.
Only the person can bring back a suppressed address (unsubscribed, bounced, complained
or forgotten): a subscription of one is never applied at once, it gets a confirmation
email, whatever `double_opt_in` says, and only its confirmation makes it active.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from sqlalchemy import Connection, delete, select

from newsletter.audience.database import Database, insert_ignoring
from newsletter.audience.importing import Row
from newsletter.audience.schema import Status, forgotten, link, subscriber
from newsletter.audience.subscribers import (
    Subscriber,
    find,
    forgotten_hash,
    insert_new,
    is_forgotten,
    now,
    record_change,
)
from newsletter.audience.tokens import Tokens

RESEND_MINUTES = 10  # a pending address gets at most one confirmation this often
_BATCH = 1000


@dataclass(frozen=True, slots=True)
class Confirm:
    """A confirmation email to send: to `address`, with `token`."""

    address: str
    name: str
    token: str


class Outcome(Enum):
    """What a confirmation or an unsubscription by token did."""

    DONE = "done"  # the change was made
    ALREADY = "already"  # it had been made before: nothing changed
    INVALID = "invalid"  # no such token, or no longer good: nothing changed


def subscribe(
    database: Database,
    tokens: Tokens,
    address: str,
    name: str,
    source: str,
    double_opt_in: bool,
) -> Confirm | None:
    """Apply a subscription of `address` from the form: the confirmation email to send,
    or None (none due, or none needed)."""
    at = now()
    with database.writing() as connection:
        found = find(connection, address)
        gone = found is None and is_forgotten(database, connection, address)
        if found is None:
            status = Status.PENDING if double_opt_in or gone else Status.ACTIVE
            insert_new(connection, [Row(0, address, name)], status, source)
            found = find(connection, address)
            assert found is not None, "just inserted"
            _ensure_link(connection, tokens, found)
            if status is Status.ACTIVE:
                return None
        elif found.status is Status.ACTIVE:
            return None
        elif found.status is Status.PENDING and not double_opt_in:
            record_change(connection, found, Status.ACTIVE, source)
            return None
        _ensure_link(connection, tokens, found)
        sent = connection.execute(
            select(link.c.confirmation_sent).where(link.c.subscriber_id == found.id)
        ).scalar_one()
        if sent is not None and _since(sent) < timedelta(minutes=RESEND_MINUTES):
            return None
        connection.execute(
            link.update().where(link.c.subscriber_id == found.id).values(confirmation_sent=at)
        )
    token = tokens.confirmation(found.id, found.email, int(time.time()))
    return Confirm(found.email, found.name, token)


def confirmable(database: Database, tokens: Tokens, token: str) -> Subscriber | None:
    """The subscriber `token` would confirm, or None when it is no good (malformed,
    forged, expired, or issued before their last change)."""
    with database.reading() as connection:
        return _confirmable(connection, tokens, token)


def confirm(database: Database, tokens: Tokens, token: str, source: str) -> Outcome:
    """Make the subscriber of confirmation `token` active."""
    with database.writing() as connection:
        found = _confirmable(connection, tokens, token)
        if found is None:
            return Outcome.INVALID
        if found.status is Status.ACTIVE:
            return Outcome.ALREADY
        record_change(connection, found, Status.ACTIVE, source, note="confirmed")
        connection.execute(
            delete(forgotten).where(forgotten.c.hash == forgotten_hash(database, found.email))
        )
    return Outcome.DONE


def _confirmable(connection: Connection, tokens: Tokens, token: str) -> Subscriber | None:
    parts = tokens.read_confirmation(token)
    if parts is None:
        return None
    row = connection.execute(
        select(subscriber.c.email).where(subscriber.c.id == parts.subscriber_id)
    ).first()
    if row is None or not tokens.confirms(parts, row[0], int(time.time())):
        return None
    found = find(connection, row[0])
    assert found is not None
    # A token issued before the last change (say, an unsubscription after the
    # confirmation) does not undo it; an active subscriber's token just says so. Only a
    # token of the latest confirmation email sent is good.
    if found.status is not Status.ACTIVE:
        sent = connection.execute(
            select(link.c.confirmation_sent).where(link.c.subscriber_id == found.id)
        ).scalar_one_or_none()
        if sent is None or _epoch(sent) > parts.issued or _epoch(found.changed) > parts.issued:
            return None
    return found


def by_unsubscribe_token(database: Database, tokens: Tokens, token: str) -> Subscriber | None:
    """The subscriber whose unsubscribe token `token` is, or None."""
    key = tokens.unsubscribe_key(token)
    if key is None:
        return None
    with database.reading() as connection:
        found = _by_key(connection, key)
    if found is None and fill_links(database, tokens):
        with database.reading() as connection:
            found = _by_key(connection, key)
    return found


def unsubscribe(database: Database, tokens: Tokens, token: str, source: str) -> Outcome:
    """Make the subscriber of unsubscribe `token` unsubscribed."""
    return unsubscribe_all(database, tokens, [(token, source)])[0]


def unsubscribe_all(
    database: Database, tokens: Tokens, requests: Sequence[tuple[str, str]]
) -> list[Outcome]:
    """`unsubscribe` for each (token, source) of `requests`, in one transaction: one
    commit (one sync to disk) for all the one-click requests that came meanwhile."""
    outcomes = _unsubscribe_all(database, tokens, requests)
    unknown = [n for n, outcome in enumerate(outcomes) if outcome is Outcome.INVALID]
    if unknown and fill_links(database, tokens):  # added since: by an import, `add`...
        again = _unsubscribe_all(database, tokens, [requests[n] for n in unknown])
        for n, outcome in zip(unknown, again, strict=True):
            outcomes[n] = outcome
    return outcomes


def _unsubscribe_all(
    database: Database, tokens: Tokens, requests: Sequence[tuple[str, str]]
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    with database.writing() as connection:
        for token, source in requests:
            key = tokens.unsubscribe_key(token)
            found = None if key is None else _by_key(connection, key)
            if found is None:
                outcomes.append(Outcome.INVALID)
            elif found.status.suppressed:
                outcomes.append(Outcome.ALREADY)
            else:
                record_change(connection, found, Status.UNSUBSCRIBED, source)
                # The confirmation links sent so far die with it, even one issued in
                # the same second (times are whole seconds).
                connection.execute(
                    link.update()
                    .where(link.c.subscriber_id == found.id)
                    .values(confirmation_sent=None)
                )
                outcomes.append(Outcome.DONE)
    return outcomes


def fill_links(database: Database, tokens: Tokens) -> int:
    """Give every subscriber without one their unsubscribe token's hash (those added by
    an import or `add` since); how many were given one."""
    filled = 0
    while True:
        with database.writing() as connection:
            missing = connection.execute(
                select(subscriber.c.id, subscriber.c.email)
                .outerjoin(link, link.c.subscriber_id == subscriber.c.id)
                .where(link.c.subscriber_id.is_(None))
                .limit(_BATCH)
            ).all()
            if missing:
                connection.execute(
                    insert_ignoring(connection, link),
                    [
                        {"subscriber_id": id_, "unsubscribe_key": _key(tokens, email)}
                        for id_, email in missing
                    ],
                )
        filled += len(missing)
        if len(missing) < _BATCH:
            return filled


def _ensure_link(connection: Connection, tokens: Tokens, found: Subscriber) -> None:
    has = connection.execute(select(link.c.subscriber_id).where(link.c.subscriber_id == found.id))
    if has.first() is None:
        values = {"subscriber_id": found.id, "unsubscribe_key": _key(tokens, found.email)}
        connection.execute(insert_ignoring(connection, link), values)


def _key(tokens: Tokens, address: str) -> str:
    key = tokens.unsubscribe_key(tokens.unsubscribe(address))
    assert key is not None
    return key


def _by_key(connection: Connection, key: str) -> Subscriber | None:
    row = connection.execute(
        select(subscriber.c.email)
        .join(link, link.c.subscriber_id == subscriber.c.id)
        .where(link.c.unsubscribe_key == key)
    ).first()
    return None if row is None else find(connection, row[0])


def _since(at: str) -> timedelta:
    return datetime.now(UTC) - datetime.fromisoformat(at)


def _epoch(at: str) -> int:
    return int(datetime.fromisoformat(at).timestamp())
