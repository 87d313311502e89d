"""RSS and Atom feeds of the sample, read back with feedparser."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest

from newsletter.fingerprint import program
from newsletter.model import Article, Issue, Report
from newsletter.render.feeds import FeedEntry, render_feeds, render_feeds_kept
from newsletter.render.issues import Job, Task, render_issues
from newsletter.render.markdown import BodyHtml
from newsletter.site import build, load
from tests.conftest import generate_archive
from tests.sample import copy_sample

BASE = "https://newsletter.example.org/"


def parse(path: Path) -> Any:
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_sample(tmp_path_factory.mktemp("feeds"))
    build(root)
    return root / "public"


@pytest.mark.parametrize("name, version", [("feed.xml", "rss20"), ("atom.xml", "atom10")])
def test_feed_parses_with_every_item(site: Path, name: str, version: str) -> None:
    feed = parse(site / name)
    assert feed.version == version
    assert feed.feed.title == "ROCB E-Newsletter"
    assert feed.feed.link == BASE
    assert feed.feed.get("language") == "en"
    assert len(feed.entries) == 4 + 12 + 2 + 2  # issue 62 first, then 61
    first, last = feed.entries[0], feed.entries[-1]
    assert first.link == BASE + "issues/062/environmental-crime/"
    assert first.id == first.link
    assert first.author == "Sopagna SENG"
    assert [t.term for t in first.tags] == ["Special Topics"]
    assert first.published_parsed[:3] == (2018, 10, 14)  # midnight in Bangkok, in UTC
    assert first.summary.startswith("Lessons from the WCO Green Customs workshop")
    assert "<p>" in first.content[0].value and len(first.content[0].value) > 5000
    assert last.link == BASE + "issues/061/wco-it-conference/"
    assert [t.term for t in last.tags] == ["Workshops and Meetings"]


def test_rss_channel_has_self_link_and_build_date_from_newest_issue(site: Path) -> None:
    text = (site / "feed.xml").read_text()
    assert f'<atom:link href="{BASE}feed.xml" rel="self"' in text
    assert "<lastBuildDate>Mon, 15 Oct 2018 00:00:00 +0700</lastBuildDate>" in text
    atom = (site / "atom.xml").read_text()
    assert f'<link href="{BASE}atom.xml" rel="self"' in atom
    assert "<updated>2018-10-15T00:00:00+07:00</updated>" in atom


def test_every_item_link_is_a_built_page(site: Path) -> None:
    for entry in parse(site / "feed.xml").entries:
        path = entry.link.removeprefix(BASE)
        assert (site / path / "index.html").is_file(), entry.link


def test_content_urls_are_absolute_and_safe(site: Path) -> None:
    for name in ("feed.xml", "atom.xml"):
        for entry in parse(site / name).entries:
            html = entry.content[0].value
            for url in re.findall(r'(?:src|href)="([^"]*)"', html):
                assert url.startswith(("https://", "http://", "mailto:", "#")), (entry.link, url)
            assert "<script" not in html and "javascript:" not in html
            assert not re.search(r"\son\w+=", html)
    korea = next(e for e in parse(site / "feed.xml").entries if "korea-regional" in e.link)
    assert f'src="{BASE}issues/062/images/customs-laboratory.png"' in korea.content[0].value


def test_titles_are_escaped_once(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    article = root / "content/issues/062/articles/thai-customs-talent-management.md"
    text = article.read_text()
    text = re.sub(
        r"(?m)^title: .*$", 'title: "Customs & Business <Together> – ünïcode"', text, count=1
    )
    article.write_text(
        text + "\n<script>alert(1)</script><a href='javascript:x()' onclick='y()'>z</a>\n"
    )
    build(root)
    for name in ("feed.xml", "atom.xml"):
        feed = parse(root / "public" / name)
        titles = [e.title for e in feed.entries]
        assert "Customs & Business <Together> – ünïcode" in titles
        raw = (root / "public" / name).read_text()
        assert "&amp;amp;" not in raw and "alert(1)" not in raw and "javascript:" not in raw
        assert "onclick" not in raw


def test_ids_survive_a_rebuild_and_a_new_issue(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    build(root)
    before = {e.id: e.title for e in parse(root / "public/feed.xml").entries}
    shutil.copytree(root / "content/issues/062", root / "content/issues/063")
    issue = root / "content/issues/063/issue.yaml"
    issue.write_text(
        issue.read_text().replace("number: 62", "number: 63").replace("2018-10-15", "2019-01-15")
    )
    (root / "content/issues/063/schedule.yaml").unlink()
    for report in (root / "content/issues/063/reports").iterdir():
        report.unlink()
    build(root)
    after = parse(root / "public/feed.xml").entries
    ids = {e.id: e.title for e in after}
    assert before.items() <= ids.items()
    assert after[0].link == BASE + "issues/063/environmental-crime/"


def test_feed_limit(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    settings = root / "content/newsletter.yaml"
    settings.write_text(settings.read_text() + "feed:\n  limit: 3\n")
    build(root)
    assert len(parse(root / "public/feed.xml").entries) == 3
    assert len(parse(root / "public/atom.xml").entries) == 3


@pytest.mark.parametrize("limit", [None, 1, 7])
def test_feeds_made_from_kept_items_are_the_whole_feeds(tmp_path: Path, limit: int | None) -> None:
    """The incremental build renders only new items and puts the kept ones back in
    their places: whichever items are kept, the bytes are those of the whole render."""
    root = copy_sample(tmp_path)
    if limit is not None:
        settings = root / "content/newsletter.yaml"
        settings.write_text(settings.read_text() + f"feed:\n  limit: {limit}\n")
    article = (
        root
        / "content/issues/061/articles"
        / sorted(p.name for p in (root / "content/issues/061/articles").iterdir())[0]
    )
    text = re.sub(
        r"(?m)^title: .*$", 'title: "<item> & ünïcode\u2028"', article.read_text(), count=1
    )
    article.write_text(text + "\n    <item>\n\n  </channel>\n")
    newsletter, _ = load(root)
    updated = {"issues/062/environmental-crime/": datetime(2019, 1, 2, 3, 4, 5, tzinfo=UTC)}
    whole = render_feeds(newsletter, BodyHtml(), updated)

    def key(issue: Issue, item: Article | Report) -> str:
        return item.path

    _, entries = render_feeds_kept(newsletter, BodyHtml(), updated, {}, key)
    every = list(entries)
    assert len(every) == (limit or 20)
    for chosen in ([], every, every[::2], every[1::3], every[-1:]):
        kept = {name: entries[name] for name in chosen}
        files, again = render_feeds_kept(newsletter, BodyHtml(), updated, kept, key)
        assert files == whole
        assert again == entries
    marked = {every[0]: FeedEntry(b"<!-- kept rss -->\n", b"<!-- kept atom -->\n")}
    files, _ = render_feeds_kept(newsletter, BodyHtml(), updated, marked, key)
    assert b"<!-- kept rss -->" in files["feed.xml"] and b"<!-- kept atom -->" in files["atom.xml"]


@pytest.mark.parametrize("limit", [None, 23])
def test_entries_made_with_each_issues_pages_are_those_of_the_whole_feeds(
    tmp_path: Path, limit: int | None
) -> None:
    """The render workers make each issue's feed entries with its pages; put back under
    the head, they are the feeds rendered in one go, whichever issue the limit cuts."""
    root = tmp_path / "archive"
    generate_archive(root, 16)  # enough issues for the workers
    if limit is not None:
        settings = root / "content/newsletter.yaml"
        settings.write_text(settings.read_text() + f"feed:\n  limit: {limit}\n")
    newsletter, _ = load(root)
    newest = max(newsletter.issues, key=lambda issue: issue.number)
    updated = {newest.articles[0].path: datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)}
    tasks = [Task(issue.number, True, False) for issue in newsletter.issues]
    job = Job(newsletter, root, BodyHtml(), program(), updated)
    outputs, _ = render_issues(job, tasks, lambda: None)
    made = {path: entry for output in outputs for path, entry in output.feed.items()}
    assert len(made) == (limit or sum(len(i.articles) + len(i.reports) for i in newsletter.issues))

    def key(issue: Issue, item: Article | Report) -> str:
        return item.path

    files, _ = render_feeds_kept(newsletter, BodyHtml(), updated, made, key)
    assert files == render_feeds(newsletter, BodyHtml(), updated)
