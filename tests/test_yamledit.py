"""Editing a YAML list in place: comments and layout stay, the data is always right."""

from __future__ import annotations

import pytest
import yaml

from newsletter.errors import ContentError
from newsletter.scaffold.yamledit import ListEditor, dump_yaml, yaml_scalar

SCHEDULE = """\
# The schedule, kept by hand
title: Schedule   # shown above the table
events:
  # Asia
  - id: a-2019
    title: Event A  # confirmed by phone
    dates: 24-25 Oct. 2019
    venue: Bangkok
  - title: Event B
    dates: 4-8 Nov. 2019
    venue: Suva
    categories:
      - pacific
  # Pacific
  - {title: Event C, dates: 1 Dec. 2019, venue: Apia}
note: after the list
"""


def test_nothing_changed_gives_the_same_text() -> None:
    assert ListEditor(SCHEDULE, "s.yaml").text() == SCHEDULE


def test_a_changed_value_is_replaced_in_its_line() -> None:
    editor = ListEditor(SCHEDULE, "s.yaml")
    editor.replace(0, {**editor.items[0], "dates": "25–26 Oct. 2019", "venue": "Bangkok: HQ"})
    assert editor.text() == SCHEDULE.replace(
        "    dates: 24-25 Oct. 2019\n    venue: Bangkok\n",
        "    dates: 25–26 Oct. 2019\n    venue: 'Bangkok: HQ'\n",
    )


def test_an_id_is_inserted_before_the_first_key() -> None:
    editor = ListEditor(SCHEDULE, "s.yaml")
    editor.replace(1, {"id": "event-b-2019", **editor.items[1]})
    editor.replace(2, {"id": "event-c-2019", **editor.items[2]})
    text = editor.text()
    assert "  - id: event-b-2019\n    title: Event B\n" in text
    assert "  - {id: event-c-2019, title: Event C," in text
    assert text.count("#") == SCHEDULE.count("#")


def test_removed_entries_take_their_lines_only() -> None:
    editor = ListEditor(SCHEDULE, "s.yaml")
    editor.remove(1)
    editor.remove(2)
    assert editor.text() == (
        "# The schedule, kept by hand\n"
        "title: Schedule   # shown above the table\n"
        "events:\n"
        "  # Asia\n"
        "  - id: a-2019\n"
        "    title: Event A  # confirmed by phone\n"
        "    dates: 24-25 Oct. 2019\n"
        "    venue: Bangkok\n"
        "  # Pacific\n"
        "note: after the list\n"
    )


def test_new_entries_go_between_and_after() -> None:
    editor = ListEditor(SCHEDULE, "s.yaml")
    editor.insert({"id": "new-1", "title": "New one"}, before=1)
    editor.insert({"id": "new-2", "title": "New two"})
    text = editor.text()
    assert "    venue: Bangkok\n  - id: new-1\n    title: New one\n  - title: Event B\n" in text
    assert "venue: Apia}\n  - id: new-2\n    title: New two\nnote: after the list\n" in text
    data = yaml.safe_load(text)
    assert [e.get("id") for e in data["events"]] == ["a-2019", "new-1", None, None, "new-2"]


def test_an_entry_that_changes_shape_is_written_again() -> None:
    text = "events:\n  - title: X\n    start: 2019-06-27\n    end: 2019-06-29  # ISO\n"
    editor = ListEditor(text, "s.yaml")
    editor.replace(0, {"id": "x-2019", "title": "X", "dates": "27-29 June 2019"})
    assert editor.text() == "events:\n  - id: x-2019\n    title: X\n    dates: 27-29 June 2019\n"


def test_multi_line_values_are_kept_as_blocks() -> None:
    text = "events:\n  - title: X\n    description: |\n      One\n      Two\n  - title: Y\n"
    editor = ListEditor(text, "s.yaml")
    editor.replace(0, {"id": "x", **editor.items[0]})
    editor.remove(1)
    assert (
        editor.text()
        == "events:\n  - id: x\n    title: X\n    description: |\n      One\n      Two\n"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title: T  # keep\nevents: []  # none yet\n", "title: T  # keep\nevents:  # none yet\n"),
        ("title: T  # keep\nevents:\n", "title: T  # keep\nevents:\n"),
        ("title: T  # keep", "title: T  # keep\nevents:\n"),
    ],
)
def test_entries_added_to_an_empty_or_missing_list(text: str, expected: str) -> None:
    editor = ListEditor(text, "s.yaml")
    editor.insert({"id": "a", "title": "A"})
    assert editor.text() == expected + "  - id: a\n    title: A\n"


def test_a_flow_list_is_written_out_from_the_data() -> None:
    editor = ListEditor("events: [{title: A}, {title: B}]\n", "s.yaml")
    editor.remove(0)
    assert editor.text() == "events:\n  - title: B\n"


def test_removing_every_entry_leaves_an_empty_list() -> None:
    editor = ListEditor("title: T\nevents:\n  - title: A\n", "s.yaml")
    editor.remove(0)
    assert yaml.safe_load(editor.text()) == {"title": "T", "events": []}


def test_invalid_yaml_is_a_content_error() -> None:
    with pytest.raises(ContentError) as raised:
        ListEditor("events:\n  - title: [open\n", "s.yaml")
    assert raised.value.problem.path == "s.yaml"


@pytest.mark.parametrize("value", ["yes", "2019-01-05", "a: b", "# no", "12", "", " x"])
def test_scalars_read_back_as_the_same_text(value: str) -> None:
    assert yaml.safe_load(f"key: {yaml_scalar(value)}") == {"key": value}


def test_dump_keeps_order_and_unicode() -> None:
    assert dump_yaml({"z": "24–25 Oct.", "a": ["x"]}) == "z: 24–25 Oct.\na:\n  - x\n"
