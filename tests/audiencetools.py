"""Helpers of the audience tests: the `subscribers` commands run in-process against a
database URL, and lists written as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import Folder, Run


@dataclass
class Subscribers:
    """`newsletter subscribers ...` of the folder `news`, against the database at `url`."""

    run_cli: Callable[..., Run]
    news: Folder
    url: str

    def __call__(self, *args: str) -> Run:
        command, *rest = args
        options = ["--database", self.url, "--root", str(self.news.root)]
        return self.run_cli("subscribers", command, *rest, *options)

    def listed(self, *options: str) -> list[dict[str, str]]:
        result = self("list", *options)
        assert result.code == 0, result.output
        return list(csv.DictReader(io.StringIO(result.out)))

    def statuses(self) -> dict[str, str]:
        return {row["email"]: row["status"] for row in self.listed()}

    def shown(self, address: str) -> dict[str, Any]:
        result = self("show", address)
        assert result.code == 0, result.output
        held: dict[str, Any] = json.loads(result.out)
        return held


def csv_file(folder: Path, rows: Sequence[Sequence[str]], name: str = "list.csv") -> Path:
    """A list file with a header `email,name` and `rows`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("email", "name"))
    writer.writerows(rows)
    file = folder / name
    file.write_text(buffer.getvalue(), encoding="utf-8")
    return file
