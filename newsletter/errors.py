"""The exception hierarchy and the problem list every reader reports into.

Readers never stop at the first problem: they add each one to a `Problems` list and
carry on with what they could read. Commands raise `ContentErrors` when the list holds
errors; the CLI catches `NewsletterError` once and maps it to an exit code.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum
from pathlib import PurePosixPath


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"
    # Something the editor should know that is not wrong (an event whose days are not
    # known yet): `check` prints it, but it neither fails nor counts as a warning.
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the content, located as precisely as it is known.

    `value` is what the editor wrote that is wrong (a date text, an unknown key), when
    there is one value to blame. It is no part of what the problem is: the message
    already quotes it, so equality and hashing leave it out (it may be a list).
    """

    path: str
    line: int | None
    message: str
    severity: Severity = Severity.ERROR
    field: str | None = None
    # `dataclasses.field`: the name `field` is taken by the attribute above.
    value: object = dataclasses.field(default=None, compare=False)

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        label = "" if self.severity is Severity.ERROR else f"{self.severity.value}: "
        return f"{where}: {label}{self.message}"

    @property
    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, self.line or 0, self.message)


@dataclass
class Problems:
    """Collects every problem found while reading and checking a newsletter."""

    items: list[Problem] = dataclasses.field(default_factory=list)

    def add(self, problem: Problem) -> None:
        """Add a problem made elsewhere, such as the one a `ContentError` carries."""
        self.items.append(problem)

    def error(
        self,
        path: str | PurePosixPath,
        line: int | None,
        message: str,
        field: str | None = None,
        value: object = None,
    ) -> None:
        """Add an error at `path` (and `line`, when known) about `field` and its `value`."""
        self.add(Problem(str(path), line, message, Severity.ERROR, field, value))

    def warning(
        self,
        path: str | PurePosixPath,
        line: int | None,
        message: str,
        field: str | None = None,
        value: object = None,
    ) -> None:
        """Add a warning at `path` (and `line`, when known) about `field` and its `value`."""
        self.add(Problem(str(path), line, message, Severity.WARNING, field, value))

    def note(
        self,
        path: str | PurePosixPath,
        line: int | None,
        message: str,
        field: str | None = None,
        value: object = None,
    ) -> None:
        """Add a note at `path` (and `line`): worth knowing, neither an error nor a warning."""
        self.add(Problem(str(path), line, message, Severity.NOTE, field, value))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity is Severity.WARNING]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.items if p.severity is Severity.NOTE]

    def sorted(self) -> list[Problem]:
        return sorted(self.items, key=lambda p: p.sort_key)


class NewsletterError(Exception):
    """Base of every error the `newsletter` command reports without a traceback."""

    exit_code = 1


class UsageError(NewsletterError):
    """The command was called wrongly: a missing root folder, a bad option value."""

    exit_code = 2


class ContentError(NewsletterError):
    """One problem in one content file, raised where collecting is not possible."""

    def __init__(
        self,
        path: str,
        line: int | None,
        message: str,
        field: str | None = None,
        value: object = None,
    ) -> None:
        self.problem = Problem(path, line, message, Severity.ERROR, field, value)
        self.value = value
        super().__init__(str(self.problem))

    def __reduce__(self) -> tuple[type[ContentError], tuple[object, ...]]:
        # An error raised in a worker process reaches the build by pickle, which would
        # otherwise call the class with the message alone (and hang the pool).
        p = self.problem
        return type(self), (p.path, p.line, p.message, p.field, self.value)


class ContentErrors(NewsletterError):
    """The content has errors; `problems` holds all of them (and the warnings)."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        count = len(problems.errors)
        super().__init__(f"{count} error{'s' if count != 1 else ''} in the content")

    def __reduce__(self) -> tuple[type[ContentErrors], tuple[object, ...]]:
        return type(self), (self.problems,)  # see ContentError.__reduce__

    @classmethod
    def of(cls, error: ContentError) -> ContentErrors:
        """One `ContentError` as a list of one, for a command that reports a list."""
        problems = Problems()
        problem = error.problem
        problems.error(problem.path, problem.line, problem.message, problem.field)
        return cls(problems)


class TemplateError(NewsletterError):
    """A template that cannot be rendered: a syntax error, an unknown name."""

    def __init__(self, template: str, line: int | None, message: str) -> None:
        self.template = template
        self.line = line
        self.message = message
        where = template if line is None else f"{template}:{line}"
        super().__init__(f"{where}: template error: {message}")

    def __reduce__(self) -> tuple[type[TemplateError], tuple[object, ...]]:
        return type(self), (self.template, self.line, self.message)  # see ContentError


class DeliveryError(NewsletterError):
    """`send` cannot deliver at all: the SMTP server cannot be reached, refuses the login,
    or its certificate does not verify. Nothing was sent."""


class DatabaseError(NewsletterError):
    """The subscribers database cannot be opened or used: a server that cannot be reached,
    a file that is not a database, one written by a newer newsletter."""


class RefusedError(NewsletterError):
    """A command that would go against what a person asked for, such as adding back an
    address that left; nothing was changed."""


class DateError(ValueError):
    """A human date range that cannot be read; `text` is what the editor wrote."""

    def __init__(self, reason: str, text: str) -> None:
        self.reason = reason
        self.text = text
        super().__init__(f"{reason} in dates {text!r}")

    def __reduce__(self) -> tuple[type[DateError], tuple[object, ...]]:
        return type(self), (self.reason, self.text)  # see ContentError.__reduce__
