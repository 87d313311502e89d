"""What `newsletter send` is asked to do, and the checks of it made before any reading."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from newsletter.audience.addresses import address_problem
from newsletter.errors import UsageError
from newsletter.sending.smtp import Server


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
    database: str | None = None  # the subscribers database's URL (None: the folder's own)

    def check(self) -> None:
        """`UsageError` when the request cannot be carried out whatever the content."""
        if self.test is not None and address_problem(self.test.strip()) is not None:
            raise UsageError(f"--test: {address_problem(self.test.strip())}")

    def smtp_server(self) -> Server:
        """The server to deliver to; `UsageError` when none was given."""
        if self.server is None:
            raise UsageError("--smtp HOST:PORT is needed to send")
        return self.server


def in_part(key: str, part: tuple[int, int]) -> bool:
    """Whether the address `key` is in part k of n (by a hash of the address, so the
    parts do not overlap and stay the same when the list grows)."""
    number, count = part
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count == number - 1
