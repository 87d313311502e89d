"""`newsletter init`: a newsletter from nothing that `check` passes and `build` builds,
the questions it asks on a terminal, and the folders it refuses."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from newsletter.errors import Problems, UsageError
from newsletter.reading.settings import read_calendar, read_settings
from newsletter.scaffold.init import init_newsletter
from newsletter.site import build, check
from tests.conftest import Run

ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
OPTIONS = ("--title", "Field Notes", "--publisher", "Example Office", "--base-url")
FILES = [
    ".gitignore",
    "calendar/calendar.yaml",
    "content/issues/001/foreword.md",
    "content/issues/001/issue.yaml",
    "content/newsletter.yaml",
]


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `root` with its bytes and modification time."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def newsletter(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsletter", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )


# What a fresh folder still asks of its editor: both are warnings, so `check` passes.
TO_DO = ("issue 1 has no articles, no reports and an empty foreword", "email.from is not set")


def to_do(problems: Problems) -> list[str]:
    """The warnings of a fresh folder, each cut to its first clause; errors fail the test."""
    assert problems.errors == []
    return [p.message.split(":")[0] for p in problems.items]


def test_a_fresh_folder_passes_check_and_builds(tmp_path: Path) -> None:
    root = tmp_path / "field-notes"  # made by init
    made = init_newsletter(
        root, "Field Notes", "Example Office", "https://notes.example.net", date(2026, 3, 2)
    )
    assert files(root) == FILES
    assert sorted(made.written) == sorted(FILES)
    problems = check(root)
    assert to_do(problems) == list(TO_DO)
    result = build(root)
    public = root / "public"
    for name in ("index.html", "issues/001/index.html", "issues/001/email.eml", "calendar.ics"):
        assert (public / name).is_file(), name
    assert result.files >= 8
    # The settings read back as given, the final "/" added.
    settings = read_settings(root, Problems())
    assert settings is not None
    assert (settings.title, settings.publisher, settings.base_url) == (
        "Field Notes",
        "Example Office",
        "https://notes.example.net/",
    )
    calendar, events = read_calendar(root, settings, Problems())
    assert (calendar.name, calendar.uid_domain, events) == (
        "Field Notes",
        "notes.example.net",
        (),
    )
    assert "date: 2026-03-02" in (root / "content/issues/001/issue.yaml").read_text()


@pytest.mark.parametrize(
    ("title", "publisher"),
    [
        ('Notes: "Customs" & Trade #1', "O'Brien & Sons, Ltd."),
        ("Бюллетень таможни", "税関 — 東京"),
        ("- A dash first", "@home"),
    ],
)
def test_titles_that_need_quotes_read_back(tmp_path: Path, title: str, publisher: str) -> None:
    init_newsletter(tmp_path, title, publisher, "https://n.example.org/")
    settings = read_settings(tmp_path, Problems())
    assert settings is not None and (settings.title, settings.publisher) == (title, publisher)
    assert check(tmp_path).errors == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://notes.example.net/", "must be an absolute https URL"),
        ("notes.example.net", "must be an absolute https URL"),
        ("https://notes.example.net/?q=1", "has a query"),
        ("", "must not be empty"),
    ],
)
def test_a_bad_setting_names_its_option_and_writes_nothing(
    tmp_path: Path, url: str, message: str
) -> None:
    root = tmp_path / "new"
    with pytest.raises(UsageError) as raised:
        init_newsletter(root, "Field Notes", "Example Office", url)
    assert str(raised.value).startswith("--base-url: ")
    assert message in str(raised.value)
    assert not root.exists()


def test_a_title_of_two_lines_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"^--title: must be on one line"):
        init_newsletter(tmp_path, "Two\nlines", "Example Office", "https://n.example.org/")
    assert files(tmp_path) == []


def test_the_cli_starts_a_newsletter_that_check_and_build_accept(tmp_path: Path) -> None:
    root = tmp_path / "news"
    run = newsletter("--root", str(root), "init", *OPTIONS, "https://notes.example.net/")
    assert run.returncode == 0, run.stderr
    assert "Started the newsletter 'Field Notes'" in run.stdout
    for name in FILES:
        assert f"  {name}" in run.stdout
    checked = newsletter("--root", str(root), "check")
    assert checked.returncode == 0, checked.stderr
    assert [line.split(": ")[2] for line in checked.stdout.splitlines()] == list(TO_DO)
    assert checked.stderr.endswith("0 errors, 2 warnings.\n")
    built = newsletter("--root", str(root), "build")
    assert built.returncode == 0, built.stderr
    assert (root / "public/issues/001/email.html").is_file()


def test_a_second_init_refuses_and_changes_nothing(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    assert run_cli("--root", str(tmp_path), "init", *OPTIONS, "https://a.example.org/").code == 0
    before = snapshot(tmp_path)
    again = run_cli("--root", str(tmp_path), "init", *OPTIONS, "https://b.example.org/")
    assert again.code == 2
    assert "already holds a newsletter (content/newsletter.yaml); nothing was changed" in (
        again.err
    )
    assert snapshot(tmp_path) == before
    # Without the options too: it refuses before asking anything.
    bare = newsletter("--root", str(tmp_path), "init")
    assert bare.returncode == 2 and "already holds a newsletter" in bare.stderr
    assert snapshot(tmp_path) == before


def test_a_folder_with_issues_but_no_settings_is_refused(tmp_path: Path) -> None:
    (tmp_path / "content/issues/007").mkdir(parents=True)
    with pytest.raises(UsageError, match="already has issues"):
        init_newsletter(tmp_path, "T", "P", "https://n.example.org/")
    assert not (tmp_path / "content/newsletter.yaml").exists()


@pytest.mark.parametrize("missing", ["--title", "--publisher", "--base-url"])
def test_without_a_terminal_a_missing_option_is_a_usage_error(tmp_path: Path, missing: str) -> None:
    given = dict(zip(OPTIONS[::2], [*OPTIONS[1::2], "https://n.example.org/"], strict=True))
    del given[missing]
    args = [item for pair in given.items() for item in pair]
    run = newsletter("--root", str(tmp_path / "news"), "init", *args, stdin="Answer\n")
    assert run.returncode == 2
    assert f"Missing option {missing} (no terminal to ask on)." in run.stderr
    assert not (tmp_path / "news").exists()


def test_an_existing_gitignore_and_calendar_are_kept(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.swp\n/public/\n")
    (tmp_path / "calendar").mkdir()
    (tmp_path / "calendar/calendar.yaml").write_text("name: Our own name\n")
    made = init_newsletter(tmp_path, "T", "P", "https://n.example.org/")
    assert made.kept == ("calendar/calendar.yaml",)
    assert (tmp_path / "calendar/calendar.yaml").read_text() == "name: Our own name\n"
    ignore = (tmp_path / ".gitignore").read_text()
    assert ignore.startswith("*.swp\n/public/\n\n# newsletter\n")
    assert ignore.count("/public/") == 1
    assert made.ignored == 5
    assert check(tmp_path).errors == []


def test_the_gitignore_keeps_secrets_and_output_out_of_git(tmp_path: Path) -> None:
    init_newsletter(tmp_path, "T", "P", "https://n.example.org/")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    ignored = [
        "public/index.html",
        ".public.newsletter-spare/index.html",
        ".public.newsletter-switch",
        ".newsletter-cache/email-budget",
        "content/.send-secret",
        "content/issues/001/.send.sqlite",
        "content/issues/001/.send.sqlite-wal",
        "subscribers.sqlite",
        "subscribers.sqlite-journal",
    ]
    kept = ["content/newsletter.yaml", "calendar/published.yaml", "content/issues/001/issue.yaml"]
    run = subprocess.run(
        ["git", "-C", str(tmp_path), "check-ignore", "--no-index", *ignored, *kept],
        capture_output=True,
        text=True,
    )
    assert run.stdout.split() == ignored


def _read_until(master: int, text: str, seen: bytearray, deadline: float, times: int = 1) -> str:
    """What the terminal showed, once it shows `text` `times` times (or the deadline
    passes)."""
    while seen.count(text.encode()) < times and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen.extend(chunk)
    shown = seen.decode("utf-8", "replace")
    assert shown.count(text) >= times, f"the terminal never showed {text!r}:\n{shown}"
    return shown


def test_on_a_terminal_it_asks_for_what_is_missing(tmp_path: Path) -> None:
    root = tmp_path / "asked"
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "newsletter", "--root", str(root), "init", "--publisher", "P"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**ENV, "TERM": "dumb"},
        close_fds=True,
    )
    os.close(slave)
    seen = bytearray()
    deadline = time.monotonic() + 60
    try:
        _read_until(master, "The newsletter's title:", seen, deadline)
        os.write(master, "Ταχυδρόμος\n".encode())
        _read_until(master, "The https address where the site will be served:", seen, deadline)
        os.write(master, b"http://insecure.example.org/\n")
        _read_until(master, "must be an absolute https URL", seen, deadline)
        _read_until(master, "The https address where the site will be served:", seen, deadline, 2)
        os.write(master, b"https://post.example.org\n")
        shown = _read_until(master, "Next: write the foreword", seen, deadline)
        assert process.wait(timeout=30) == 0, shown
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    settings = read_settings(root, Problems())
    assert settings is not None
    assert (settings.title, settings.publisher, settings.base_url) == (
        "Ταχυδρόμος",
        "P",
        "https://post.example.org/",
    )
    assert to_do(check(root)) == list(TO_DO)
