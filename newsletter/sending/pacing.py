"""How fast to send and how long to wait before trying again."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


class Pacer:
    """At most `per_minute` messages a minute, evenly spaced: no burst after a pause."""

    def __init__(
        self,
        per_minute: float | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0

    def wait(self) -> None:
        """Return when the next message may go."""
        if not self.interval:
            return
        now = self._clock()
        if self._next > now:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits that double from `first` up to `most`, each drawn from ±50% around its
    value so that many senders do not come back at the same moment; `attempts` in all."""

    first: float
    most: float
    attempts: int

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The wait after the `attempt`-th failure (1 for the first)."""
        base = min(self.most, self.first * 2.0 ** max(0, attempt - 1))
        return base * rng.uniform(0.5, 1.5)


@dataclass(frozen=True, slots=True)
class Policy:
    """The limits of a send. The defaults suit a real server; tests shorten them."""

    # A recipient answered 4xx: tried again after 2, 4, 8, 16 s (±50%), five tries in all;
    # still refused, it stays pending for the next run.
    retry: Backoff = field(default_factory=lambda: Backoff(2.0, 60.0, 5))
    # The connection failed or dropped, again and again: 1, 2, 4, 8, 16, 30 s, then stop.
    reconnect: Backoff = field(default_factory=lambda: Backoff(1.0, 30.0, 6))
    # This many permanent refusals in a row stop the send: the server is refusing the
    # message itself (its content, the sender), not one reader.
    stop_after_failures: int = 20
    seed: int | None = None  # of the jitter, for tests
