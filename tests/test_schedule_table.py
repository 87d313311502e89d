"""Reading a schedule table pasted from a document: each form, and each line it refuses."""

from __future__ import annotations

import pytest

from newsletter.errors import ContentError, Problems
from newsletter.scaffold.table import TableRow, decode_pasted, read_table


def read(text: str) -> tuple[list[TableRow], list[str]]:
    problems = Problems()
    rows = read_table(text, "t.txt", problems)
    return rows, [str(p) for p in problems.items]


def cells(rows: list[TableRow]) -> list[tuple[str, str, str]]:
    return [(r.title, r.dates, r.venue) for r in rows]


ROW = ("WCO Workshop", "4-8 Mar. 2019", "Kashiwa, Japan")


@pytest.mark.parametrize(
    "text",
    [
        "◆ WCO Workshop\t4-8 Mar. 2019\tKashiwa, Japan",
        "• WCO Workshop \t 4-8 Mar. 2019 \t Kashiwa, Japan\t",
        "| WCO Workshop | 4-8 Mar. 2019 | Kashiwa, Japan |",
        "WCO Workshop | 4-8 Mar. 2019 | Kashiwa, Japan",
        "WCO Workshop    4-8 Mar. 2019    Kashiwa, Japan",
        "\u200bWCO\u00a0Workshop\t\t4-8 Mar.\u00a02019\tKashiwa, Japan",
    ],
)
def test_one_row_in_each_form(text: str) -> None:
    assert read(text) == ([TableRow(1, *ROW, read(text)[0][0].when)], [])
    assert read(text)[0][0].when.start.isoformat() == "2019-03-04"


def test_markdown_table_with_header_and_separator() -> None:
    rows, problems = read(
        "| Event | Dates | Venue |\n"
        "|:---|---|---:|\n"
        "| WCO Workshop | 4-8 Mar. 2019 | Kashiwa, Japan |\n"
    )
    assert (cells(rows), problems) == ([ROW], [])
    assert rows[0].line == 3


def test_header_words_put_columns_in_any_order() -> None:
    rows, problems = read("Venue\tWhen\tActivity\nKashiwa, Japan\t4-8 Mar. 2019\tWCO Workshop\n")
    assert (cells(rows), problems) == ([ROW], [])


def test_header_with_more_columns_picks_the_three() -> None:
    rows, problems = read(
        "No.\tEvent\tDates\tVenue\tRemarks\n"
        "1\tWCO Workshop\t4-8 Mar. 2019\tKashiwa, Japan\t\n"
        "\tWCO Workshop\t4-8 Mar. 2019\tKashiwa, Japan\tFunded by CCF\n"
    )
    assert (cells(rows), problems) == ([ROW, ROW], [])


def test_repeated_header_blank_lines_and_borders_are_skipped() -> None:
    rows, problems = read(
        "+------+\nEvent\tDates\tVenue\n\nWCO Workshop\t4-8 Mar. 2019\tKashiwa, Japan\n"
        "---\t-----------\nEvent\tDates\tVenue\nWCO Workshop\t4-8 Mar. 2019\tKashiwa, Japan\n"
    )
    assert (cells(rows), problems) == ([ROW, ROW], [])


def test_ordinals_split_by_a_pdf_are_joined() -> None:
    rows, _ = read("◆ 16 th Meeting and 1 st Session\t24-25 Oct. 2018\tShanghai, China")
    assert rows[0].title == "16th Meeting and 1st Session"


def test_tentative_dates_keep_their_marker() -> None:
    rows, _ = read("WCO Workshop\t18-22 Feb. 2019 (tbc)\tManila, Philippines")
    assert rows[0].dates == "18-22 Feb. 2019 (tbc)" and rows[0].when.tentative


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Future Activities", 't.txt:1: no columns in "Future Activities"'),
        ("Workshop\t30-31 Feb. 2019\tSuva", "t.txt:1: cannot read the dates (there is no day"),
        ("Workshop\t4-8 Mar.\tSuva", 't.txt:1: cannot read the dates (no year) in "Workshop | '),
        ("Workshop\t4-8 Mar. 2019", "t.txt:1: 2 columns where event, dates and venue"),
        ("A\tB\t4-8 Mar. 2019\tSuva", "t.txt:1: 4 columns where event, dates and venue"),
        ("Name\tWhen\tWhere\tWho\n", "t.txt:1: a header row whose columns are not event"),
        ("", "t.txt: no rows of a schedule found"),
    ],
)
def test_unreadable_lines(text: str, message: str) -> None:
    rows, problems = read(text)
    assert rows == []
    assert problems[0].startswith(message), problems


def test_every_bad_line_is_reported_not_only_the_first() -> None:
    rows, problems = read("Bad one\nWCO Workshop\t4-8 Mar. 2019\tKashiwa, Japan\nBad two\n")
    assert len(rows) == 1
    assert [p.split(":")[1] for p in problems] == ["1", "3"]


def test_decoding() -> None:
    assert decode_pasted("\ufeffa\tb".encode(), "t") == "a\tb"
    assert decode_pasted("a\tb – c".encode("utf-16"), "t") == "a\tb – c"
    with pytest.raises(ContentError) as raised:
        decode_pasted(b"ok\nCaf\xe9\n", "t.txt")
    assert (
        str(raised.value) == "t.txt:2: is not UTF-8 text (byte 0xe9); save it with UTF-8 encoding"
    )
