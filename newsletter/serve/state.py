"""What the preview shows, shared by the builder thread and the HTTP handler: the
output folder, the build's version and problems, and the condition that wakes the open
pages' event streams when they change."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Report = Callable[[str], None]


@dataclass
class PreviewState:
    """`version` grows with each build that changed something; `problems` are the failed
    build's errors (else empty); `built`: a good build exists in `out`; `base_url`: where
    the built site will be published (the preview serves its links itself)."""

    out: Path
    report: Report = print
    base_url: str = ""
    version: int = 0
    built: bool = False
    problems: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    stopping: threading.Event = field(default_factory=threading.Event)

    def status(self) -> dict[str, Any]:
        """The version, problems and whether anything is built, read together."""
        with self.changed:
            return {"version": self.version, "problems": list(self.problems), "built": self.built}

    def succeeded(self, changed: bool) -> None:
        """A build succeeded; pages reload when it `changed` files or ends an error."""
        with self.changed:
            if changed or self.problems or not self.built:
                self.version += 1
            self.built = True
            self.problems = []
            self.changed.notify_all()

    def failed(self, problems: list[str]) -> bool:
        """A build failed with `problems`; True when an earlier good build stays online."""
        with self.changed:
            if problems != self.problems:
                self.version += 1
                self.problems = problems
            self.changed.notify_all()
            return self.built

    def wait_for_change(self, seen: int | None, seconds: float) -> int:
        """The version, once it differs from `seen` or after `seconds`."""
        with self.changed:
            if self.version == seen:
                self.changed.wait(seconds)
            return self.version

    def stop(self) -> None:
        """End the event streams."""
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()
