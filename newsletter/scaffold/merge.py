"""Writing an issue's schedule.yaml: carried forward by `new`, merged by `import-schedule`.

Every entry written gets its id spelled out, since the id is the calendar UID's stem
and must survive a later fix of the title or the dates. Entries are matched by id;
an imported row whose default id is not in the file is matched to an entry of the
same title, or of nearly the same title at the same venue, which keeps the id an
event was announced under when the table moves its dates into another year or fixes
a typo. The table's title, dates and venue win; every other key of an entry (url,
description, status, categories) is the editor's and is kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from typing import Any

from newsletter.errors import Problems
from newsletter.model import DateRange, EventEntry, Origin, Precision, Status
from newsletter.reading.entries import EVENT_KEYS, read_entry
from newsletter.reading.fields import Fields
from newsletter.reading.yamlfile import YamlMap
from newsletter.scaffold.table import TableRow
from newsletter.scaffold.yamledit import ListEditor, dump_yaml
from newsletter.scaffold.yamltext import plain, yaml_scalar
from newsletter.slugs import default_event_id, slugify

_ISO_DATE_KEYS = ("start", "end", "timezone")
_SIMILAR = 0.9  # difflib ratio of two title slugs at the same venue: a typo fixed
_NOTE = re.compile(r"^\s*(?:\(\s*N\.?\s*B\.?\s*\)|N\.?B\.?:|Notes?:)\s*", re.IGNORECASE)


def carry_forward(text: str, path: str, issue: int, on: date) -> tuple[str, int, int]:
    """The previous issue's schedule without the events that ended before `on`, ids
    written out; also how many events were carried and how many left out."""
    editor = ListEditor(text, path)
    carried = dropped = 0
    for index, entry in enumerate(_entries(editor, path, issue)):
        if entry is not None and entry.dates.end_date < on:
            editor.remove(index)
            dropped += 1
            continue
        carried += 1
        if entry is not None:
            editor.replace(index, _with_id(editor.items[index], entry.id))
    return editor.text(), carried, dropped


@dataclass
class Merge:
    """What an import did to the schedule, for the editor to read."""

    text: str
    added: list[str] = field(default_factory=list)  # ids
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: int = 0  # entries of the file that the table does not list
    matched_by_title: list[tuple[TableRow, str]] = field(default_factory=list)
    rows: dict[str, TableRow] = field(default_factory=dict)  # id -> the row that wrote it
    changes: dict[str, list[str]] = field(default_factory=dict)  # id -> the keys changed


def merge_rows(
    text: str | None, path: str, rows: list[TableRow], issue: int, titles: Sequence[str] = ()
) -> Merge:
    """The schedule (`text`, None for a new file) with the table's rows merged in; a new
    file takes its title, period and note from the `titles` above the table."""
    row_ids = _row_ids(rows)
    if text is None:
        return _new_file(rows, row_ids, titles)
    editor = ListEditor(text, path)
    entries = _entries(editor, path, issue)
    match = _match(rows, row_ids, entries)
    merge = Merge("")
    for index, entry in enumerate(entries):
        if entry is None or index in match.values():
            continue
        merge.kept += 1
        editor.replace(index, _with_id(editor.items[index], entry.id))
    previous_index: int | None = None
    pending: list[dict[str, Any]] = []
    for number, row in enumerate(rows):
        found = match.get(number)
        if found is None:
            pending.append({"id": row_ids[number], **_table_fields(row)})
            merge.added.append(row_ids[number])
            merge.rows[row_ids[number]] = row
            continue
        index, entry = found, entries[found]
        assert entry is not None  # only readable entries are matched
        if entry.id != row_ids[number]:
            merge.matched_by_title.append((row, entry.id))
        old = plain(editor.items[index])
        new = _merged(old, entry.id, row, entry)
        merge.rows[entry.id] = row
        if _shape(old) != _shape(new):
            merge.changed.append(entry.id)
            merge.changes[entry.id] = _changed_keys(old, new)
        else:
            merge.unchanged.append(entry.id)
        editor.replace(index, new)
        for data in pending:
            editor.insert(data, before=index)
        pending = []
        previous_index = index
    after = None if previous_index is None else previous_index + 1
    for data in pending:
        editor.insert(data, before=after if after is not None and after < len(entries) else None)
    merge.text = editor.text()
    return merge


def _new_file(rows: list[TableRow], row_ids: list[str], titles: Sequence[str]) -> Merge:
    events = [{"id": i, **_table_fields(row)} for row, i in zip(rows, row_ids, strict=True)]
    head = _head(titles)
    header = "".join(
        f"{key}: {yaml_scalar(head[key])}\n" if key in head else f"# {key}: {example}\n"
        for key, example in (
            ("title", "Programs and Meetings Schedule"),
            ("period", "October 2018 and onwards (Indicative)"),
            ("note", "Official invitation will be circulated in due course"),
        )
    )
    by_id = dict(zip(row_ids, rows, strict=True))
    return Merge(header + dump_yaml({"events": events}), added=list(row_ids), rows=by_id)


def _head(titles: Sequence[str]) -> dict[str, str]:
    """The schedule's title, period and note from the lines above a table: the first is
    its title, a line marked `(NB)` or `Note` its note, the next other one its period."""
    head: dict[str, str] = {}
    for text in titles:
        note = _NOTE.match(text)
        if note:
            head.setdefault("note", text[note.end() :].strip())
        elif "title" not in head:
            head["title"] = text
        else:
            head.setdefault("period", text)
    return {key: value for key, value in head.items() if value}


def _entries(editor: ListEditor, path: str, issue: int) -> list[EventEntry | None]:
    """Each entry of the file as an event (its id, dates, title), None where unreadable."""
    problems = Problems()  # `check` reports these; here an unreadable entry is left alone
    entries: list[EventEntry | None] = []
    for item in editor.items:
        if not isinstance(item, YamlMap):
            entries.append(None)
            continue
        fields = Fields(item, path, problems, EVENT_KEYS)
        entries.append(read_entry(fields, Origin.SCHEDULE, issue, "UTC"))
    return entries


def _row_ids(rows: list[TableRow]) -> list[str]:
    """The default id of each row; `-2`, `-3` for a second event of that title and year."""
    ids: list[str] = []
    for row in rows:
        unknown = row.when.precision is Precision.UNKNOWN
        base = default_event_id(row.title, None if unknown else row.when.start.year)
        candidate, count = base, 1
        while candidate in ids:
            count += 1
            candidate = f"{base}-{count}"
        ids.append(candidate)
    return ids


def _match(
    rows: list[TableRow], row_ids: list[str], entries: list[EventEntry | None]
) -> dict[int, int]:
    """Row number -> entry index: by id, then by title, then by a near title and venue."""
    free = {index: entry for index, entry in enumerate(entries) if entry is not None}
    match: dict[int, int] = {}
    by_id = {entry.id: index for index, entry in free.items()}
    for number, row_id in enumerate(row_ids):
        index = by_id.get(row_id)
        if index is not None and index in free:
            del free[index]
            match[number] = index
    for test in (_same_title, _near_title_same_venue):
        for number, row in enumerate(rows):
            if number in match:
                continue
            found = next((i for i, entry in free.items() if test(row, entry)), None)
            if found is not None:
                match[number] = found
                del free[found]
    return match


def _same_title(row: TableRow, entry: EventEntry) -> bool:
    return slugify(row.title) == slugify(entry.title)


def _near_title_same_venue(row: TableRow, entry: EventEntry) -> bool:
    if slugify(row.venue) != slugify(entry.venue):
        return False
    return SequenceMatcher(None, slugify(row.title), slugify(entry.title)).ratio() >= _SIMILAR


def _table_fields(row: TableRow) -> dict[str, str]:
    fields = {"title": row.title, "dates": row.dates, "venue": row.venue}
    if row.description is not None:
        fields["description"] = row.description
    return fields


def _merged(old: dict[str, Any], event_id: str, row: TableRow, entry: EventEntry) -> dict[str, Any]:
    """The entry with the row's title, dates and venue (and description, from the table's
    other columns); `dates` replaces start/end. Dates the entry already says in another
    form (`Mar.` for `March`, ISO days) are left as the editor wrote them."""
    table = _table_fields(row)
    if _same_dates(entry, row):
        table.pop("dates")
    new: dict[str, Any] = {} if old.get("id") is not None else {"id": event_id}
    for key, value in old.items():
        if key == "id" and value is None:
            continue
        if key in _ISO_DATE_KEYS and "dates" in table:
            if "dates" not in old:
                new.setdefault("dates", table["dates"])
            continue
        new[key] = table.get(key, value)
    for key, value in table.items():
        new.setdefault(key, value)
    return new


def _same_dates(entry: EventEntry, row: TableRow) -> bool:
    """The row's dates are the entry's, whatever their form: the same days (or month, or
    none yet), tentative alike."""
    when = row.when
    same = DateRange(when.start, when.end, None, when.precision) == entry.dates
    tentative = entry.status is Status.TENTATIVE
    return same and (when.tentative == tentative or entry.status is Status.CANCELLED)


def _changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The keys whose values differ, in the entry's order (start/end as `dates`)."""
    keys = []
    for key in {**old, **new}:
        name = "dates" if key in _ISO_DATE_KEYS else key
        if old.get(key) != new.get(key) and name not in keys:
            keys.append(name)
    return keys


def _with_id(item: Any, event_id: str) -> dict[str, Any]:
    data: dict[str, Any] = plain(item)
    if data.get("id") is not None:
        return data
    data.pop("id", None)
    return {"id": event_id, **data}


def _shape(value: dict[str, Any]) -> list[tuple[str, Any]]:
    return list(value.items())
