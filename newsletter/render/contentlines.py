"""iCalendar content lines written directly (RFC 5545 3.1, 3.3): TEXT escaping, the
value formats of dates, times and offsets, and folding at 75 octets.

Building each VEVENT with icalendar costs about half a millisecond; the calendar's
properties are few and fixed, so they are written here as icalendar writes them, byte
for byte (the tests hold the two together), and icalendar stays the parser the output
is held to. The one difference: icalendar turns a literal `\\N` in a text into a line
break; here it stays the two characters it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

FOLD_AT = 75  # octets: a line this long or longer is folded
_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n", "\r": "\\n"})


def text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, each line break as `\\n`."""
    return value.replace("\r\n", "\n").translate(_TEXT_ESCAPES)


def texts(values: Iterable[str]) -> str:
    """A list of TEXT values (CATEGORIES), each escaped, joined by commas."""
    return ",".join(text(value) for value in values)


def day(value: date) -> str:
    """A DATE value: `20190107`."""
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def local_time(value: datetime) -> str:
    """A DATE-TIME value without a zone: `20190331T020000` (floating, or in a TZID)."""
    return f"{day(value)}T{value.hour:02d}{value.minute:02d}{value.second:02d}"


def utc_time(value: datetime) -> str:
    """A UTC DATE-TIME value: `20181015T000000Z`."""
    return local_time(value.astimezone(UTC)) + "Z"


def offset(value: timedelta) -> str:
    """A UTC-OFFSET value: `+0100`, `-0330`, `+013045` when it has seconds."""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def fold(line: str) -> bytes:
    """One content line as UTF-8 with CRLF, folded before 75 octets between characters.

    Like icalendar: each part is at most 74 octets and a continuation starts with one
    space; a backslash (the start of an escape) moves to the next part rather than
    end one, since some clients read `\\` + fold + `n` wrongly.
    """
    data = line.encode("utf-8")
    parts = []
    start, end = 0, len(data)
    while end - start >= FOLD_AT:
        cut = start + FOLD_AT - 1
        while data[cut] & 0xC0 == 0x80:  # inside a character: fold before it
            cut -= 1
        if data[cut - 1] in b"\\^":  # an escape starts the next part
            cut -= 1
        parts.append(data[start:cut])
        start = cut
    parts.append(data[start:])
    return b"\r\n ".join(parts) + b"\r\n"


def lines(content: Iterable[str]) -> bytes:
    """Content lines, each folded and ended with CRLF."""
    return b"".join(fold(line) for line in content)
