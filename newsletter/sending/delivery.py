"""Delivering copies over one SMTP connection: the loop over the list, with reconnects,
retries of temporary refusals, a stop on a refused sender or on Ctrl-C; and the single
copy of `--test`.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import random
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from types import FrameType
from typing import TextIO

from newsletter.errors import DeliveryError
from newsletter.sending.copies import Copies
from newsletter.sending.journal import SendJournal
from newsletter.sending.pacing import Pacer, Policy
from newsletter.sending.progress import Counts, Progress
from newsletter.sending.recipients import Recipient
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

_IDLE_SECONDS = 10.0  # a longer wait for a retry closes the connection meanwhile
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def first_connection(server: Server) -> Connection:
    """An open connection to `server`; `DeliveryError` when it cannot be had, before
    anything was sent."""
    connection = Connection(server)
    try:
        connection.open()
    except ConnectError as error:
        raise DeliveryError(f"{error}; nothing was sent") from None
    return connection


def deliver_test(server: Server, sender: str, address: str, data: bytes) -> Outcome:
    """Deliver one copy over a connection of its own, recording nothing."""
    connection = first_connection(server)
    try:
        return connection.deliver(sender, address, data, lambda: True)
    finally:
        connection.close()


class Delivery:
    """The delivery loop: one recipient at a time, over one connection, retries later."""

    def __init__(
        self,
        copies: Copies,
        journal: SendJournal,
        connection: Connection,
        policy: Policy,
        rate: float | None,
        stream: TextIO,
        refused: Callable[[str, str], None] | None = None,
    ) -> None:
        self.copies = copies
        self.refused = refused  # told (address, reply) of a 5xx at RCPT or DATA: a hard bounce
        self.journal = journal
        self.connection = connection
        self.policy = policy
        self.pacer = Pacer(rate)
        self.counts = Counts()
        self.progress = Progress(self.counts, stream)
        self.rng = random.Random(policy.seed)
        self.stopped: str | None = None  # why the send stopped before the end
        self.seconds = 0.0  # spent in `run`
        self._trouble = 0  # connection failures in a row
        self._trouble_reason = ""
        self._refusals = 0  # permanent refusals of the message in a row
        self._tries: Counter[str] = Counter()
        self._later: list[tuple[float, int, Recipient]] = []  # retries, by when they are due
        self._order = itertools.count()  # ties of `_later`

    def run(self, todo: Iterable[Recipient], total: int) -> None:
        """Deliver to each of `todo` (`total` recipients, all pending), until done or
        stopped; `todo` is taken one at a time, as the send reaches it."""
        self.counts.total = total
        upcoming = iter(todo)
        queue: deque[Recipient] = deque()  # sent again first: a lost connection's last one
        started = time.monotonic()
        self.progress.update()
        with self._stop_on_signals():
            while self.stopped is None:
                now = time.monotonic()
                while self._later and self._later[0][0] <= now:
                    queue.append(heapq.heappop(self._later)[2])
                if not queue:
                    following = next(upcoming, None)
                    if following is not None:
                        queue.append(following)
                    elif self._later:
                        self._wait_for_retry(self._later[0][0] - now)
                        continue
                    else:
                        break
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
            copy.sender, recipient.address, copy.data, lambda: self.journal.hand_over(key)
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
            if self.refused is not None:
                self.refused(recipient.address, f"{reply} (at {outcome.stage})")
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
