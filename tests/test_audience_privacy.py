"""A person's requests: `subscribers show` gives everything held about them, send journals
included; `subscribers forget` erases it — the bytes leave the SQLite files and their
write-ahead logs — and the address stays suppressed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newsletter.sending.journal import Journal
from tests.audiencetools import Subscribers, csv_file
from tests.conftest import Folder, Run
from tests.sendtools import send_folder

ANN = "Ann.Quux@example.org"
JOURNALS = ("content/issues/001/.send.sqlite", "content/issues/002/.send.sqlite")


@pytest.fixture
def news(tmp_path: Path) -> Folder:
    return send_folder(tmp_path / "news")


@pytest.fixture
def subscribers(run_cli: Callable[..., Run], news: Folder, database_url: str) -> Subscribers:
    return Subscribers(run_cli, news, database_url)


def write_journals(news: Folder, addresses: list[str]) -> None:
    """Two issues' journals, every address delivered, the server's reply naming it."""
    for name in JOURNALS:
        news.path(name).parent.mkdir(parents=True, exist_ok=True)
        journal = Journal.open(news.path(name))
        try:
            journal.add(address.lower() for address in addresses)
            for address in addresses:
                assert journal.hand_over(address.lower())
                journal.delivered(address.lower(), f"250 2.0.0 <{address}> queued as 12AB")
        finally:
            journal.close()


@pytest.fixture
def keep_open(news: Folder) -> Iterator[Callable[[Path], None]]:
    """Keeps a file's database open, idle, as another process would (a `send` between
    messages): SQLite then keeps its write-ahead log instead of removing it at close."""
    connections: list[sqlite3.Connection] = []

    def open_(path: Path) -> None:
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        connections.append(connection)

    yield open_
    for connection in connections:
        connection.close()


def files_of(path: Path) -> list[Path]:
    return [file for file in (path, Path(f"{path}-wal")) if file.exists()]


def test_forget_erases_the_bytes_from_the_database_its_log_and_every_journal(
    run_cli: Callable[..., Run], news: Folder, tmp_path: Path, keep_open: Callable[[Path], None]
) -> None:
    database = news.path("subscribers.sqlite")
    subscribers = Subscribers(run_cli, news, f"sqlite:///{database}")
    others = [f"reader{n}@example.org" for n in range(50)]
    subscribers("add", "first@example.org")
    keep_open(database)
    rows = [[ANN, "Ann Quux"], *[[address, "Reader"] for address in others]]
    assert subscribers("import", str(csv_file(tmp_path, rows))).code == 0
    subscribers("remove", ANN)
    write_journals(news, [ANN, *others])
    keep_open(news.path(JOURNALS[0]))
    with sqlite3.connect(news.path(JOURNALS[0])) as writer:  # a write the log still holds
        writer.execute("UPDATE recipient SET reply = reply || ' (checked)'")
    for path in (database, news.path(JOURNALS[0])):  # the test is worth something
        log = Path(f"{path}-wal")
        assert log.exists() and ANN.lower().encode() in log.read_bytes(), log

    result = subscribers("forget", ANN)
    assert result.code == 0, result.output
    assert f"Forgot {ANN}:" in result.out
    assert "history (2 entries) left" in result.out
    assert "2 send journals" in result.out
    for file in [*files_of(database), *(f for j in JOURNALS for f in files_of(news.path(j)))]:
        data = file.read_bytes()
        for secret in (ANN.encode(), ANN.lower().encode(), b"Ann Quux", b"Quux"):
            assert secret not in data, f"{secret!r} is still in {file}"
    # The others are all still there.
    assert len(subscribers.listed()) == 51
    with sqlite3.connect(news.path(JOURNALS[1])) as journal:
        assert journal.execute("SELECT count(*) FROM recipient").fetchone() == (50,)


def test_a_forgotten_address_is_held_only_as_a_hash_and_stays_suppressed(
    subscribers: Subscribers, tmp_path: Path
) -> None:
    file = csv_file(tmp_path, [[ANN, "Ann Quux"], ["bob@example.org", "Bob"]])
    subscribers("import", str(file))
    assert subscribers("forget", ANN.upper()).code == 0
    assert [row["email"] for row in subscribers.listed()] == ["bob@example.org"]
    assert subscribers.shown(ANN) == {
        "email": ANN,
        "status": None,
        "forgotten": True,
        "sends": [],
    }
    assert "1 added" not in subscribers("import", str(file)).out
    assert "0 added, 1 already there, 1 suppressed" in subscribers("import", str(file)).out
    refused = subscribers("add", ANN)
    assert refused.code == 1
    assert "was forgotten" in refused.err
    assert "  forgotten: 1 " in subscribers("stats").out
    # Forgetting someone never on the list keeps them off it too.
    assert subscribers("forget", "carol@example.org").code == 0
    carol = csv_file(tmp_path, [["Carol@Example.org", "Carol"]], name="carol.csv")
    assert "0 added, 0 already there, 1 suppressed" in subscribers("import", str(carol)).out


def test_show_gives_the_send_journals_rows_too(
    subscribers: Subscribers, news: Folder, tmp_path: Path
) -> None:
    subscribers("import", str(csv_file(tmp_path, [[ANN, "Ann Quux"]])))
    write_journals(news, [ANN, "bob@example.org"])
    held = subscribers.shown(ANN)
    assert held["status"] == "active"
    assert [(s["journal"], s["state"], s["address"]) for s in held["sends"]] == [
        (JOURNALS[0], "delivered", ANN.lower()),
        (JOURNALS[1], "delivered", ANN.lower()),
    ]
    assert held["sends"][0]["reply"] == f"250 2.0.0 <{ANN}> queued as 12AB"
    # Someone only ever mailed from a file list is held in the journals alone.
    bob = subscribers.shown("bob@example.org")
    assert bob["status"] is None and len(bob["sends"]) == 2
