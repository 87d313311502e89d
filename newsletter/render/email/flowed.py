"""The plain-text edition as `text/plain; format=flowed` (RFC 3676).

Phone mail apps show text/plain in a proportional font at their own width, so a text
wrapped at 76 columns breaks again on the screen, every other line a stub. A flowed
text says which line breaks are soft: a line that ends in a space continues in the
next one, and a reader that knows format=flowed joins such lines into a paragraph and
wraps it to its window; a reader that does not shows the lines as they are, each at
most `WIDTH` columns. Lines are broken at spaces only (DelSp=no), so a word, a URL or a
title never comes apart; a word longer than a line stays whole on its own line.

The text is written with `\\n` line ends, as email.txt; the message serialises its
parts with CRLF, as RFC 3676 wants on the wire.
"""

from __future__ import annotations

import unicodedata

WIDTH = 76  # columns of a line, its soft-break space included
LIMIT = 78  # RFC 3676 4.2: at most 78 characters, unless one word is longer
# The Content-Type parameters of a text part written by `flow`.
FLOWED_PARAMS = {"format": "flowed", "delsp": "no"}

_SIGNATURE = "-- "  # a line of just this is the signature separator, never a soft break


def flow(text: str, width: int = WIDTH) -> str:
    """`text`, each of whose lines is a paragraph, as format=flowed lines of at most
    `width` columns: long paragraphs broken after a space (a soft break, the space kept
    at the line's end), every paragraph's last line without trailing spaces (a hard
    break), and lines that begin with a space, ">" or "From " space-stuffed.

    A no-break space (U+00A0) is kept and never broken at. Wide characters (CJK) count
    two columns. Unfolding the result as RFC 3676 says gives back the lines of `text`,
    less their trailing spaces.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.rstrip(" ")
        if len(paragraph) <= width and paragraph.isascii() and not _stuffed(paragraph):
            lines.append(paragraph)  # most lines: short, nothing to break or stuff
        else:
            lines += _paragraph_lines(paragraph, width)
    return "\n".join(lines)


def _stuffed(text: str, position: int = 0) -> bool:
    """Whether a line starting at `position` needs a space before it (RFC 3676 4.4)."""
    return text.startswith((" ", ">", "From "), position)


def display_width(text: str) -> int:
    """How many columns `text` takes in a fixed-width font: wide characters take two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _paragraph_lines(paragraph: str, width: int) -> list[str]:
    """The lines of a paragraph that is long or must be stuffed, found by position in it
    (cutting off what was left copied a long paragraph again for each of its lines)."""
    lines: list[str] = []
    end = len(paragraph)
    ascii = paragraph.isascii()  # then a character is a column
    position = 0
    while True:
        stuffing = " " if _stuffed(paragraph, position) else ""
        room = width - len(stuffing)
        fitting = position + room if ascii else _fitting(paragraph, position, room)
        if fitting >= end:
            lines.append(stuffing + paragraph[position:])
            return lines
        cut = _break(paragraph, position, fitting)
        if cut == 0:  # nothing to break at: the rest is one word
            lines.append(stuffing + paragraph[position:])
            return lines
        lines.append(stuffing + paragraph[position:cut])
        position = cut


def _break(text: str, position: int, fitting: int) -> int:
    """Where to break the line starting at `position`, of which the text up to `fitting`
    fits: after its last space that fits, else after the first space at all (a long
    word runs over); 0 when there is no space to break at after the first word."""
    start = position
    while text.startswith(" ", start):  # stuffed indentation is no break
        start += 1
    cut = text.rfind(" ", start + 1, fitting) + 1
    if cut == 0:
        cut = text.find(" ", max(start + 1, fitting)) + 1
    if text[position:cut] == _SIGNATURE:
        cut = text.find(" ", cut) + 1
    return cut


def _fitting(text: str, position: int, room: int) -> int:
    """Where the text from `position` stops fitting in `room` columns (its end if it
    all fits)."""
    used = 0
    for index in range(position, len(text)):
        used += 2 if unicodedata.east_asian_width(text[index]) in "WF" else 1
        if used > room:
            return index
    return len(text)
