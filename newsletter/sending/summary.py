"""What `newsletter send` prints at the end, and its exit code: the state of the list in
the journal, what this run did, and who failed or may not have their copy."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from newsletter.sending.copies import Copies
from newsletter.sending.delivery import Delivery
from newsletter.sending.journal import Journal, State
from newsletter.sending.progress import Counts, duration
from newsletter.sending.recipients import Recipient, RecipientList
from newsletter.sending.request import Request
from newsletter.sending.smtp import Delivered, Lost, Outcome, Refused, Server

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


def list_header(
    copies: Copies, listing: RecipientList | None, request: Request, people: list[Recipient]
) -> str:
    """The first line of a send's summary, without its full stop: the issue, the list
    and how many recipients it has, and how many of its rows were skipped."""
    line = f"{title(copies)} to {_list_label(listing, request)}: {len(people):,} recipients"
    return line[0].upper() + line[1:] + _skipped(listing)


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


def summary_of_dry_run(
    copies: Copies,
    request: Request,
    listing: RecipientList | None,
    people: list[Recipient],
    states: dict[str, State],
) -> Summary:
    """The summary of `--dry-run`: what a send would do, given the journal's `states`."""
    tally = Counter(states.get(r.key, State.PENDING) for r in people)
    unknown = tally[State.HANDED_OVER]
    count = tally[State.PENDING] + (unknown if request.resend_unknown else 0)
    lines = [
        f"Dry run: would send {count:,} cop{'y' if count == 1 else 'ies'} of {title(copies)} "
        f"from {copies.sender}, about {copies.size:,} bytes each. Nothing was sent.",
        f"{len(people):,} recipients in {_list_label(listing, request)}: "
        f"{tally[State.DELIVERED]:,} delivered already, {tally[State.FAILED]:,} failed, "
        f"{unknown:,} unknown outcome{'s' * (unknown != 1)}"
        + (" (sent again: --resend-unknown)" if unknown and request.resend_unknown else "")
        + f"{_skipped(listing)}.",
    ]
    return Summary(lines)


def conclude(
    copies: Copies,
    journal: Journal,
    people: list[Recipient],
    header: str,
    delivery: Delivery | None = None,
) -> Summary:
    """The summary of the list's state in the journal, and the exit code; with what
    `delivery` did when this run delivered anything."""
    states = journal.states()
    by_state: dict[State, list[Recipient]] = {state: [] for state in State}
    for recipient in people:
        by_state[states.get(recipient.key, State.PENDING)].append(recipient)
    failed, unknown = by_state[State.FAILED], by_state[State.HANDED_OVER]
    pending = by_state[State.PENDING]
    lines = [header + "."]
    if delivery is not None:
        counts = delivery.counts
        pace = counts.done / delivery.seconds * 60 if delivery.seconds > 0 else 0.0
        run = f"This run: {counts.sent:,} sent, {counts.failed:,} failed"
        if counts.unknown:
            run += f", {counts.unknown:,} unknown outcome{'s' * (counts.unknown != 1)}"
        lines.append(f"{run} in {duration(delivery.seconds)} ({pace:,.0f} a minute).")
    lines.append(
        f"Delivered: {len(by_state[State.DELIVERED]):,}; failed: {len(failed):,}; "
        f"unknown outcome: {len(unknown):,}; not sent yet: {len(pending):,}."
    )
    replies = journal.replies(r.key for r in [*failed, *pending])
    if failed:
        lines.append("Failed (refused for good by the server; never sent again):")
        lines.extend(_listed([f"  {r.address}: {replies.get(r.key, '')}" for r in failed]))
    if unknown:
        lines.append(
            "Unknown outcome (handed over, then no answer: the server may have it; not sent "
            f"again without --resend-unknown; see {_DOCS}). Message-IDs to look for:"
        )
        lines.extend(_listed([f"  {r.address} {copies.message_id(r.address)}" for r in unknown]))
    temporary = [r for r in pending if r.key in replies]
    if temporary:
        lines.append("Refused for now (4xx) after every retry; run the same command later:")
        lines.extend(_listed([f"  {r.address}: {replies[r.key]}" for r in temporary]))
    if delivery is not None and delivery.stopped is not None:
        lines.append(f"Stopped: {delivery.stopped}.")
    if pending:
        lines.append(f"Run the same command again to send to the {len(pending):,} not sent yet.")
    summary = Summary(lines, exit_code=1 if failed or unknown or pending else 0)
    if delivery is not None:
        summary.counts = delivery.counts
        summary.seconds = delivery.seconds
    return summary


def _list_label(listing: RecipientList | None, request: Request) -> str:
    if listing is None:
        return "no list"
    part = f" (part {request.part[0]} of {request.part[1]})" if request.part else ""
    return f"{listing.path}{part}"


def _skipped(listing: RecipientList | None) -> str:
    count = len(listing.invalid) + len(listing.duplicates) if listing else 0
    return f"; {count} row{'s' * (count != 1)} skipped (above)" if count else ""


def _listed(lines: list[str]) -> list[str]:
    if len(lines) <= _LISTED:
        return lines
    rest = len(lines) - _LISTED
    return [*lines[:_LISTED], f"  ... and {rest:,} more (the journal has them all: {_DOCS})"]
