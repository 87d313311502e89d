"""Where a send's list comes from: the subscribers database (every `active` subscriber),
or a file (`--recipients FILE`) less every address the database has suppressed.

A list is read in batches, as often as the send needs to go through it, so that a list
of any length is never held in memory whole: the database's subscribers come a batch at
a time (`audience.subscribers.subscribers`), and a journal is asked about one batch at a
time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from newsletter.audience.database import Database, locate
from newsletter.audience.migrations import open_database
from newsletter.audience.schema import SUPPRESSED, Status
from newsletter.audience.subscribers import active_readers, status_counts, suppressed_among
from newsletter.errors import UsageError
from newsletter.sending.recipients import Recipient, RecipientList
from newsletter.sending.request import Request, in_part

BATCH = 1000  # recipients a pass over the list takes at once


class Source(Protocol):
    """A send's list."""

    @property
    def label(self) -> str:
        """The list as the summary names it: a file's path, or the database."""

    @property
    def skipped(self) -> int:
        """Rows of a file that were not read (reported before the send)."""

    @property
    def suppressed(self) -> int:
        """Addresses not mailed because they left, bounced, complained or were forgotten."""

    def describe(self) -> str:
        """Where the list comes from and what is left out of it, for the dry run."""

    def batches(self) -> Iterator[list[Recipient]]:
        """Every recipient of the list (of its part), a batch at a time, in the same order
        on every pass."""


def open_for_send(root: Path, request: Request) -> Database | None:
    """The subscribers database a send obeys, or None when there is none: no file at the
    default place, for a send to a file list or a test copy (nothing is suppressed then,
    and no database is made)."""
    location = locate(root, request.database)
    if not location.exists:
        if request.recipients is None and request.test is None:
            raise UsageError(
                f"--recipients FILE is needed: there is no subscribers database at "
                f"{location.label} (`newsletter subscribers import FILE` makes one from a list)"
            )
        if not location.default:
            raise UsageError(f"there is no subscribers database at {location.label}")
        return None
    return open_database(location, create=False)


def choose_source(
    database: Database | None, listing: RecipientList | None, request: Request
) -> Source:
    """The list of `request`: the file read into `listing`, or the database's active
    subscribers."""
    if listing is not None:
        return FileList(listing, database, request.part)
    assert database is not None, "open_for_send requires one without a file"
    return ActiveSubscribers(database, request.part)


def _part_label(part: tuple[int, int] | None) -> str:
    return f" (part {part[0]} of {part[1]})" if part else ""


class FileList:
    """The recipients of a list file (of its part), less the suppressed."""

    def __init__(
        self, listing: RecipientList, database: Database | None, part: tuple[int, int] | None
    ) -> None:
        self.listing = listing
        self.database = database
        people = [r for r in listing.recipients if part is None or in_part(r.key, part)]
        left_out = suppressed_among(database, [r.address for r in people]) if database else set()
        self.people = [r for r in people if r.key not in left_out]
        self.suppressed = len(people) - len(self.people)
        self.label = f"{listing.path}{_part_label(part)}"
        self.skipped = len(listing.invalid) + len(listing.duplicates)

    def describe(self) -> str:
        if self.database is None:
            return (
                f"The list: {self.listing.path}; there is no subscribers database, so no "
                "address is suppressed."
            )
        return (
            f"The list: {self.listing.path}, less {self.suppressed:,} suppressed address"
            f"{'es' * (self.suppressed != 1)} (unsubscribed, bounced, complained or forgotten "
            f"in {self.database.label})."
        )

    def batches(self) -> Iterator[list[Recipient]]:
        for start in range(0, len(self.people), BATCH):
            yield self.people[start : start + BATCH]


class ActiveSubscribers:
    """Every active subscriber of the database (of a part)."""

    def __init__(self, database: Database, part: tuple[int, int] | None) -> None:
        self.database = database
        self.part = part
        self.label = f"{database.label} (active subscribers){_part_label(part)}"
        self.skipped = 0
        by_status, forgotten = status_counts(database)
        self.pending = by_status[Status.PENDING]
        self.suppressed = sum(by_status[status] for status in SUPPRESSED) + forgotten

    def describe(self) -> str:
        return (
            f"The list: the active subscribers of {self.database.label}; not mailed: "
            f"{self.suppressed:,} suppressed (unsubscribed, bounced, complained or forgotten) "
            f"and {self.pending:,} pending (not confirmed)."
        )

    def batches(self) -> Iterator[list[Recipient]]:
        batch: list[Recipient] = []
        for email, name in active_readers(self.database):
            recipient = Recipient(email, name)
            if self.part is not None and not in_part(recipient.key, self.part):
                continue
            batch.append(recipient)
            if len(batch) == BATCH:
                yield batch
                batch = []
        if batch:
            yield batch
