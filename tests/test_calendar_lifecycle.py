"""An event's life in the calendar: one UID from announcement to report, SEQUENCE and
LAST-MODIFIED rising with every change, and the published record
(calendar/published.yaml) that catches edits made after a build was out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsletter.errors import ContentErrors
from newsletter.site import build
from tests.calendars import FIXTURES, copy_sample, properties, vevents

LIFECYCLE = FIXTURES / "lifecycle"
EVENT = "regional-workshop-2019@news.example.org"
TRANSIT = "wco-regional-workshop-on-transit-2018"
RECORD = "calendar/published.yaml"


def add_issue(root: Path, number: int, day: str, schedule: str | None) -> Path:
    folder = root / f"content/issues/{number:03d}"
    folder.mkdir(parents=True)
    (folder / "issue.yaml").write_text(f"number: {number}\ndate: {day}\n")
    if schedule is not None:
        shutil.copy(LIFECYCLE / schedule, folder / "schedule.yaml")
    return folder


def event_of(root: Path) -> dict[str, str]:
    return properties((root / "public/calendar.ics").read_bytes(), EVENT)


def test_announce_move_cancel_report_keeps_one_uid_with_rising_sequence(tmp_path: Path) -> None:
    root = tmp_path
    (root / "content").mkdir()
    shutil.copy(LIFECYCLE / "newsletter.yaml", root / "content/newsletter.yaml")
    stages: list[dict[str, str]] = []

    add_issue(root, 1, "2019-01-15", "1-announced.yaml")
    build(root)
    stages.append(event_of(root))
    add_issue(root, 2, "2019-04-15", "2-moved.yaml")
    build(root)
    stages.append(event_of(root))
    third = add_issue(root, 3, "2019-07-15", "3-cancelled.yaml")
    build(root)
    stages.append(event_of(root))
    # Issue 3 was out when the editor learnt the workshop took place after all: the
    # cancelled row gives way to a report, and the issue is built again.
    (third / "schedule.yaml").unlink()
    (third / "reports").mkdir()
    shutil.copy(LIFECYCLE / "3-reported.md", third / "reports/regional-workshop.md")
    build(root)
    stages.append(event_of(root))

    assert [len(vevents((root / "public/calendar.ics").read_bytes()))] == [1]
    assert [s["SEQUENCE"] for s in stages] == ["0", "1", "2", "3"]
    assert [s["LAST-MODIFIED"] for s in stages] == [
        "20190115T000000Z",
        "20190415T000000Z",
        "20190715T000000Z",
        "20190715T000001Z",  # after the third issue's own date: it was already out
    ]
    assert [s["DTSTAMP"] for s in stages] == [s["LAST-MODIFIED"] for s in stages]
    assert [s["STATUS"] for s in stages] == ["CONFIRMED", "CONFIRMED", "CANCELLED", "CONFIRMED"]
    assert [s["DTSTART;VALUE=DATE"] for s in stages] == [
        "20190304",
        "20190610",
        "20190610",
        "20190610",
    ]
    assert [s["URL"] for s in stages] == [
        "https://news.example.org/issues/001/",
        "https://news.example.org/issues/001/",
        "https://news.example.org/issues/001/",
        "https://news.example.org/issues/003/regional-workshop/",
    ]
    assert stages[3]["DESCRIPTION"].startswith("The workshop took place after all\\,")
    own = properties((root / "public/events/regional-workshop-2019.ics").read_bytes(), EVENT)
    assert own == stages[3]


def test_a_rebuild_without_change_is_byte_identical(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    (root / RECORD).unlink()
    build(root)
    out = root / "public"
    first = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    record = (root / RECORD).read_bytes()
    record_time = (root / RECORD).stat().st_mtime_ns
    result = build(root)
    assert result.write.written == 0
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == first
    assert (root / RECORD).read_bytes() == record
    assert (root / RECORD).stat().st_mtime_ns == record_time  # not even rewritten


def test_without_a_record_the_history_counts(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    (root / RECORD).unlink()
    build(root)
    text = (root / RECORD).read_text()
    assert text.startswith("# Written by `newsletter build`: commit it with the content")
    assert f"{TRANSIT}:\n  sequence: 1\n  last_modified: 2018-10-15T00:00:00Z\n" in text
    assert text.count("  sequence: ") == 38
    assert text.count("  sequence: 0\n") == 37


def test_editing_a_published_event_raises_sequence(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    build(root)
    uid = f"{TRANSIT}@newsletter.example.org"
    before = properties((root / "public/calendar.ics").read_bytes(), uid)
    schedule = root / "content/issues/062/schedule.yaml"
    schedule.write_text(schedule.read_text().replace("7-11 Jan. 2019", "8-12 Jan. 2019"))
    build(root)
    after = properties((root / "public/calendar.ics").read_bytes(), uid)
    assert (before["SEQUENCE"], after["SEQUENCE"]) == ("1", "2")
    assert before["LAST-MODIFIED"] == "20181015T000000Z"
    assert after["LAST-MODIFIED"] == after["DTSTAMP"] == "20181015T000001Z"
    assert after["DTSTART;VALUE=DATE"] == "20190108"
    assert "sequence: 2\n  last_modified: 2018-10-15T00:00:01Z" in (root / RECORD).read_text()
    # and again, dated by SOURCE_DATE_EPOCH when the publisher sets it
    schedule.write_text(schedule.read_text().replace("8-12 Jan. 2019", "9-13 Jan. 2019"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1540000000")  # 2018-10-20T01:46:40Z
        build(root)
    again = properties((root / "public/calendar.ics").read_bytes(), uid)
    assert (again["SEQUENCE"], again["LAST-MODIFIED"]) == ("3", "20181020T014640Z")
    build(root)  # without SOURCE_DATE_EPOCH, nothing changed: nothing moves back
    assert properties((root / "public/calendar.ics").read_bytes(), uid) == again


def test_a_description_edit_moves_last_modified_and_not_sequence(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    build(root)
    uid = "9th-asem-customs-enforcement-working-group-meeting-2006@newsletter.example.org"
    before = properties((root / "public/calendar.ics").read_bytes(), uid)
    calendar = root / "calendar/calendar.yaml"
    calendar.write_text(calendar.read_text().replace("Hosted by the Korea", "Hosted by Korea"))
    record = (root / RECORD).read_bytes()
    build(root)
    found = properties((root / "public/calendar.ics").read_bytes(), uid)
    assert (before["SEQUENCE"], found["SEQUENCE"]) == ("0", "0")
    assert found["DESCRIPTION"].startswith("Hosted by Korea")
    # Sync tools compare LAST-MODIFIED: it moves past what was published (the build time).
    assert (before["LAST-MODIFIED"], found["LAST-MODIFIED"]) == (
        "20181015T000000Z",
        "20181015T000001Z",
    )
    assert found["DTSTAMP"] == found["LAST-MODIFIED"]
    assert (root / RECORD).read_bytes() != record
    again = (root / RECORD).read_bytes()
    build(root)
    assert (root / RECORD).read_bytes() == again
    assert properties((root / "public/calendar.ics").read_bytes(), uid) == found


def test_a_new_issue_leaves_every_unchanged_event_byte_identical(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    build(root)
    before = vevents((root / "public/calendar.ics").read_bytes())
    folder = add_issue(root, 63, "2019-01-15", None)
    (folder / "schedule.yaml").write_text(
        "events:\n"
        "  - id: new-event-2019\n"
        "    title: A new event\n"
        "    dates: 4-5 Feb. 2019\n"
        "    venue: Suva, Fiji\n"
    )
    build(root)
    after = vevents((root / "public/calendar.ics").read_bytes())
    assert set(after) - set(before) == {"new-event-2019@newsletter.example.org"}
    changed = [uid for uid in before if after[uid] != before[uid]]
    assert changed == []  # calendar.yaml's events too: their dates come from the record
    new = properties(
        (root / "public/calendar.ics").read_bytes(), "new-event-2019@newsletter.example.org"
    )
    assert (new["SEQUENCE"], new["DTSTAMP"]) == ("0", "20190115T000000Z")


def test_record_is_written_only_after_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsletter.writer

    root = copy_sample(tmp_path)
    record = (root / RECORD).read_bytes()
    schedule = root / "content/issues/062/schedule.yaml"
    schedule.write_text(schedule.read_text().replace("7-11 Jan. 2019", "8-12 Jan. 2019"))

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(newsletter.writer, "write_output", fail)
    with pytest.raises(OSError):
        build(root)
    assert (root / RECORD).read_bytes() == record
    assert not list((root / "calendar").glob("*.newsletter-tmp"))
    monkeypatch.undo()
    build(root)
    assert (root / RECORD).read_bytes() != record


def test_a_broken_record_stops_the_build_and_is_reported_by_check(tmp_path: Path) -> None:
    from newsletter.site import check

    root = copy_sample(tmp_path)
    shutil.copy(FIXTURES / "published-merge-conflict.yaml", root / RECORD)
    problems = [str(p) for p in check(root).errors]
    assert len(problems) == 1
    assert problems[0].startswith(f"{RECORD}:3: an unresolved merge conflict: keep each")
    with pytest.raises(ContentErrors):
        build(root)
    assert not (root / "public").exists()


def test_bad_record_values_are_reported_with_their_lines(tmp_path: Path) -> None:
    from newsletter.site import check

    root = copy_sample(tmp_path)
    shutil.copy(FIXTURES / "published-bad-values.yaml", root / RECORD)
    problems = [str(p) for p in check(root).sorted() if p.path == RECORD]
    assert problems == [
        f"{RECORD}:2: {TRANSIT}.sequence: must be a whole number, 0 or more, not -1",
        f"{RECORD}:3: {TRANSIT}.last_modified: must be a UTC time such as "
        "2018-10-15T00:00:00Z, not 'yesterday'",
        f"{RECORD}:4: {TRANSIT}.fingerprint: must be 16 hexadecimal digits, not 'not-a-hash'",
        f"{RECORD}:5: 'Not An Id' is not an event id",
        f"{RECORD}:13: an-event-2019.content: must be 16 hexadecimal digits, not 'nope'",
    ]


ISSUE_1 = """\
events:
  - id: regional-workshop-2019
    title: Regional Workshop on Revenue
    dates: 4-8 Mar. 2019
    venue: Suva, Fiji
  - id: diagnostic-2019
    title: Diagnostic visit to Tonga Customs
    category: mission
    dates: 20-22 May 2019
    venue: Nuku'alofa, Tonga
"""
ISSUE_2 = """\
events:
  - id: regional-workshop-2019
    title: Regional Workshop on Revenue
    dates: 10-14 June 2019
    venue: Suva, Fiji
"""
ISSUE_3 = """\
events:
  - id: regional-workshop-2019
    title: Regional Workshop on Revenue
    dates: 10-14 June 2019
    venue: Suva, Fiji
    status: cancelled
  - id: diagnostic-2019
    title: Diagnostic visit to Tonga Customs
    dates: 20-22 May 2019 (tbc)
    venue: Nuku'alofa, Tonga
"""
WORKSHOP_FILES = ("calendar.ics", "calendars/workshop.ics", "calendars/countries/fiji.ics")


def read_everywhere(out: Path, uid: str, paths: tuple[str, ...]) -> dict[str, str]:
    """The event's properties, the same in every file of `paths` (byte for byte), each
    file read alike by every parser."""
    from tests.calendars import (
        with_ical,
        with_icalendar,
        with_libical,
        with_node_files,
        with_ruby,
    )

    files = [out / path for path in paths]
    node = with_node_files(files)
    ruby = with_ruby(files)
    blocks = set()
    for file in files:
        data = file.read_bytes()
        reference = with_icalendar(data)
        assert with_ical(data) == reference, file
        assert with_libical(file) == reference, file
        assert node[file]["ical.js"] == node[file]["node-ical"] == reference, file
        assert ruby[file] == reference, file
        blocks.add(vevents(data)[uid])
    assert len(blocks) == 1, f"{uid} differs between {paths}"
    return properties((out / paths[0]).read_bytes(), uid)


def test_the_calendars_by_kind_and_country_follow_an_events_life(tmp_path: Path) -> None:
    """Announce (No.1), move (No.2), cancel (No.3), then a report instead (No.3 again):
    each category's and country's calendar, and each issue's events.ics, carry the same
    lines as calendar.ics at every step, and the text says what STATUS says."""
    root = tmp_path
    out = root / "public"
    (root / "content").mkdir()
    shutil.copy(LIFECYCLE / "newsletter.yaml", root / "content/newsletter.yaml")
    mission = "diagnostic-2019@news.example.org"

    (add_issue(root, 1, "2019-01-15", None) / "schedule.yaml").write_text(ISSUE_1)
    build(root)
    first = read_everywhere(out, EVENT, (*WORKSHOP_FILES, "issues/001/events.ics"))
    assert first["SUMMARY"] == "Regional Workshop on Revenue"
    assert first["DESCRIPTION"] == "Lifecycle Newsletter No.1: https://news.example.org/issues/001/"
    visit = read_everywhere(
        out, mission, ("calendar.ics", "calendars/mission.ics", "calendars/countries/tonga.ics")
    )
    assert visit["SUMMARY"] == "Diagnostic visit to Tonga Customs"
    assert sorted(p.name for p in (out / "calendars").glob("*.ics")) == [
        "mission.ics",
        "workshop.ics",
    ]
    assert mission not in vevents((out / "calendars/workshop.ics").read_bytes())

    (add_issue(root, 2, "2019-04-15", None) / "schedule.yaml").write_text(ISSUE_2)
    build(root)
    moved = read_everywhere(out, EVENT, (*WORKSHOP_FILES, "issues/002/events.ics"))
    assert moved["DTSTART;VALUE=DATE"] == "20190610"
    assert moved["SEQUENCE"] == "1"
    assert moved["DESCRIPTION"].startswith(
        "New dates in Lifecycle Newsletter No.2: https://news.example.org/issues/002/"
    )
    assert not (out / "issues/002/events.ics").read_bytes().count(b"diagnostic-2019")
    assert read_everywhere(out, EVENT, ("issues/001/events.ics", "calendar.ics")) == moved

    third = add_issue(root, 3, "2019-07-15", None)
    (third / "schedule.yaml").write_text(ISSUE_3)
    build(root)
    cancelled = read_everywhere(out, EVENT, (*WORKSHOP_FILES, "issues/003/events.ics"))
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled["SUMMARY"] == "Cancelled: Regional Workshop on Revenue"
    assert cancelled["DESCRIPTION"].startswith(
        "Cancelled\\, as Lifecycle Newsletter No.3 announced: https://news.example.org/issues/003/"
    )
    assert (cancelled["SEQUENCE"], cancelled["LAST-MODIFIED"]) == ("2", "20190715T000000Z")
    tentative = read_everywhere(
        out, mission, ("calendars/mission.ics", "calendars/countries/tonga.ics", "calendar.ics")
    )
    assert tentative["STATUS"] == "TENTATIVE"
    assert tentative["SUMMARY"] == "Diagnostic visit to Tonga Customs (dates to be confirmed)"
    assert tentative["SEQUENCE"] == "1"

    (third / "schedule.yaml").unlink()
    (third / "reports").mkdir()
    shutil.copy(LIFECYCLE / "3-reported.md", third / "reports/regional-workshop.md")
    build(root)
    reported = read_everywhere(out, EVENT, (*WORKSHOP_FILES, "issues/003/events.ics"))
    assert reported["STATUS"] == "CONFIRMED"
    assert reported["SUMMARY"] == "Regional Workshop on Revenue"
    assert reported["DESCRIPTION"].startswith("The workshop took place after all\\,")
    assert reported["URL"] == "https://news.example.org/issues/003/regional-workshop/"
    assert reported["SEQUENCE"] == "3"
    # The mission, no longer in No.3, keeps the category it was given in No.1.
    assert mission in vevents((out / "calendars/mission.ics").read_bytes())
    assert not (out / "issues/003/events.ics").read_bytes().count(b"diagnostic-2019")
    for file in (out / "calendars").rglob("*.ics"):
        assert all(
            line.startswith(b"TRANSP:TRANSPARENT")
            for line in file.read_bytes().split(b"\r\n")
            if line.startswith(b"TRANSP")
        )
