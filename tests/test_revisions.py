"""Atom's per-entry `updated` and the revisions record (content/revisions.yaml): each
entry its own time, the issue's date at first, the build time of the build that first
saw a correction after that, and the same bytes from the same content."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest

from newsletter import revisions
from newsletter.errors import ContentErrors, Problems
from newsletter.revisions import Revision
from newsletter.site import build
from tests.conftest import ARTICLE, ISSUE, REPORT, Folder, make_folder

RECORD = "content/revisions.yaml"
SECOND_ARTICLE = f"{ISSUE}/articles/second-article.md"
SECOND = "---\ntitle: Second article — Ünïcode\nsummary: Another.\n---\nIts body.\n"
# 2019-03-01T12:00:00Z, after the issue's date (2019-01-15)
LATER = "1551441600"


@pytest.fixture
def news(tmp_path: Path) -> Folder:
    return make_folder(tmp_path / "news", {SECOND_ARTICLE: SECOND})


def atom(folder: Folder) -> Any:
    feed = feedparser.parse((folder.root / "public/atom.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def updated(folder: Folder) -> dict[str, str]:
    """Each Atom entry's `updated`, as written, by the entry's page path."""
    base = "https://news.example.org/"
    return {e.id.removeprefix(base): e.updated for e in atom(folder).entries}


def test_first_build_dates_every_entry_by_its_issue_and_writes_the_record(news: Folder) -> None:
    build(news.root)
    assert updated(news) == {
        "issues/001/first-article/": "2019-01-15T00:00:00+00:00",
        "issues/001/second-article/": "2019-01-15T00:00:00+00:00",
        "issues/001/first-report/": "2019-01-15T00:00:00+00:00",
    }
    record = news.path(RECORD).read_text("utf-8")
    assert '"issues/001/second-article/":\n  updated: 2019-01-15T00:00:00Z\n  digest: "' in record
    before = news.path(RECORD).stat().st_mtime_ns
    first = (news.root / "public/atom.xml").read_bytes()
    build(news.root)
    assert news.path(RECORD).stat().st_mtime_ns == before  # unchanged: not rewritten
    assert (news.root / "public/atom.xml").read_bytes() == first


def test_a_corrected_article_gets_the_build_time_and_the_others_keep_theirs(
    news: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(news.root)
    news.write(ARTICLE, news.path(ARTICLE).read_text().replace("Body text", "Corrected text"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", LATER)
    build(news.root)
    times = updated(news)
    assert times["issues/001/first-article/"] == "2019-03-01T12:00:00+00:00"
    assert times["issues/001/second-article/"] == "2019-01-15T00:00:00+00:00"
    assert times["issues/001/first-report/"] == "2019-01-15T00:00:00+00:00"
    feed = atom(news)
    assert feed.feed.updated == "2019-03-01T12:00:00+00:00"  # the newest entry's
    published = {e.id: e.published for e in feed.entries}
    assert set(published.values()) == {"2019-01-15T00:00:00+00:00"}  # published stays
    # A later build of the same content, whatever its time, keeps the correction's.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(LATER) + 86_400))
    build(news.root)
    assert updated(news) == times


def test_a_correction_without_a_later_issue_still_moves_forward(news: Folder) -> None:
    """Without SOURCE_DATE_EPOCH the build time is the newest issue's date, the very
    time the record holds: the correction is a second later, and the next one too."""
    build(news.root)
    for old, new, second in [("What happened", "Fixed once", 1), ("Fixed once", "Fixed twice", 2)]:
        news.write(REPORT, news.path(REPORT).read_text().replace(old, new))
        build(news.root)
        assert updated(news)["issues/001/first-report/"] == f"2019-01-15T00:00:0{second}+00:00"


def test_a_preview_build_leaves_the_record_alone(news: Folder, tmp_path: Path) -> None:
    build(news.root, out=tmp_path / "preview", preview=True)
    assert not news.path(RECORD).exists()


def test_the_record_follows_the_newsletters_time_zone(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path / "news",
        {
            "content/newsletter.yaml": (
                "title: T\npublisher: P\nbase_url: https://news.example.org/\n"
                "timezone: Asia/Bangkok\n"
            )
        },
    )
    build(folder.root)
    assert "updated: 2019-01-14T17:00:00Z" in folder.path(RECORD).read_text()
    assert set(updated(folder).values()) == {"2019-01-15T00:00:00+07:00"}


@pytest.mark.parametrize(
    "text, message",
    [
        (
            '"issues/001/first-article/":\n  updated: yesterday\n  digest: "0123456789abcdef"\n',
            "content/revisions.yaml:2: issues/001/first-article/.updated: must be a UTC time",
        ),
        (
            '"issues/001/first-article/":\n  updated: 2019-01-15T00:00:00Z\n  digest: "xyz"\n',
            "content/revisions.yaml:3: issues/001/first-article/.digest: must be 16 hexadecimal",
        ),
        ("- a list\n", "content/revisions.yaml:1: must be a mapping of page paths"),
        (
            "<<<<<<< HEAD\n=======\n>>>>>>> other\n",
            "content/revisions.yaml:1: an unresolved merge conflict",
        ),
    ],
)
def test_a_broken_record_is_reported_by_check_and_stops_build(
    news: Folder, text: str, message: str
) -> None:
    news.write(RECORD, text)
    problems = [str(p) for p in news.check().errors]
    assert any(p.startswith(message) for p in problems), problems
    with pytest.raises(ContentErrors):
        build(news.root)
    assert news.path(RECORD).read_text() == text  # nothing lost


WRITTEN = {
    f"issues/{n:03d}/item-{n}/": Revision(
        datetime(2000 + n % 30, 1 + n % 12, 1, n % 24, tzinfo=UTC), f"{n * 11:016x}"
    )
    for n in range(300)
}


def _read_with_yaml(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, list[str]]:
    with monkeypatch.context() as patched:
        patched.setattr(revisions, "_as_written", lambda text: None)
        problems = Problems()
        return revisions.read_revisions(root, problems), [str(p) for p in problems.items]


def test_a_record_as_build_writes_it_is_read_without_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert revisions.save_revisions(tmp_path, {}, WRITTEN)
    text = (tmp_path / RECORD).read_text("utf-8")
    assert revisions._as_written(text) == WRITTEN  # the quick path is the one taken
    problems = Problems()
    assert revisions.read_revisions(tmp_path, problems) == WRITTEN
    assert problems.items == []
    assert _read_with_yaml(tmp_path, monkeypatch) == (WRITTEN, [])


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t + '"issues/001/item-1/":\n  updated: 2020-01-01T00:00:00Z\n'
        '  digest: "0000000000000000"\n',  # a path twice
        lambda t: t.replace('"issues/001/item-1/":', "issues/001/item-1/:"),  # quoted another way
        lambda t: t.replace('"issues/001/item-1/":', '"issues/001/item-1/":  # a comment'),
        lambda t: t.replace("2001-02-01T01:00:00Z", "2001-02-30T01:00:00Z"),
        lambda t: t.replace('"000000000000000b"', '"000000000000000B"'),
        lambda t: t.replace('"000000000000000b"', '"00b"'),
        lambda t: t + "# a comment at the end\n",
        lambda t: t.split("\n", 1)[1],  # the header cut
    ],
)  # fmt: skip
def test_a_record_edited_by_hand_is_read_by_yaml_and_its_problems_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: Callable[[str], str]
) -> None:
    assert revisions.save_revisions(tmp_path, {}, WRITTEN)
    file = tmp_path / RECORD
    file.write_bytes(edit(file.read_text("utf-8")).encode("utf-8"))
    assert revisions._as_written(file.read_text("utf-8")) is None
    problems = Problems()
    found = revisions.read_revisions(tmp_path, problems)
    assert (found, [str(p) for p in problems.items]) == _read_with_yaml(tmp_path, monkeypatch)
