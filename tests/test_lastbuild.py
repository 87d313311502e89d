"""A build that finds nothing changed since the last one does nothing
(newsletter/lastbuild.py), and anything that could change its output makes it build.

Each test builds a small generated archive until the last build leaves its note, then
changes one thing and checks that the next build is a whole one, whose output is a
cold build's, and that the build after it (nothing changed again) gives the same
result without reading anything.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from newsletter.fingerprint import program, real_path, stat_tree
from newsletter.lastbuild import sources
from newsletter.layout import MANIFEST, RECORD_PATH, beside_output
from newsletter.readcache import StoredReading
from newsletter.reading import read_newsletter
from newsletter.site import BuildResult, build
from newsletter.stages import Stages
from newsletter.store import Store
from tests.conftest import generate_archive
from tests.test_incremental import _age, _cold, _tree

ISSUES = 4


def _build(root: Path, out: Path) -> tuple[BuildResult, list[str]]:
    """A build, and its stages: ["nothing changed"] when it did nothing."""
    stages = Stages()
    result = build(root, out, stages=stages)
    return result, list(stages.seconds)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """An archive whose last build (into tmp_path/out) left its note."""
    root = tmp_path / "archive"
    generate_archive(root, ISSUES)
    build(root, tmp_path / "out")  # writes calendar/published.yaml, which dates its folder
    _age(root)
    _, stages = _build(root, tmp_path / "out")
    assert stages != ["nothing changed"]
    return root


def test_nothing_changed_gives_the_last_result_without_reading(archive: Path) -> None:
    out = archive.parent / "out"
    before = _tree(out)
    whole = build(archive, archive.parent / "whole")  # the same build, done in full
    result, stages = _build(archive, out)
    assert stages == ["nothing changed"]
    assert _tree(out) == before
    assert result.out == out.resolve() and result.files == len(before) - 1  # not the manifest
    assert (result.write.written, result.write.unchanged, result.write.removed) == (
        0,
        result.files,
        0,
    )
    assert [str(p) for p in result.problems.sorted()] == [str(p) for p in whole.problems.sorted()]
    assert result.problems.items, "the generated archive has warnings to repeat"


def _edit_article(root: Path, out: Path) -> None:
    article = sorted((root / "content/issues/002/articles").glob("*.md"))[0]
    article.write_text(article.read_text("utf-8") + "\nOne more paragraph.\n", "utf-8")


def _edit_article_keeping_its_stat(root: Path, out: Path) -> None:
    """Same size, same modification time: the change time and inode still differ."""
    article = sorted((root / "content/issues/002/articles").glob("*.md"))[0]
    stat = article.stat()
    text = article.read_text("utf-8")
    article.write_text(text.replace("the", "THE", 1), "utf-8")
    os.utime(article, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _remove_output_file(root: Path, out: Path) -> None:
    (out / "issues/001/index.html").unlink()


def _edit_output_file(root: Path, out: Path) -> None:
    page = out / "issues/003/index.html"
    page.write_bytes(page.read_bytes().replace(b"<body", b"<BODY", 1))  # the same size


def _leave_a_temporary(root: Path, out: Path) -> None:
    (out / "issues/002/.index.html.x1y2.newsletter-tmp").write_bytes(b"half")


def _begin_a_switch(root: Path, out: Path) -> None:
    beside_output(out)[2].write_text("", "utf-8")


def _edit_the_record(root: Path, out: Path) -> None:
    record = root / RECORD_PATH
    record.write_text(record.read_text("utf-8") + "# a comment\n", "utf-8")


def _write_another_manifest(root: Path, out: Path) -> None:
    manifest = out / MANIFEST
    manifest.write_bytes(manifest.read_bytes())


def _set_source_date_epoch(root: Path, out: Path) -> None:
    os.environ["SOURCE_DATE_EPOCH"] = "1540000000"


def _add_a_template(root: Path, out: Path) -> None:
    page = root / "templates/web/issue.html"
    page.parent.mkdir(parents=True)
    packaged = Path(__file__).resolve().parent.parent / "templates/web/issue.html"
    page.write_text(packaged.read_text("utf-8") + "<!-- overridden -->\n", "utf-8")


def _delete_an_issue(root: Path, out: Path) -> None:
    shutil.rmtree(root / "content/issues/004")


CHANGES: list[Callable[[Path, Path], None]] = [
    _edit_article,
    _edit_article_keeping_its_stat,
    _remove_output_file,
    _edit_output_file,
    _leave_a_temporary,
    _begin_a_switch,
    _edit_the_record,
    _write_another_manifest,
    _set_source_date_epoch,
    _add_a_template,
    _delete_an_issue,
]


@pytest.mark.parametrize("change", CHANGES, ids=[change.__name__[1:] for change in CHANGES])
def test_any_change_makes_a_whole_build(
    archive: Path, change: Callable[[Path, Path], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "")  # so that the test's own setting is undone
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    out = archive.parent / "out"
    _, stages = _build(archive, out)
    assert stages == ["nothing changed"]
    change(archive, out)
    _, stages = _build(archive, out)
    assert stages != ["nothing changed"]
    cold = _cold(archive, archive.parent / "cold")
    assert _tree(out) == {**cold, MANIFEST: _tree(out)[MANIFEST]}
    _age(archive)
    _build(archive, out)  # leaves its note: the change is older than two seconds now
    _, stages = _build(archive, out)
    assert stages == ["nothing changed"]
    assert _tree(out) == {**cold, MANIFEST: _tree(out)[MANIFEST]}


def test_a_build_just_after_an_edit_leaves_no_note(archive: Path) -> None:
    """A second edit within the clock's tick could leave the stat the same."""
    out = archive.parent / "out"
    _edit_article(archive, out)
    _, stages = _build(archive, out)
    assert stages != ["nothing changed"]
    _, stages = _build(archive, out)
    assert stages != ["nothing changed"]


def test_another_output_folder_is_built(archive: Path) -> None:
    other = archive.parent / "other"
    _, stages = _build(archive, other)
    assert stages != ["nothing changed"]
    assert _tree(other) == _tree(archive.parent / "out")


def test_a_preview_and_a_partial_build_are_whole_builds(archive: Path) -> None:
    out = archive.parent / "out"
    stages = Stages()
    build(archive, out, issues=(2,), stages=stages)
    assert list(stages.seconds) != ["nothing changed"]
    stages = Stages()
    build(archive, out, preview=True, stages=stages)
    assert list(stages.seconds) != ["nothing changed"]


def test_the_read_cache_takes_the_issue_folders_as_the_build_stated_them(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build states every source file once (for its note) and the read cache takes each
    issue folder's part of that, but for a folder with a link in it, which it states
    itself: the keys are the ones `check` works out, which then reads nothing again."""
    issues = archive / "content" / "issues"
    (issues / "002" / "linked.md").symlink_to(issues / "001" / "foreword.md")
    _age(archive)
    made = sources(archive, archive.parent / "out", program())
    folders = made.folders[1]
    expected = {
        str(folder): list(stat_tree(str(folder), real_path(str(folder), {})))
        for folder in sorted(issues.iterdir())
        if folder.name != "002"
    }
    assert folders == expected and len(folders) == ISSUES - 1
    build(archive, archive.parent / "out")  # stores what it read under those keys

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("an issue was read again")

    monkeypatch.setattr("newsletter.reading.parallel.read_folders", no_reading)
    newsletter, _ = read_newsletter(archive, StoredReading(Store(archive), program()))
    assert newsletter is not None and len(newsletter.issues) == ISSUES
