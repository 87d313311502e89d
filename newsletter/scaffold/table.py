"""A schedule table as it arrives: pasted from a Word or PDF document, or a Markdown table.

One row per line, columns *event, dates, venue* separated by tabs (what copying a
Word or PDF table gives), by `|` (a Markdown table; its `|---|` row is skipped) or, in
text with neither, by two or more spaces. A header row is optional; when there is one,
its words (Event, Dates, Venue, ...) say which column is which, and the other columns
are kept in the event's description (a Remarks column as it is, a No. column left
out). Lines of one cell above the table (its title, period and note, as documents put
them) are taken as such. A cell that the document broke onto the next line is joined
again (see `_Reader`). Bullets (`◆`, `•`, ...), surrounding spaces and blank lines are
ignored, and an ordinal a PDF split off its number (`16 th Meeting`) is joined again.
A line is a row when its dates read in the human forms of `newsletter.dates`; every
other line is reported with its number and text.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from newsletter.dates import HumanDates, parse_dates
from newsletter.errors import ContentError, DateError, Problems
from newsletter.reading.files import decode_utf8

COLUMNS = ("event", "dates", "venue")
_HEADER_WORDS = {
    "event": {"event", "events", "activity", "activities", "programme", "program", "title"},
    "dates": {"date", "dates", "when", "period", "schedule"},
    "venue": {"venue", "place", "location", "where", "city", "country"},
}
_REMARK_WORDS = {"remark", "remarks", "note", "notes", "comment", "comments", "description"}
_NUMBER_WORDS = {"no", "nr", "number", "#", "s", "n"}  # No., Nr., S/N, #
# The end of a cell that the next line goes on with: a comma, a dash, an open
# bracket, or a word no cell ends with.
_GOES_ON = re.compile(
    r"(?:[,\-–—/&(]|\b(?:and|of|for|on|the|in|to|at|with|de|et|du|des))$", re.IGNORECASE
)
_BULLETS = re.compile(r"^[◆◇♦•●○◦▪▫■□►▶▸·∙]+\s*")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
_BORDER = re.compile(r"^[\s|+:=\-–—]*$")  # |---|---|, +----+, ---<tab>----
_PIPE = re.compile(r"(?<!\\)\|")
_SPACES = re.compile(r"\s{2,}")
_SPLIT_ORDINAL = re.compile(r"\b(\d+)\s+(st|nd|rd|th)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TableRow:
    """One event read from the table; `line` is its line in the pasted text, `last_line`
    the last when a cell went on over more lines."""

    line: int
    title: str
    dates: str
    venue: str
    when: HumanDates
    description: str | None = None  # the Remarks column, and any other extra column
    last_line: int | None = None


@dataclass(frozen=True, slots=True)
class PastedTable:
    """The rows, and the lines above the table (its title, period, note) as pasted."""

    rows: list[TableRow]
    titles: list[tuple[int, str]]


def decode_pasted(data: bytes, path: str) -> str:
    """The pasted text: UTF-8 (with or without a BOM) or UTF-16 with a BOM, as saved on
    Windows; anything else is reported with the line of the first bad byte."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ContentError(path, None, "is not UTF-16 text as its start says") from None
    return decode_utf8(data, path)


def read_table(text: str, path: str, problems: Problems) -> list[TableRow]:
    """Every row of the pasted table; each line that is not one goes into `problems`."""
    return read_pasted(text, path, problems).rows


def read_pasted(text: str, path: str, problems: Problems) -> PastedTable:
    """The pasted table: its rows, and the title lines above it; each line that is
    neither goes into `problems`."""
    reader = _Reader(path, problems)
    for number, raw in enumerate(text.splitlines(), start=1):
        reader.line(number, _INVISIBLE.sub("", raw).replace("\u00a0", " "))
    reader.flush()
    if not reader.started:
        for number, line in reader.titles:  # no table below them: they are not titles
            problems.error(path, number, f"no columns in {_quote(line)}; {_HOW}")
    if not reader.rows and not problems.errors:
        problems.error(path, None, f"no rows of a schedule found; {_HOW}")
    return PastedTable(reader.rows, reader.titles if reader.started else [])


@dataclass
class _Pending:
    """A row being read: its cells so far, over one line or more (a wrapped cell)."""

    line: int
    cells: list[str]
    text: str
    last_line: int


class _Reader:
    """Reads the lines one by one: the title lines, the header, then the rows.

    A line continues the row above it, when no blank line comes between and the line
    does not start with a bullet, if that row lacks columns (a cell the document broke
    onto the next line, the rest of the row after it), or if the line alone lacks them
    and the row's last cell plainly goes on (`Bangkok,` then `Thailand`). Its first cell
    then joins the row's last cell, and its other cells follow (`_continues`).
    """

    def __init__(self, path: str, problems: Problems) -> None:
        self.path = path
        self.problems = problems
        self.rows: list[TableRow] = []
        self.titles: list[tuple[int, str]] = []
        self.header: _Header | None = None
        self.started = False  # a header or a row was read
        self.pending: _Pending | None = None

    def line(self, number: int, line: str) -> None:
        if not line.strip():
            self.flush()  # a blank line ends a row: a wrapped cell never has one
            return
        if _BORDER.match(line):
            return
        cells = _cells(line)
        if self.header is not None and cells == self.header.cells:
            self.flush()
            return  # the header again: a table across pages repeats it
        bullet = bool(_BULLETS.match(line.strip()))
        if not self.started:
            if _filled(cells) < 2 and not bullet:
                self.titles.append((number, line.strip()))
                return
            self.started = True
            if not bullet and not any(ch.isdigit() for ch in line) and not _any_dates(cells):
                self._read_header(number, cells, line)
                return
        pending = self.pending
        if pending is not None and not bullet and self._continues(pending, cells):
            _join(pending.cells, cells)
            pending.text += "\n" + line
            pending.last_line = number
            return
        self.flush()
        self.pending = _Pending(number, cells, line, number)

    def _read_header(self, number: int, cells: list[str], line: str) -> None:
        self.header = _Header.read(cells)
        if self.header is None:
            self.problems.error(
                self.path,
                number,
                f"a header row whose columns are not event, dates and venue: {_quote(line)}; "
                "name them Event, Dates and Venue",
            )

    def _whole(self, cells: list[str]) -> bool:
        """Whether the cells fill every column a row needs."""
        return (self.header or _DEFAULT).whole(cells)

    def _continues(self, pending: _Pending, cells: list[str]) -> bool:
        """Whether a line (not a bullet's) goes on with the row being read: the row lacks
        columns and the line brings no more than it lacks; or the row is whole, the line
        is not, and the row's last cell plainly goes on (`Bangkok,` then `Thailand`)."""
        header = self.header or _DEFAULT
        if not self._whole(pending.cells):
            joined = list(pending.cells)
            _join(joined, cells)
            return header.fits(joined)
        if self._whole(cells) or not pending.cells or not cells:
            return False
        last, first = pending.cells[-1], cells[0]
        return bool(_GOES_ON.search(last)) or first[:1].islower() or first.startswith("(")

    def flush(self) -> None:
        """The row being read is complete: read it."""
        pending, self.pending = self.pending, None
        if pending is None:
            return
        if _filled(pending.cells) < 2:
            self.problems.error(
                self.path, pending.line, f"no columns in {_quote(pending.text)}; {_HOW}"
            )
            return
        row = _row(pending, self.header, self.path, self.problems)
        if row is not None:
            self.rows.append(row)


def _join(target: list[str], cells: list[str]) -> None:
    """The line's first cell goes on with the row's last; its other cells follow."""
    first, *rest = cells or [""]
    target[-1] = " ".join(part for part in (target[-1], first) if part)
    target += rest


def _any_dates(cells: list[str]) -> bool:
    """Whether a cell reads as dates (`TBD`: a row, not a header, though it has no digit)."""
    for cell in cells:
        try:
            parse_dates(cell)
        except DateError:
            continue
        return True
    return False


def _filled(cells: list[str]) -> int:
    return len([c for c in cells if c])


_HOW = "each row needs event, dates and venue, separated by tabs or |"


@dataclass(frozen=True, slots=True)
class _Header:
    """A header row: its cells, and where each column is."""

    cells: list[str]
    positions: dict[str, int]

    @classmethod
    def read(cls, cells: list[str]) -> _Header | None:
        positions: dict[str, int] = {}
        for index, cell in enumerate(cells):
            words = re.sub(r"[^a-z ]", " ", cell.lower()).split()
            for column, names in _HEADER_WORDS.items():
                if column not in positions and any(w in names for w in words):
                    positions[column] = index
                    break
        if len(positions) != len(COLUMNS):
            if len([c for c in cells if c]) != len(COLUMNS):
                return None
            positions = {column: index for index, column in enumerate(COLUMNS)}
        return cls(cells, positions)

    @property
    def extra_columns(self) -> bool:
        return len([c for c in self.cells if c]) > len(COLUMNS)

    def fits(self, cells: list[str]) -> bool:
        """Whether `cells` are no more than a row of this table has."""
        if self.extra_columns:
            return len(cells) <= len(self.cells)
        return _filled(cells) <= len(COLUMNS)

    def whole(self, cells: list[str]) -> bool:
        """Whether `cells` reach every column a row needs (extra ones may stay empty)."""
        if self.extra_columns:
            return all(self.positions[c] < len(cells) for c in COLUMNS)
        return _filled(cells) >= len(COLUMNS)

    def columns(self, cells: list[str]) -> dict[str, str] | None:
        """The row's event, dates and venue; None when the row does not fit the header."""
        if self.extra_columns:
            # Other columns (No., Remarks) are there: the cells line up by position.
            if any(self.positions[c] >= len(cells) for c in COLUMNS):
                return None
            return {c: cells[self.positions[c]] for c in COLUMNS}
        filled = [c for c in cells if c]
        if len(filled) != len(COLUMNS):
            return None
        order = sorted(COLUMNS, key=lambda c: self.positions[c])
        return dict(zip(order, filled, strict=True))

    def description(self, cells: list[str]) -> str | None:
        """The other columns of a row, kept: a Remarks (Notes, Comments) column as it is,
        any other as `Name: value`; a No. column, numbering the rows, is left out."""
        if not self.extra_columns:
            return None
        used = set(self.positions.values())
        parts = []
        for index, name in enumerate(self.cells):
            if index in used or index >= len(cells) or not cells[index]:
                continue
            words = set(re.sub(r"[^a-z#]", " ", name.lower()).split())
            if not words or words <= _NUMBER_WORDS:
                continue
            parts.append(cells[index] if words & _REMARK_WORDS else f"{name}: {cells[index]}")
        return "\n".join(parts) or None


_DEFAULT = _Header(list(COLUMNS), {column: index for index, column in enumerate(COLUMNS)})


def _cells(line: str) -> list[str]:
    """The line's cells, cleaned; empty cells kept (they hold a column's place)."""
    if "\t" in line:
        parts = line.split("\t")
    elif "|" in line:
        body = line.strip().removeprefix("|")
        if body.endswith("|") and not body.endswith("\\|"):
            body = body[:-1]
        parts = [p.replace("\\|", "|") for p in _PIPE.split(body)]
    else:
        parts = _SPACES.split(line.strip())
    cells = [" ".join(p.split()) for p in parts]
    cells = [_BULLETS.sub("", c).strip() for c in cells]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _row(
    pending: _Pending, header: _Header | None, path: str, problems: Problems
) -> TableRow | None:
    columns = (header or _DEFAULT).columns(pending.cells)
    number, line = pending.line, pending.text
    if columns is None:
        problems.error(
            path,
            number,
            f"{_filled(pending.cells)} columns where event, dates and venue were expected: "
            f"{_quote(line)}",
        )
        return None
    empty = [c for c in COLUMNS if not columns[c]]
    if empty:
        message = f"no {' and no '.join(empty)} in {_quote(line)}"
        problems.error(path, number, message, field=empty[0])
        return None
    title = _SPLIT_ORDINAL.sub(r"\1\2", columns["event"])
    try:
        when = parse_dates(columns["dates"])
    except DateError as error:
        message = f"cannot read the dates ({error.reason}) in {_quote(line)}"
        problems.error(path, number, message, field="dates", value=columns["dates"])
        return None
    description = (header or _DEFAULT).description(pending.cells)
    last = pending.last_line if pending.last_line != number else None
    return TableRow(number, title, columns["dates"], columns["venue"], when, description, last)


def _quote(line: str) -> str:
    """The line as the editor pasted it, tabs shown as ` | ` so the columns are visible
    (and the lines of a wrapped row as one)."""
    text = " ".join(part.strip() for part in line.strip().split("\n"))
    return '"' + " | ".join(part.strip() for part in text.split("\t")) + '"'
