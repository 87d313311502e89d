"""Errors raised in a worker process reach the build by pickle, with every detail."""

from __future__ import annotations

import pickle

import pytest

from newsletter.errors import ContentError, ContentErrors, DateError, Problems, TemplateError


def _problems() -> Problems:
    problems = Problems()
    problems.error("content/issues/062/issue.yaml", 3, "no date", "date")
    return problems


@pytest.mark.parametrize(
    "error",
    [
        TemplateError("templates/web/issue.html", 2, "unexpected end of template"),
        TemplateError("web/issue.html", None, "'title' is undefined"),
        ContentError("content/issues/062/issue.yaml", 4, "must be a date", "date", "2018-13-01"),
        ContentErrors(_problems()),
        DateError("no such month", "3-4 Foo 2019"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_an_error_survives_pickling(error: Exception) -> None:
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error)
    assert str(again) == str(error)
    assert vars(again).keys() == vars(error).keys()
    for name, value in vars(error).items():
        if isinstance(value, Problems):
            assert getattr(again, name).items == value.items
        else:
            assert getattr(again, name) == value
