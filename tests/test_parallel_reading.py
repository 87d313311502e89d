"""Issue folders read on every core give exactly what reading them one by one gives."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from newsletter.readcache import StoredReading
from newsletter.reading import parallel as pool
from newsletter.reading import read_newsletter
from newsletter.reading.parallel import read_folders
from newsletter.site import check, load
from newsletter.store import Store
from tests.conftest import generate_archive

ISSUES = 20  # over the pool's threshold


def test_the_pool_reads_what_one_process_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "archive"
    generate_archive(root, ISSUES)
    article = sorted((root / "content/issues/007/articles").glob("*.md"))[0]
    article.write_text(article.read_text("utf-8") + "\n<script>x()</script>\n", "utf-8")
    (root / "content/issues/009/schedule.yaml").write_text("events: [1, 2\n", "utf-8")

    folders = [(f"content/issues/{n:03d}", n) for n in range(1, ISSUES + 1)]
    assert len(folders) >= pool._PARALLEL_FROM
    parallel = read_folders(root, folders, None)
    newsletter, problems = read_newsletter(root)
    checked = check(root)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    serial = read_folders(root, folders, None)
    assert parallel == serial
    assert read_newsletter(root)[0] == newsletter
    again = read_newsletter(root)[1]
    assert [str(p) for p in again.sorted()] == [str(p) for p in problems.sorted()]
    assert [str(p) for p in check(root).sorted()] == [str(p) for p in checked.sorted()]
    assert any("schedule.yaml" in str(p) for p in checked.errors)
    assert any("script" in str(p) and "007" in str(p) for p in checked.warnings)


def test_the_build_prepares_its_renderers_while_workers_read(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    generate_archive(root, ISSUES)
    past = time.time() - 3600  # the read cache keeps only folders not changed just now
    for folder, _, names in os.walk(root):
        for name in [*names, "."]:
            os.utime(os.path.join(folder, name), (past, past))
    calls: list[int] = []
    reading = StoredReading(Store(root), "program")
    reading.meanwhile = lambda: calls.append(len(calls))
    newsletter, _ = load(root, reading)
    assert calls == [0]  # once, while the pool read every issue
    assert len(newsletter.issues) == ISSUES
    again = StoredReading(Store(root), "program")
    again.meanwhile = lambda: calls.append(len(calls))
    load(root, again)
    assert calls == [0]  # nothing to read: no pool, nothing to wait for
