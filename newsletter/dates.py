"""The human date ranges editors write in schedules and reports.

`24-25 Oct. 2018`, `29 Oct – 9 Nov. 2018`, `28 Dec. 2018 – 4 Jan. 2019`,
`7 to 10 August 2018`, `18-22 Feb. 2019 (tbc)`: a day, an optional month and year on
the left of a range, and a full date on the right. The result is an all-day range with
an inclusive end.

Schedules also hold dates whose days are not known yet: a month (`Feb. 2019`,
`February 2019 (tbc)`), tentative by nature, and `TBD` or `to be announced`. They read
with a `Precision` of month or unknown; `format_dates` in `render.links` shows them
as "February 2019" and "dates to be announced".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from newsletter.errors import DateError
from newsletter.model import Precision

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)

_TENTATIVE = re.compile(r"\s*\((?:tbc|tbd|tentative)\)\s*$", re.IGNORECASE)
# `to` may touch digits or a dot (`7to10`, `Oct.to 9 Nov`), never a letter (`October`).
_SEPARATOR = re.compile(r"\s*(?:[-‐‑‒–—−]|(?<![^\W\d_])to(?![^\W\d_]))\s*", re.IGNORECASE)
_POINT = re.compile(
    r"^(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:\s+(?P<month>[^\W\d_]+)\.?)?(?:,?\s+(?P<year>\d{4}))?$",
    re.IGNORECASE,
)
_MONTH_ONLY = re.compile(r"^(?P<month>[^\W\d_]+)\.?,?\s+(?P<year>\d{4})$")
_UNKNOWN = re.compile(
    r"^(?:dates?\s*:?\s+)?(?:tbd|tba|tbc|to\s+be\s+"
    r"(?:announced|determined|decided|confirmed|fixed|advised))\.?$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class HumanDates:
    """An all-day range read from `dates:`: inclusive `end`, `tentative` from `(tbc)`.

    A month only spans that month (and is tentative); unknown dates are `date.max`.
    """

    start: date
    end: date
    tentative: bool
    precision: Precision = Precision.DAY


def month_number(name: str) -> int | None:
    """1-12 for a full month name or an abbreviation of three letters or more."""
    name = name.lower().rstrip(".")
    if len(name) < 3:
        return None
    for number, full in enumerate(MONTHS, start=1):
        if full.startswith(name):
            return number
    return None


def parse_dates(text: str) -> HumanDates:
    """Read a human date range; raise `DateError` quoting `text` when it cannot."""
    body = " ".join(text.split())
    tentative = False
    marker = _TENTATIVE.search(body)
    if marker:
        tentative = True
        body = body[: marker.start()]
    if not body:
        raise DateError("no date", text)
    if _UNKNOWN.match(body):
        return HumanDates(date.max, date.max, tentative, Precision.UNKNOWN)
    month_only = _MONTH_ONLY.match(body)
    if month_only:
        return _month(month_only["month"], int(month_only["year"]), text)
    if month_number(body) is not None:
        raise DateError("no year", text)

    sides = _SEPARATOR.split(body)
    if len(sides) > 2:
        raise DateError("more than one range separator", text)
    points = [_read_point(side, text) for side in sides]

    last_day, last_month, last_year = points[-1]
    if last_month is None:
        raise DateError("no month", text)
    if last_year is None:
        raise DateError("no year", text)
    end = _make_date(last_year, last_month, last_day, text)
    if len(points) == 1:
        return HumanDates(end, end, tentative)

    first_day, first_month, first_year = points[0]
    start = _make_date(first_year or last_year, first_month or last_month, first_day, text)
    if end < start:
        if first_year is None and (first_month or last_month) > last_month:
            raise DateError("the end is before the start; across a new year, give both years", text)
        raise DateError("the end is before the start", text)
    return HumanDates(start, end, tentative)


def _month(name: str, year: int, text: str) -> HumanDates:
    month = month_number(name)
    if month is None:
        raise DateError(f"unknown month {name!r}", text)
    following = date(year + month // 12, month % 12 + 1, 1)
    last = date.fromordinal(following.toordinal() - 1)
    return HumanDates(date(year, month, 1), last, True, Precision.MONTH)


def _read_point(side: str, text: str) -> tuple[int, int | None, int | None]:
    match = _POINT.match(side.strip())
    if not side.strip():
        raise DateError("nothing on one side of the range", text)
    if not match:
        raise DateError(f"cannot read {side.strip()!r} as a date", text)
    month: int | None = None
    if match["month"]:
        month = month_number(match["month"])
        if month is None:
            raise DateError(f"unknown month {match['month']!r}", text)
    year = int(match["year"]) if match["year"] else None
    return int(match["day"]), month, year


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(
            f"there is no day {day} in {MONTHS[month - 1].title()} {year}", text
        ) from None


TO_BE_ANNOUNCED = "dates to be announced"


def format_human(start: date, end: date, precision: Precision) -> str:
    """The days as `format_range` writes them; "February 2019" when only the month is
    known, "dates to be announced" when nothing is."""
    if precision is Precision.UNKNOWN:
        return TO_BE_ANNOUNCED
    if precision is Precision.MONTH:
        return f"{MONTHS[start.month - 1].title()} {start.year}"
    return format_range(start, end)


def format_range(start: date, end: date) -> str:
    """The editor's own style back: `24-25 October 2018`, `29 October - 9 November 2018`."""
    if start == end:
        return f"{start.day} {MONTHS[start.month - 1].title()} {start.year}"
    end_text = f"{end.day} {MONTHS[end.month - 1].title()} {end.year}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end_text}"
    if start.year == end.year:
        return f"{start.day} {MONTHS[start.month - 1].title()} – {end_text}"
    return f"{start.day} {MONTHS[start.month - 1].title()} {start.year} – {end_text}"
