"""An issue's schedule.yaml: the coming events the issue lists, each a calendar entry."""

from __future__ import annotations

from pathlib import Path

from newsletter.errors import Problems
from newsletter.layout import SCHEDULE_FILE
from newsletter.model import Origin, Schedule
from newsletter.reading.entries import EVENT_KEYS, read_entry
from newsletter.reading.fields import Fields
from newsletter.reading.files import read_yaml_reporting

SCHEDULE_KEYS = ("title", "period", "note", "events")


def read_schedule(
    root: Path, folder: str, number: int, timezone: str, problems: Problems
) -> Schedule | None:
    """`folder/schedule.yaml` of issue `number`; None when the issue has none or it cannot
    be read. Event times without a zone are in `timezone`."""
    if not (root / folder / SCHEDULE_FILE).is_file():
        return None
    path = f"{folder}/{SCHEDULE_FILE}"
    data = read_yaml_reporting(root, path, problems)
    if data is None:
        return None
    fields = Fields(data, path, problems, SCHEDULE_KEYS)
    entries = []
    for item in fields.mappings("events", EVENT_KEYS):
        entry = read_entry(item, Origin.SCHEDULE, number, timezone)
        if entry is not None:
            entries.append(entry)
    return Schedule(
        title=fields.one_line("title"),
        period=fields.one_line("period"),
        note=fields.text("note"),
        # By start date, whatever order the file has (an import merges rows into it);
        # events whose dates are to be announced come last.
        entries=tuple(sorted(entries, key=lambda e: e.dates.start_date)),
    )
