"""The list of recipients: a UTF-8 CSV file with a header row and an `email` column.

Every address is checked before anything is sent: one that is not a plain address, or
that repeats an earlier one (case-insensitively), is reported with its line and
skipped. A `name` column, when there is one, becomes the display name in `To`; other
columns are ignored.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.errors import ContentError, UsageError

if TYPE_CHECKING:
    from _csv import Reader

EMAIL_COLUMN = "email"
NAME_COLUMN = "name"
MAX_NAME = 100  # characters of a display name kept in `To`

# A dot-atom local part and a host name of two labels or more (RFC 5321 Mailbox,
# without quoted local parts or address literals, which lists do not carry).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"({_ATOM}(?:\.{_ATOM})*)@({_LABEL}(?:\.{_LABEL})+)")
_NAMED = re.compile(r"<[^<>]*@[^<>]*>")


@dataclass(frozen=True, slots=True)
class Recipient:
    """One address of the list, as written, with the line it is on."""

    address: str
    name: str = ""
    line: int = 0

    @property
    def key(self) -> str:
        """The address as the journal and duplicate check know it: lower-cased."""
        return self.address.lower()


@dataclass(frozen=True, slots=True)
class Skipped:
    """A row that gets no copy, and why."""

    line: int
    value: str
    reason: str


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


def address_problem(address: str) -> str | None:
    """Why `address` cannot be sent to, or None when it can."""
    if not address:
        return "no address in the email column"
    if not address.isascii():
        return f"{address!r} has non-ASCII characters (SMTPUTF8 is not supported)"
    if _NAMED.search(address):
        return f"{address!r} is not a bare address: put the name in a 'name' column"
    match = _ADDRESS.fullmatch(address)
    if match is None:
        return f"{address!r} is not an email address"
    if len(match[1]) > 64 or len(address) > 254:
        return f"{address!r} is too long for an email address"
    if match[2].rsplit(".", 1)[1].isdigit():
        return f"{address!r} does not end in a domain name"
    return None


def clean_name(name: str) -> str:
    """A display name on one line: control characters and line breaks become spaces,
    runs of spaces one space, at most `MAX_NAME` characters."""
    printable = "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in name
    )
    return " ".join(printable.split())[:MAX_NAME].strip()


def read_recipients(path: Path) -> RecipientList:
    """The list in `path`; `ContentError` naming the file when it has no header row with
    an `email` column or is not UTF-8 text, `UsageError` when it cannot be read."""
    label = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return _read_rows(label, csv.reader(stream))
    except UnicodeDecodeError as error:
        raise ContentError(
            label, None, f"is not UTF-8 text (byte {error.start} of the file): save it as UTF-8"
        ) from None
    except csv.Error as error:
        raise ContentError(label, None, f"is not a readable CSV file: {error}") from None
    except OSError as error:
        raise UsageError(f"cannot read the list {label!r}: {error.strerror}") from None


def _read_rows(label: str, rows: Reader) -> RecipientList:
    header = next(rows, None)
    names = [cell.strip().lower() for cell in header or ()]
    if EMAIL_COLUMN not in names:
        found = ", ".join(repr(cell) for cell in header or ()) or "nothing"
        raise ContentError(
            label,
            1,
            f"has no '{EMAIL_COLUMN}' column: the first row must name the columns (found {found})",
        )
    column = names.index(EMAIL_COLUMN)
    name_column = names.index(NAME_COLUMN) if NAME_COLUMN in names else None
    result = RecipientList(label)
    first_line: dict[str, int] = {}
    for row in rows:
        line = rows.line_num  # where the row ends: a quoted cell may span lines
        if not any(cell.strip() for cell in row):
            continue
        address = row[column].strip() if column < len(row) else ""
        problem = address_problem(address)
        if problem is not None:
            result.invalid.append(Skipped(line, address, problem))
            continue
        key = address.lower()
        if key in first_line:
            reason = f"{address} is already on line {first_line[key]}"
            result.duplicates.append(Skipped(line, address, reason))
            continue
        first_line[key] = line
        name = row[name_column] if name_column is not None and name_column < len(row) else ""
        result.recipients.append(Recipient(address, clean_name(name), line))
    return result
