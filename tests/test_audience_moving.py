"""Moving the list from SQLite to PostgreSQL (and back) with `subscribers copy`: every
status, history row and forgotten address goes across; and a send begun with the
journal in the issue's file goes on in PostgreSQL without a second copy to anyone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.audiencetools import Subscribers, csv_file
from tests.conftest import Folder, Run
from tests.sendtools import addresses, send_folder, shared_states
from tests.smtpserver import Recorder, serving


@pytest.fixture
def news(tmp_path: Path) -> Folder:
    return send_folder(tmp_path / "news")


@pytest.mark.parametrize("direction", ["to postgresql", "to sqlite"])
def test_copy_moves_every_row_and_keeps_the_forgotten_suppressed(
    run_cli: Callable[..., Run], news: Folder, tmp_path: Path, postgres_url: str, direction: str
) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'subscribers.sqlite'}"
    source_url, target_url = (
        (sqlite_url, postgres_url) if direction == "to postgresql" else (postgres_url, sqlite_url)
    )
    source = Subscribers(run_cli, news, source_url)
    people = addresses(30)
    source("import", str(csv_file(tmp_path, [[p, f"Reader {n}"] for n, p in enumerate(people)])))
    source("remove", people[0])
    source("add", people[1], "--name", "Renamed")
    source("forget", people[2])
    copied = source("copy", target_url)
    assert copied.code == 0, copied.output
    assert "29 subscribers, 31 history rows, 1 forgotten addresses" in copied.out
    target = Subscribers(run_cli, news, target_url)
    assert target.listed() == source.listed()
    assert target.shown(people[1]) == source.shown(people[1])
    assert target("stats").out.splitlines()[1:] == source("stats").out.splitlines()[1:]
    again = csv_file(tmp_path, [[p, ""] for p in people[:3]], name="again.csv")
    assert "0 added, 1 already there, 2 suppressed" in target("import", str(again)).out
    assert target("add", "new@example.org").code == 0  # new ids follow the copied ones
    assert len(target.listed()) == 30
    refused = source("copy", target_url)
    assert refused.code == 1
    assert "is not empty" in refused.err
    assert source("copy", source_url).code == 2


def test_a_send_begun_in_the_file_journal_goes_on_in_postgresql(
    run_cli: Callable[..., Run], news: Folder, tmp_path: Path, postgres_url: str
) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'subscribers.sqlite'}"
    people = addresses(20)
    before = Subscribers(run_cli, news, sqlite_url)
    before("import", str(csv_file(tmp_path, [[p, ""] for p in people])))
    recorder = Recorder()
    recorder.busy_rcpt[people[12]] = 99  # left pending by the first run
    recorder.refuse_rcpt[people[3]] = "550 5.1.1 no such user"
    root = ["--root", str(news.root)]
    with serving(recorder) as port:
        server = ["--smtp", f"127.0.0.1:{port}"]
        first = run_cli("send", "1", "--database", sqlite_url, *server, *root)
        assert first.code == 1  # one failed, one not sent yet
        assert before("copy", postgres_url).code == 0
        dry = run_cli("send", "1", "--database", postgres_url, "--dry-run", *root)
        recorder.busy_rcpt[people[12]] = 0
        moved = run_cli("send", "1", "--database", postgres_url, *server, *root)
        again = run_cli("send", "1", "--database", postgres_url, *server, *root)
    # The 550 made that reader `bounced` (a hard bounce): suppressed, no longer listed.
    assert "would send 1 copy" in dry.out and "18 delivered already, 0 failed" in dry.out
    assert "1 suppressed" in dry.out
    assert moved.code == 0, moved.output
    assert (
        "The send of this issue began with content/issues/001/.send.sqlite: "
        "its 20 records are the database's."
    ) in moved.out
    assert "This run: 1 sent, 0 failed" in moved.out
    assert "took over" not in again.out and "began with" not in again.out
    assert recorder.received == {p: 1 for p in people if p != people[3]}
    states = shared_states(postgres_url)
    assert states[people[3]] == "failed"
    assert list(states.values()).count("delivered") == 19
