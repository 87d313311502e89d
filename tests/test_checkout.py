"""The guard that fails a test writing into the checkout (tests/checkout.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.checkout import CheckoutGuard, changes, snapshot

OLD = 1_000_000_000  # an mtime long ago, so that any write shows


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A small stand-in for the checkout, every mtime set long ago."""
    root = tmp_path / "checkout"
    files = {
        "README.md": "read me",
        "content/newsletter.yaml": "title: T\n",
        "content/issues/001/issue.yaml": "number: 1\n",
        "calendar/published.yaml": "{}\n",
        "tests/golden/index.html": "<p>golden</p>",
        "tests/test_x.py": "",
        "newsletter/cli.py": "",
        ".pytest_cache/v/cache": "{}",
        "node_modules/x/index.js": "",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    for path in sorted(root.rglob("*"), reverse=True):
        os.utime(path, (OLD, OLD))
    return root


def test_nothing_changed(checkout: Path) -> None:
    before = snapshot(checkout)
    assert "content/issues/001/issue.yaml" in before
    assert "tests/golden/index.html" in before
    assert changes(before, snapshot(checkout)) == []


def test_added_changed_and_removed_files_are_listed(checkout: Path) -> None:
    before = snapshot(checkout)
    (checkout / "content/issues/001/extra.md").write_text("new")
    (checkout / "calendar/published.yaml").write_text("{}\n")  # same size, new mtime
    (checkout / "tests/golden/index.html").unlink()
    assert changes(before, snapshot(checkout)) == [
        "~ calendar/published.yaml",
        "~ content/issues/001/",
        "+ content/issues/001/extra.md",
        "~ tests/golden/",
        "- tests/golden/index.html",
    ]


def test_a_new_folder_at_the_root_is_listed(checkout: Path) -> None:
    before = snapshot(checkout)
    (checkout / ".newsletter-cache").mkdir()
    (checkout / ".newsletter-cache/email-budget").write_text("x")
    (checkout / "stray.txt").write_text("x")
    assert changes(before, snapshot(checkout)) == [
        "+ .newsletter-cache/",
        "+ .newsletter-cache/email-budget",
        "+ stray.txt",
    ]


def test_a_file_written_and_removed_again_still_shows(checkout: Path) -> None:
    before = snapshot(checkout)
    (checkout / "content/issues/001/.send.sqlite").write_text("journal")
    (checkout / "content/issues/001/.send.sqlite").unlink()
    assert changes(before, snapshot(checkout)) == ["~ content/issues/001/"]


def test_tool_caches_and_unwatched_folders_are_left_out(checkout: Path) -> None:
    before = snapshot(checkout)
    (checkout / ".pytest_cache/v/cache").write_text("{changed}")
    (checkout / ".mypy_cache").mkdir()
    (checkout / "node_modules/y.js").write_text("")
    (checkout / "newsletter/cli.py").write_text("changed")  # not a place tests write
    assert changes(before, snapshot(checkout)) == []


def test_the_guard_fails_once_and_blames_no_later_test(checkout: Path) -> None:
    guard = CheckoutGuard(checkout)
    guard.check("the first test")
    (checkout / "content/newsletter.yaml").write_text("title: Changed\n")
    with pytest.raises(pytest.fail.Exception) as failed:
        guard.check("the second test")
    message = str(failed.value)
    assert "the second test changed the checkout" in message
    assert "~ content/newsletter.yaml" in message
    guard.check("the third test")  # the change was reported: the next test is not blamed


def test_every_test_is_guarded(request: pytest.FixtureRequest) -> None:
    assert "_checkout_unchanged" in request.fixturenames
