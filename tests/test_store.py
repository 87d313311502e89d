"""The piece store and the keys of the incremental build."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from newsletter.fingerprint import digest, program, real_path, stat_tree, templates
from newsletter.layout import CACHE_FOLDER
from newsletter.model import Body, Source
from newsletter.store import Store


def test_a_piece_comes_back_only_under_its_key(tmp_path: Path) -> None:
    store = Store(tmp_path)
    piece = {"a/index.html": "é".encode(), "b": b"\x00" * 10}
    store.put("web", "001", "key-1", piece)
    assert Store(tmp_path).get("web", "001", "key-1") == piece
    assert Store(tmp_path).get("web", "001", "key-2") is None
    assert Store(tmp_path).get("web", "002", "key-1") is None
    assert Store(tmp_path).get("email", "001", "key-1") is None


def test_model_objects_come_back_equal(tmp_path: Path) -> None:
    body = Body("# Title\n\nText ✓", ())
    source = Source("content/issues/001/foreword.md", 3)
    Store(tmp_path).put("read", "001", "k", (body, source, [body]))
    back = Store(tmp_path).get("read", "001", "k")
    assert back == (body, source, [body])
    assert isinstance(back, tuple) and hash(back[0]) == hash(body)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: data[:-1],
        lambda data: data[:-5] + bytes([data[-5] ^ 1]) + data[-4:],
        lambda data: b"",
        lambda data: b"newsletter piece 2\nkey\n",
        lambda data: data.replace(b"piece 2", b"piece 9"),
    ],
    ids=["half", "last-byte-gone", "one-bit", "empty", "no-payload", "other-format"],
)
def test_a_damaged_piece_reads_as_absent(tmp_path: Path, damage: Callable[[bytes], bytes]) -> None:
    store = Store(tmp_path)
    store.put("web", "001", "key", {"page": b"<p>" * 1000})
    file = tmp_path / CACHE_FOLDER / "web" / "001"
    file.write_bytes(damage(file.read_bytes()))
    assert Store(tmp_path).get("web", "001", "key") is None


def test_an_unwritable_cache_only_costs_speed(tmp_path: Path) -> None:
    (tmp_path / CACHE_FOLDER).write_text("a file where the folder goes")
    store = Store(tmp_path)
    store.put("web", "001", "key", {"page": b"x"})
    assert store.get("web", "001", "key") is None


def test_a_remembering_store_reads_each_piece_once(tmp_path: Path) -> None:
    Store(tmp_path).put("web", "001", "key", {"page": b"x"})
    store = Store(tmp_path, remember=True)
    assert store.get("web", "001", "key") == {"page": b"x"}
    (tmp_path / CACHE_FOLDER / "web" / "001").unlink()
    assert store.get("web", "001", "key") == {"page": b"x"}
    assert store.get("web", "001", "other") is None
    store.keep_only("web", set())
    assert store.get("web", "001", "key") is None


def test_keep_only_removes_the_pieces_of_gone_issues(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for name in ("001", "002", "003"):
        store.put("email", name, "k", b"x")
    store.keep_only("email", {"002"})
    assert sorted(p.name for p in (tmp_path / CACHE_FOLDER / "email").iterdir()) == ["002"]


def test_the_program_key_follows_installed_libraries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    before = program()
    assert program() == before
    (tmp_path / "jinja2-99.0.dist-info").mkdir()
    after = program()
    assert after != before
    monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    assert program() != after


def test_the_templates_key_follows_every_template_file(tmp_path: Path) -> None:
    before = templates(tmp_path)
    page = tmp_path / "templates" / "web" / "issue.html"
    page.parent.mkdir(parents=True)
    page.write_text("{% extends 'web/base.html' %}")
    overridden = templates(tmp_path)
    assert overridden != before
    page.write_text("{% extends 'web/base.html' %}\n")
    assert templates(tmp_path) not in {before, overridden}


def test_digest_spells_out_every_field() -> None:
    assert digest(Body("a")) != digest(Body("b"))
    assert digest(Source("x", 1)) != digest(Source("x", 2))
    assert digest(Source("x", 1)) == digest(Source("x", 1))


def test_a_link_in_a_loop_is_listed_not_entered(tmp_path: Path) -> None:
    folder = tmp_path / "content" / "issues" / "001"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "a.png").write_bytes(b"png")
    (folder / "images" / "loop").symlink_to("..", target_is_directory=True)
    (folder / "images" / "self").symlink_to("self")  # a link to itself
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "b.png").write_bytes(b"png")
    (folder / "images" / "more").symlink_to(outside, target_is_directory=True)
    names = [Path(stat[0]).relative_to(folder).as_posix() for stat in stat_tree(str(folder))]
    assert names == [
        "images",
        "images/a.png",
        "images/loop",
        "images/more",
        "images/more/b.png",
        "images/self",
    ]
    before = list(stat_tree(str(folder)))
    (outside / "b.png").write_bytes(b"another png")  # behind a link: still seen
    assert list(stat_tree(str(folder))) != before


def test_an_issue_folder_s_real_path_is_found_through_links(tmp_path: Path) -> None:
    """The read cache looks up the issues folder's real path once for all its issues:
    the same as `os.path.realpath` of each, whether the issue or its parent is a link."""
    real_issues = tmp_path / "real" / "issues"
    (real_issues / "001").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere" / "002"
    elsewhere.mkdir(parents=True)
    (real_issues / "002").symlink_to(elsewhere, target_is_directory=True)
    content = tmp_path / "content"
    content.mkdir()
    (content / "issues").symlink_to(real_issues, target_is_directory=True)
    parents: dict[str, str] = {}
    for name in ("001", "002", "003"):  # 003: not there (yet)
        folder = str(content / "issues" / name)
        assert real_path(folder, parents) == os.path.realpath(folder)
    assert len(parents) == 1
