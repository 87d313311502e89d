"""The incremental build gives the bytes of a cold build, whatever was edited.

A generated archive (bench/build.py's generator: the sample's two issues copied with
new numbers, dates and event ids) is built once; then each kind of edit is made, the
archive is built again with the previous build's cache, and its whole output tree is
compared byte for byte with a cold build of the same folder (no cache, fresh output).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newsletter.errors import Problem, TemplateError
from newsletter.fingerprint import program
from newsletter.layout import CACHE_FOLDER
from newsletter.readcache import StoredReading
from newsletter.reading import read_newsletter
from newsletter.site import build, check
from newsletter.store import Store
from tests.conftest import REPO, generate_archive, tiny_png

ISSUES = 16  # over the worker pool's threshold: the pool renders the pieces
Edit = Callable[[Path], None]


def _age(root: Path) -> None:
    """Date every source file an hour back: the read cache trusts only files whose
    modification is not recent, and the test wants it used."""
    past = time.time() - 3600
    for folder, _, names in os.walk(root):
        for name in [*names, "."]:
            os.utime(os.path.join(folder, name), (past, past))


def _issue(root: Path, number: int) -> Path:
    return root / "content" / "issues" / f"{number:03d}"


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _cold(root: Path, out: Path) -> dict[str, bytes]:
    """The output tree of a build without the cache (which is kept for the next edit)."""
    cache = root / CACHE_FOLDER
    aside = root.parent / "cache-aside"
    cache.rename(aside)
    try:
        build(root, out)
        return _tree(out)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        aside.rename(cache)


def _compare(incremental: dict[str, bytes], cold: dict[str, bytes]) -> None:
    assert sorted(incremental) == sorted(cold)
    different = [name for name in cold if incremental[name] != cold[name]]
    assert different == []


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("incremental") / "archive"
    generate_archive(root, ISSUES)
    # One event announced in issue 4 and again, later, in issue 10 (not its neighbour).
    first_id = re.compile(r"^(  - id: )(\S+)$", re.M)
    four = (_issue(root, 4) / "schedule.yaml").read_text("utf-8")
    shared = first_id.search(four)
    assert shared is not None
    ten = _issue(root, 10) / "schedule.yaml"
    ten.write_text(first_id.sub(rf"\g<1>{shared[2]}", ten.read_text("utf-8"), count=1), "utf-8")
    _age(root)
    build(root, root.parent / "out")
    yield root


def _article(root: Path, number: int) -> Path:
    return sorted((_issue(root, number) / "articles").glob("*.md"))[0]


def _replace(file: Path, old: str, new: str) -> None:
    text = file.read_text("utf-8")
    assert old in text, f"{old!r} not in {file}"
    file.write_text(text.replace(old, new, 1), "utf-8")


def _edit_line(file: Path, pattern: str, change: Callable[[str], str]) -> None:
    """Replace the first line matching `pattern` with `change(line)`."""
    text = file.read_text("utf-8")
    line = re.search(pattern, text, re.M)
    assert line is not None, f"{pattern!r} not in {file}"
    file.write_text(text.replace(line[0], change(line[0]), 1), "utf-8")


def edit_article_body(root: Path) -> None:
    article = _article(root, 5)
    article.write_text(article.read_text("utf-8") + "\nOne more paragraph, *edited*.\n", "utf-8")


def edit_article_title(root: Path) -> None:
    _replace(_article(root, 16), 'title: "', 'title: "Edited: ')


def edit_issue_title(root: Path) -> None:
    """The events page names the issue that announced each event: it changes too."""
    _edit_line(_issue(root, 4) / "issue.yaml", r"^title: .*$", lambda line: line + " (corrected)")


def edit_settings_title(root: Path) -> None:
    _replace(root / "content" / "newsletter.yaml", "title: ROCB", "title: The ROCB")


def add_timed_standing_event(root: Path) -> None:
    """A standing event at a time of day, in the newsletter's time zone (no `timezone:`)."""
    calendar = root / "calendar" / "calendar.yaml"
    row = (
        "  - id: standing-timed-meeting-2019\n"
        "    title: A standing meeting at nine\n"
        "    start: 2019-05-02T09:00\n"
        "    end: 2019-05-02T12:00\n"
        "    venue: Bangkok, Thailand\n"
    )
    calendar.write_text(calendar.read_text("utf-8").rstrip("\n") + "\n" + row, "utf-8")


def change_settings_timezone(root: Path) -> None:
    """calendar.yaml is unchanged, but its timed event is read in another time zone."""
    _replace(root / "content" / "newsletter.yaml", "timezone: Asia/Bangkok", "timezone: Asia/Tokyo")


def add_template_override(root: Path) -> None:
    page = root / "templates" / "web" / "issue.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    packaged = (REPO / "templates" / "web" / "issue.html").read_text("utf-8")
    page.write_text(packaged + "<!-- overridden -->\n", "utf-8")


def edit_schedule_row(root: Path) -> None:
    schedule = _issue(root, 7) / "schedule.yaml"
    _replace(schedule, "venue: ", "venue: Online and ")


_DATES = r"^    dates: .*$"


def move_shared_event(root: Path) -> None:
    _edit_line(_issue(root, 10) / "schedule.yaml", _DATES, lambda _: "    dates: 3-4 Dec. 2018")


def cancel_shared_event(root: Path) -> None:
    """Issue 4's email and page lose the event's "Add to calendar": a later issue's edit."""
    _edit_line(
        _issue(root, 10) / "schedule.yaml", _DATES, lambda line: line + "\n    status: cancelled"
    )


def add_country_calendar(root: Path) -> None:
    """A new calendar by country, which every page's subscribe block lists."""
    schedule = _issue(root, 7) / "schedule.yaml"
    _edit_line(schedule, r"^    venue: .*$", lambda line: line + "\n    country: Tonga")


def list_event_again(root: Path) -> None:
    """Issue 13 lists, unchanged, an event issue 6 announced: its own events.ics holds it."""
    six = (_issue(root, 6) / "schedule.yaml").read_text("utf-8")
    row = re.search(r"^  - id: .*\n(?:    .*\n)+", six, re.M)
    assert row is not None
    schedule = _issue(root, 13) / "schedule.yaml"
    text = schedule.read_text("utf-8")
    schedule.write_text(text.rstrip("\n") + "\n" + row[0], "utf-8")


def edit_report_title(root: Path) -> None:
    """The events page names each event's report: the merged events change too."""
    report = sorted((_issue(root, 8) / "reports").glob("*.md"))[0]
    _edit_line(report, r"^title: .*$", lambda _: 'title: "A report title, corrected"')


def delete_issue(root: Path) -> None:
    shutil.rmtree(_issue(root, 12))


def replace_image(root: Path) -> None:
    images = sorted((_issue(root, 3) / "images").iterdir())
    images[0].write_bytes(tiny_png())


def change_nothing(root: Path) -> None:
    pass


EDITS = [
    change_nothing,
    edit_article_body,
    edit_article_title,
    edit_issue_title,
    edit_schedule_row,
    move_shared_event,
    cancel_shared_event,
    add_country_calendar,
    list_event_again,
    replace_image,
    edit_report_title,
    delete_issue,
    edit_settings_title,
    add_timed_standing_event,
    change_settings_timezone,
    add_template_override,
]


@pytest.mark.parametrize("edit", EDITS, ids=[edit.__name__ for edit in EDITS])
def test_an_incremental_build_is_a_cold_build(archive: Path, edit: Edit) -> None:
    """Each edit in turn (they accumulate, in order), then both builds compared."""
    edit(archive)
    out = archive.parent / "out"
    build(archive, out)
    _compare(_tree(out), _cold(archive, archive.parent / f"cold-{edit.__name__}"))


@pytest.fixture(scope="module")
def previewed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Store]]:
    """An archive previewed as `serve` does, with one store (every piece kept in memory
    too) for all its builds."""
    root = tmp_path_factory.mktemp("previewed") / "archive"
    generate_archive(root, ISSUES)
    _age(root)
    store = Store(root, remember=True)
    build(root, root.parent / "preview", preview=True, store=store)
    yield root, store


@pytest.mark.parametrize("edit", EDITS, ids=[edit.__name__ for edit in EDITS])
def test_a_preview_after_an_edit_is_a_cold_preview(
    previewed: tuple[Path, Store], edit: Edit
) -> None:
    """What `serve` keeps in memory from build to build (the merged events, the
    calendars' subscriptions) is never what an edit changed."""
    root, store = previewed
    edit(root)
    out = root.parent / "preview"
    build(root, out, preview=True, store=store)
    cache = root / CACHE_FOLDER
    aside = root.parent / "cache-aside"
    cache.rename(aside)
    try:
        cold = root.parent / f"cold-{edit.__name__}"
        build(root, cold, preview=True)
        _compare(_tree(out), _tree(cold))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        aside.rename(cache)


def _pieces(root: Path) -> dict[str, str]:
    """Each indexed piece's key (newsletter/pieceindex.py), as `kind/name`."""
    index = Store(root).get("index", "files", program())
    assert isinstance(index, dict)
    return {f"{kind}/{name}": held[0] for (kind, name), held in index.items()}


def test_an_edit_renders_only_what_it_changes(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    generate_archive(root, ISSUES)
    _age(root)
    for _ in range(2):  # the second build reads the calendar's record the first wrote
        build(root, tmp_path / "out")
    pieces, stored = _pieces(root), root / CACHE_FOLDER
    before = {p: p.stat().st_mtime_ns for p in stored.rglob("*") if p.is_file()}
    edit_article_body(root)
    build(root, tmp_path / "out")
    after = _pieces(root)
    assert sorted(after) == sorted(pieces)
    rendered = {piece for piece, key in after.items() if pieces[piece] != key}
    rewritten = {
        p.relative_to(stored).as_posix()
        for p, stamp in before.items()
        if not p.exists() or p.stat().st_mtime_ns != stamp
    }
    # The edited issue's pages and email; its neighbours' pages (they link to it by
    # title); the index and the feeds (every issue's). Not the events page nor the
    # calendar, which show no article; not the other issues, nor their readings (the
    # edited issue's own file is too recent to trust its stat).
    issues = {"web/005", "email/005", "web/004", "web/006"}
    assert rendered == issues | {"archive/site", "archive/feeds"}
    assert not {"read/004", "read/006", "read/010"} & rewritten
    assert "email-budget" in rewritten  # `check` learns the edited email's budget


def test_a_damaged_cache_is_a_cold_build(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    generate_archive(root, ISSUES)
    _age(root)
    build(root, tmp_path / "out")
    files = sorted(p for p in (root / CACHE_FOLDER).rglob("*") if p.is_file())
    assert len(files) > ISSUES
    for index, file in enumerate(files):
        data = file.read_bytes()
        if index % 3 == 0:
            file.write_bytes(data[: len(data) // 2])  # truncated
        elif index % 3 == 1:
            middle = len(data) // 2
            file.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
        else:
            file.write_bytes(b"")
    edit_article_body(root)
    out = tmp_path / "out"
    build(root, out)
    _compare(_tree(out), _cold(root, tmp_path / "cold"))


def test_pieces_whose_files_the_output_lost_are_rendered_again(tmp_path: Path) -> None:
    """The index of pieces records each file's digest, not its bytes, which the output
    folder holds: a file removed from it since, or edited there by hand, is made again,
    never trusted. A build into another folder finds the files in public/."""
    root = tmp_path / "archive"
    generate_archive(root, ISSUES)
    _age(root)
    out = tmp_path / "out"
    build(root, out)
    for name in ("issues/003/email.eml", "issues/011/index.html", "feed.xml", "calendar.ics"):
        (out / name).unlink()
    page = out / "issues" / "007" / "index.html"
    page.write_bytes(page.read_bytes().replace(b"<body", b"<body data-edited", 1))
    build(root, out)
    fresh = tmp_path / "fresh"  # no output anywhere: every piece is rendered again
    build(root, fresh)
    build(root)  # into public/, which the next builds find their pieces in
    page = root / "public" / "issues" / "009" / "index.html"
    page.write_bytes(page.read_bytes().replace(b"<body", b"<body data-edited", 1))
    preview = tmp_path / "preview"  # as `serve` builds
    build(root, preview, preview=True, store=Store(root, remember=True))
    cold = _cold(root, tmp_path / "cold")
    _compare(_tree(out), cold)
    _compare(_tree(fresh), cold)
    _compare(_tree(preview), cold)


def test_a_broken_template_in_a_large_archive_is_reported_by_the_render(tmp_path: Path) -> None:
    """Templates are compiled while workers read the issues; one that does not compile
    is left for the render, which names its file and line, as for a small archive."""
    root = tmp_path / "archive"
    generate_archive(root, ISSUES)
    page = root / "templates" / "web" / "issue.html"
    page.parent.mkdir(parents=True)
    page.write_text("{% extends 'web/base.html' %}\n{% block main %}{% if %}{% endblock %}\n")
    with pytest.raises(TemplateError) as raised:
        build(root, tmp_path / "out")
    assert raised.value.template.endswith("web/issue.html") and raised.value.line == 2


# --- `check` reads through the same cache --------------------------------------------


def break_settings_language(root: Path) -> None:
    """A settings problem: found, and found again from the cache."""
    settings = root / "content" / "newsletter.yaml"
    settings.write_text(settings.read_text("utf-8") + "language: not a language\n", "utf-8")


def duplicate_standing_event(root: Path) -> None:
    """calendar.yaml's own problem (an id listed twice), which a cached calendar keeps."""
    calendar = root / "calendar" / "calendar.yaml"
    text = calendar.read_text("utf-8")
    row = re.search(r"^  - id: .*\n(?:    .*\n)+", text, re.M)
    assert row is not None
    calendar.write_text(text.rstrip("\n") + "\n" + row[0], "utf-8")


def link_settings_outside(root: Path) -> None:
    """The same bytes, now through a link that leads out of the folder: an error."""
    settings = root / "content" / "newsletter.yaml"
    outside = root.parent / "newsletter-outside.yaml"
    outside.write_bytes(settings.read_bytes())
    settings.unlink()
    settings.symlink_to(outside)


CHECK_EDITS = [
    *EDITS,
    break_settings_language,
    duplicate_standing_event,
    link_settings_outside,
]


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("checked") / "archive"
    generate_archive(root, ISSUES)
    _age(root)
    check(root)
    yield root


def _cold_check(root: Path) -> list[Problem]:
    cache = root / CACHE_FOLDER
    aside = root.parent / "cache-aside"
    cache.rename(aside)
    try:
        return check(root).items
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        aside.rename(cache)


@pytest.mark.parametrize("edit", CHECK_EDITS, ids=[edit.__name__ for edit in CHECK_EDITS])
def test_a_check_after_an_edit_is_a_cold_check(checked: Path, edit: Edit) -> None:
    """Each edit in turn (they accumulate): `check` just after it (the edited files too
    new to be kept), after the files have aged (all read again, and kept), and once
    more (all from the cache) finds what a check without the cache finds."""
    edit(checked)
    just_edited = check(checked).items
    _age(checked)
    aged = check(checked).items
    cached = check(checked).items
    cold = _cold_check(checked)
    assert cold  # the generated archive always has warnings: the comparison compares
    model, _ = read_newsletter(checked, StoredReading(Store(checked), program()))
    assert model == read_newsletter(checked)[0]
    assert just_edited == cold
    assert aged == cold
    assert cached == cold


def test_a_check_that_finds_nothing_changed_reads_no_file(tmp_path: Path) -> None:
    """Neither PyYAML nor the reading modules load: every reading is in the cache."""
    root = tmp_path / "archive"
    generate_archive(root, 2)
    _age(root)
    script = (
        "import sys; from pathlib import Path; from newsletter.site import check; "
        f"problems = check(Path({str(root)!r})); "
        "print(len(problems.items), *(m in sys.modules for m in "
        "('yaml', 'newsletter.reading.issue', 'newsletter.reading.settings')))"
    )
    run = [sys.executable, "-c", script]
    first = subprocess.run(run, capture_output=True, text=True, check=True, timeout=120)
    again = subprocess.run(run, capture_output=True, text=True, check=True, timeout=120)
    count = first.stdout.split()[0]
    assert first.stdout.split() == [count, "True", "True", "True"]
    assert again.stdout.split() == [count, "False", "False", "False"]
