"""What a bounce or a complaint does to a subscriber: a hard bounce makes them `bounced`,
a soft one is counted (the third from a third different issue makes them `bounced`), a
complaint makes them `complained`. Every change is a history row whose source is the
report's Message-ID and whose note holds its status code; `subscribers add` reverses a
wrong one.

The messages read are remembered here too (`bounce_message`), in the transaction that
applies them, so a message is counted once even when it is read again from another
folder or after an interruption.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, func, or_, select

from newsletter.audience.addresses import address_key
from newsletter.audience.database import Database, insert_ignoring
from newsletter.audience.reports import Kind
from newsletter.audience.schema import Status, bounce_message, history, soft_bounce, subscriber
from newsletter.audience.subscribers import find, is_forgotten, now

SOFT_LIMIT = 3  # soft bounces, from as many different issues, that make a hard one


@dataclass(frozen=True, slots=True)
class Decision:
    """What one report says about one address."""

    address: str
    kind: Kind
    status: str  # "5.1.1", "abuse", "" when the report gives none
    issue: int | None  # the copy's issue, when the report names the copy
    ours: bool  # the report names a copy we sent (VERP token or Message-ID)


def already_read(connection: Connection, digest: str, message_id: str) -> str | None:
    """When the message (by digest, or by Message-ID) was read before, or None."""
    condition = bounce_message.c.digest == digest
    if message_id:
        condition = or_(condition, bounce_message.c.message_id == message_id)
    return connection.execute(select(bounce_message.c.at).where(condition).limit(1)).scalar()


def remember(connection: Connection, digest: str, message_id: str, outcome: str) -> None:
    """Record that the message was read, and what it decided."""
    connection.execute(
        insert_ignoring(connection, bounce_message),
        {"digest": digest, "message_id": message_id, "at": now(), "outcome": outcome[:500]},
    )


def apply(
    database: Database, connection: Connection, decision: Decision, source: str, report: str
) -> str:
    """Apply `decision` (from the report `source`, whose digest is `report`); what it did,
    in words, after the address."""
    if is_forgotten(database, connection, decision.address):
        return "forgotten: suppressed already"
    found = find(connection, decision.address)
    note = _note(decision)
    if found is None:
        if not decision.ours:
            return "not on the list, and no copy of ours names it: ignored"
        if decision.kind is Kind.SOFT:
            return f"not on the list: {note}, nothing to count"
        status = Status.COMPLAINED if decision.kind is Kind.COMPLAINT else Status.BOUNCED
        _insert(connection, decision.address, status, source, note)
        return f"{status} ({note}); it was not on the list: recorded, so no import adds it"
    if decision.kind is Kind.COMPLAINT:
        if found.status is Status.COMPLAINED:
            return "complained already"
        _change(connection, found.id, Status.COMPLAINED, source, note)
        return f"complained ({note}): never mailed again"
    if found.status.suppressed:
        return f"{found.status} already ({note})"
    if decision.kind is Kind.HARD:
        _change(connection, found.id, Status.BOUNCED, source, note)
        return f"bounced ({note}): never mailed again"
    return _soft(connection, found.id, decision, source, report, note)


def _soft(
    connection: Connection, id_: int, decision: Decision, source: str, report: str, note: str
) -> str:
    connection.execute(
        insert_ignoring(connection, soft_bounce),
        {
            "subscriber_id": id_,
            "report": report,
            "issue": decision.issue,
            "at": now(),
            "status": decision.status,
        },
    )
    issues = connection.execute(
        select(func.count(func.distinct(soft_bounce.c.issue))).where(
            soft_bounce.c.subscriber_id == id_
        )
    ).scalar_one()
    if issues >= SOFT_LIMIT:
        _change(
            connection, id_, Status.BOUNCED, source, f"{note}, soft bounces from {issues} issues"
        )
        return f"bounced ({note}): soft bounces from {issues} different issues"
    issue = f"issue {decision.issue}" if decision.issue is not None else "no issue named"
    return f"soft bounce ({note}, {issue}): {issues} of {SOFT_LIMIT} issues"


def counted_issues(connection: Connection, address: str) -> int:
    """The different issues the soft bounces of `address` came from."""
    found = find(connection, address)
    if found is None:
        return 0
    return int(
        connection.execute(
            select(func.count(func.distinct(soft_bounce.c.issue))).where(
                soft_bounce.c.subscriber_id == found.id
            )
        ).scalar_one()
    )


def refusal_recorder(database: Database, issue: int) -> Callable[[str, str], None]:
    """What `send` calls with an address and the reply when the server refuses it for good
    at RCPT or DATA: a hard bounce, as a DSN would say."""

    def record(address: str, reply: str) -> None:
        decision = Decision(address, Kind.HARD, reply, issue, ours=True)
        with database.writing() as connection:
            apply(database, connection, decision, f"send issue {issue}", "")

    return record


def _note(decision: Decision) -> str:
    if decision.kind is Kind.COMPLAINT:
        return "feedback report: abuse"
    return f"{decision.kind}, status {decision.status or 'not given'}"


def _insert(connection: Connection, address: str, status: Status, source: str, note: str) -> None:
    at = now()
    row = {
        "email": address,
        "email_key": address_key(address),
        "name": "",
        "status": status.value,
        "created": at,
        "changed": at,
        "source": source,
    }
    inserted = connection.execute(
        insert_ignoring(connection, subscriber).returning(subscriber.c.id), row
    ).scalar()
    if inserted is not None:
        connection.execute(
            history.insert().values(
                subscriber_id=inserted, at=at, status=status.value, source=source, note=note
            )
        )


def _change(connection: Connection, id_: int, status: Status, source: str, note: str) -> None:
    at = now()
    connection.execute(
        subscriber.update().where(subscriber.c.id == id_).values(status=status.value, changed=at)
    )
    connection.execute(
        history.insert().values(
            subscriber_id=id_, at=at, status=status.value, source=source, note=note
        )
    )
