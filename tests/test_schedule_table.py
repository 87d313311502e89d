"""Reading a schedule table pasted from a document: each form, and each line it refuses."""

from __future__ import annotations

import pytest

from newsletter.dates import parse_dates
from newsletter.errors import ContentError, Problems
from newsletter.model import Precision
from newsletter.scaffold.table import TableRow, decode_pasted, read_pasted, read_table
from tests.sample import FIXTURES

HOW = "each row needs event, dates and venue, separated by tabs or |"


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
    row = "◆ WCO Workshop\t4-8 Mar. 2019\tKashiwa, Japan\n"
    rows, problems = read(f"{row}Bad one\n{row}Bad two\n\n{row}")
    assert len(rows) == 3
    assert [p.split(":")[1] for p in problems] == ["2", "4"]


def test_decoding() -> None:
    assert decode_pasted("\ufeffa\tb".encode(), "t") == "a\tb"
    assert decode_pasted("a\tb – c".encode("utf-16"), "t") == "a\tb – c"
    with pytest.raises(ContentError) as raised:
        decode_pasted(b"ok\nCaf\xe9\n", "t.txt")
    assert (
        str(raised.value) == "t.txt:2: is not UTF-8 text (byte 0xe9); save it with UTF-8 encoding"
    )


# -- what documents really paste: a title above, wrapped cells, more columns -----------

SEED_WITH_TITLE = FIXTURES / "import-schedule" / "seed-062-with-title.txt"


def test_the_title_lines_above_the_header_are_the_tables_title() -> None:
    problems = Problems()
    table = read_pasted(SEED_WITH_TITLE.read_text("utf-8"), "t.txt", problems)
    assert problems.items == []
    assert table.titles == [
        (1, "WCO A/P CB/TA Programs and Meetings Schedule"),
        (3, "October 2018 and onwards (Indicative)"),
        (5, "(NB) Official invitation will be circulated in due course"),
    ]
    assert len(table.rows) == 21
    assert table.rows[0].line == 8
    assert table.rows[0].title == "16th Meeting of Heads of the WCO A/P Regional Training Centers"
    assert all(row.last_line is None for row in table.rows)


def test_a_title_line_right_above_bulleted_rows_without_a_header() -> None:
    rows, problems = read(
        "Programs and Meetings Schedule\n◆ WCO Workshop\t4-8 Mar. 2019\tKashiwa, Japan"
    )
    assert (cells(rows), problems) == ([ROW], [])


WRAPPED = [
    # The first cell broke: the row goes on over the next line (Word, a hard break).
    (
        "◆ WCO National Workshop on Customs valuation and\n"
        "Transfer Pricing for Thailand\t26-30 Nov. 2018\tBangkok, Thailand\n",
        (
            "WCO National Workshop on Customs valuation and Transfer Pricing for Thailand",
            "26-30 Nov. 2018",
            "Bangkok, Thailand",
        ),
    ),
    # Over three lines, under a header, without bullets.
    (
        "Event\tDates\tVenue\nWCO Regional\nWorkshop on\n"
        "Transit\t7-11 Jan. 2019\tFaridabad, India\n",
        ("WCO Regional Workshop on Transit", "7-11 Jan. 2019", "Faridabad, India"),
    ),
    # The dates broke: the marker went on to the next line, with the venue after it.
    (
        "◆ WCO Workshop on Risk Management\t18-22 Feb. 2019\n(tbc)\tManila, Philippines\n",
        ("WCO Workshop on Risk Management", "18-22 Feb. 2019 (tbc)", "Manila, Philippines"),
    ),
    # The last cell broke after a comma.
    (
        "◆ WCO Workshop\t4-8 Mar. 2019\tKashiwa,\nJapan\n",
        ("WCO Workshop", "4-8 Mar. 2019", "Kashiwa, Japan"),
    ),
]


@pytest.mark.parametrize(("text", "row"), WRAPPED, ids=["first", "three", "dates", "last"])
def test_a_cell_that_went_on_to_the_next_line_is_joined(
    text: str, row: tuple[str, str, str]
) -> None:
    following = "◆ WCO Council Sessions\t27-29 Jun. 2019\tBrussels, Belgium\n"
    rows, problems = read(text + following)
    assert problems == []
    assert cells(rows) == [row, ("WCO Council Sessions", "27-29 Jun. 2019", "Brussels, Belgium")]
    lines = text.count("\n")
    first = 2 if text.startswith("Event") else 1
    assert (rows[0].line, rows[0].last_line) == (first, lines)
    assert (rows[1].line, rows[1].last_line) == (lines + 1, None)
    assert rows[0].when == parse_dates(row[1])


def test_a_line_that_plainly_starts_anew_is_not_joined() -> None:
    # After a whole row, a line of one cell goes on with it only when the row's last cell
    # plainly goes on (a comma, "and", a lowercase start): a heading between rows does not.
    rows, problems = read(
        "◆ WCO Workshop\t4-8 Mar. 2019\tKashiwa, Japan\n"
        "Meetings in 2019\n"
        "◆ WCO Workshop\t4-8 Mar. 2019\tKashiwa, Japan\n"
    )
    assert cells(rows) == [ROW, ROW]
    assert problems == ['t.txt:2: no columns in "Meetings in 2019"; ' + HOW]


def test_a_blank_line_ends_a_row() -> None:
    rows, problems = read("◆ WCO Workshop\t4-8 Mar. 2019\n\nKashiwa, Japan\n")
    assert rows == []
    assert [p.split(":")[1] for p in problems] == ["1", "3"]


def test_extra_columns_go_into_the_description() -> None:
    rows, problems = read(
        "No.\tEvent\tDates\tVenue\tOrganiser\tRemarks\n"
        "1\tWCO Workshop\t4-8 Mar. 2019\tKashiwa, Japan\tJapan Customs\tFunded by the\n"
        "Customs Cooperation Fund\n"
        "2\tWCO Workshop\t4-8 Mar. 2019\tKashiwa, Japan\n"
        "3\tWCO Workshop\t4-8 Mar. 2019\tKashiwa, Japan\t\tInvitation only\n"
    )
    assert problems == []
    assert cells(rows) == [ROW, ROW, ROW]
    assert [r.description for r in rows] == [
        "Organiser: Japan Customs\nFunded by the Customs Cooperation Fund",
        None,
        "Invitation only",
    ]
    assert rows[0].last_line == 3


@pytest.mark.parametrize(
    ("dates", "precision"), [("Feb. 2019", Precision.MONTH), ("TBD", Precision.UNKNOWN)]
)
def test_rows_whose_days_are_not_known_yet(dates: str, precision: Precision) -> None:
    rows, problems = read(f"WCO Workshop\t{dates}\tKashiwa, Japan")
    assert problems == []
    assert rows[0].dates == dates and rows[0].when.precision is precision
