"""format=flowed (RFC 3676) as `flowed.flow` writes it, read back by an independent
decoder (the formatflowed package) as a mail client that knows format=flowed does, and
line by line as one that does not."""

from __future__ import annotations

import random
from itertools import pairwise

import formatflowed
import pytest

from newsletter.render.email.flowed import FLOWED_PARAMS, LIMIT, WIDTH, display_width, flow

NBSP = "\u00a0"


def unflow(flowed: str) -> list[str]:
    """The paragraphs a format=flowed, DelSp=no reader makes of `flowed` (LF lines, as
    email.txt; CRLF as on the wire); every one must be unquoted."""
    data = flowed.replace("\n", "\r\n").encode("utf-8")
    chunks = list(formatflowed.decode(data, character_set="utf-8"))
    assert all(info["quotedepth"] == 0 for info, _ in chunks), "stuffing failed: a quote"
    return [text for _, text in chunks]


def soft(line: str) -> bool:
    return line.endswith(" ")


def one_word(line: str) -> bool:
    """A line that cannot be broken: one word (after stuffing), its soft space after it;
    "-- " keeps the word after it, or the line would be a signature separator."""
    return " " not in line.strip(" ").removeprefix("-- ")


VOCABULARY = [
    "a",
    "to",
    "the",
    "hyphen-ated",
    "x" * 30,
    "y" * 90,
    "https://newsletter.example.org/events/" + "z" * 70 + ".ics",
    "é",
    "Монголия",
    "世界海关组织",
    "From",
    ">",
    "--",
    "-",
    f"link{NBSP}[3]",
    "",  # two spaces in a row
]


def paragraph(rng: random.Random, vocabulary: list[str] = VOCABULARY) -> str:
    words = [rng.choice(vocabulary) for _ in range(rng.randint(0, 40))]
    indent = " " * rng.choice([0, 0, 0, 1, 2, 4])
    return (indent + " ".join(words)).rstrip(" ")


@pytest.fixture(scope="module")
def texts() -> list[str]:
    rng = random.Random(3676)
    return ["\n".join(paragraph(rng) for _ in range(rng.randint(1, 8))) for _ in range(400)]


def test_unfolding_gives_back_the_paragraphs(texts: list[str]) -> None:
    for text in texts:
        assert unflow(flow(text)) == text.split("\n")


@pytest.mark.parametrize("width", [WIDTH, 40, 12])
def test_lines_fit_unless_one_word_is_longer(texts: list[str], width: int) -> None:
    for text in texts:
        for line in flow(text, width).split("\n"):
            assert display_width(line) <= width or one_word(line), line
            assert len(line) <= LIMIT or one_word(line), line


def test_soft_breaks_end_in_a_space_and_hard_ones_do_not(texts: list[str]) -> None:
    for text in texts:
        flowed = flow(text).split("\n")
        paragraphs = text.split("\n")
        ends = [i for i, line in enumerate(flowed) if not soft(line)]
        assert len(ends) == len(paragraphs)  # one hard break per paragraph, at its end
        assert not soft(flowed[-1])


def test_lines_are_as_full_as_they_can_be(texts: list[str]) -> None:
    for text in texts:
        lines = flow(text).split("\n")
        for line, following in pairwise(lines):
            unstuffed = following.removeprefix(" ")
            if not soft(line) or one_word(line) or unstuffed.startswith(" "):
                continue  # a paragraph's end, a long word, a run of spaces
            word = unstuffed.split(" ")[0]
            after = "" if unstuffed == word else " "  # a soft break wants its space
            assert display_width(line + word + after) > WIDTH, (line, following)


def test_lines_that_a_reader_would_take_for_quotes_or_mbox_are_space_stuffed() -> None:
    text = "> not a quote\nFrom here on\n  indented\nFromage is fine\n" + "a " * 38 + "> b"
    lines = flow(text).split("\n")
    assert lines[:4] == [" > not a quote", " From here on", "   indented", "Fromage is fine"]
    assert lines[-1] == " > b"  # a line that a soft break starts with ">"
    assert not any(line.startswith((">", "From ")) for line in lines)
    assert unflow(flow(text)) == text.split("\n")


def test_a_word_is_never_broken() -> None:
    url = "https://newsletter.example.org/events/" + "w" * 120 + ".ics"
    assert flow(f"Add to calendar: {url}").split("\n") == ["Add to calendar: ", url]
    assert flow("x" * 100).split("\n") == ["x" * 100]
    long = flow("a " + "y" * 90 + " b").split("\n")
    assert long == ["a ", "y" * 90 + " ", "b"]


def test_a_no_break_space_holds_words_together() -> None:
    text = "w" * 70 + f" link{NBSP}[12]"
    assert flow(text).split("\n") == ["w" * 70 + " ", f"link{NBSP}[12]"]


def test_wide_characters_take_two_columns() -> None:
    text = " ".join(["世界海关组织"] * 12)  # 12 words of 12 columns
    lines = flow(text).split("\n")
    assert all(display_width(line) <= WIDTH for line in lines)
    assert [line.count("世界海关组织") for line in lines] == [5, 5, 2]
    alone = "世界海关组织亚太地区能力建设办公室" * 3  # no space: one word, never broken
    assert flow(alone) == alone


def test_no_line_is_a_signature_separator() -> None:
    text = "-- " + "v" * 80
    lines = flow(text).split("\n")
    assert "-- " not in lines
    assert unflow(flow(text)) == [text]


def test_blank_lines_and_trailing_spaces() -> None:
    assert flow("") == ""
    assert flow("a\n\nb\n") == "a\n\nb\n"
    assert flow("trailing   \n   ") == "trailing\n"


def test_the_content_type_parameters() -> None:
    assert FLOWED_PARAMS == {"format": "flowed", "delsp": "no"}


def test_paragraphs_are_broken_as_by_cutting_off_what_is_left() -> None:
    """`_paragraph_lines` finds each line by position in the paragraph: the same lines as
    the plain way (`sliced_lines`), stuffing, signature, wide characters and long words
    included."""
    from newsletter.render.email.flowed import _paragraph_lines

    ascii_words = ["a", "to", "the", "x" * 30, "y" * 90, "From", ">", "--", "-", "", "-- "]
    rng = random.Random(76)
    for vocabulary in (ascii_words, VOCABULARY):
        for _ in range(2000):
            text = paragraph(rng, vocabulary)
            for width in (10, 40, WIDTH):
                expected = sliced_lines(text, width)
                assert _paragraph_lines(text, width) == expected, (text, width)


def sliced_lines(paragraph: str, width: int) -> list[str]:
    """The lines of `paragraph` found by cutting each off the rest (how `flow` did it)."""
    lines: list[str] = []
    rest = paragraph
    while True:
        stuffing = " " if rest[:1] in (" ", ">") or rest.startswith("From ") else ""
        room = width - len(stuffing)
        fitting, used = len(rest), 0
        for index, character in enumerate(rest):
            used += display_width(character)
            if used > room:
                fitting = index
                break
        if fitting == len(rest):
            return [*lines, stuffing + rest]
        start = len(rest) - len(rest.lstrip(" "))
        cut = rest.rfind(" ", start + 1, fitting) + 1
        if cut == 0:
            cut = rest.find(" ", max(start + 1, fitting)) + 1
        if rest[:cut] == "-- ":
            cut = rest.find(" ", cut) + 1
        if cut == 0:
            return [*lines, stuffing + rest]
        lines.append(stuffing + rest[:cut])
        rest = rest[cut:]
