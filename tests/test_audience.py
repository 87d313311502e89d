"""The `newsletter subscribers` commands, each test against SQLite and PostgreSQL: import,
add, remove, list, show and stats, and suppression surviving every import and add."""

from __future__ import annotations

import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.audiencetools import Subscribers, csv_file
from tests.conftest import REPO, Folder, Run
from tests.sendtools import send_folder


@pytest.fixture
def news(tmp_path: Path) -> Folder:
    return send_folder(tmp_path / "news")


@pytest.fixture
def subscribers(run_cli: Callable[..., Run], news: Folder, database_url: str) -> Subscribers:
    return Subscribers(run_cli, news, database_url)


def test_import_adds_new_addresses_merges_repeats_and_reports_bad_rows(
    subscribers: Subscribers, tmp_path: Path
) -> None:
    rows = [
        ["ann@example.org", "Ann Lee"],
        ["not an address", "X"],
        ["Bob@Example.org", "Bob"],
        ["BOB@example.org", "Bob again"],
        ["carol@example.org", ""],
        ["zoe@example.org", "Zoë Lee-Ünal, Directrice générale"],
    ]
    file = csv_file(tmp_path, rows)
    first = subscribers("import", str(file))
    assert first.code == 0, first.output
    assert f"{file}:3: 'not an address' is not an email address (skipped)" in first.out
    assert "4 added, 1 already there, 0 suppressed, 1 skipped." in first.out
    assert subscribers.statuses() == {
        "ann@example.org": "active",
        "Bob@Example.org": "active",
        "carol@example.org": "active",
        "zoe@example.org": "active",
    }
    again = subscribers("import", str(file))
    assert "0 added, 5 already there, 0 suppressed, 1 skipped." in again.out
    names = {row["email"]: row["name"] for row in subscribers.listed()}
    assert names["ann@example.org"] == "Ann Lee"
    assert names["zoe@example.org"] == "Zoë Lee-Ünal, Directrice générale"
    assert (
        '"name": "Zoë Lee-Ünal, Directrice générale"' in subscribers("show", "zoe@example.org").out
    )


def test_a_file_that_is_not_a_list_exits_1_and_changes_nothing(
    subscribers: Subscribers, tmp_path: Path
) -> None:
    subscribers("import", str(csv_file(tmp_path, [["ann@example.org", "Ann"]])))
    no_column = tmp_path / "export.csv"
    no_column.write_text("mail,name\nbob@example.org,Bob\n", encoding="utf-8")
    result = subscribers("import", str(no_column))
    assert result.code == 1
    assert f"{no_column}:1: has no 'email' column" in result.err
    binary = tmp_path / "list.xlsx"
    binary.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U\xe7\xff")
    assert subscribers("import", str(binary)).code == 1
    missing = subscribers("import", str(tmp_path / "nowhere.csv"))
    assert missing.code == 2
    assert "Traceback" not in result.output + missing.output
    assert subscribers.statuses() == {"ann@example.org": "active"}


def test_an_address_that_left_is_never_added_back(subscribers: Subscribers, tmp_path: Path) -> None:
    file = csv_file(tmp_path, [["ann@example.org", "Ann"], ["bob@example.org", "Bob"]])
    subscribers("import", str(file))
    left = subscribers("remove", "ANN@example.org")
    assert left.code == 0, left.output
    assert "ann@example.org is unsubscribed" in left.out
    again = subscribers("import", str(file))
    assert "0 added, 1 already there, 1 suppressed, 0 skipped." in again.out
    added = subscribers("add", "Ann@Example.org")
    assert added.code == 1
    assert "is unsubscribed" in added.err and "stays suppressed" in added.err
    # An address removed before it was ever on the list is suppressed all the same.
    assert subscribers("remove", "dan@example.org").code == 0
    dan = csv_file(tmp_path, [["Dan@example.org", "Dan"]], name="dan.csv")
    assert "0 added, 0 already there, 1 suppressed" in subscribers("import", str(dan)).out
    assert subscribers.statuses() == {
        "ann@example.org": "unsubscribed",
        "bob@example.org": "active",
        "dan@example.org": "unsubscribed",
    }


def test_add_makes_an_address_active_once_whatever_its_case(subscribers: Subscribers) -> None:
    first = subscribers("add", "Eve@Example.org", "--name", "Eve <b>Bold</b>\r\nBcc: x@example.org")
    assert first.code == 0, first.output
    assert "Added Eve@Example.org (active)." in first.out
    again = subscribers("add", "eve@example.org")
    assert again.code == 0
    assert "active already" in again.out
    [eve] = subscribers.listed()
    assert eve == {
        "email": "Eve@Example.org",
        "name": "Eve <b>Bold</b> Bcc: x@example.org",  # one line of text, stored as given
        "status": "active",
        "source": "add",
        "created": eve["created"],
        "changed": eve["changed"],
    }
    bad = subscribers("add", "eve@")
    assert bad.code == 2
    assert "'eve@' is not an email address" in bad.err


def test_list_is_csv_with_the_contracts_header_and_filters_by_status(
    subscribers: Subscribers, tmp_path: Path
) -> None:
    people = [[f"reader{n}@example.org", f"Reader, {n}"] for n in range(5)]
    subscribers("import", str(csv_file(tmp_path, people)))
    subscribers("remove", "reader3@example.org")
    result = subscribers("list")
    assert result.out.startswith("email,name,status")
    assert '"Reader, 1"' in result.out  # a comma in a name is quoted
    assert len(subscribers.listed()) == 5
    assert [row["email"] for row in subscribers.listed("--status", "unsubscribed")] == [
        "reader3@example.org"
    ]
    assert len(subscribers.listed("--status", "active")) == 4
    assert subscribers("list", "--status", "gone").code == 2


def test_show_gives_everything_held_with_the_history_and_its_sources(
    subscribers: Subscribers, tmp_path: Path
) -> None:
    subscribers("import", str(csv_file(tmp_path, [["ann@example.org", "Ann"]], "old-list.csv")))
    subscribers("add", "ann@example.org", "--name", "Ann Lee")
    subscribers("remove", "ann@example.org")
    held = subscribers.shown("ANN@example.org")
    assert held["email"] == "ann@example.org"
    assert held["name"] == "Ann Lee"
    assert held["status"] == "unsubscribed"
    assert held["forgotten"] is False
    assert [(c["status"], c["source"]) for c in held["history"]] == [
        ("active", "import old-list.csv"),
        ("active", "add"),
        ("unsubscribed", "remove"),
    ]
    assert all(c["at"].endswith("+00:00") for c in held["history"])
    nobody = subscribers("show", "nobody@example.org")
    assert nobody.code == 1
    assert "nothing is held about nobody@example.org" in nobody.err


def test_stats_count_by_status_and_by_source(subscribers: Subscribers, tmp_path: Path) -> None:
    people = [[f"reader{n}@example.org", ""] for n in range(4)]
    subscribers("import", str(csv_file(tmp_path, people, "2019.csv")))
    subscribers("add", "ann@example.org")
    subscribers("remove", "reader0@example.org")
    subscribers("remove", "gone@example.org")
    result = subscribers("stats")
    assert result.code == 0, result.output
    assert "6 subscribers in" in result.out
    for line in ("  active: 4", "  unsubscribed: 2", "  pending: 0", "  bounced: 0"):
        assert line in result.out.splitlines()
    assert "  import 2019.csv: 4" in result.out.splitlines()
    assert "  add: 1" in result.out.splitlines()
    assert "  remove: 1" in result.out.splitlines()


def test_the_cli_offers_every_status() -> None:
    from newsletter.audience.schema import Status
    from newsletter.cli_audience import _STATUSES

    assert [status.value for status in Status] == _STATUSES


def test_the_default_database_is_the_folders_own_file_for_its_owner_only(
    run_cli: Callable[..., Run], news: Folder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSLETTER_DATABASE_URL", raising=False)
    file = csv_file(tmp_path, [["ann@example.org", "Ann"]])
    result = run_cli("subscribers", "import", str(file), "--root", str(news.root))
    assert result.code == 0, result.output
    database = news.path("subscribers.sqlite")
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert [p.name for p in news.root.rglob("*.sqlite*")] == ["subscribers.sqlite"]
    listed = run_cli("subscribers", "list", "--root", str(news.root))
    assert "ann@example.org" in listed.out
    assert "warning" not in listed.err
    database.chmod(0o644)
    shared = run_cli("send", "1", "--dry-run", "--root", str(news.root))
    warning = "warning: subscribers.sqlite can be read by others than you: chmod 600 it"
    assert warning in shared.out
    assert warning in run_cli("subscribers", "stats", "--root", str(news.root)).err
    names = ["subscribers.sqlite", "subscribers.sqlite-wal", "subscribers.sqlite-shm"]
    ignored = subprocess.run(
        ["git", "check-ignore", *names], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert ignored.stdout.split() == names, ignored.stderr  # never committed


def test_the_environment_names_the_database(
    run_cli: Callable[..., Run], news: Folder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere.sqlite"
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", f"sqlite:///{elsewhere}")
    assert run_cli("subscribers", "add", "ann@example.org", "--root", str(news.root)).code == 0
    assert elsewhere.exists()
    assert not news.path("subscribers.sqlite").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://user@host/db", "is neither SQLite nor PostgreSQL"),
        ("no url at all", "is not a database URL"),
        ("sqlite://", "names no file"),
        ("sqlite:///{root}/content/subscribers.sqlite", "is inside content/"),
        ("sqlite:///{root}/public/list.sqlite", "is inside public/"),
    ],
)
def test_a_database_url_that_cannot_be_used_is_a_usage_error(
    run_cli: Callable[..., Run], news: Folder, url: str, message: str
) -> None:
    url = url.format(root=news.root)
    result = run_cli(
        "subscribers", "add", "a@example.org", "--database", url, "--root", str(news.root)
    )
    assert result.code == 2, result.output
    assert message in result.err


def test_listing_without_a_database_says_how_to_make_one(
    run_cli: Callable[..., Run], news: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSLETTER_DATABASE_URL", raising=False)
    result = run_cli("subscribers", "list", "--root", str(news.root))
    assert result.code == 2
    assert "there is no subscribers database at subscribers.sqlite" in result.err
    assert not news.path("subscribers.sqlite").exists()


def test_a_file_that_is_not_a_database_is_an_error(
    run_cli: Callable[..., Run], news: Folder
) -> None:
    news.write("broken.sqlite", b"not a database at all" * 200)
    url = f"sqlite:///{news.path('broken.sqlite')}"
    result = run_cli("subscribers", "stats", "--database", url, "--root", str(news.root))
    assert result.code == 1
    assert "broken.sqlite" in result.err and "not a database" in result.err
    assert "Traceback" not in result.output


def test_an_unreachable_server_is_an_error_naming_it_without_the_password(
    run_cli: Callable[..., Run], news: Folder
) -> None:
    from tests.smtpserver import free_port

    url = f"postgresql://editor:s3cret@127.0.0.1:{free_port()}/news"
    result = run_cli("subscribers", "stats", "--database", url, "--root", str(news.root))
    assert result.code == 1
    assert "postgresql://editor:***@127.0.0.1" in result.err
    assert "s3cret" not in result.output
