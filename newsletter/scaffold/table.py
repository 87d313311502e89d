"""A schedule table as it arrives: pasted from a Word or PDF document, or a Markdown table.

One row per line, columns *event, dates, venue* separated by tabs (what copying a
Word or PDF table gives), by `|` (a Markdown table; its `|---|` row is skipped) or, in
text with neither, by two or more spaces. A header row is optional; when there is one,
its words (Event, Dates, Venue, ...) say which column is which, and other columns are
ignored. Bullets (`◆`, `•`, ...), surrounding spaces and blank lines are ignored, and an
ordinal a PDF split off its number (`16 th Meeting`) is joined again. A line is a row
when its dates read in the human forms of `newsletter.dates`; every other line is
reported with its number and text.
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
_BULLETS = re.compile(r"^[◆◇♦•●○◦▪▫■□►▶▸·∙]+\s*")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
_BORDER = re.compile(r"^[\s|+:=\-–—]*$")  # |---|---|, +----+, ---<tab>----
_PIPE = re.compile(r"(?<!\\)\|")
_SPACES = re.compile(r"\s{2,}")
_SPLIT_ORDINAL = re.compile(r"\b(\d+)\s+(st|nd|rd|th)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TableRow:
    """One event read from the table; `line` is its line in the pasted text."""

    line: int
    title: str
    dates: str
    venue: str
    when: HumanDates


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
    rows: list[TableRow] = []
    header: _Header | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _INVISIBLE.sub("", raw).replace("\u00a0", " ")
        if not line.strip() or _BORDER.match(line):
            continue
        cells = _cells(line)
        if len([c for c in cells if c]) < 2:
            problems.error(path, number, f"no columns in {_quote(line)}; {_HOW}")
            continue
        if header is not None and cells == header.cells:
            continue  # the header again: a table across pages repeats it
        if not rows and header is None and not any(ch.isdigit() for ch in line):
            header = _Header.read(cells)
            if header is None:
                problems.error(
                    path,
                    number,
                    f"a header row whose columns are not event, dates and venue: {_quote(line)}; "
                    "name them Event, Dates and Venue",
                )
            continue
        row = _row(cells, header, number, path, line, problems)
        if row is not None:
            rows.append(row)
    if not rows and not problems.errors:
        problems.error(path, None, f"no rows of a schedule found; {_HOW}")
    return rows


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
    cells: list[str],
    header: _Header | None,
    number: int,
    path: str,
    line: str,
    problems: Problems,
) -> TableRow | None:
    columns = (header or _DEFAULT).columns(cells)
    if columns is None:
        found = len([c for c in cells if c])
        problems.error(
            path,
            number,
            f"{found} columns where event, dates and venue were expected: {_quote(line)}",
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
    return TableRow(number, title, columns["dates"], columns["venue"], when)


def _quote(line: str) -> str:
    """The line as the editor pasted it, tabs shown as ` | ` so the columns are visible."""
    return '"' + " | ".join(part.strip() for part in line.strip().split("\t")) + '"'
