"""`newsletter send`, top to bottom: read the content, the list and the journal; report
every address skipped; then hand each pending recipient's copy to the server, one
connection for all of them, and record each outcome in the journal.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import itertools
import random
import secrets
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TextIO

from newsletter.errors import ContentError, DeliveryError, UsageError
from newsletter.layout import SECRET_PATH, SETTINGS_PATH, check_root
from newsletter.model import Issue, Newsletter
from newsletter.render.email.budget import MAX_EMAIL_BYTES
from newsletter.sending.copies import Copies
from newsletter.sending.dkim import signer
from newsletter.sending.journal import Journal, State, journal_path
from newsletter.sending.pacing import Pacer, Policy
from newsletter.sending.progress import Counts, Progress, duration
from newsletter.sending.recipients import Recipient, RecipientList, address_problem
from newsletter.sending.recipients import read_recipients as read_list
from newsletter.sending.secret import Secret, load_secret, read_secret
from newsletter.sending.smtp import (
    ConnectError,
    Connection,
    Delivered,
    Lost,
    Outcome,
    Refused,
    Server,
    Withdrawn,
)
from newsletter.site import load

Say = Callable[[str], None]
_LISTED = 100  # failed or unknown recipients listed in the summary; the journal has all
_IDLE_SECONDS = 10.0  # a longer wait for a retry closes the connection meanwhile
_DOCS = "docs/sending.md"


@dataclass(frozen=True, slots=True)
class Request:
    """What `newsletter send` was asked to do."""

    issue: int
    recipients: Path | None = None
    server: Server | None = None
    rate: float | None = None  # messages a minute
    dry_run: bool = False
    test: str | None = None  # one copy to this address, recorded nowhere
    resend_unknown: bool = False
    part: tuple[int, int] | None = None  # (k, n): the k-th of n parts of the list


@dataclass
class Summary:
    """What the command prints at the end, and its exit code."""

    lines: list[str] = field(default_factory=list)
    exit_code: int = 0
    counts: Counts = field(default_factory=Counts)
    seconds: float = 0.0  # spent delivering


def send(
    root: Path,
    request: Request,
    say: Say,
    stream: TextIO,
    policy: Policy | None = None,
) -> Summary:
    """Carry out `request` for the newsletter at `root`: lines for the reader go to `say`
    as they come, the progress to `stream`; the summary is returned."""
    if request.test is not None and address_problem(request.test.strip()) is not None:
        raise UsageError(f"--test: {address_problem(request.test.strip())}")
    root = check_root(root)
    newsletter, _ = load(root)
    issue = _issue(newsletter, request.issue)
    _require_unsubscribe(newsletter)
    listing = read_list(request.recipients) if request.recipients is not None else None
    for line in listing.problems() if listing else ():
        say(line)
    people = _part(listing.recipients if listing else [], request.part)
    secret = _secret(root, request.dry_run)
    if secret.shared:
        say(f"warning: {SECRET_PATH} can be read by others than you: chmod 600 it")
    copies = Copies(newsletter, root, issue, secret, signer(root, newsletter.settings))
    if copies.untokenised_parts and "{token}" in (newsletter.settings.email.unsubscribe_url or ""):
        parts = " and ".join(copies.untokenised_parts)
        say(f"warning: the {parts} part has no unsubscribe link with {{token}} (templates?)")
    if request.test is not None:
        return _send_test(copies, request, listing)
    _refuse_clipped(copies)
    path = journal_path(root, issue.source.path)
    if request.dry_run:
        return _dry_run(copies, request, listing, people, Journal.read(path))
    journal = Journal.open(path)
    try:
        return _send_list(copies, request, listing, people, journal, say, stream, policy)
    finally:
        journal.close()


def _refuse_clipped(copies: Copies) -> None:
    """An email over the budget is not sent to the list: Gmail would clip it and hide
    its end, the unsubscribe link with it. `--test` still sends one to look at."""
    budget = copies.budget
    if budget.over:
        raise ContentError(
            copies.issue.source.path,
            None,
            f"not sent: the email of issue {budget.issue} is {budget.size:,} bytes as sent "
            f"(quoted-printable), over the {MAX_EMAIL_BYTES:,}-byte budget; Gmail clips an "
            "email past ~102 KB and hides its end, the unsubscribe link with it. The "
            "foreword and the schedule are never shortened: shorten them (`newsletter "
            "check` shows the sizes; `send --test` still sends a copy to look at)",
        )


def in_part(key: str, part: tuple[int, int]) -> bool:
    """Whether the address `key` is in part k of n (by a hash of the address, so the
    parts do not overlap and stay the same when the list grows)."""
    number, count = part
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count == number - 1


def _issue(newsletter: Newsletter, number: int) -> Issue:
    issue = newsletter.issue(number)
    if issue is None:
        known = ", ".join(str(i.number) for i in newsletter.issues) or "none yet"
        raise UsageError(f"no issue {number}; the issues are {known}")
    return issue


def _require_unsubscribe(newsletter: Newsletter) -> None:
    email = newsletter.settings.email
    if not email.unsubscribe_url and not email.unsubscribe_mailto:
        raise ContentError(
            SETTINGS_PATH,
            None,
            "email.unsubscribe_url (https, with {token}) or email.unsubscribe_mailto must be "
            "set before sending: every copy carries an unsubscribe link and List-Unsubscribe",
            field="email",
        )


def _part(people: list[Recipient], part: tuple[int, int] | None) -> list[Recipient]:
    return people if part is None else [r for r in people if in_part(r.key, part)]


def _secret(root: Path, dry_run: bool) -> Secret:
    if not dry_run:
        return load_secret(root)
    # A dry run writes nothing: without a secret yet, a throwaway one renders the same.
    return read_secret(root) or Secret(secrets.token_hex(32).encode("ascii"))


def _title(copies: Copies) -> str:
    return f'issue {copies.issue.number} ("{" ".join(copies.issue.title.split())}")'


def _list_label(listing: RecipientList | None, request: Request) -> str:
    if listing is None:
        return "no list"
    part = f" (part {request.part[0]} of {request.part[1]})" if request.part else ""
    return f"{listing.path}{part}"


def _skipped(listing: RecipientList | None) -> str:
    count = len(listing.invalid) + len(listing.duplicates) if listing else 0
    return f"; {count} row{'s' * (count != 1)} skipped (above)" if count else ""


# -- --test and --dry-run -------------------------------------------------------------


def _send_test(copies: Copies, request: Request, listing: RecipientList | None) -> Summary:
    address = (request.test or "").strip()
    server = _server(request)
    known = {r.key: r for r in listing.recipients} if listing else {}
    recipient = known.get(address.lower(), Recipient(address))
    copy = copies.copy(Recipient(address, recipient.name), test=True)
    connection = Connection(server)
    _first_connection(connection)
    try:
        outcome = connection.deliver(copies.sender, address, copy.data, lambda: True)
    finally:
        connection.close()
    if isinstance(outcome, Delivered):
        return Summary(
            [
                f"Sent a test copy of {_title(copies)} to {address} ({outcome.reply}); "
                "nothing was recorded."
            ]
        )
    if isinstance(outcome, Refused):
        line = f"{server.label} refused the test copy to {address} at {outcome.stage}: "
        return Summary([line + str(outcome.reply)], exit_code=1)
    reason = outcome.reason if isinstance(outcome, Lost) else "not sent"
    return Summary([f"The test copy to {address} may not have arrived: {reason}"], exit_code=1)


def _dry_run(
    copies: Copies,
    request: Request,
    listing: RecipientList | None,
    people: list[Recipient],
    journal: Journal | None,
) -> Summary:
    try:
        states = journal.states() if journal else {}
    finally:
        if journal:
            journal.close()
    tally = Counter(states.get(r.key, State.PENDING) for r in people)
    unknown = tally[State.HANDED_OVER]
    count = tally[State.PENDING] + (unknown if request.resend_unknown else 0)
    lines = [
        f"Dry run: would send {count:,} cop{'y' if count == 1 else 'ies'} of {_title(copies)} "
        f"from {copies.sender}, about {copies.size:,} bytes each. Nothing was sent.",
        f"{len(people):,} recipients in {_list_label(listing, request)}: "
        f"{tally[State.DELIVERED]:,} delivered already, {tally[State.FAILED]:,} failed, "
        f"{unknown:,} unknown outcome{'s' * (unknown != 1)}"
        + (" (sent again: --resend-unknown)" if unknown and request.resend_unknown else "")
        + f"{_skipped(listing)}.",
    ]
    return Summary(lines)


# -- the list -------------------------------------------------------------------------


def _send_list(
    copies: Copies,
    request: Request,
    listing: RecipientList | None,
    people: list[Recipient],
    journal: Journal,
    say: Say,
    stream: TextIO,
    policy: Policy | None,
) -> Summary:
    earlier = journal.setting("message")
    journal.add(r.key for r in people)
    states = journal.states()
    if earlier is not None and earlier != copies.digest:
        delivered = sum(1 for state in states.values() if state is State.DELIVERED)
        say(
            f"warning: {_title(copies)} changed since this send began: the {delivered:,} "
            "copies delivered so far had the earlier version"
        )
    journal.set_setting("message", copies.digest)
    todo = [r for r in people if states[r.key] is State.PENDING]
    unknown = [r for r in people if states[r.key] is State.HANDED_OVER]
    if unknown and request.resend_unknown:
        journal.reopen(r.key for r in unknown)
        say(f"Sending again to {len(unknown):,} recipients whose outcome was unknown.")
        todo += unknown
    header = f"{_title(copies)} to {_list_label(listing, request)}: {len(people):,} recipients"
    header = header[0].upper() + header[1:]
    if not people:
        return Summary([header + _skipped(listing) + ".", "Nothing to send."], exit_code=1)
    if not todo:
        summary = _conclude(copies, journal, people, header + _skipped(listing))
        summary.lines.insert(1, "Nothing to send: every recipient of the list was handled before.")
        return summary
    connection = Connection(_server(request))
    _first_connection(connection)
    sending = _Sending(copies, journal, connection, policy or Policy(), request.rate, stream)
    sending.run(todo)
    summary = _conclude(copies, journal, people, header + _skipped(listing), sending)
    summary.seconds = sending.seconds
    return summary


def _server(request: Request) -> Server:
    if request.server is None:
        raise UsageError("--smtp HOST:PORT is needed to send")
    return request.server


def _first_connection(connection: Connection) -> None:
    try:
        connection.open()
    except ConnectError as error:
        raise DeliveryError(f"{error}; nothing was sent") from None


class _Sending:
    """The delivery loop: one recipient at a time, over one connection, retries later."""

    def __init__(
        self,
        copies: Copies,
        journal: Journal,
        connection: Connection,
        policy: Policy,
        rate: float | None,
        stream: TextIO,
    ) -> None:
        self.copies = copies
        self.journal = journal
        self.connection = connection
        self.policy = policy
        self.pacer = Pacer(rate)
        self.counts = Counts()
        self.progress = Progress(self.counts, stream)
        self.rng = random.Random(policy.seed)
        self.stopped: str | None = None
        self.seconds = 0.0
        self._trouble = 0  # connection failures in a row
        self._trouble_reason = ""
        self._refusals = 0  # permanent refusals of the message in a row
        self._tries: Counter[str] = Counter()
        self._later: list[tuple[float, int, Recipient]] = []  # retries, by when they are due
        self._order = itertools.count()  # ties of `_later`

    def run(self, todo: Sequence[Recipient]) -> None:
        """Deliver to each of `todo` (all pending), until done or stopped."""
        self.counts.total = len(todo)
        queue = deque(todo)
        started = time.monotonic()
        self.progress.update()
        with self._stop_on_signals():
            while (queue or self._later) and self.stopped is None:
                now = time.monotonic()
                while self._later and self._later[0][0] <= now:
                    queue.append(heapq.heappop(self._later)[2])
                if not queue:
                    self._wait_for_retry(self._later[0][0] - now)
                    continue
                if not self._connected():
                    break
                recipient = queue.popleft()
                self.pacer.wait()
                outcome = self._deliver(recipient)
                self._record(recipient, outcome, queue)
                self.progress.update()
        self.seconds = time.monotonic() - started
        self.connection.close()
        self.progress.update(final=True)
        self.progress.clear()

    def _deliver(self, recipient: Recipient) -> Outcome:
        copy = self.copies.copy(recipient)
        key = recipient.key
        return self.connection.deliver(
            self.copies.sender, recipient.address, copy.data, lambda: self.journal.hand_over(key)
        )

    def _record(self, recipient: Recipient, outcome: Outcome, queue: deque[Recipient]) -> None:
        key = recipient.key
        if isinstance(outcome, Delivered):
            self.journal.delivered(key, str(outcome.reply))
            self.counts.sent += 1
            self._trouble = self._refusals = 0
        elif isinstance(outcome, Refused):
            self._trouble = 0
            self._refused(recipient, outcome, queue)
        elif isinstance(outcome, Lost):
            self._troubled(f"lost the connection ({outcome.reason})")
            if outcome.handed_over:
                self.counts.unknown += 1
            else:
                queue.appendleft(recipient)  # the server kept nothing: send it again
        elif isinstance(outcome, Withdrawn):
            self.counts.total -= 1  # another process is sending it

    def _refused(self, recipient: Recipient, outcome: Refused, queue: deque[Recipient]) -> None:
        key, reply = recipient.key, outcome.reply
        if outcome.stage == "MAIL":
            # About the sender or the session (a login needed, too many messages on one
            # connection), not about this reader: nothing is recorded against them.
            queue.appendleft(recipient)
            if reply.permanent:
                self.stopped = f"the server refused the sender <{self.copies.sender}>: {reply}"
            else:
                self.connection.close()
                self._troubled(f"the server answered MAIL with {reply}")
        elif reply.permanent:
            self.journal.failed(key, str(reply))
            self.counts.failed += 1
            if outcome.stage != "RCPT":
                self._refusals += 1
                if self._refusals >= self.policy.stop_after_failures:
                    self.stopped = (
                        f"{self._refusals} messages in a row refused (the last: {reply}): "
                        "the server refuses the message itself, not one reader"
                    )
        else:
            if outcome.handed_over:
                self.journal.release(key, str(reply))
            else:
                self.journal.note(key, str(reply))
            self._tries[key] += 1
            tries = self._tries[key]
            if tries < self.policy.retry.attempts:
                due = time.monotonic() + self.policy.retry.delay(tries, self.rng)
                heapq.heappush(self._later, (due, next(self._order), recipient))
            else:
                self.counts.deferred += 1

    def _troubled(self, reason: str) -> None:
        self._trouble += 1
        self._trouble_reason = reason

    def _connected(self) -> bool:
        """An open connection, reconnecting with backoff; False when the send must stop."""
        while not self.connection.is_open and self.stopped is None:
            if self._trouble >= self.policy.reconnect.attempts:
                self.stopped = (
                    f"gave up on {self.connection.server.label} after {self._trouble} "
                    f"failures in a row ({self._trouble_reason})"
                )
                break
            if self._trouble:
                self._sleep(self.policy.reconnect.delay(self._trouble, self.rng))
                if self.stopped is not None:
                    break
            try:
                self.connection.open()
            except ConnectError as error:
                if error.permanent:
                    self.stopped = str(error)
                else:
                    self._troubled(str(error))
        return self.stopped is None

    def _wait_for_retry(self, seconds: float) -> None:
        if seconds > _IDLE_SECONDS:
            self.connection.close()
        self._sleep(seconds)

    def _sleep(self, seconds: float) -> None:
        """Sleep, waking up early when the send is stopped."""
        end = time.monotonic() + max(0.0, seconds)
        while self.stopped is None:
            left = end - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(left, 0.25))

    @contextlib.contextmanager
    def _stop_on_signals(self) -> Iterator[None]:
        """Ctrl-C or SIGTERM: finish the message in progress, then stop; a second
        Ctrl-C stops at once."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {number: signal.getsignal(number) for number in _STOP_SIGNALS}

        def stop(number: int, frame: FrameType | None) -> None:
            self.stopped = "interrupted"
            self.progress.message(
                "Stopping after the message in progress (Ctrl-C again to stop at once)."
            )
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)

        for number in _STOP_SIGNALS:
            signal.signal(number, stop)
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


# -- the summary ----------------------------------------------------------------------


def _conclude(
    copies: Copies,
    journal: Journal,
    people: list[Recipient],
    header: str,
    sending: _Sending | None = None,
) -> Summary:
    """The summary of the list's state in the journal, and the exit code."""
    states = journal.states()
    by_state: dict[State, list[Recipient]] = {state: [] for state in State}
    for recipient in people:
        by_state[states.get(recipient.key, State.PENDING)].append(recipient)
    failed, unknown = by_state[State.FAILED], by_state[State.HANDED_OVER]
    pending = by_state[State.PENDING]
    lines = [header + "."]
    if sending is not None:
        counts = sending.counts
        pace = counts.done / sending.seconds * 60 if sending.seconds > 0 else 0.0
        run = f"This run: {counts.sent:,} sent, {counts.failed:,} failed"
        if counts.unknown:
            run += f", {counts.unknown:,} unknown outcome{'s' * (counts.unknown != 1)}"
        lines.append(f"{run} in {duration(sending.seconds)} ({pace:,.0f} a minute).")
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
    if sending is not None and sending.stopped is not None:
        lines.append(f"Stopped: {sending.stopped}.")
    if pending:
        lines.append(f"Run the same command again to send to the {len(pending):,} not sent yet.")
    summary = Summary(lines, exit_code=1 if failed or unknown or pending else 0)
    if sending is not None:
        summary.counts = sending.counts
    return summary


def _listed(lines: list[str]) -> list[str]:
    if len(lines) <= _LISTED:
        return lines
    rest = len(lines) - _LISTED
    return [*lines[:_LISTED], f"  ... and {rest:,} more (the journal has them all: {_DOCS})"]
