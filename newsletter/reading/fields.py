"""Typed access to the keys of one YAML mapping, reporting each problem with its line.

A `Fields` knows which keys its mapping may have: an unknown key is a warning with a
suggestion (`summmary: unknown key; did you mean summary?`); a missing required key or
a value of the wrong type is an error. Getters return None after reporting, so the
reader can go on and find the next problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from newsletter.dates import MONTHS
from newsletter.errors import Problems
from newsletter.reading.yamlfile import CURLY_QUOTES, YamlList, YamlMap, curly_quote_hint

_ISO_DAY = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ]|\s*$)")


class Fields:
    def __init__(
        self,
        data: YamlMap,
        path: str,
        problems: Problems,
        known: Iterable[str],
        prefix: str = "",
    ) -> None:
        self.data = data
        self.path = path
        self.problems = problems
        self.prefix = prefix  # e.g. "events[3]." for messages about nested keys
        known = tuple(known)
        for key in data:
            if key not in known:
                from difflib import get_close_matches

                close = get_close_matches(key, known, n=1, cutoff=0.6)
                hint = (
                    f"; did you mean {close[0]}?" if close else f"; known keys: {', '.join(known)}"
                )
                self.problems.warning(
                    path, data.line_of(key), f"{self.name(key)}: unknown key{hint}", value=key
                )

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def line(self, key: str | None = None) -> int:
        return self.data.line if key is None else self.data.line_of(key)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def error(self, key: str | None, message: str, value: object = None) -> None:
        """An error about `key` (the whole mapping when None) and its bad `value`; a
        value in curly quotes gets a hint that YAML took them for part of the text."""
        label = f"{self.name(key)}: " if key else ""
        if isinstance(value, str) and value.strip()[:1] in CURLY_QUOTES:
            quote = value.strip()[0]
            message += curly_quote_hint(quote, CURLY_QUOTES[quote])
        self.problems.error(self.path, self.line(key), f"{label}{message}", key, value)

    def warning(self, key: str | None, message: str, value: object = None) -> None:
        """A warning about `key` (the whole mapping when None) and its `value`."""
        label = f"{self.name(key)}: " if key else ""
        self.problems.warning(self.path, self.line(key), f"{label}{message}", key, value)

    def note(self, key: str | None, message: str, value: object = None) -> None:
        """A note about `key`: worth knowing, not wrong (see `Problems.note`)."""
        label = f"{self.name(key)}: " if key else ""
        self.problems.note(self.path, self.line(key), f"{label}{message}", key, value)

    def _get(self, key: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None and required:
            self.error(key, "required key is missing")
        return value

    def text(self, key: str, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float | date):
            self.error(key, f"must be text, not {_describe(value)}", value)
            return None
        text = str(value).strip()
        if not text and required:
            self.error(key, "must not be empty", value)
            return None
        return text or None

    def one_line(self, key: str, required: bool = False) -> str | None:
        """Text that will become a heading or a header: newlines are an error."""
        value = self.text(key, required)
        if value is not None and ("\n" in value or "\r" in value):
            self.error(key, "must be on one line (it becomes a title or a mail header)", value)
            return " ".join(value.split())
        return value

    def integer(self, key: str, required: bool = False) -> int | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, f"must be a whole number, not {_describe(value)}", value)
            return None
        return value

    def boolean(self, key: str) -> bool | None:
        """`true` or `false`; None when the key is absent."""
        value = self._get(key, False)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.error(key, f"must be true or false, not {_describe(value)}", value)
            return None
        return value

    def number(self, key: str) -> float | None:
        value = self._get(key, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(key, f"must be a number, not {_describe(value)}", value)
            return None
        return float(value)

    def date(self, key: str, required: bool = False) -> date | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
            missing = missing_day(value)
            if missing is not None:
                self.error(key, f"{missing} ({value.strip()!r}); write a day that exists", value)
                return None
        self.error(key, f"must be a date written YYYY-MM-DD, not {_describe(value)}", value)
        return None

    def mapping(self, key: str, required: bool = False) -> YamlMap | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, YamlMap):
            self.error(
                key, f"must be a mapping of `key: value` lines, not {_describe(value)}", value
            )
            return None
        return value

    def sequence(self, key: str, required: bool = False) -> YamlList | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, YamlList):
            self.error(key, f"must be a list, not {_describe(value)}", value)
            return None
        return value

    def text_list(self, key: str) -> tuple[str, ...]:
        """A list of text, or one text value standing for a list of one."""
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value.strip(),)
        items = self.sequence(key)
        if items is None:
            return ()
        result = []
        for item in items:
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.error(key, f"every item must be text, not {_describe(item)}", item)
                continue
            result.append(str(item).strip())
        return tuple(result)

    def mappings(self, key: str, known: Iterable[str]) -> Iterator[Fields]:
        """Each item of a list of mappings, as `Fields` named `key[i].`."""
        items = self.sequence(key)
        if items is None:
            return
        known = tuple(known)
        for index, item in enumerate(items):
            if not isinstance(item, YamlMap):
                self.problems.error(
                    self.path,
                    items.lines[index],
                    f"{self.name(key)}[{index + 1}]: must be a mapping of `key: value` lines, "
                    f"not {_describe(item)}",
                    value=item,
                )
                continue
            yield Fields(item, self.path, self.problems, known, f"{self.name(key)}[{index + 1}].")

    def sub(self, key: str, known: Iterable[str]) -> Fields | None:
        data = self.mapping(key)
        if data is None:
            return None
        return Fields(data, self.path, self.problems, known, f"{self.name(key)}.")


def _describe(value: Any) -> str:
    if isinstance(value, YamlMap):
        return "a mapping"
    if isinstance(value, YamlList):
        return "a list"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value; quote it if it is text)"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def missing_day(text: str) -> str | None:
    """`there is no day 30 in February 2019` for an ISO date (or date-time) whose day or
    month does not exist, such as `2019-02-30`; None for any other text."""
    match = _ISO_DAY.match(text)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    try:
        date(year, month, day)
    except ValueError:
        return f"there is no day {day} in {MONTHS[month - 1].title()} {year}"
    return None
