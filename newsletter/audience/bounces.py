"""`newsletter bounces SOURCE...`: read the bounce mailboxes and apply what they say.

Top to bottom: open every source (a bad one stops the command before anything is read),
then for each message: skip it if it was read before (by digest or Message-ID), read it
(`reports`), find whose copy it is about (`sent`: the VERP token first, then the quoted
Message-ID, then the addresses the report names, for a subscriber only), apply it
(`bouncing`) and remember it, a batch of messages a transaction. It prints a line per
message and per address. Mail is deleted only with `--delete`, only once its batch is
committed, and never a message it could not read or did not recognise (a person may
have written it); `--dry-run` decides the same and writes and deletes nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection

from newsletter.audience.bouncing import Decision, already_read, apply, remember
from newsletter.audience.commands import opened
from newsletter.audience.database import Database
from newsletter.audience.mailboxes import Mailbox, open_mailbox
from newsletter.audience.reports import Kind, Report, UnreadableMessage, read_report
from newsletter.audience.sent import Copy, SentCopies
from newsletter.errors import ContentErrors, Problems
from newsletter.layout import check_root
from newsletter.reading.settings import read_settings
from newsletter.sending.secret import read_secret
from newsletter.sending.verp import Verp, token_finder

Say = Callable[[str], None]
BATCH = 200  # messages applied in one transaction
_SEVERITY = {Kind.COMPLAINT: 2, Kind.HARD: 1, Kind.SOFT: 0}


@dataclass
class Tally:
    """What a run read and decided."""

    counts: Counter[str] = field(default_factory=Counter)
    deleted: int = 0

    def line(self) -> str:
        """The counts, in words."""
        order = ("hard bounce", "soft bounce", "complaint", "ignored", "read before", "unreadable")
        parts = [f"{self.counts[name]:,} {name}" for name in order]
        total = sum(self.counts.values())
        return f"{total:,} messages: " + ", ".join(parts) + f"; {self.deleted:,} deleted."


class _DryRun(Exception):
    """Raised to roll back a dry run's batch."""


def read_bounces(
    root: Path,
    url: str | None,
    sources: Sequence[str],
    say: Say,
    warn: Say,
    environ: Mapping[str, str],
    dry_run: bool = False,
    delete: bool = False,
    cafile: Path | None = None,
) -> Tally:
    """Read every message of `sources` and apply it to the subscribers database."""
    root = check_root(root)
    problems = Problems()
    settings = read_settings(root, problems)
    if settings is None or problems.errors:
        raise ContentErrors(problems)
    bounce_address = settings.audience.bounce_address
    secret = read_secret(root)
    verp = Verp(secret, bounce_address) if secret is not None and bounce_address else None
    finder = token_finder(bounce_address) if bounce_address else None
    boxes: list[Mailbox] = []
    try:
        for source in sources:
            boxes.append(open_mailbox(source, environ, cafile))
        tally = Tally()
        with opened(root, url, warn) as database:
            run = _Run(database, SentCopies(root, database, verp, secret), say, tally, dry_run)
            for box in boxes:
                run.read(box, finder, delete and not dry_run)
    finally:
        for box in boxes:
            box.close()
    say(("Dry run: nothing was written or deleted. " if dry_run else "") + tally.line())
    return tally


class _Run:
    def __init__(
        self, database: Database, sent: SentCopies, say: Say, tally: Tally, dry_run: bool
    ) -> None:
        self.database = database
        self.sent = sent
        self.say = say
        self.tally = tally
        self.dry_run = dry_run
        self.seen: set[str] = set()  # digests and Message-IDs of this run (a dry run's too)

    def read(self, box: Mailbox, finder: re.Pattern[str] | None, delete: bool) -> None:
        batch: list[tuple[str, Report]] = []
        for key, data in box.messages():
            name = f"{box.label} message {key}"
            if isinstance(data, OSError):
                self._unreadable(name, str(data.strerror or data))
                continue
            try:
                report = read_report(data, finder)
            except (UnreadableMessage, ValueError, LookupError, TypeError) as error:
                self._unreadable(name, str(error))
                continue
            batch.append((key, report))
            if len(batch) == BATCH:
                self._apply(box, batch, delete)
                batch = []
        if batch:
            self._apply(box, batch, delete)

    def _unreadable(self, name: str, reason: str) -> None:
        self.tally.counts["unreadable"] += 1
        self.say(f"{name}: cannot be read ({reason}): left in the mailbox")

    def _apply(self, box: Mailbox, batch: list[tuple[str, Report]], delete: bool) -> None:
        lines: list[str] = []
        doomed: list[str] = []
        counts: Counter[str] = Counter()
        try:
            with self.database.writing() as connection:
                for key, report in batch:
                    kept, outcome = self._one(connection, report, lines, f"{box.label} {key}")
                    counts[outcome] += 1
                    if kept:
                        doomed.append(key)
                if self.dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        for line in lines:
            self.say(line)
        self.tally.counts.update(counts)
        if delete:
            for key in doomed:
                box.delete(key)
            self.tally.deleted += len(doomed)

    def _one(
        self, connection: Connection, report: Report, lines: list[str], where: str
    ) -> tuple[bool, str]:
        """Apply `report`; whether it may be deleted, and what it was (for the counts)."""
        name = report.message_id or where
        ids = {report.digest, report.message_id} - {""}
        when = already_read(connection, report.digest, report.message_id)
        if when is not None or ids & self.seen:
            lines.append(f"{name}: read before{f' ({when})' if when else ''}: not counted again")
            return report.reader != "unrecognised", "read before"  # a person's mail stays
        self.seen |= ids
        if report.ignored:
            remember(connection, report.digest, report.message_id, f"ignored: {report.ignored}")
            lines.append(f"{name}: {report.ignored}: ignored")
            return report.reader != "unrecognised", "ignored"
        decisions, reason = _decisions(report, self.sent)
        if not decisions:
            remember(connection, report.digest, report.message_id, f"ignored: {reason}")
            lines.append(f"{name}: {report.reader}: {reason}: ignored")
            return True, "ignored"
        lines.append(f"{name}: {report.reader}")
        outcomes = []
        for decision in decisions:
            done = apply(self.database, connection, decision, report.source, report.digest)
            outcomes.append(f"{decision.address}: {done}")
            lines.append(f"  {decision.address}: {done}")
        remember(connection, report.digest, report.message_id, "; ".join(outcomes))
        return True, str(max((d.kind for d in decisions), key=_SEVERITY.__getitem__))


def _decisions(report: Report, sent: SentCopies) -> tuple[list[Decision], str]:
    """What `report` says about whom, or why it says nothing about anyone of ours."""
    copy = _copy(report, sent)
    if copy is not None:
        # A copy has one recipient: whatever address the report names (a forward, a
        # rewritten alias), its failure is that recipient's.
        worst = max(report.failures, key=lambda f: _SEVERITY[f.kind])
        return [Decision(copy.address, worst.kind, worst.status, copy.issue, True)], ""
    if report.tokens:
        return [], "its VERP token names no copy we sent (forged, or another newsletter's)"
    if report.originals and not any(sent.looks_ours(m) for m in report.originals):
        return [], f"it is about a message we did not send ({report.originals[0]})"
    named = {f.address.lower(): f for f in report.failures if f.address}
    if not named:
        return [], "it names no address and no copy of ours"
    return [Decision(a, f.kind, f.status, None, False) for a, f in sorted(named.items())], ""


def _copy(report: Report, sent: SentCopies) -> Copy | None:
    for issue, token in report.tokens:
        found = sent.by_token(issue, token)
        if found is not None:
            return found
    for original in report.originals:
        found = sent.by_message_id(original)
        if found is not None:
            return found
    return None
