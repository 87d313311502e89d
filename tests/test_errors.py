"""The problem list readers report into, and the value each problem carries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from newsletter.errors import ContentError, ContentErrors, Problem, Problems, Severity
from newsletter.reading.yamlfile import load_yaml
from tests.conftest import ARTICLE, ISSUE, MINIMAL, REPORT, SCHEDULE

if TYPE_CHECKING:
    from tests.conftest import Folder


def text_of(name: str) -> str:
    content = MINIMAL[name]
    assert isinstance(content, str)
    return content


def only(problems: Problems, fragment: str) -> Problem:
    """The one problem whose message holds `fragment`."""
    found = [p for p in problems.items if fragment in p.message]
    assert len(found) == 1, [str(p) for p in problems.items]
    return found[0]


# --- Problem ------------------------------------------------------------------------------


def test_problem_fields_keep_their_positional_order() -> None:
    problem = Problem("a.yaml", 3, "bad", Severity.WARNING, "dates", "4 Octember")
    assert (problem.path, problem.line, problem.message) == ("a.yaml", 3, "bad")
    assert problem.severity is Severity.WARNING
    assert problem.field == "dates"
    assert problem.value == "4 Octember"


def test_problem_defaults() -> None:
    problem = Problem("a.yaml", None, "bad")
    assert problem.severity is Severity.ERROR
    assert problem.field is None
    assert problem.value is None


def test_problem_text_names_the_place_and_labels_warnings() -> None:
    assert str(Problem("a.yaml", 3, "bad")) == "a.yaml:3: bad"
    assert str(Problem("a.yaml", None, "bad")) == "a.yaml: bad"
    assert str(Problem("a.yaml", 3, "odd", Severity.WARNING)) == "a.yaml:3: warning: odd"
    assert str(Problem("a.yaml", 3, "no days yet", Severity.NOTE)) == "a.yaml:3: note: no days yet"


def test_the_value_is_not_in_the_text() -> None:
    assert str(Problem("a.yaml", 3, "bad", value="secret-ish")) == "a.yaml:3: bad"


def test_the_value_is_left_out_of_equality_and_hashing() -> None:
    bare = Problem("a.yaml", 3, "bad")
    with_list = Problem("a.yaml", 3, "bad", value=["a", "list"])
    assert bare == with_list
    assert hash(bare) == hash(with_list)  # a list value would not hash
    assert len({bare, with_list}) == 1
    assert Problem("a.yaml", 3, "bad") != Problem("a.yaml", 4, "bad")


def test_problem_sort_key_orders_by_path_line_message() -> None:
    problems = [
        Problem("b.yaml", 1, "x"),
        Problem("a.yaml", 2, "x"),
        Problem("a.yaml", None, "z"),
        Problem("a.yaml", 2, "w"),
    ]
    ordered = sorted(problems, key=lambda p: p.sort_key)
    assert [str(p) for p in ordered] == ["a.yaml: z", "a.yaml:2: w", "a.yaml:2: x", "b.yaml:1: x"]


# --- Problems -----------------------------------------------------------------------------


def test_add_keeps_the_problem_as_it_is() -> None:
    problems = Problems()
    problem = Problem("a.yaml", 1, "bad", Severity.WARNING, "key", 42)
    problems.add(problem)
    assert problems.items == [problem]
    assert problems.items[0] is problem


def test_error_and_warning_make_problems_with_field_and_value() -> None:
    problems = Problems()
    problems.error("a.yaml", 2, "bad date", field="dates", value="31 April")
    problems.warning("b.yaml", None, "unknown key", value="colour")
    error, warning = problems.items
    assert error == Problem("a.yaml", 2, "bad date", Severity.ERROR, "dates")
    assert error.value == "31 April"
    assert warning == Problem("b.yaml", None, "unknown key", Severity.WARNING)
    assert warning.value == "colour"


def test_paths_become_text() -> None:
    from pathlib import PurePosixPath

    problems = Problems()
    problems.error(PurePosixPath("content/issues/001/issue.yaml"), 1, "bad")
    assert problems.items[0].path == "content/issues/001/issue.yaml"


def test_errors_and_warnings_are_kept_apart_in_order() -> None:
    problems = Problems()
    problems.warning("a", 1, "w1")
    problems.error("a", 2, "e1")
    problems.add(Problem("a", 3, "w2", Severity.WARNING))
    problems.error("a", 4, "e2")
    assert [p.message for p in problems.errors] == ["e1", "e2"]
    assert [p.message for p in problems.warnings] == ["w1", "w2"]
    assert [p.message for p in problems.items] == ["w1", "e1", "w2", "e2"]


def test_notes_are_neither_errors_nor_warnings() -> None:
    problems = Problems()
    problems.note("a", 1, "n1", field="dates", value="TBD")
    problems.warning("a", 2, "w1")
    assert [p.message for p in problems.notes] == ["n1"]
    assert [p.message for p in problems.warnings] == ["w1"]
    assert problems.errors == []
    assert problems.items[0] == Problem("a", 1, "n1", Severity.NOTE, "dates")
    assert problems.items[0].value == "TBD"


def test_sorted_does_not_change_the_list() -> None:
    problems = Problems()
    problems.error("b", 1, "x")
    problems.error("a", 1, "x")
    assert [p.path for p in problems.sorted()] == ["a", "b"]
    assert [p.path for p in problems.items] == ["b", "a"]


def test_problem_lists_are_separate() -> None:
    first, second = Problems(), Problems()
    first.error("a", 1, "x")
    assert second.items == []


# --- ContentError and ContentErrors -------------------------------------------------------


def test_content_error_carries_its_value_in_its_problem() -> None:
    error = ContentError("a.yaml", 3, "title: duplicate key", field="title", value="title")
    assert error.problem == Problem("a.yaml", 3, "title: duplicate key", Severity.ERROR, "title")
    assert error.problem.value == "title"
    assert error.value == "title"
    assert str(error) == "a.yaml:3: title: duplicate key"


def test_content_error_without_a_value() -> None:
    assert ContentError("a.yaml", None, "is a binary file").problem.value is None


def test_a_duplicate_yaml_key_is_the_value() -> None:
    with pytest.raises(ContentError) as raised:
        load_yaml("title: A\ntitle: B\n", "a.yaml")
    assert raised.value.problem.value == "title"
    assert raised.value.problem.field == "title"


@pytest.mark.parametrize(("count", "text"), [(1, "1 error"), (2, "2 errors")])
def test_content_errors_counts_the_errors_only(count: int, text: str) -> None:
    problems = Problems()
    for line in range(count):
        problems.error("a", line, "bad")
    problems.warning("a", None, "odd")
    raised = ContentErrors(problems)
    assert str(raised) == f"{text} in the content"
    assert raised.problems is problems


# --- What the readers give as the value ---------------------------------------------------


def test_a_bad_date_text_is_the_value(folder: Folder) -> None:
    schedule = text_of(SCHEDULE).replace("dates: 4-8 Nov. 2019", "dates: 3-4 Octember 2019")
    folder.write(SCHEDULE, schedule)
    problem = only(folder.check(), "unknown month")
    assert problem.value == "3-4 Octember 2019"
    assert problem.field == "dates"


def test_a_bad_status_is_the_value(folder: Folder) -> None:
    folder.write(REPORT, text_of(REPORT).replace("event:", "status: maybe\nevent:"))
    assert only(folder.check(), "unknown status").value == "maybe"


def test_an_unknown_key_is_the_value(folder: Folder) -> None:
    folder.write(ARTICLE, text_of(ARTICLE).replace("summary:", "summmary:"))
    problem = only(folder.check(), "unknown key")
    assert problem.value == "summmary"
    assert problem.severity is Severity.WARNING


def test_a_bad_slug_is_the_value(folder: Folder) -> None:
    folder.write(f"{ISSUE}/articles/First Article.md", text_of(ARTICLE))
    assert only(folder.check(), "the file name is the page's URL").value == "First Article"


def test_a_value_of_the_wrong_type_is_the_value(folder: Folder) -> None:
    folder.write(ARTICLE, text_of(ARTICLE).replace("summary:", "order: [1, 2]\nsummary:"))
    assert only(folder.check(), "order: must be a number").value == [1, 2]


def test_a_missing_key_has_no_value(folder: Folder) -> None:
    folder.write(ARTICLE, text_of(ARTICLE).replace("title:", "subtitle:"))
    problem = only(folder.check(), "title: required key is missing")
    assert problem.value is None
