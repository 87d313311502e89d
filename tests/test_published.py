"""The published record: how each build's SEQUENCE and LAST-MODIFIED follow from the
event's history and from what the previous build published."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from newsletter.errors import Problems, UsageError
from newsletter.events import published as record_module
from newsletter.events.published import (
    Published,
    content_fingerprint,
    fingerprint,
    publish,
    read_record,
    render_record,
    save_record,
)
from newsletter.layout import RECORD_PATH
from newsletter.model import Change, DateRange, Event, Status

ISSUE_1 = date(2019, 1, 15)
ISSUE_2 = date(2019, 4, 15)
NOW = datetime(2019, 5, 1, 12, 30, tzinfo=UTC)


def event(history: tuple[Change, ...] = (Change(1, ISSUE_1),), **fields: object) -> Event:
    base = Event(
        id="workshop-2019",
        title="Workshop",
        dates=DateRange(date(2019, 6, 10), date(2019, 6, 14)),
        venue="Suva, Fiji",
        status=Status.CONFIRMED,
        url=None,
        description=None,
        categories=(),
        announced_in=1,
        report=None,
        history=history,
    )
    return replace(base, **fields)


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def published(sequence: int, when: datetime, of: Event) -> Published:
    """What the record holds for `of`, published with `sequence` at `when`."""
    return Published(sequence, when, fingerprint(of), content_fingerprint(of))


def test_an_event_new_to_the_record_is_published_as_its_history_says() -> None:
    moved = event(history=(Change(1, ISSUE_1), Change(2, ISSUE_2, ("dates",))))
    record = publish([moved], {}, NOW)
    assert record == {"workshop-2019": published(1, midnight(ISSUE_2), moved)}


def test_an_unchanged_event_keeps_what_was_published() -> None:
    old = published(4, datetime(2019, 3, 1, 8, 0, tzinfo=UTC), event())
    assert publish([event()], {"workshop-2019": old}, NOW) == {"workshop-2019": old}


def test_a_change_after_publication_takes_the_next_sequence_and_the_build_time() -> None:
    old = Published(0, midnight(ISSUE_1), fingerprint(event()))
    fixed = event(venue="Nadi, Fiji")
    new = publish([fixed], {"workshop-2019": old}, NOW)["workshop-2019"]
    assert new == published(1, NOW.replace(microsecond=0), fixed)


def test_last_modified_never_goes_back() -> None:
    later = datetime(2019, 6, 1, tzinfo=UTC)
    old = Published(2, later, fingerprint(event()))
    new = publish([event(venue="Nadi, Fiji")], {"workshop-2019": old}, NOW)["workshop-2019"]
    assert (new.sequence, new.last_modified) == (3, datetime(2019, 6, 1, 0, 0, 1, tzinfo=UTC))


def test_a_change_by_a_later_issue_is_dated_by_that_issue() -> None:
    old = Published(0, midnight(ISSUE_1), fingerprint(event()))
    moved = event(
        history=(Change(1, ISSUE_1), Change(2, ISSUE_2, ("dates",))),
        dates=DateRange(date(2019, 7, 1), date(2019, 7, 5)),
    )
    new = publish([moved], {"workshop-2019": old}, NOW)["workshop-2019"]
    assert (new.sequence, new.last_modified) == (1, midnight(ISSUE_2))


def test_a_later_issues_revision_moves_last_modified_and_not_sequence() -> None:
    reported = event(revisions=(Change(2, ISSUE_2, ("url", "description", "report")),))
    assert reported.last_modified == ISSUE_2 and reported.sequence == 0
    assert publish([reported], {}, NOW) == {
        "workshop-2019": published(0, midnight(ISSUE_2), reported)
    }
    old = published(0, midnight(ISSUE_1), event())
    new = publish([reported], {"workshop-2019": old}, NOW)
    assert new == {"workshop-2019": published(0, midnight(ISSUE_2), reported)}
    again = publish([reported], new, NOW)  # the next build: nothing moves
    assert again == new
    later = published(0, datetime(2019, 6, 1, tzinfo=UTC), reported)  # never back
    assert publish([reported], {"workshop-2019": later}, NOW) == {"workshop-2019": later}


def test_a_description_edited_after_publication_moves_last_modified_to_the_build() -> None:
    old = published(2, midnight(ISSUE_1), event())
    edited = event(description="The agenda is out.")
    new = publish([edited], {"workshop-2019": old}, NOW)["workshop-2019"]
    assert new == published(2, NOW.replace(microsecond=0), edited)
    assert publish([edited], {"workshop-2019": new}, NOW)["workshop-2019"] == new
    later = published(2, datetime(2019, 6, 1, tzinfo=UTC), event())
    again = publish([edited], {"workshop-2019": later}, NOW)["workshop-2019"]
    assert again.last_modified == datetime(2019, 6, 1, 0, 0, 1, tzinfo=UTC)


def test_a_record_without_content_takes_it_without_moving_anything() -> None:
    old = Published(1, midnight(ISSUE_1), fingerprint(event()))  # written before `content`
    new = publish([event(description="Words")], {"workshop-2019": old}, NOW)["workshop-2019"]
    assert new == published(1, midnight(ISSUE_1), event(description="Words"))


def test_the_content_fingerprint_follows_the_rest_only() -> None:
    mark = content_fingerprint(event())
    assert content_fingerprint(event(title="Other", venue="Nadi, Fiji")) == mark
    assert content_fingerprint(event(description="More words")) != mark
    assert content_fingerprint(event(url="https://example.org/")) != mark
    assert content_fingerprint(event(categories=("Workshop",))) != mark


def test_history_ahead_of_an_uncommitted_record_wins() -> None:
    three = (Change(1, ISSUE_1), Change(2, ISSUE_2, ("dates",)), Change(3, NOW.date(), ("dates",)))
    back = event(history=three)  # moved away and back: same fields as the record's
    old = Published(0, midnight(ISSUE_1), fingerprint(back))
    new = publish([back], {"workshop-2019": old}, NOW)["workshop-2019"]
    assert (new.sequence, new.last_modified) == (2, midnight(NOW.date()))


def test_events_that_left_the_content_stay_in_the_record() -> None:
    gone = Published(3, midnight(ISSUE_1), "0123456789abcdef")
    record = publish([event()], {"old-event-2018": gone}, NOW)
    assert record["old-event-2018"] == gone
    assert set(record) == {"old-event-2018", "workshop-2019"}


def test_the_fingerprint_follows_title_dates_venue_and_status_only() -> None:
    mark = fingerprint(event())
    assert fingerprint(event(description="More words", url="https://example.org/")) == mark
    assert fingerprint(event(categories=("Workshop",))) == mark
    assert fingerprint(event(title="Workshop!")) != mark
    assert fingerprint(event(venue="Nadi, Fiji")) != mark
    assert fingerprint(event(status=Status.CANCELLED)) != mark
    assert fingerprint(event(dates=DateRange(date(2019, 6, 10), date(2019, 6, 13)))) != mark


def test_the_record_reads_back_what_it_writes(tmp_path: Path) -> None:
    record = {
        "workshop-2019": Published(2, datetime(2019, 4, 15, 0, 0, 1, tzinfo=UTC), "0" * 16),
        "2019-06-27": Published(0, midnight(ISSUE_1), "a" * 16),  # a date, to YAML
        "yes": Published(1, midnight(ISSUE_2), "b" * 16, "c" * 16),  # a boolean, to YAML
    }
    assert save_record(tmp_path, {}, record)
    text = (tmp_path / RECORD_PATH).read_text()
    assert '"2019-06-27":\n  sequence: 0\n  last_modified: 2019-01-15T00:00:00Z\n' in text
    assert '"yes":' in text
    assert "workshop-2019:\n  sequence: 2\n  last_modified: 2019-04-15T00:00:01Z\n" in text
    assert f'  fingerprint: "{"b" * 16}"\n  content: "{"c" * 16}"\n' in text
    problems = Problems()
    assert read_record(tmp_path, problems) == record
    assert problems.items == []
    assert render_record(record) == (tmp_path / RECORD_PATH).read_bytes()


def test_an_unchanged_record_is_not_written(tmp_path: Path) -> None:
    record = {"workshop-2019": Published(0, midnight(ISSUE_1), "0" * 16)}
    assert save_record(tmp_path, {}, record)
    (tmp_path / RECORD_PATH).write_text("# edited by hand\n" + (tmp_path / RECORD_PATH).read_text())
    assert not save_record(tmp_path, dict(record), record)
    assert (tmp_path / RECORD_PATH).read_text().startswith("# edited by hand\n")
    assert not (tmp_path / "calendar/published.yaml.newsletter-tmp").exists()


def test_a_record_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "calendar").write_text("a file where the folder should be\n")
    record = {"workshop-2019": Published(0, midnight(ISSUE_1), "0" * 16)}
    with pytest.raises(UsageError, match=r"calendar/published\.yaml cannot be written"):
        save_record(tmp_path, {}, record)


RECORD = {
    "workshop-2019": Published(2, datetime(2019, 4, 15, 0, 0, 1, tzinfo=UTC), "0123456789abcdef"),
    "2019-06-27": Published(0, datetime(2019, 1, 15, tzinfo=UTC), "a" * 16),
    "yes": Published(1, datetime(2019, 4, 15, tzinfo=UTC), "b" * 16),
    **{f"event-{n:04d}-n{n}": Published(n, datetime(2000 + n % 30, 1 + n % 12, 1, tzinfo=UTC),
                                         f"{n:016x}", f"{n * 7:016x}" if n % 3 else None)
       for n in range(300)},
}  # fmt: skip
"""A record as builds write it: most entries with the content fingerprint, some (written
before it was kept) without."""


def _read_with_yaml(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, list[str]]:
    with monkeypatch.context() as patched:
        patched.setattr(record_module, "_as_written", lambda text: None)
        problems = Problems()
        return read_record(root, problems), [str(p) for p in problems.items]


def test_a_record_as_build_writes_it_is_read_without_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert save_record(tmp_path, {}, RECORD)
    text = (tmp_path / RECORD_PATH).read_text("utf-8")
    assert record_module._as_written(text) == RECORD  # the quick path is the one taken
    problems = Problems()
    assert read_record(tmp_path, problems) == RECORD
    assert problems.items == []
    assert _read_with_yaml(tmp_path, monkeypatch) == (RECORD, [])


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: (
            t + "workshop-2019:\n  sequence: 3\n  last_modified: 2019-05-01T00:00:00Z\n"
            '  fingerprint: "0000000000000000"\n'
        ),  # an id twice
        lambda t: (
            t + "Not An Id:\n  sequence: 0\n  last_modified: 2019-01-01T00:00:00Z\n"
            '  fingerprint: "0000000000000000"\n'
        ),
        lambda t: t.replace("2019-04-15T00:00:01Z", "2019-02-30T00:00:00Z"),
        lambda t: t.replace("sequence: 2\n", "sequence: -2\n"),
        lambda t: t.replace('"0123456789abcdef"', '"0123456789ABCDEF"'),
        lambda t: t.replace("workshop-2019:", '"workshop-2019":'),  # quoted another way
        lambda t: t.replace('"yes":', '"yes":  # a comment'),
        lambda t: t + "# a comment at the end\n",
        lambda t: t.replace("  sequence: 2\n", "  sequence: 2\n  note: hand-made\n"),
        lambda t: t.replace("  sequence: 2\n", "  sequence: 2\n  sequence: 5\n"),
        lambda t: t.replace("\n", "\r\n"),
        lambda t: t.split("\n", 1)[1],  # the header cut
        lambda t: t.replace('  content: "0000000000000007"', '  content: "000000000000000G"'),
        lambda t: t.replace('  content: "0000000000000007"\n', "  content: 7\n"),
    ],
)
def test_a_record_edited_by_hand_is_read_by_yaml_and_its_problems_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: Callable[[str], str]
) -> None:
    assert save_record(tmp_path, {}, RECORD)
    file = tmp_path / RECORD_PATH
    file.write_bytes(edit(file.read_text("utf-8")).encode("utf-8"))
    assert record_module._as_written(file.read_bytes().decode("utf-8")) is None
    problems = Problems()
    record = read_record(tmp_path, problems)
    assert (record, [str(p) for p in problems.items]) == _read_with_yaml(tmp_path, monkeypatch)
