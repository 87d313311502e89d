"""The list of recipients of `send --recipients FILE`: a CSV file read as `subscribers
import` reads one (`audience.importing`).

Every address is checked before anything is sent: a row that cannot be read, an address
that is not a plain address, or one that repeats an earlier one (case-insensitively),
is reported with its line and skipped. A `name` column, when there is one, becomes the
display name in `To`; other columns are ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsletter.audience.addresses import address_key, clean_name
from newsletter.audience.importing import Skipped, read_list


@dataclass(frozen=True, slots=True)
class Recipient:
    """One address of the list, as written, with the line it is on."""

    address: str
    name: str = ""
    line: int = 0

    @property
    def key(self) -> str:
        """The address as the journal and duplicate check know it: lower-cased."""
        return address_key(self.address)


@dataclass
class RecipientList:
    """The recipients of a list file, and the rows skipped (invalid or repeated)."""

    path: str
    recipients: list[Recipient] = field(default_factory=list)
    invalid: list[Skipped] = field(default_factory=list)
    duplicates: list[Skipped] = field(default_factory=list)

    def problems(self) -> Iterator[str]:
        """Each skipped row as `path:line: message`, in line order."""
        for skipped in sorted([*self.invalid, *self.duplicates], key=lambda s: s.line):
            yield f"{self.path}:{skipped.line}: {skipped.reason} (skipped)"


def read_recipients(path: Path) -> RecipientList:
    """The list in `path` (see `audience.importing`); `ContentError` naming the file when it
    has no header row with an email column or is not UTF-8 text, `UsageError` when it
    cannot be read."""
    listing = read_list(path)
    result = RecipientList(listing.path, invalid=listing.skipped)
    first_line: dict[str, int] = {}
    for row in listing.rows:
        key = address_key(row.address)
        if key in first_line:
            reason = f"{row.address} is already on line {first_line[key]}"
            result.duplicates.append(Skipped(row.line, row.address, reason))
            continue
        first_line[key] = row.line
        result.recipients.append(Recipient(row.address, clean_name(row.name), row.line))
    return result
