"""Editing a YAML list in place: comments and layout stay, the data is always right."""

from __future__ import annotations

import pytest
import yaml

from newsletter.errors import ContentError, NewsletterError
from newsletter.scaffold.yamledit import ListEditor, dump_yaml
from newsletter.scaffold.yamltext import yaml_scalar

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


# -- comments the editor used to drop: it wrote the whole file from the data instead ----


def test_a_file_of_comments_only_keeps_them() -> None:
    editor = ListEditor("# The schedule of issue 63\n# (to be filled in)\n", "s.yaml")
    editor.insert({"id": "a", "title": "A"})
    assert editor.text() == (
        "# The schedule of issue 63\n# (to be filled in)\nevents:\n  - id: a\n    title: A\n"
    )


def test_a_flow_list_keeps_the_comments_around_it() -> None:
    text = "# head\nevents: [{title: A}, {title: B}]  # flow\nnote: n  # n\n"
    editor = ListEditor(text, "s.yaml")
    editor.remove(0)
    assert editor.text() == "# head\nevents:  # flow\n  - title: B\nnote: n  # n\n"


def test_a_list_that_was_not_one_keeps_the_comments() -> None:
    editor = ListEditor("# head\ntitle: T  # keep\nevents: TBD  # later\n", "s.yaml")
    editor.insert({"id": "a", "title": "A"})
    assert editor.text() == "# head\ntitle: T  # keep\nevents:  # later\n  - id: a\n    title: A\n"


def test_removing_every_entry_keeps_the_comments() -> None:
    editor = ListEditor(SCHEDULE, "s.yaml")
    for index in range(3):
        editor.remove(index)
    assert editor.text() == (
        "# The schedule, kept by hand\n"
        "title: Schedule   # shown above the table\n"
        "events: []\n"
        "  # Asia\n"
        "  # Pacific\n"
        "note: after the list\n"
    )


def test_an_entry_that_changes_shape_keeps_the_comments_of_its_keys() -> None:
    text = (
        "events:\n"
        "  # Brussels\n"
        "  - title: X  # as the WCO writes it\n"
        "    start: 2019-06-27\n"
        "    end: 2019-06-29  # ISO\n"
        "    venue: Brussels  # HQ\n"
        "    url: https://x.example/  # invitation\n"
    )
    editor = ListEditor(text, "s.yaml")
    new = {"id": "x-2019", "title": "X", "dates": "27-29 June 2019", "venue": "Brussels"}
    editor.replace(0, {**new, "url": "https://x.example/"})
    assert editor.text() == (
        "events:\n"
        "  # Brussels\n"
        "  - id: x-2019\n"
        "    title: X  # as the WCO writes it\n"
        "    dates: 27-29 June 2019\n"
        "    venue: Brussels  # HQ\n"
        "    url: https://x.example/  # invitation\n"
    )


def test_empty_values_stay_as_written() -> None:
    text = "title:\nevents:\n  - id:\n    title: A\n    url:  # later\n"
    editor = ListEditor(text, "s.yaml")
    editor.replace(0, {"id": "a-2019", "title": "A", "url": None})
    assert editor.text() == "title:\nevents:\n  - id: a-2019\n    title: A\n    url:  # later\n"


LAYOUT = """\
# head comment
title: T  # title
events:  # events
  # before first
  - id: a  # id a
    title: A
    categories:
      - x  # cat
    # inside a, before venue
    venue: V

  # before b
  - {title: B, venue: W}  # flow b
  # after flow b
  - title: C
    description: |
      Block text
    # after block
  - title: D
    l: [1, 2]
  # after flow value
  - title: E  # e
# closing the list
note: n  # note
# end of file
"""
OWN_COMMENTS = [["# id a", "# cat", "# inside a, before venue"], ["# flow b"], [], [], ["# e"]]


def comments(text: str) -> list[str]:
    return [line[line.index("#") :] for line in text.splitlines() if "#" in line]


@pytest.mark.parametrize("kept", [[1, 2, 3, 4], [0, 2, 3, 4], [0, 1, 3, 4], [0, 1, 2, 3], [2], []])
def test_comment_lines_between_entries_stay_when_entries_go(kept: list[int]) -> None:
    editor = ListEditor(LAYOUT, "s.yaml")
    for index in set(range(5)) - set(kept):
        editor.remove(index)
    text = editor.text()
    gone = [c for index in set(range(5)) - set(kept) for c in OWN_COMMENTS[index]]
    assert comments(text) == [c for c in comments(LAYOUT) if c not in gone]
    assert yaml.safe_load(text)["events"] == [yaml.safe_load(LAYOUT)["events"][i] for i in kept]


def test_inserted_entries_go_after_the_comments_above_an_entry_and_before_the_last() -> None:
    editor = ListEditor(LAYOUT, "s.yaml")
    editor.insert({"title": "G"}, before=1)
    editor.insert({"title": "F"})
    text = editor.text()
    assert comments(text) == comments(LAYOUT)
    assert "  # before b\n  - title: G\n  - {title: B, venue: W}  # flow b\n" in text
    assert "  - title: E  # e\n  - title: F\n# closing the list\n" in text


def test_comments_above_the_document_start_are_kept() -> None:
    editor = ListEditor("# Issue 63\n---  # the schedule\nevents:\n  - title: A\n", "s.yaml")
    editor.replace(0, {"id": "a", "title": "A"})
    assert editor.text() == "# Issue 63\n---  # the schedule\nevents:\n  - id: a\n    title: A\n"


# -- what ruamel.yaml would otherwise write differently ------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "events:\n- title: A\n  venue: X\n",
        "events:\n    -   title: A\n        venue: X\n",
        "events:\n    - title: A\n      venue: X\n",
    ],
)
def test_the_file_keeps_its_indentation(text: str) -> None:
    editor = ListEditor(text, "s.yaml")
    editor.insert({"title": "B", "venue": "Y"})
    dash, key = text.split("\n")[1].split("title")[0], text.split("\n")[2].split("venue")[0]
    assert editor.text() == text + f"{dash}title: B\n{key}venue: Y\n"


def test_a_replaced_value_keeps_its_comment_at_the_same_distance() -> None:
    editor = ListEditor("events:\n  - x: 1  # one\n    y: abc    # two\n", "s.yaml")
    editor.replace(0, {"x": "10", "y": "a"})
    assert editor.text() == "events:\n  - x: '10'  # one\n    y: a    # two\n"


def test_a_replaced_value_is_quoted_as_the_reader_needs_not_as_the_old_one_was() -> None:
    editor = ListEditor("events:\n  - title: 'A'\n    dates: \"1 May 2019\"\n", "s.yaml")
    editor.replace(0, {"title": "yes", "dates": "3 May 2019"})
    assert editor.text() == "events:\n  - title: 'yes'\n    dates: 3 May 2019\n"


def test_what_is_not_edited_is_written_as_it_was() -> None:
    text = "events:\n  - title: A\n    a: yes\n    b: 012\n    c: 1e3\n    d: ~\n    e: 1:20\n"
    editor = ListEditor(text, "s.yaml")
    editor.replace(0, {"id": "a", **editor.items[0]})
    assert editor.text() == text.replace("  - title: A\n", "  - id: a\n    title: A\n")


VALUES = ["yes", "No", "on", "~", "null", "12:30", "1:20:30", "012", "0x1f", "1_000", "1e3", ".5"]
VALUES += ["2019-01-05", "a: b", "# no", "a #b", "- x", "@x", "'x'", '"x"', "{x}", "[x]", "x, y"]
VALUES += ["", " x", "x ", "a\nb", "a\nb\n", "tab\there", "Ünïcödé – 日本語 & <b>"]


@pytest.mark.parametrize("value", VALUES)
def test_values_written_read_back_as_the_same_text(value: str) -> None:
    assert dump_yaml({"key": value}) == f"key: {yaml_scalar(value)}\n"
    editor = ListEditor("events:\n  - title: x  # c\n", "s.yaml")
    editor.replace(0, {"title": value})
    assert yaml.safe_load(editor.text()) == {"events": [{"title": value}]}


def test_a_flow_entry_with_a_comment_before_a_block_one() -> None:
    # ruamel.yaml 0.19 on its own writes `- title: C description: x` here.
    text = "events:\n  # first\n  - {title: B}  # b\n  - title: C\n    description: x\n"
    editor = ListEditor(text, "s.yaml")
    editor.insert({"title": "D"})
    assert editor.text() == text + "  - title: D\n"


def test_an_edit_that_would_not_read_back_is_refused() -> None:
    editor = ListEditor("events:\n  - title: x\n", "s.yaml")
    editor.replace(0, {"title": "\x85"})  # NEL: as PyYAML writes it, it reads back as " "
    with pytest.raises(NewsletterError, match="would not read back as intended"):
        editor.text()
