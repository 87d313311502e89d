"""Helpers of the calendar tests: build a copy of the sample, read .ics files with every
parser the feed is held to, in one shape so that they can be compared."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from tests.golden import REPOSITORY
from tests.sample import copy_sample as copy_sample_folder

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "calendar"
NODE_SCRIPT = Path(__file__).resolve().parent / "node" / "parse_ics.mjs"
RUBY_SCRIPT = Path(__file__).resolve().parent / "ruby" / "parse_ics.rb"
LIBICAL_SOURCE = Path(__file__).resolve().parent / "c" / "parse_ics.c"
LIBICAL_HEADER = Path("/usr/include/libical/ical.h")


def copy_sample(target: Path, extra_events: bool = False) -> Path:
    """The sample's content/ and calendar/ in `target`; with `extra_events`, the cases of
    tests/fixtures/calendar/extra-events.yaml appended to calendar.yaml."""
    copy_sample_folder(target)
    if extra_events:
        calendar = target / "calendar/calendar.yaml"
        calendar.write_text(calendar.read_text() + (FIXTURES / "extra-events.yaml").read_text())
    return target


@dataclass(frozen=True, order=True)
class Seen:
    """One event as a parser reads it; dates as YYYY-MM-DD, times as UTC ISO instants."""

    uid: str
    summary: str
    start: str
    end: str | None
    status: str
    sequence: int


def moment(value: date | datetime | None) -> str | None:
    """A parsed DTSTART/DTEND in the Node script's notation."""
    if value is None:
        return None
    if isinstance(value, datetime):
        assert value.tzinfo is not None, f"floating time {value!r}"
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return value.isoformat()


def with_icalendar(data: bytes) -> list[Seen]:
    """icalendar: no component may carry parse errors."""
    from icalendar import Calendar

    calendar = Calendar.from_ical(data)
    errors = [(c.name, c.errors) for c in calendar.walk() if c.errors]
    assert errors == [], errors
    return sorted(
        Seen(
            str(event["UID"]),
            str(event["SUMMARY"]),
            str(moment(event.start)),
            moment(event.end),
            str(event["STATUS"]),
            int(event["SEQUENCE"]),
        )
        for event in calendar.events
    )


def with_ical(data: bytes) -> list[Seen]:
    """ical (strict: pydantic models of RFC 5545), which raises on any invalid value."""
    from ical.calendar_stream import IcsCalendarStream

    calendar = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    return sorted(
        Seen(
            str(event.uid),
            str(event.summary),
            str(moment(event.dtstart)),
            moment(event.dtend),
            str(event.status.value if event.status else None),
            int(event.sequence or 0),
        )
        for event in calendar.events
    )


def with_vobject(data: bytes) -> list[Seen]:
    """vobject, after its own `validate()`."""
    import vobject

    calendar = vobject.readOne(data.decode("utf-8"), validate=True)
    calendar.validate()
    seen = []
    for event in calendar.vevent_list:
        end = event.dtend.value if hasattr(event, "dtend") else None
        seen.append(
            Seen(
                str(event.uid.value),
                str(event.summary.value),
                str(moment(event.dtstart.value)),
                moment(end),
                str(event.status.value),
                int(event.sequence.value),
            )
        )
    return sorted(seen)


def with_node(path: Path) -> dict[str, list[Seen]]:
    """ical.js and node-ical, through tests/node/parse_ics.mjs (`npm ci` installs them)."""
    return with_node_files([path])[path]


def with_node_files(paths: list[Path]) -> dict[Path, dict[str, list[Seen]]]:
    """ical.js and node-ical on each of `paths`, in one run of Node."""
    node = shutil.which("node")
    assert node, "Node.js is needed for the ical.js and node-ical tests"
    modules = REPOSITORY / "node_modules"
    assert (modules / "ical.js").is_dir() and (modules / "node-ical").is_dir(), (
        "run `npm ci` in the repository (./run test does) to install ical.js and node-ical"
    )
    result = subprocess.run(
        [node, str(NODE_SCRIPT), *map(str, paths)],
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "UTC"},
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout)
    by_file = {str(paths[0]): parsed} if len(paths) == 1 else parsed
    return {
        Path(file): {name: sorted(Seen(**e) for e in events) for name, events in found.items()}
        for file, found in by_file.items()
    }


def with_ruby(paths: list[Path]) -> dict[Path, list[Seen]]:
    """Ruby's icalendar gem (Debian 12's ruby-icalendar 2.8), through
    tests/ruby/parse_ics.rb: it raises on a VTIMEZONE it cannot place a time in."""
    ruby = shutil.which("ruby")
    assert ruby, "Ruby is needed: apt-get install ruby ruby-icalendar"
    result = subprocess.run(
        [ruby, str(RUBY_SCRIPT), *map(str, paths)],
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "UTC"},
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    parsed: dict[str, list[dict[str, Any]]] = json.loads(result.stdout)
    return {Path(file): sorted(Seen(**event) for event in found) for file, found in parsed.items()}


@cache
def libical_program() -> Path:
    """tests/c/parse_ics.c compiled against libical, once per test session, in a
    temporary folder that goes with the process."""
    assert LIBICAL_HEADER.is_file(), "libical is needed: apt-get install libical-dev"
    compiler = shutil.which("gcc") or shutil.which("cc")
    assert compiler, "a C compiler (gcc) is needed to build the libical test program"
    folder = Path(tempfile.mkdtemp(prefix="newsletter-libical-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    program = folder / "parse_ics"
    result = subprocess.run(
        [compiler, "-O1", "-Wall", "-Werror", "-o", str(program), str(LIBICAL_SOURCE), "-lical"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return program


def with_libical(path: Path) -> list[Seen]:
    """libical (what Evolution, GNOME Calendar and KDE read with), through
    tests/c/parse_ics.c: no X-LIC-ERROR anywhere, times converted to UTC through the
    file's own VTIMEZONEs."""
    result = subprocess.run(
        [str(libical_program()), str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={**os.environ, "TZ": "UTC"},
    )
    assert result.returncode == 0, f"{path}: {result.stderr}"
    seen = []
    for line in result.stdout.splitlines():
        uid, summary, start, end, status, sequence = line.split("\t")
        seen.append(Seen(uid, summary, start, None if end == "-" else end, status, int(sequence)))
    return sorted(seen)


def unfold(data: bytes) -> list[str]:
    """The content lines of an .ics file (RFC 5545 3.1)."""
    return data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def vevents(data: bytes) -> dict[str, bytes]:
    """Each VEVENT's raw bytes, by UID."""
    found: dict[str, bytes] = {}
    for chunk in data.split(b"BEGIN:VEVENT\r\n")[1:]:
        body = chunk.split(b"END:VEVENT\r\n")[0]
        block = b"BEGIN:VEVENT\r\n" + body + b"END:VEVENT\r\n"
        uid = next(line for line in unfold(block) if line.startswith("UID:"))
        found[uid.removeprefix("UID:")] = block
    return found


def properties(data: bytes, uid: str) -> dict[str, str]:
    """The VEVENT of `uid` as {name with parameters: value}."""
    lines = unfold(vevents(data)[uid])
    pairs = (line.split(":", 1) for line in lines if ":" in line)
    return {name: value for name, value in pairs}
