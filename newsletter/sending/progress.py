"""What a send shows while it runs: a bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

_BAR = 24
_REDRAW_SECONDS = 0.1
_LINE_SECONDS = 60.0  # without a terminal: a line at each tenth, and at least this often


@dataclass
class Counts:
    """This run's tally."""

    total: int = 0  # to send when the run started
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    deferred: int = 0  # refused for now (4xx) after every retry: still pending

    @property
    def done(self) -> int:
        """Recipients this run is finished with, one way or another."""
        return self.sent + self.failed + self.unknown + self.deferred

    @property
    def remaining(self) -> int:
        """Recipients this run has still to try."""
        return max(0, self.total - self.done)


class Progress:
    """Shows `counts` on `stream`: redrawn in place when it is a terminal."""

    def __init__(
        self, counts: Counts, stream: TextIO, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.counts = counts
        self.stream = stream
        self.tty = stream.isatty()
        self._clock = clock
        self._start = clock()
        self._drawn = 0.0
        self._tenth = 0
        self._printed = -1  # `done` when the last plain line was written
        self._visible = False

    def update(self, final: bool = False) -> None:
        """Show the counts now, if it is time to."""
        now = self._clock()
        if self.tty:
            if final or now - self._drawn >= _REDRAW_SECONDS:
                self._drawn = now
                self.stream.write("\r\x1b[K" + self._bar(now))
                self.stream.flush()
                self._visible = True
            return
        counts = self.counts
        tenth = counts.done * 10 // counts.total if counts.total else 10
        due = tenth > self._tenth or now - self._drawn >= _LINE_SECONDS
        if (final and counts.done != self._printed) or (due and not final):
            self.stream.write(self._status(now) + "\n")
            self.stream.flush()
            self._tenth, self._drawn, self._printed = tenth, now, counts.done

    def message(self, text: str) -> None:
        """A line above the bar."""
        self.clear()
        self.stream.write(text + "\n")
        self.stream.flush()

    def clear(self) -> None:
        """Take the bar off the terminal (before the summary)."""
        if self.tty and self._visible:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._visible = False

    def _bar(self, now: float) -> str:
        counts = self.counts
        filled = _BAR * counts.done // counts.total if counts.total else _BAR
        return f"[{'#' * filled}{'.' * (_BAR - filled)}] {self._status(now)}"

    def _status(self, now: float) -> str:
        counts = self.counts
        elapsed = now - self._start
        per_minute = counts.done / elapsed * 60 if elapsed > 0 else 0.0
        status = f"{counts.sent:,} sent, {counts.failed:,} failed"
        if counts.unknown:
            status += f", {counts.unknown:,} unknown"
        status += f", {counts.remaining:,} remaining"
        if counts.done and counts.remaining:
            eta = counts.remaining / (counts.done / elapsed) if elapsed > 0 else 0.0
            status += f" · {per_minute:,.0f}/min · ETA {duration(eta)}"
        return status


def duration(seconds: float) -> str:
    """`45s`, `3m20s`, `2h05m`."""
    whole = int(seconds + 0.5)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
