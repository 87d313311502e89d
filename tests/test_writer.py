"""The output writer, and the build-level promises: atomic on failure, deterministic."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from newsletter.errors import UsageError
from newsletter.output.manifest import Entry, Known, digest, read_manifest
from newsletter.writer import MANIFEST, WriteResult, write_output
from tests.conftest import ARTICLE, make_folder
from tests.sample import copy_sample

if TYPE_CHECKING:
    from tests.conftest import Folder, Run

RunCli = Callable[..., "Run"]
OLD = 1_000_000_000  # an mtime long ago, so a rewrite would show


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` but the writer's manifest, by POSIX path relative to it."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime (ns) of every file, and every folder (as `name/`)."""
    files = {
        name: (data, (folder / name).stat().st_mtime_ns) for name, data in tree(folder).items()
    }
    folders = {
        path.relative_to(folder).as_posix() + "/": (b"", 0)
        for path in folder.rglob("*")
        if path.is_dir()
    }
    return {**files, **folders}


def age(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, (OLD, OLD))


# --- write_output ------------------------------------------------------------------------


def test_writes_every_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    files = {"index.html": b"<p>home</p>", "issues/001/index.html": b"one", "feed.xml": b"<rss/>"}
    result = write_output(out, files)
    assert result == WriteResult(written=3, unchanged=0, removed=0)
    assert tree(out) == files
    assert not list(out.rglob("*.newsletter-tmp"))


def test_unchanged_files_are_not_touched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    files = {"a.html": b"AAAA", "sub/b.html": b"BBBB", "sub/c.html": b"CCCC"}
    write_output(out, files)
    age(out)
    changed = {**files, "sub/b.html": b"bbbb", "sub/c.html": b"C"}  # same size, other size
    result = write_output(out, changed)
    assert result == WriteResult(written=2, unchanged=1, removed=0)
    assert (out / "a.html").stat().st_mtime == OLD
    assert (out / "sub/b.html").stat().st_mtime != OLD
    assert tree(out) == changed
    age(out)
    again = write_output(out, changed)
    assert again == WriteResult(written=0, unchanged=3, removed=0)
    assert all(p.stat().st_mtime == OLD for p in out.rglob("*") if p.is_file())


@pytest.mark.parametrize("at_once", [True, False], ids=["switched", "in place"])
def test_a_file_found_held_is_trusted_only_under_the_manifest_it_was_found_in(
    tmp_path: Path, at_once: bool
) -> None:
    """A piece found unchanged in the output folder (newsletter/pieceindex.py) is not
    looked at again while that folder's manifest is the one it was found under; once
    another build has written there, its file is compared again."""
    out = tmp_path / "out"
    files = {"a.html": b"AAAA", "b.html": b"BBBB"}
    write_output(out, files, at_once=at_once)
    seal = read_manifest(out).seal
    assert seal is not None
    known = {
        name: Known(Entry(len(data), digest(data)), lambda: files, name, seal)
        for name, data in files.items()
    }
    assert write_output(out, known, at_once=at_once) == WriteResult(0, 2, 0)
    write_output(out, {**files, "a.html": b"xxxx"}, at_once=at_once)  # another build
    assert write_output(out, known, at_once=at_once) == WriteResult(1, 1, 0)
    assert tree(out) == files


def test_removes_stale_files_and_empty_folders(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_output(
        out,
        {"index.html": b"i", "old/x.html": b"x", "old/deep/y.html": b"y", "keep/z.html": b"z"},
    )
    result = write_output(out, {"index.html": b"i", "keep/z.html": b"z"})
    assert result == WriteResult(written=0, unchanged=2, removed=2)
    assert tree(out) == {"index.html": b"i", "keep/z.html": b"z"}
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "index.html", "keep"]


def test_files_the_writer_did_not_write_are_never_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "empty" / "nested").mkdir(parents=True)
    (out / "notes.txt").write_bytes(b"not from a build")
    write_output(out, {"index.html": b"i", "old.html": b"o"})
    result = write_output(out, {"index.html": b"i"})
    assert result.removed == 1
    assert tree(out) == {"index.html": b"i", "notes.txt": b"not from a build"}
    assert (out / "empty" / "nested").is_dir()


def test_a_folder_where_a_file_was_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_output(out, {"a": b"file", "b/c.html": b"c"})
    write_output(out, {"a/index.html": b"now a folder", "b": b"now a file"})
    assert tree(out) == {"a/index.html": b"now a folder", "b": b"now a file"}
    assert not list(out.rglob("*.newsletter-tmp"))


def test_without_prune_stale_files_stay(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_output(out, {"a": b"1", "b/c": b"2"})
    result = write_output(out, {"a": b"1"}, prune=False)
    assert result.removed == 0
    assert tree(out) == {"a": b"1", "b/c": b"2"}


@pytest.mark.parametrize(
    "name", ["../evil.txt", "a/../../evil.txt", "issues/../../evil.txt", "/tmp/evil.txt", ""]
)
def test_refuses_paths_leaving_the_output(tmp_path: Path, name: str) -> None:
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="leaves the output folder"):
        write_output(out, {"good.html": b"good", name: b"evil"})
    assert not (out / "good.html").exists()  # nothing is written at all
    assert not (tmp_path / "evil.txt").exists()


def test_output_folder_that_is_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_bytes(b"a file")
    with pytest.raises(UsageError, match="cannot create the output folder"):
        write_output(out, {"a.html": b"a"})
    assert out.read_bytes() == b"a file"


# --- build -------------------------------------------------------------------------------


def test_build_then_build_again_writes_nothing(folder: Folder, run_cli: RunCli) -> None:
    first = run_cli("build", "--root", str(folder.root))
    assert first.code == 0, first.output
    public = folder.path("public")
    assert (public / "index.html").is_file()
    assert (public / "issues/001/first-article/index.html").is_file()
    assert (public / "issues/001/images/photo.png").read_bytes() == folder.path(
        "content/issues/001/images/photo.png"
    ).read_bytes()
    age(public)
    before = snapshot(public)
    second = run_cli("build", "--root", str(folder.root))
    assert second.code == 0
    assert "0 written" in second.out
    assert snapshot(public) == before


def test_failed_build_leaves_the_previous_output(folder: Folder, run_cli: RunCli) -> None:
    good = run_cli("build", "--root", str(folder.root))
    assert good.code == 0, good.output
    public = folder.path("public")
    age(public)
    before = snapshot(public)
    assert len(before) > 3

    folder.write(ARTICLE, "---\nsummary: The title is gone.\n---\nNew body.\n")
    failed = run_cli("build", "--root", str(folder.root))
    assert failed.code == 1
    assert f"{ARTICLE}:2: title: required key is missing" in failed.err
    assert "Traceback" not in failed.output
    assert snapshot(public) == before


def test_failed_build_into_another_folder_creates_nothing(
    folder: Folder, run_cli: RunCli, tmp_path: Path
) -> None:
    folder.write(ARTICLE, "---\nsummary: No title.\n---\nBody\n")
    out = tmp_path / "elsewhere"
    result = run_cli("build", "--root", str(folder.root), "--out", str(out))
    assert result.code == 1
    assert not out.exists()


def test_build_of_a_missing_issue_is_a_usage_error(folder: Folder, run_cli: RunCli) -> None:
    result = run_cli("build", "7", "--root", str(folder.root))
    assert result.code == 2
    assert "no issue 7" in result.err
    assert not folder.path("public").exists()


@pytest.mark.parametrize("epoch", [None, "1700000000"], ids=["no-epoch", "epoch"])
def test_the_same_content_builds_to_identical_trees(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, epoch: str | None
) -> None:
    if epoch is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    first = copy_sample(tmp_path / "first", templates=True)
    second = copy_sample(tmp_path / "elsewhere" / "second", templates=True)
    assert run_cli("build", "--root", str(first)).code == 0
    assert run_cli("build", "--root", str(second), "--out", str(tmp_path / "out2")).code == 0
    one, two = tree(first / "public"), tree(tmp_path / "out2")
    assert len(one) > 20
    assert sorted(one) == sorted(two)
    for name in one:
        assert one[name] == two[name], name
    for data in one.values():
        assert str(tmp_path).encode() not in data  # no absolute path of the build machine


def test_minimal_folders_in_two_places_build_identically(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    roots = [make_folder(tmp_path / name).root for name in ("a", "b/c")]
    for root in roots:
        assert run_cli("build", "--root", str(root)).code == 0
    assert tree(roots[0] / "public") == tree(roots[1] / "public")


@pytest.mark.parametrize("out", [".", "content", "content/issues", "calendar/site", ".."])
def test_build_refuses_an_output_folder_that_holds_or_sits_in_the_content(
    folder: Folder, run_cli: Callable[..., Run], out: str
) -> None:
    before = tree(folder.root)
    result = run_cli("build", "--root", str(folder.root), "--out", str(folder.root / out))
    assert result.code == 2
    assert "output folder" in result.err and "Traceback" not in result.err
    assert tree(folder.root) == before
