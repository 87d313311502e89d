"""The published record: what the calendar last published of each event.

`calendar/published.yaml` sits next to the content and is committed with it. For each
event id it keeps the SEQUENCE and LAST-MODIFIED that `calendar.ics` last carried, a
fingerprint of the title, dates, venue and status they were published for, and one of
the rest the event says (its description, links, categories, report). The
history across issues (`Event.history`) already counts the changes one issue makes to
another's event; the record also catches an event edited *after* a build was published
(the same issue's schedule fixed and rebuilt), which must raise SEQUENCE too, or
subscribers' calendars keep the old dates; a description fixed that way moves
LAST-MODIFIED alone, or sync tools that compare it keep the old text.

`build` rewrites the record only when an event really changed, so rebuilding unchanged
content leaves it byte for byte as it was. Ids that leave the content stay in the
record: an event that comes back must not reuse a SEQUENCE its subscribers have seen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from newsletter.errors import ContentError, ContentErrors, Problems
from newsletter.layout import RECORD_PATH
from newsletter.model import Event
from newsletter.reading.yamlfile import YamlMap
from newsletter.records import check_conflicts, record_mapping, timestamp, write_record
from newsletter.slugs import SLUG

_FINGERPRINT = re.compile(r"^[0-9a-f]{16}$")
_KEYS = ("sequence", "last_modified", "fingerprint", "content")
# Plain YAML would read these ids as something else than text.
_YAML_WORDS = {"null", "true", "false", "yes", "no", "on", "off"}
_HEADER = """\
# Written by `newsletter build`: commit it with the content, do not edit it by hand.
# For each event id: the SEQUENCE and LAST-MODIFIED that calendar.ics last published,
# a fingerprint of the title, dates, venue and status they were published for, and
# (content) one of the rest it says. When an event changes after publication, the next
# build raises its SEQUENCE (or, for the rest, moves its LAST-MODIFIED).
"""


@dataclass(frozen=True, slots=True)
class Published:
    """What the calendar published of one event."""

    sequence: int
    last_modified: datetime  # UTC, whole seconds
    fingerprint: str
    content: str | None = None  # None: a record written before it was kept


Record = dict[str, Published]


def fingerprint(event: Event) -> str:
    """A short hash of the fields whose change raises SEQUENCE (title, dates, venue, status)."""
    dates = event.dates
    fields = [
        event.title,
        dates.start.isoformat(),
        dates.end.isoformat(),
        dates.timezone,
        event.venue,
        event.status.value,
    ]
    return _hash(fields)


def content_fingerprint(event: Event) -> str:
    """A short hash of the rest the calendar shows of an event: its description, links,
    categories and report, whose change moves LAST-MODIFIED but not SEQUENCE."""
    report = event.report
    fields = [
        event.description,
        event.url,
        list(event.categories),
        report.path if report else None,
        report.summary if report else None,
    ]
    return _hash(fields)


def _hash(fields: Sequence[object]) -> str:
    import hashlib  # build only: `check` reads the record and never fingerprints
    import json

    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def day_start(day: date) -> datetime:
    """Midnight UTC of an issue's date: the LAST-MODIFIED an issue's change gets."""
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def publish(events: Iterable[Event], record: Mapping[str, Published], now: datetime) -> Record:
    """The record after this build: every event's SEQUENCE and LAST-MODIFIED as published now.

    An event the record does not know is published as its history says. One whose
    fingerprint changed since the record was written gets the next SEQUENCE, and the
    date of the issue that changed it, or `now` (the build time) when no later issue did:
    the editor fixed an issue that was already out. An issue that changes only what
    SEQUENCE does not count (`Event.revisions`: a report, a description) moves
    LAST-MODIFIED to its date; such a change with no later issue behind it (the
    `content` fingerprint differs) moves it to `now`. LAST-MODIFIED never goes back.
    """
    result = dict(record)
    now = now.astimezone(UTC).replace(microsecond=0)
    for event in events:
        mark = fingerprint(event)
        content = content_fingerprint(event)
        history_sequence = event.sequence
        history_time = day_start(event.last_modified)
        old = record.get(event.id)
        if old is None:
            result[event.id] = Published(history_sequence, history_time, mark, content)
        elif old.fingerprint != mark:
            when = history_time
            if when <= old.last_modified:
                when = _after(now, old)
            sequence = max(old.sequence + 1, history_sequence)
            result[event.id] = Published(sequence, when, mark, content)
        elif history_sequence > old.sequence:
            # The history knows of changes this record missed (it was not committed).
            when = max(old.last_modified, history_time)
            result[event.id] = Published(history_sequence, when, mark, content)
        elif event.revisions and day_start(event.revisions[-1].date) > old.last_modified:
            # A later issue changed what the calendar shows (a report's link, a new
            # description): LAST-MODIFIED moves to its date, SEQUENCE stays.
            when = day_start(event.revisions[-1].date)
            result[event.id] = Published(old.sequence, when, mark, content)
        elif old.content is not None and old.content != content:
            # The same edited after publication: dated with the build, as above.
            result[event.id] = Published(old.sequence, _after(now, old), mark, content)
        elif old.content is None:
            result[event.id] = Published(old.sequence, old.last_modified, mark, content)
    return result


def _after(now: datetime, old: Published) -> datetime:
    """The build time, or a second after what was published when that is later."""
    return max(now, old.last_modified + timedelta(seconds=1))


def read_record(root: Path, problems: Problems) -> Record:
    """`calendar/published.yaml` (empty when missing); every problem goes to `problems`."""
    file = root / RECORD_PATH
    if not file.is_file():
        return {}
    try:
        text = _text(file)
    except ContentError as error:
        problems.add(error.problem)
        return {}
    written = _as_written(text)
    if written is not None:
        return written
    data = record_mapping(text, RECORD_PATH, "event ids", problems)
    if data is None:
        return {}
    record: Record = {}
    for event_id, entry in data.items():
        line = data.line_of(event_id)
        published = _entry(event_id, entry, line, problems)
        if published is not None:
            record[event_id] = published
    return record


def load_record(root: Path, problems: Problems) -> Record:
    """The record for a build; `ContentErrors` (with every problem) when it is unusable."""
    record = read_record(root, problems)
    if problems.errors:
        raise ContentErrors(problems)
    return record


def render_record(record: Mapping[str, Published]) -> bytes:
    """The record as YAML, ids in order, one short block per event."""
    lines = [_HEADER]
    for event_id in sorted(record):
        published = record[event_id]
        key = event_id
        if not key[:1].isalpha() or key in _YAML_WORDS:
            key = f'"{key}"'
        stamp = published.last_modified.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        content = f'  content: "{published.content}"\n' if published.content else ""
        lines.append(
            f"{key}:\n"
            f"  sequence: {published.sequence}\n"
            f"  last_modified: {stamp}\n"
            f'  fingerprint: "{published.fingerprint}"\n'
            f"{content}"
        )
    return "".join(lines).encode("utf-8")


def save_record(root: Path, old: Mapping[str, Published], new: Mapping[str, Published]) -> bool:
    """Write the new record when it differs from the old one (whole or not at all);
    True when it was written."""
    if dict(new) == dict(old):
        return False
    otherwise = "the next build that can write it publishes the same sequences"
    write_record(root, RECORD_PATH, render_record(new), otherwise)
    return True


_WRITTEN_ENTRY = re.compile(
    r'(?:"(?P<quoted>[^"\n]*)"|(?P<plain>[^\s"#:][^\n:]*)):\n'
    r"  sequence: (?P<sequence>\d+)\n"
    r"  last_modified: (?P<stamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\n"
    r'  fingerprint: "(?P<fingerprint>[0-9a-f]{16})"\n'
    r'(?:  content: "(?P<content>[0-9a-f]{16})"\n)?'
)


def _as_written(text: str) -> Record | None:
    """The record of a file just as `render_record` writes it, read without a YAML
    parser (a build reads it every time); None for any other text, which the YAML
    reader then reads, reporting what is wrong with its line."""
    if not text.startswith(_HEADER):
        return None
    record: Record = {}
    position = len(_HEADER)
    for match in _WRITTEN_ENTRY.finditer(text, position):
        event_id = match["quoted"] if match["quoted"] is not None else match["plain"]
        if match.start() != position or not SLUG.match(event_id):
            return None
        try:
            stamp = datetime.fromisoformat(match["stamp"])
        except ValueError:
            return None
        sequence, mark, content = int(match["sequence"]), match["fingerprint"], match["content"]
        record[event_id] = Published(sequence, stamp, mark, content)
        position = match.end()
    # Written back, the same bytes: no duplicate id, no key quoted another way.
    if position != len(text) or render_record(record) != text.encode("utf-8"):
        return None
    return record


def _text(file: Path) -> str:
    data = file.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ContentError(RECORD_PATH, line, "is not UTF-8 text") from None
    keep = "each event's higher sequence and later last_modified"
    return check_conflicts(text, RECORD_PATH, keep)


def _entry(event_id: str, entry: object, line: int, problems: Problems) -> Published | None:
    if not SLUG.match(event_id):
        problems.error(RECORD_PATH, line, f"{event_id!r} is not an event id", value=event_id)
        return None
    if not isinstance(entry, YamlMap):
        problems.error(RECORD_PATH, line, f"{event_id}: must be a mapping of {', '.join(_KEYS)}")
        return None
    for key in entry:
        if key not in _KEYS:
            problems.warning(
                RECORD_PATH, entry.line_of(key), f"{event_id}.{key}: unknown key", value=key
            )
    sequence: object = entry.get("sequence")
    stamp = timestamp(entry.get("last_modified"))
    mark: object = entry.get("fingerprint")
    valid = True
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        valid = False
        problems.error(
            RECORD_PATH,
            entry.line_of("sequence"),
            f"{event_id}.sequence: must be a whole number, 0 or more, not {sequence!r}",
            value=sequence,
        )
    if stamp is None:
        valid = False
        problems.error(
            RECORD_PATH,
            entry.line_of("last_modified"),
            f"{event_id}.last_modified: must be a UTC time such as 2018-10-15T00:00:00Z, "
            f"not {entry.get('last_modified')!r}",
            value=entry.get("last_modified"),
        )
    if not isinstance(mark, str) or not _FINGERPRINT.match(mark):
        valid = False
        problems.error(
            RECORD_PATH,
            entry.line_of("fingerprint"),
            f"{event_id}.fingerprint: must be 16 hexadecimal digits, not {mark!r}",
            value=mark,
        )
    content: object = entry.get("content")
    if content is not None and (not isinstance(content, str) or not _FINGERPRINT.match(content)):
        valid = False
        problems.error(
            RECORD_PATH,
            entry.line_of("content"),
            f"{event_id}.content: must be 16 hexadecimal digits, not {content!r}",
            value=content,
        )
    if not valid or not isinstance(sequence, int) or not isinstance(mark, str) or stamp is None:
        return None
    return Published(sequence, stamp, mark, content if isinstance(content, str) else None)
