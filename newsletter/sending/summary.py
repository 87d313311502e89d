"""What `newsletter send` prints at the end, and its exit code: the state of the list in
the journal, what this run did, and who failed or may not have their copy."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from newsletter.sending.copies import Copies
from newsletter.sending.delivery import Delivery
from newsletter.sending.journal import Entry, SendJournal, State
from newsletter.sending.progress import Counts, duration
from newsletter.sending.recipients import Recipient
from newsletter.sending.request import Request
from newsletter.sending.smtp import Delivered, Lost, Outcome, Refused, Server
from newsletter.sending.sources import Source

_LISTED = 100  # failed or unknown recipients listed in the summary; the journal has all
_DOCS = "docs/sending.md"


@dataclass
class Summary:
    """What the command prints at the end, and its exit code."""

    lines: list[str] = field(default_factory=list)
    exit_code: int = 0
    counts: Counts = field(default_factory=Counts)
    seconds: float = 0.0  # spent delivering


def title(copies: Copies) -> str:
    """The issue as the summary names it: issue 62 ("Its title")."""
    return f'issue {copies.issue.number} ("{" ".join(copies.issue.title.split())}")'


def list_header(copies: Copies, source: Source, people: int) -> str:
    """The first line of a send's summary, without its full stop: the issue, the list
    and how many recipients it has, how many of its rows were skipped, and how many
    addresses are suppressed."""
    line = f"{title(copies)} to {source.label}: {people:,} recipients"
    return line[0].upper() + line[1:] + _skipped(source) + _suppressed(source)


@dataclass
class Tally:
    """The recipients of a list by their state in the journal, gathered a batch at a time:
    counts, and the few the summary names."""

    people: int = 0
    states: Counter[State] = field(default_factory=Counter)
    failed: list[tuple[Recipient, str]] = field(default_factory=list)  # the first _LISTED
    unknown: list[Recipient] = field(default_factory=list)  # all: one per stopped process
    refused: list[tuple[Recipient, str]] = field(default_factory=list)  # the first _LISTED
    refused_count: int = 0  # pending after a temporary refusal

    def count(self, recipient: Recipient, entry: Entry | None) -> None:
        """Count `recipient`, whose journal entry is `entry` (None: not in it yet)."""
        state = entry.state if entry is not None else State.PENDING
        reply = entry.reply if entry is not None else None
        self.people += 1
        self.states[state] += 1
        if state is State.FAILED and len(self.failed) < _LISTED:
            self.failed.append((recipient, reply or ""))
        elif state is State.HANDED_OVER:
            self.unknown.append(recipient)
        elif state is State.PENDING and reply is not None:
            self.refused_count += 1
            if len(self.refused) < _LISTED:
                self.refused.append((recipient, reply))


def tally(source: Source, journal: SendJournal | None) -> Tally:
    """The list's recipients counted by their state in `journal` (all pending without one)."""
    result = Tally()
    for batch in source.batches():
        entries = journal.entries([r.key for r in batch]) if journal is not None else {}
        for recipient in batch:
            result.count(recipient, entries.get(recipient.key))
    return result


def summary_of_test(copies: Copies, address: str, server: Server, outcome: Outcome) -> Summary:
    """The summary of `--test`: whether the one copy arrived."""
    if isinstance(outcome, Delivered):
        return Summary(
            [
                f"Sent a test copy of {title(copies)} to {address} ({outcome.reply}); "
                "nothing was recorded."
            ]
        )
    if isinstance(outcome, Refused):
        line = f"{server.label} refused the test copy to {address} at {outcome.stage}: "
        return Summary([line + str(outcome.reply)], exit_code=1)
    reason = outcome.reason if isinstance(outcome, Lost) else "not sent"
    return Summary([f"The test copy to {address} may not have arrived: {reason}"], exit_code=1)


def summary_of_dry_run(copies: Copies, request: Request, source: Source, counted: Tally) -> Summary:
    """The summary of `--dry-run`: what a send would do, given the journal's state."""
    unknown = counted.states[State.HANDED_OVER]
    count = counted.states[State.PENDING] + (unknown if request.resend_unknown else 0)
    lines = [
        f"Dry run: would send {count:,} cop{'y' if count == 1 else 'ies'} of {title(copies)} "
        f"from {copies.envelope_form}, about {copies.size:,} bytes each. Nothing was sent.",
        f"{counted.people:,} recipients in {source.label}: "
        f"{counted.states[State.DELIVERED]:,} delivered already, "
        f"{counted.states[State.FAILED]:,} failed, "
        f"{unknown:,} unknown outcome{'s' * (unknown != 1)}"
        + (" (sent again: --resend-unknown)" if unknown and request.resend_unknown else "")
        + f"{_skipped(source)}.",
        source.describe(),
    ]
    return Summary(lines)


def conclude(
    copies: Copies, counted: Tally, header: str, delivery: Delivery | None = None
) -> Summary:
    """The summary of the list's state in the journal (`counted` after the run), and the
    exit code; with what `delivery` did when this run delivered anything."""
    failed, unknown = counted.states[State.FAILED], counted.unknown
    pending = counted.states[State.PENDING]
    lines = [header + "."]
    if delivery is not None:
        counts = delivery.counts
        pace = counts.done / delivery.seconds * 60 if delivery.seconds > 0 else 0.0
        run = f"This run: {counts.sent:,} sent, {counts.failed:,} failed"
        if counts.unknown:
            run += f", {counts.unknown:,} unknown outcome{'s' * (counts.unknown != 1)}"
        lines.append(f"{run} in {duration(delivery.seconds)} ({pace:,.0f} a minute).")
    lines.append(
        f"Delivered: {counted.states[State.DELIVERED]:,}; failed: {failed:,}; "
        f"unknown outcome: {len(unknown):,}; not sent yet: {pending:,}."
    )
    if failed:
        lines.append("Failed (refused for good by the server; never sent again):")
        lines.extend(_listed([f"  {r.address}: {reply}" for r, reply in counted.failed], failed))
    if unknown:
        lines.append(
            "Unknown outcome (handed over, then no answer: the server may have it; not sent "
            f"again without --resend-unknown; see {_DOCS}). Message-IDs to look for:"
        )
        listed = [f"  {r.address} {copies.message_id(r.address)}" for r in unknown[:_LISTED]]
        lines.extend(_listed(listed, len(unknown)))
    if counted.refused:
        lines.append("Refused for now (4xx) after every retry; run the same command later:")
        refused = [f"  {r.address}: {reply}" for r, reply in counted.refused]
        lines.extend(_listed(refused, counted.refused_count))
    if delivery is not None and delivery.stopped is not None:
        lines.append(f"Stopped: {delivery.stopped}.")
    if pending:
        lines.append(f"Run the same command again to send to the {pending:,} not sent yet.")
    summary = Summary(lines, exit_code=1 if failed or unknown or pending else 0)
    if delivery is not None:
        summary.counts = delivery.counts
        summary.seconds = delivery.seconds
    return summary


def _skipped(source: Source) -> str:
    count = source.skipped
    return f"; {count} row{'s' * (count != 1)} skipped (above)" if count else ""


def _suppressed(source: Source) -> str:
    count = source.suppressed
    return f"; {count:,} suppressed" if count else ""


def _listed(lines: list[str], total: int) -> list[str]:
    """The first `_LISTED` of `total` lines, and how many more there are."""
    if total <= _LISTED:
        return lines
    rest = total - _LISTED
    return [*lines[:_LISTED], f"  ... and {rest:,} more (the journal has them all: {_DOCS})"]
