"""A list of addresses in a CSV file, as people export them: `,` or `;` between cells, a
header row naming an `email`, `e-mail` or `email address` column (any case) and maybe a
`name` (or `first name` and `last name`), UTF-8 with or without a byte-order mark.

Every row is read on its own, so one bad row costs that row only: an address that is not
one, and a row that is not CSV, are reported with their line and skipped. A quote that
is never closed would make the rest of the file one cell, and one closed only lines
later would take in the rows between: both are reported at the line of the quote, and
reading starts again on the next line, so the rows after it are kept.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsletter.audience.addresses import address_problem
from newsletter.errors import ContentError, UsageError

EMAIL_HEADERS = ("email", "e-mail", "email address", "e-mail address")
NAME_HEADERS = ("name", "full name")
FIRST_NAME_HEADERS = ("first name", "given name")
LAST_NAME_HEADERS = ("last name", "surname", "family name")
DELIMITERS = (",", ";")
_UNTIL_QUOTE = re.compile(r'(?:[^"]|"")*')  # a quoted cell's text on its last line


@dataclass(frozen=True, slots=True)
class Row:
    """One address of the file, as written, with the line its row ends on."""

    line: int
    address: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A row that is left out, and why."""

    line: int
    value: str
    reason: str


@dataclass
class ListFile:
    """The rows of a list file that hold an address, and the rows skipped."""

    path: str
    rows: list[Row] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def problems(self) -> Iterator[str]:
        """Each skipped row as `path:line: message (skipped)`, in line order."""
        for skipped in sorted(self.skipped, key=lambda s: s.line):
            yield f"{self.path}:{skipped.line}: {skipped.reason} (skipped)"


def read_list(path: Path) -> ListFile:
    """The list in `path`; `ContentError` naming the file when it is not UTF-8 text or has
    no header row with an email column, `UsageError` when it cannot be read at all."""
    label = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read the list {label!r}: {error.strerror}") from None
    lines = list(io.StringIO(_decode(label, data), newline=""))
    first = 0
    delimiter = None
    if lines and lines[0].strip().lower() in ("sep=,", "sep=;"):  # Excel's hint
        delimiter, first = lines[0].strip()[-1], 1
    header, delimiter = _header(label, lines[first] if first < len(lines) else "", delimiter)
    columns = _Columns.find(header)
    result = ListFile(label)

    def is_row(text: str) -> bool:
        """Whether a line inside a cell reads as a row of its own: a quote took it in."""
        cells = next(csv.reader([text], delimiter=delimiter), [])
        return address_problem(columns.address(cells)) is None

    for line, row in _rows(lines, first + 1, delimiter, is_row):
        if isinstance(row, str):
            result.skipped.append(Skipped(line, lines[line - 1].strip(), row))
            continue
        if not any(cell.strip() for cell in row):
            continue
        address = columns.address(row)
        problem = address_problem(address)
        if problem is not None:
            result.skipped.append(Skipped(line, address, problem))
        else:
            result.rows.append(Row(line, address, columns.name(row)))
    return result


def _decode(label: str, data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ContentError(label, None, "is UTF-16 text: save it as CSV UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ContentError(
            label,
            line,
            f"is not UTF-8 text (byte 0x{data[error.start]:02x}{_guess(data)}): save it as "
            "UTF-8 (in Excel: Save As, CSV UTF-8)",
        ) from None


def _guess(data: bytes) -> str:
    """What the text probably is, when it is no UTF-8: a spreadsheet saved as plain
    CSV is in the Windows code page, Latin-1 for most of Europe."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return ""
    accented = next((c for c in text if ord(c) > 127 and c.isalpha()), None)
    return f", {accented!r} in Latin-1 or Windows-1252" if accented else ""


def _header(label: str, line: str, delimiter: str | None) -> tuple[list[str], str]:
    """The header row's cells, and the delimiter that makes an email column of them."""
    found: list[str] = []
    for candidate in (delimiter,) if delimiter else DELIMITERS:
        try:
            cells = next(csv.reader([line], delimiter=candidate, strict=True), [])
        except csv.Error:
            continue
        if any(_heading(cell) in EMAIL_HEADERS for cell in cells):
            return cells, candidate
        found = found or cells
    shown = ", ".join(repr(cell) for cell in found) or "nothing"
    raise ContentError(
        label,
        1,
        f"has no 'email' column: the first row must name the columns (found {shown}); "
        "it may be called email, e-mail or email address, the cells separated by , or ;",
    )


def _heading(cell: str) -> str:
    return " ".join(cell.replace("_", " ").lower().split())


@dataclass(frozen=True, slots=True)
class _Columns:
    """Where the address and the name are in a row."""

    email: int
    full_name: int | None
    first_name: int | None
    last_name: int | None

    @classmethod
    def find(cls, header: list[str]) -> _Columns:
        headings = [_heading(cell) for cell in header]

        def index(names: tuple[str, ...]) -> int | None:
            return next((i for i, heading in enumerate(headings) if heading in names), None)

        email = index(EMAIL_HEADERS)
        assert email is not None, "_header found it"
        return cls(email, index(NAME_HEADERS), index(FIRST_NAME_HEADERS), index(LAST_NAME_HEADERS))

    def address(self, row: list[str]) -> str:
        return _cell(row, self.email).strip()

    def name(self, row: list[str]) -> str:
        if self.full_name is not None:
            return _cell(row, self.full_name)
        parts = (_cell(row, self.first_name).strip(), _cell(row, self.last_name).strip())
        return " ".join(part for part in parts if part)


def _cell(row: list[str], column: int | None) -> str:
    return row[column] if column is not None and column < len(row) else ""


class _Feed:
    """The file's lines for `csv.reader`, from a line that can be moved back."""

    def __init__(self, lines: list[str], start: int) -> None:
        self.lines = lines
        self.next = start

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if self.next >= len(self.lines):
            raise StopIteration
        self.next += 1
        return self.lines[self.next - 1]


def _rows(
    lines: list[str], start: int, delimiter: str, is_row: Callable[[str], bool]
) -> Iterator[tuple[int, list[str] | str]]:
    """(line, cells) for each row from line index `start` on, the line being the one the
    row ends on; (line, why) for a row that cannot be read, at the line it starts on: a
    row whose cells span lines of which one `is_row` is such a row."""
    feed = _Feed(lines, start)
    reader = csv.reader(feed, delimiter=delimiter, strict=True)
    while True:
        begin = feed.next
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield begin + 1, _unreadable(str(error), begin + 1, feed.next, len(lines))
        else:
            end = feed.next
            inside = [*lines[begin + 1 : end - 1], _before_quote(lines[end - 1])]
            if end - begin == 1 or not any(map(is_row, inside)):
                yield end, row
                continue
            yield (
                begin + 1,
                (
                    f"a quote opened on this line closes only on line {end}: the rows of lines "
                    f"{begin + 2}-{end} would be part of this one; close the quote on its line"
                ),
            )
        # Read again from the line after the one at fault, with a reader of no state.
        feed.next = begin + 1
        reader = csv.reader(feed, delimiter=delimiter, strict=True)


def _before_quote(line: str) -> str:
    """The text of a line up to a quote that closes a cell (`""` is a quote in the cell)."""
    match = _UNTIL_QUOTE.match(line)
    return match[0] if match else line


def _unreadable(reason: str, line: int, end: int, count: int) -> str:
    """Why the row that starts on `line` (and was read up to line `end`) cannot be read."""
    if "unexpected end of data" in reason:
        rest = f" ({_lines(line + 1, count)})" if count > line else ""
        return (
            f"a quote opened on this line is never closed: the rest of the file{rest} "
            "would be one cell; close the quote on its line"
        )
    if end > line:
        return (
            f"a quote opened on this line closes only on line {end}, and the row does not "
            f"read as CSV there ({reason}); close the quote on its line"
        )
    return f"is not a CSV row ({reason}): quote a whole cell or none of it"


def _lines(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}-{last}"
