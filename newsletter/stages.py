"""How long each stage of a build took: what `bench/build.py --incremental` prints, so
the next regression shows where it is."""

from __future__ import annotations

from time import perf_counter


class Stages:
    """Seconds by stage, in the order the stages first ended."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._since = perf_counter()

    def done(self, stage: str) -> None:
        """The time since the last stage ended (or since the start) goes to `stage`."""
        now = perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._since
        self._since = now
