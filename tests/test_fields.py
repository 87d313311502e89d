"""Typed access to the keys of one YAML mapping (newsletter/reading/fields.py): each
getter returns the value or None after reporting the problem at the key's line."""

from __future__ import annotations

from datetime import date

import pytest

from newsletter.errors import Problem, Problems, Severity
from newsletter.reading.fields import Fields
from newsletter.reading.yamlfile import YamlMap, load_yaml

PATH = "content/issues/001/issue.yaml"


def fields(text: str, known: tuple[str, ...] = (), prefix: str = "") -> tuple[Fields, Problems]:
    """`Fields` over the YAML `text`; every key is known unless `known` says otherwise."""
    data = load_yaml(text, PATH)
    assert isinstance(data, YamlMap)
    problems = Problems()
    return Fields(data, PATH, problems, known or tuple(data), prefix), problems


def only(problems: Problems) -> Problem:
    """The one problem reported."""
    assert len(problems.items) == 1, [str(p) for p in problems.items]
    return problems.items[0]


# --- unknown keys ------------------------------------------------------------------------


def test_known_keys_raise_no_warning() -> None:
    _, problems = fields("title: T\ndate: 2019-01-15\n", ("title", "date", "number"))
    assert problems.items == []


def test_an_unknown_key_is_a_warning_with_a_suggestion_at_its_line() -> None:
    _, problems = fields("title: T\nsummmary: S\n", ("title", "summary"))
    problem = only(problems)
    assert problem.severity is Severity.WARNING
    assert str(problem) == f"{PATH}:2: warning: summmary: unknown key; did you mean summary?"


def test_an_unknown_key_without_a_close_match_lists_the_known_keys() -> None:
    _, problems = fields("colour: red\n", ("title", "summary"))
    assert only(problems).message == "colour: unknown key; known keys: title, summary"


def test_a_prefix_names_the_nested_key() -> None:
    _, problems = fields("x: 1\nvenu: Suva\n", ("x", "venue"), prefix="events[2].")
    problem = only(problems)
    assert problem.line == 2
    assert problem.message == "events[2].venu: unknown key; did you mean venue?"


# --- text --------------------------------------------------------------------------------


def test_text_is_stripped_and_numbers_and_dates_read_as_text() -> None:
    f, problems = fields("a: '  padded  '\nb: 62\nc: 2019-01-15\nd: 1.5\n")
    assert (f.text("a"), f.text("b"), f.text("c"), f.text("d")) == (
        "padded",
        "62",
        "2019-01-15",
        "1.5",
    )
    assert problems.items == []


@pytest.mark.parametrize(
    "value, described",
    [
        ("yes", "true (a yes/no value; quote it if it is text)"),
        ("[a, b]", "a list"),
        ("{a: b}", "a mapping"),
    ],
)
def test_text_of_the_wrong_type_is_an_error(value: str, described: str) -> None:
    f, problems = fields(f"title: T\nsummary: {value}\n")
    assert f.text("summary") is None
    problem = only(problems)
    assert problem.severity is Severity.ERROR
    assert (problem.line, problem.field) == (2, "summary")
    assert problem.message == f"summary: must be text, not {described}"


def test_a_missing_required_key_is_an_error_at_the_mapping() -> None:
    f, problems = fields("title: T\n")
    assert f.text("summary") is None
    assert problems.items == []  # optional: no problem
    assert f.text("summary", required=True) is None
    problem = only(problems)
    assert (problem.line, problem.message) == (1, "summary: required key is missing")


def test_empty_text_is_none_and_an_error_when_required() -> None:
    f, problems = fields("a: '  '\n")
    assert f.text("a") is None
    assert problems.items == []
    assert f.text("a", required=True) is None
    assert only(problems).message == "a: must not be empty"


def test_one_line_text_refuses_a_newline_and_joins_the_lines() -> None:
    f, problems = fields('title: "Two\\nlines"\n')
    assert f.one_line("title") == "Two lines"
    assert "must be on one line" in only(problems).message


def test_a_long_value_is_shortened_in_the_message() -> None:
    f, problems = fields(f"title: [{'x' * 100}]\n")
    assert f.integer("title") is None
    assert only(problems).message == "title: must be a whole number, not a list"
    f, problems = fields(f"number: {'x' * 100}\n")
    assert f.integer("number") is None
    message = only(problems).message
    assert message.endswith("...")
    assert len(message.split(", not ", 1)[1]) == 60


# --- numbers and dates -------------------------------------------------------------------


def test_integer() -> None:
    f, problems = fields("a: 3\nb: '3'\nc: yes\nd: 1.5\n")
    assert f.integer("a") == 3
    assert f.integer("b") is None
    assert f.integer("c") is None
    assert f.integer("d") is None
    assert [p.message for p in problems.items] == [
        "b: must be a whole number, not '3'",
        "c: must be a whole number, not true (a yes/no value; quote it if it is text)",
        "d: must be a whole number, not 1.5",
    ]


def test_number_accepts_whole_and_decimal_numbers() -> None:
    f, problems = fields("a: 2\nb: 1.5\nc: two\n")
    assert f.number("a") == 2.0
    assert isinstance(f.number("a"), float)
    assert f.number("b") == 1.5
    assert f.number("c") is None
    assert only(problems).message == "c: must be a number, not 'two'"


def test_date_from_yaml_a_datetime_or_quoted_text() -> None:
    f, problems = fields("a: 2019-01-15\nb: 2019-01-15 10:30:00\nc: '2019-01-15'\n")
    assert f.date("a") == f.date("b") == f.date("c") == date(2019, 1, 15)
    assert problems.items == []


def test_a_day_that_does_not_exist_says_so() -> None:
    f, problems = fields("date: 2019-02-30\n")
    assert f.date("date") is None
    assert only(problems).message == (
        "date: there is no day 30 in February 2019 ('2019-02-30'); write a day that exists"
    )


@pytest.mark.parametrize("value", ["15 January 2019", "20190115", "2019-1-15"])
def test_a_date_that_is_not_one_is_an_error_quoting_it(value: str) -> None:
    f, problems = fields(f"date: {value}\n")
    assert f.date("date") is None
    problem = only(problems)
    assert problem.message.startswith("date: must be a date written YYYY-MM-DD, not ")
    assert str(value) in problem.message


# --- mappings and lists ------------------------------------------------------------------


def test_mapping_and_sequence_check_their_type() -> None:
    f, problems = fields("m: {a: 1}\ns: [1, 2]\n")
    assert f.mapping("m") == {"a": 1}
    assert f.sequence("s") == [1, 2]
    assert f.mapping("s") is None
    assert f.sequence("m") is None
    assert [p.message for p in problems.items] == [
        "s: must be a mapping of `key: value` lines, not a list",
        "m: must be a list, not a mapping",
    ]


def test_text_list_takes_one_text_as_a_list_of_one() -> None:
    f, problems = fields("one: Customs\nmany: [Customs, ' Trade ', 2019]\nnone: []\n")
    assert f.text_list("one") == ("Customs",)
    assert f.text_list("many") == ("Customs", "Trade", "2019")
    assert f.text_list("none") == ()
    assert f.text_list("missing") == ()
    assert problems.items == []


def test_text_list_reports_an_item_that_is_not_text_and_keeps_the_others() -> None:
    f, problems = fields("tags: [a, {b: c}, d]\n")
    assert f.text_list("tags") == ("a", "d")
    assert only(problems).message == "tags: every item must be text, not a mapping"


def test_mappings_names_each_item_and_checks_its_keys() -> None:
    text = "events:\n  - id: one\n  - 3\n  - id: two\n    venu: Suva\n"
    f, problems = fields(text, ("events",))
    items = list(f.mappings("events", ("id", "venue")))
    assert [item.text("id") for item in items] == ["one", "two"]
    assert [item.name("id") for item in items] == ["events[1].id", "events[3].id"]
    assert [(p.line, p.severity, p.message) for p in problems.items] == [
        (3, Severity.ERROR, "events[2]: must be a mapping of `key: value` lines, not 3"),
        (5, Severity.WARNING, "events[3].venu: unknown key; did you mean venue?"),
    ]


def test_sub_is_the_nested_mapping_with_its_prefix() -> None:
    f, problems = fields("email:\n  from: a@example.org\n  replyto: b@example.org\n", ("email",))
    email = f.sub("email", ("from", "reply_to"))
    assert email is not None
    assert email.text("from") == "a@example.org"
    assert only(problems).message == "email.replyto: unknown key; did you mean reply_to?"
    assert f.sub("missing", ()) is None


# --- reporting ---------------------------------------------------------------------------


def test_has_is_false_for_a_missing_or_empty_key() -> None:
    f, _ = fields("a: 1\nb:\n")
    assert f.has("a")
    assert not f.has("b")
    assert not f.has("c")


def test_error_and_warning_are_located_and_labelled() -> None:
    f, problems = fields("title: T\nnumber: 2\n")
    f.error("number", "is 2 but the folder is 001")
    f.warning(None, "no articles yet")
    assert [str(p) for p in problems.items] == [
        f"{PATH}:2: number: is 2 but the folder is 001",
        f"{PATH}:1: warning: no articles yet",
    ]
    assert [p.field for p in problems.items] == ["number", None]
