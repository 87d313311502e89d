"""A first build writes each file as soon as it is made, into the spare folder, while
the others render (writer.first_stage): the same site as writing it all at the end, and
a build that fails leaves nothing behind."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Mapping
from pathlib import Path

import pytest

from newsletter import writer
from newsletter.errors import UsageError
from newsletter.layout import MANIFEST, beside_output
from newsletter.output.manifest import Content
from newsletter.output.staging import EarlyStage
from newsletter.site import build
from newsletter.writer import first_stage, write_output
from tests.conftest import generate_archive
from tests.test_incremental import _tree

ISSUES = 14  # over the render pool's threshold: the files come from its workers


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    generate_archive(root, ISSUES)
    return root


def _beside(out: Path) -> list[Path]:
    return [path for path in beside_output(out) if path.exists()]


def test_a_first_build_writes_while_it_renders_the_site_it_would_write_at_the_end(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    late = archive.parent / "late"
    with monkeypatch.context() as patch:
        patch.setattr(writer, "first_stage", lambda out: contextlib.nullcontext())
        build(archive, late)
    early: list[str] = []
    add = EarlyStage.add

    def counted(self: EarlyStage, files: Mapping[str, Content]) -> None:
        early.extend(files)
        add(self, files)

    monkeypatch.setattr(EarlyStage, "add", counted)
    (archive.parent / "empty").mkdir()  # an empty folder is as good as none
    for name in ("missing", "empty"):
        out = archive.parent / name
        early.clear()
        result = build(archive, out)
        assert _tree(out) == _tree(late)
        retired = [] if name == "missing" else [beside_output(out)[0]]  # the empty folder
        assert _beside(out) == retired and all(not any(path.iterdir()) for path in retired)
        assert len(early) == result.files  # each once, and all but the manifest
        assert {name for name in _tree(out) if name not in early} == {MANIFEST}


def test_a_build_into_a_folder_with_anything_in_it_writes_at_the_end(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "own.txt").write_text("the user's", "utf-8")

    def stuck(signum: int, frame: object) -> None:
        raise AssertionError("write_output waits for the lock first_stage holds")

    with first_stage(out) as early:
        assert early is None
        previous = signal.signal(signal.SIGALRM, stuck)
        signal.alarm(20)
        try:
            write_output(out, {"a.txt": b"a"})  # the lock is not held: no waiting for itself
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
    with first_stage(out) as early:
        assert early is None  # a spare beside it now (the site the switch retired)
    assert (out / "own.txt").read_text("utf-8") == "the user's"


def test_a_first_build_that_fails_leaves_nothing(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(*args: object, **kwargs: object) -> None:
        raise UsageError("the disk is full")

    monkeypatch.setattr(writer, "write_output", fails)
    out = archive.parent / "out"
    with pytest.raises(UsageError):
        build(archive, out)
    assert not out.exists() and _beside(out) == []


def test_what_went_from_the_spare_since_it_was_written_is_written_again(tmp_path: Path) -> None:
    out = tmp_path / "out"
    files: dict[str, Content] = {"a/one.txt": b"one", "two.txt": b"two", "three.txt": b"3"}
    with first_stage(out) as early:
        assert early is not None
        early.add({"a/one.txt": files["a/one.txt"], "two.txt": files["two.txt"]})
        spare = beside_output(out)[0]
        (spare / "two.txt").unlink()
        write_output(out, files, early=early)
    assert _tree(out) == {MANIFEST: _tree(out)[MANIFEST], **files}
    assert (out / "a/one.txt").stat().st_ino == early.written["a/one.txt"][0]  # kept as written


def test_an_early_stage_that_cannot_write_leaves_it_to_the_writer(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with first_stage(out) as early:
        assert early is not None
        early.add({"a.txt": b"a"})
        early.add({"a.txt": b"a"})  # there already: it stops
        early.add({"b.txt": b"b"})
        assert early.broken and set(early.written) == {"a.txt"}
        write_output(out, {"a.txt": b"a", "b.txt": b"b"}, early=early)
    assert (out / "a.txt").read_bytes() == b"a" and (out / "b.txt").read_bytes() == b"b"
