"""`newsletter import-schedule`: a schedule table pasted from a document, merged into an
issue's schedule.yaml (see `newsletter.scaffold.table` and `newsletter.scaffold.merge`).

Every line of the table is checked before anything is written, and schedule.yaml is
replaced in one rename: the old file or the new one, never half.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from newsletter.errors import ContentError, ContentErrors, NewsletterError, Problems, UsageError
from newsletter.reading.files import read_text
from newsletter.scaffold.folders import issue_folder, newsletter_root, umask
from newsletter.scaffold.merge import Merge, merge_rows
from newsletter.scaffold.table import TableRow, decode_pasted, read_pasted
from newsletter.writer import atomic_write


@dataclass(frozen=True, slots=True)
class ScheduleImport:
    """What `import-schedule` did: the file it wrote, the rows read, the merge."""

    path: str
    rows: int
    merge: Merge
    written: bool
    titles: tuple[tuple[int, str], ...] = ()  # the lines above the table
    joined: tuple[TableRow, ...] = ()  # rows whose cells went on over more lines

    def describe(self) -> list[str]:
        """What the import did, for the editor: the counts, then each row added or
        changed by its title, and the lines read other than as one row each."""
        merge = self.merge
        counts = [
            f"{len(merge.added)} added",
            f"{len(merge.changed)} changed",
            f"{len(merge.unchanged)} unchanged",
        ]
        rows = f"{self.rows} row{'s' * (self.rows != 1)}"
        lines = [f"{self.path}: {rows} read: {', '.join(counts)}."]
        lines += [
            f"  added: {merge.rows[i].title} (line {merge.rows[i].line})" for i in merge.added
        ]
        lines += [
            f"  changed: {merge.rows[i].title} (line {merge.rows[i].line}: "
            f"{', '.join(merge.changes.get(i, ()))})"
            for i in merge.changed
        ]
        if self.titles:
            numbers = ", ".join(str(number) for number, _ in self.titles)
            label = "line" if len(self.titles) == 1 else "lines"
            lines.append(f"{label} {numbers}: above the table, read as its title, not as rows.")
        lines += [
            f"lines {row.line}-{row.last_line}: one row, {row.title!r}: a cell went on "
            "over more lines."
            for row in self.joined
        ]
        if merge.kept:
            lines.append(
                f"{merge.kept} event{'s' * (merge.kept != 1)} of the schedule not in the table: "
                "kept as they were."
            )
        lines += [
            f"line {row.line}: {row.title!r} is the scheduled event {event_id}: its id is kept."
            for row, event_id in merge.matched_by_title
        ]
        if not self.written:
            lines.append(f"{self.path} already said all that: not changed.")
        return lines


def import_schedule(
    root: Path, source: str, issue: int | None = None, stdin: BinaryIO | None = None
) -> ScheduleImport:
    """Merge the table in `source` (a file, or `-` for standard input) into the issue's
    schedule.yaml. Any line that is not a row, or a schedule.yaml that cannot be read, is
    `ContentErrors`, and nothing is written; a source that cannot be read, a `UsageError`."""
    root = newsletter_root(root)
    number, folder = issue_folder(root, issue)
    name, data = _pasted(source, stdin)
    path = f"{folder}/schedule.yaml"
    try:
        problems = Problems()
        table = read_pasted(decode_pasted(data, name), name, problems)
        if problems.errors:
            raise ContentErrors(problems)
        old = read_text(root, path) if (root / path).is_file() else None
        titles = [text for _, text in table.titles]
        merge = merge_rows(old, path, table.rows, number, titles)
    except ContentError as error:
        raise ContentErrors.of(error) from None
    if merge.text != old:
        _replace(root / path, merge.text)
    joined = tuple(row for row in table.rows if row.last_line is not None)
    return ScheduleImport(
        path, len(table.rows), merge, merge.text != old, tuple(table.titles), joined
    )


def _pasted(source: str, stdin: BinaryIO | None) -> tuple[str, bytes]:
    if source == "-":
        return "<stdin>", (stdin or sys.stdin.buffer).read()
    try:
        return source, Path(source).read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {source}: {error.strerror}") from None


def _replace(file: Path, text: str) -> None:
    """Write beside the file and rename over it: the old file or the new, never half."""
    mode = file.stat().st_mode & 0o777 if file.exists() else 0o666 & ~umask()
    # A file saved with Windows line ends keeps them, or every line would show as changed.
    newline = "\r\n" if file.exists() and b"\r\n" in file.read_bytes() else "\n"
    try:
        atomic_write(file, text.replace("\n", newline).encode("utf-8"), mode)
    except OSError as error:
        raise NewsletterError(f"cannot write {file}: {error.strerror}") from None
