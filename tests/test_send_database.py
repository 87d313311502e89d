"""`newsletter send` obeying the subscribers database, against SQLite and PostgreSQL and a
real SMTP server: the active subscribers by default, a file less the suppressed with
--recipients, what the dry run says, and the journal in PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newsletter.audience.database import locate
from newsletter.audience.migrations import open_database
from newsletter.sending.journal import Journal, SendJournal, State
from newsletter.sending.request import Request
from newsletter.sending.run import send
from newsletter.sending.shared_journal import SharedJournal
from newsletter.sending.smtp import Server
from tests.audiencetools import Subscribers, csv_file
from tests.conftest import Folder, Run
from tests.postgres import PostgresServer
from tests.sendtools import FAST, JOURNAL, addresses, parse, send_folder, states_of
from tests.smtpserver import Recorder, serving

RunCli = Callable[..., Run]


@pytest.fixture
def news(tmp_path: Path) -> Folder:
    return send_folder(tmp_path / "news")


@pytest.fixture
def subscribers(run_cli: RunCli, news: Folder, database_url: str) -> Subscribers:
    return Subscribers(run_cli, news, database_url)


def cli_send(subscribers: Subscribers, port: int | None, *options: str) -> Run:
    server = ["--smtp", f"127.0.0.1:{port}"] if port is not None else []
    root = ["--root", str(subscribers.news.root), "--database", subscribers.url]
    return subscribers.run_cli("send", "1", *server, *root, *options)


def test_send_mails_every_active_subscriber_once_and_no_one_else(
    subscribers: Subscribers, tmp_path: Path
) -> None:
    people = addresses(40)
    rows = [[address, f"Reader {n}"] for n, address in enumerate(people)]
    subscribers("import", str(csv_file(tmp_path, rows)))
    for address in people[:3]:
        subscribers("remove", address)
    subscribers("forget", people[3])
    recorder = Recorder()
    with serving(recorder) as port:
        first = cli_send(subscribers, port)
        again = cli_send(subscribers, port)
    assert first.code == 0, first.output
    assert recorder.received == dict.fromkeys(people[4:], 1)
    assert "(active subscribers): 36 recipients; 4 suppressed." in first.out
    assert "Delivered: 36; failed: 0; unknown outcome: 0; not sent yet: 0." in first.out
    assert "Nothing to send" in again.out and again.code == 0
    assert len(recorder.deliveries) == 36
    to = parse(recorder.deliveries[0].data)["To"]
    assert to.addresses[0].display_name == "Reader 4"
    assert set(states_of(subscribers.news, subscribers.url).values()) == {"delivered"}
    # PostgreSQL keeps the journal itself; with SQLite it stays in the folder.
    postgres = subscribers.url.startswith("postgresql")
    assert subscribers.news.path(JOURNAL).exists() is not postgres


def test_a_file_list_is_sent_less_every_suppressed_address(
    subscribers: Subscribers, tmp_path: Path
) -> None:
    people = addresses(10)
    subscribers("import", str(csv_file(tmp_path, [[p, ""] for p in people[:5]])))
    subscribers("remove", people[1])
    subscribers("remove", people[7])  # never on the database's list, and left all the same
    subscribers("forget", people[8].upper())
    old_list = csv_file(tmp_path, [[p.upper() if n == 1 else p, ""] for n, p in enumerate(people)])
    recorder = Recorder()
    with serving(recorder) as port:
        dry = cli_send(subscribers, port, "--recipients", str(old_list), "--dry-run")
        sent = cli_send(subscribers, port, "--recipients", str(old_list))
    assert dry.code == 0, dry.output
    assert "Dry run: would send 7 copies" in dry.out
    assert f"The list: {old_list}, less 3 suppressed addresses (unsubscribed, bounced" in dry.out
    assert sent.code == 0, sent.output
    assert "7 recipients; 3 suppressed." in sent.out
    assert set(recorder.received) == {p for n, p in enumerate(people) if n not in (1, 7, 8)}


def test_the_dry_run_says_where_the_list_comes_from(
    subscribers: Subscribers, tmp_path: Path
) -> None:
    subscribers("import", str(csv_file(tmp_path, [[p, ""] for p in addresses(6)])))
    subscribers("remove", addresses(1)[0])
    result = cli_send(subscribers, None, "--dry-run")
    assert result.code == 0, result.output
    assert "Dry run: would send 5 copies of issue 1" in result.out
    assert "5 recipients in " in result.out and "(active subscribers)" in result.out
    assert "not mailed: 1 suppressed (unsubscribed, bounced, complained or forgotten)" in result.out
    assert "and 0 pending (not confirmed)" in result.out
    parts = [cli_send(subscribers, None, "--dry-run", "--part", f"{k}/2") for k in (1, 2)]
    counts = [int(r.out.split("would send ")[1].split()[0]) for r in parts]
    assert sum(counts) == 5
    assert "(active subscribers) (part 1 of 2)" in parts[0].out


def test_parts_of_the_database_list_share_one_journal(
    subscribers: Subscribers, tmp_path: Path
) -> None:
    people = addresses(30)
    subscribers("import", str(csv_file(tmp_path, [[p, ""] for p in people])))
    recorder = Recorder()
    with serving(recorder) as port:
        parts = [cli_send(subscribers, port, "--part", f"{k}/3") for k in (1, 2, 3)]
        rest = cli_send(subscribers, port)
    assert [run.code for run in parts] == [0, 0, 0], [run.output for run in parts]
    assert recorder.received == dict.fromkeys(people, 1)
    assert "Nothing to send" in rest.out


def test_a_reader_who_leaves_mid_send_is_not_mailed_when_it_resumes(
    subscribers: Subscribers, tmp_path: Path
) -> None:
    people = addresses(8)
    subscribers("import", str(csv_file(tmp_path, [[p, ""] for p in people])))
    recorder = Recorder()
    recorder.busy_rcpt[people[5]] = 99  # stays pending this run
    with serving(recorder) as port:
        request = Request(1, None, Server("127.0.0.1", port), database=subscribers.url)
        first = send(subscribers.news.root, request, lambda line: None, io.StringIO(), FAST)
        assert first.exit_code == 1
        subscribers("remove", people[5])
        recorder.busy_rcpt[people[5]] = 0
        later = send(subscribers.news.root, request, lambda line: None, io.StringIO(), FAST)
    assert later.exit_code == 0, later.lines
    assert people[5] not in recorder.received
    assert "7 recipients" in later.lines[0]


def test_a_test_copy_takes_the_subscribers_name(subscribers: Subscribers) -> None:
    subscribers("add", "ann@example.org", "--name", "Ann Lee")
    recorder = Recorder()
    with serving(recorder) as port:
        result = cli_send(subscribers, port, "--test", "ann@example.org")
    assert result.code == 0, result.output
    assert parse(recorder.deliveries[0].data)["To"].addresses[0].display_name == "Ann Lee"


def test_without_a_list_or_a_database_nothing_is_sent_or_made(
    run_cli: RunCli, news: Folder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSLETTER_DATABASE_URL", raising=False)
    root = ["--root", str(news.root)]
    nothing = run_cli("send", "1", "--dry-run", *root)
    assert nothing.code == 2
    assert "--recipients FILE is needed: there is no subscribers database at" in nothing.err
    listed = csv_file(tmp_path, [["ann@example.org", ""]])
    dry = run_cli("send", "1", "--dry-run", "--recipients", str(listed), *root)
    assert dry.code == 0, dry.output
    assert "there is no subscribers database, so no address is suppressed" in dry.out
    elsewhere = f"sqlite:///{tmp_path / 'typo.sqlite'}"
    typo = run_cli(
        "send", "1", "--dry-run", "--recipients", str(listed), "--database", elsewhere, *root
    )
    assert typo.code == 2
    assert "there is no subscribers database at" in typo.err
    assert not news.path("subscribers.sqlite").exists()
    assert not (tmp_path / "typo.sqlite").exists()


@pytest.fixture(params=["file", "shared"])
def journal_opener(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], SendJournal]]:
    """Opens the journal of issue 1 as one more process would: the SQLite file, or the
    one in a PostgreSQL database."""
    if request.param == "file":
        yield lambda: Journal.open(tmp_path / ".send.sqlite")
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.database()
    database = open_database(locate(tmp_path, url))
    try:
        yield lambda: SharedJournal(database, 1)
    finally:
        database.close()
        server.drop(url)


def test_a_recipient_is_handed_over_once_whichever_journal(
    journal_opener: Callable[[], SendJournal],
) -> None:
    first, second = journal_opener(), journal_opener()
    try:
        first.add(["ann@example.org", "bob@example.org"])
        second.add(["bob@example.org", "carol@example.org"])
        assert first.hand_over("bob@example.org")
        assert not second.hand_over("bob@example.org")  # the other process has it
        first.delivered("bob@example.org", "250 OK")
        assert second.hand_over("carol@example.org")
        second.release("carol@example.org", "451 later")
        assert first.hand_over("carol@example.org")
        assert first.hand_over("ann@example.org")
        first.reopen(["ann@example.org"])
        second.note("dan@example.org", "not in the journal: nothing happens")
        first.set_setting("message", "digest-1")
        second.set_setting("message", "digest-2")
        entries = second.entries(["ann@example.org", "bob@example.org", "carol@example.org"])
        setting = first.setting("message")
    finally:
        first.close()
        second.close()
    assert {key: entry.state for key, entry in entries.items()} == {
        "ann@example.org": State.PENDING,
        "bob@example.org": State.DELIVERED,
        "carol@example.org": State.HANDED_OVER,
    }
    assert entries["carol@example.org"].reply == "451 later"
    assert entries["bob@example.org"].reply == "250 OK"
    assert setting == "digest-2"
