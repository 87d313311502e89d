"""Reading a list file as people export it (audience/importing.py): separators, headers,
byte-order marks, and every bad row reported at its line, a stray quote included, while
the rows after it are kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from newsletter.audience.importing import read_list
from newsletter.errors import ContentError, UsageError
from tests.conftest import Run


def write(tmp_path: Path, content: str | bytes, name: str = "list.csv") -> Path:
    file = tmp_path / name
    file.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return file


def rows(file: Path) -> list[tuple[int, str, str]]:
    return [(row.line, row.address, row.name) for row in read_list(file).rows]


@pytest.mark.parametrize(
    "header",
    ["email,name", "Email,Name", "E-mail,name", "EMAIL ADDRESS,Name", "email_address,name"],
)
def test_the_email_column_may_be_called_what_exports_call_it(tmp_path: Path, header: str) -> None:
    file = write(tmp_path, f"{header}\nann@example.org,Ann Lee\n")
    assert rows(file) == [(2, "ann@example.org", "Ann Lee")]


def test_semicolons_a_bom_and_first_and_last_names(tmp_path: Path) -> None:
    text = (
        "Email Address;First Name;Last Name;Tags\nann@example.org;Ann;Lee;x,y\nbob@example.org;;;\n"
    )
    file = write(tmp_path, b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert rows(file) == [(2, "ann@example.org", "Ann Lee"), (3, "bob@example.org", "")]


def test_excels_separator_line_is_honoured(tmp_path: Path) -> None:
    file = write(tmp_path, "sep=;\nemail;name\nann@example.org;Lee, Ann\n")
    assert rows(file) == [(3, "ann@example.org", "Lee, Ann")]


def test_a_name_over_several_lines_is_one_cell(tmp_path: Path) -> None:
    file = write(tmp_path, 'email,name\nann@example.org,"Ann\nLee"\nbob@example.org,Bob\n')
    assert rows(file) == [(3, "ann@example.org", "Ann\nLee"), (4, "bob@example.org", "Bob")]
    assert read_list(file).skipped == []


def test_a_quote_never_closed_is_reported_and_the_rest_of_the_file_kept(tmp_path: Path) -> None:
    text = (
        "email,name\n"
        "ann@example.org,Ann\n"
        'bob@example.org,"Bob\n'
        "carol@example.org,Carol\n"
        "dan@example.org,Dan\n"
    )
    listing = read_list(write(tmp_path, text))
    assert [row.address for row in listing.rows] == [
        "ann@example.org",
        "carol@example.org",
        "dan@example.org",
    ]
    [problem] = list(listing.problems())
    assert problem.startswith(f"{tmp_path / 'list.csv'}:3: a quote opened on this line")
    assert "never closed" in problem and "lines 4-5" in problem
    assert problem.endswith("(skipped)")


def test_a_quote_closed_lines_later_does_not_take_in_the_rows_between(tmp_path: Path) -> None:
    text = (
        "email,name\n"
        'ann@example.org,"Ann\n'
        "bob@example.org,Bob\n"
        "carol@example.org,Carol\n"
        'dan@example.org,Dan"\n'
        "eve@example.org,Eve\n"
    )
    listing = read_list(write(tmp_path, text))
    assert [row.address for row in listing.rows] == [
        "bob@example.org",
        "carol@example.org",
        "dan@example.org",
        "eve@example.org",
    ]
    [problem] = list(listing.problems())
    assert ":2: a quote opened on this line closes only on line 5" in problem


def test_every_bad_row_is_reported_with_its_line(tmp_path: Path) -> None:
    text = (
        "email,name\n"
        "ann@example.org,Ann\n"
        "not an address,X\n"
        ",Nobody\n"
        "\n"
        '"bob@example.org"x,Bob\n'
        "Dan <dan@example.org>,Dan\n"
        "zoé@example.org,Zoé\n"
        "carol@example.org,Carol\n"
    )
    listing = read_list(write(tmp_path, text))
    assert [row.address for row in listing.rows] == ["ann@example.org", "carol@example.org"]
    lines = [problem.split(":")[1] for problem in listing.problems()]
    assert lines == ["3", "4", "6", "7", "8"]
    text_of = "\n".join(listing.problems())
    assert "'not an address' is not an email address" in text_of
    assert "no address in the email column" in text_of
    assert "is not a CSV row" in text_of
    assert "put the name in a 'name' column" in text_of
    assert "non-ASCII" in text_of


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "has no 'email' column"),
        (b"mail;name\nann@example.org;Ann\n", "found 'mail;name'"),
        (b"email\nann@example.org\n\xff\xfe\n", ":3: is not UTF-8 text (byte 0xff"),
        ("email\nann@example.org\n".encode("utf-16"), "is UTF-16 text: save it as CSV UTF-8"),
    ],
)
def test_a_file_that_is_not_a_list_names_itself(
    tmp_path: Path, content: bytes, message: str
) -> None:
    file = write(tmp_path, content)
    with pytest.raises(ContentError) as raised:
        read_list(file)
    assert str(file) in str(raised.value)
    assert message in str(raised.value)


def test_a_latin_1_file_is_reported_by_line_with_a_hint(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    text = "email,name\nann@example.org,Ann\nbob@example.org,Bob\n"
    text += "jerome@example.org,J\u00e9r\u00f4me\n"
    file = write(tmp_path, text.encode("latin-1"))
    with pytest.raises(ContentError) as raised:
        read_list(file)
    assert str(raised.value) == (
        f"{file}:4: is not UTF-8 text (byte 0xe9, '\u00e9' in Latin-1 or Windows-1252): save it "
        "as UTF-8 (in Excel: Save As, CSV UTF-8)"
    )
    database = f"sqlite:///{tmp_path / 'subscribers.sqlite'}"
    result = run_cli("subscribers", "import", str(file), "--database", database)
    assert result.code == 1, result.output
    assert f"{file}:4: is not UTF-8 text (byte 0xe9" in result.err
    assert "byte 44" not in result.err and "Traceback" not in result.output


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read the list"):
        read_list(tmp_path / "nowhere.csv")
