"""A first build writes each file as soon as it is made, into the spare folder, while
the others render (writer.first_stage): the same site as writing it all at the end, and
a build that fails leaves nothing behind."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from newsletter import writer
from newsletter.errors import UsageError
from newsletter.layout import MANIFEST, beside_output
from newsletter.output import staging
from newsletter.output.manifest import Content
from newsletter.output.staging import EarlyStage, Written
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


def _late(archive: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The site as a build that writes it all at the end makes it."""
    late = archive.parent / "late"
    with monkeypatch.context() as patch:
        patch.setattr(writer, "first_stage", lambda out: contextlib.nullcontext())
        build(archive, late)
    return _tree(late)


def _kept_stages(monkeypatch: pytest.MonkeyPatch) -> list[EarlyStage]:
    """Where each `EarlyStage` the builds use from now on is kept, to be looked at."""
    stages: list[EarlyStage] = []
    first_stage = writer.first_stage

    @contextlib.contextmanager
    def kept(out: Path) -> Iterator[EarlyStage | None]:
        with first_stage(out) as early:
            stages.extend([early] if early is not None else [])
            yield early

    monkeypatch.setattr(writer, "first_stage", kept)
    return stages


def _all_written_early(out: Path, early: EarlyStage) -> bool:
    """Whether every file of `out` but the manifest is the very one written early."""
    names = set(_tree(out)) - {MANIFEST}
    inodes = {name: inode for name, (inode, _) in early.written.items()}
    return set(inodes) == names and all((out / n).stat().st_ino == inodes[n] for n in names)


def test_a_first_build_writes_while_it_renders_the_site_it_would_write_at_the_end(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    late = _late(archive, monkeypatch)
    added: list[str] = []  # by this process: the workers write the issues' files
    add = EarlyStage.add

    def counted(self: EarlyStage, files: Mapping[str, Content] | Written) -> None:
        added.extend(files if not isinstance(files, Written) else ())
        add(self, files)

    monkeypatch.setattr(EarlyStage, "add", counted)
    stages = _kept_stages(monkeypatch)
    (archive.parent / "empty").mkdir()  # an empty folder is as good as none
    for name in ("missing", "empty"):
        out = archive.parent / name
        added.clear()
        stages.clear()
        result = build(archive, out)
        assert _tree(out) == late
        retired = [] if name == "missing" else [beside_output(out)[0]]  # the empty folder
        assert _beside(out) == retired and all(not any(path.iterdir()) for path in retired)
        [early] = stages
        assert _all_written_early(out, early) and len(early.written) == result.files
        assert added and not [name for name in added if _of_an_issue(name)]


def _of_an_issue(name: str) -> bool:
    """Whether `name` is one of an issue's web pages or its email."""
    return name.startswith("issues/") and name.endswith(("/index.html", "/email.eml"))


@pytest.mark.parametrize("half", [False, True])
def test_files_a_worker_cannot_write_are_written_all_the_same(
    archive: Path, monkeypatch: pytest.MonkeyPatch, half: bool
) -> None:
    late = _late(archive, monkeypatch)
    victim = "/" + min(name for name in late if name.endswith("/email.eml")).rsplit("/", 1)[0]
    parent, write_new = os.getpid(), staging.write_new

    def full(file: str, data: bytes) -> int:
        if os.getpid() != parent and victim + "/" in file:
            if half:  # a file begun: this process's own stage then stops at it
                write_new(file, data[:10])
            raise OSError(errno.ENOSPC, "No space left on device", file)
        return write_new(file, data)

    monkeypatch.setattr(staging, "write_new", full)
    stages = _kept_stages(monkeypatch)
    out = archive.parent / "out"
    build(archive, out)
    assert _tree(out) == late
    [early] = stages
    assert early.broken == half
    assert _all_written_early(out, early) != half  # sent as bytes, and written here


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


def test_a_file_changed_in_the_spare_after_a_worker_wrote_it_is_made_again(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    late = _late(archive, monkeypatch)
    changed = min(name for name in late if name.endswith("/email.html"))
    write = writer.write_output

    def tampered(out: Path, files: Mapping[str, Content], **options: object) -> object:
        file = beside_output(out)[0] / changed
        other = file.with_name("other")  # made while the file is there: another inode
        other.write_bytes(b"not what the build made")
        other.replace(file)
        return write(out, files, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(writer, "write_output", tampered)
    out = archive.parent / "out"
    build(archive, out)
    assert _tree(out) == late
