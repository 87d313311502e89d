"""`newsletter send` against a real SMTP server (aiosmtpd on 127.0.0.1): exactly one copy
per recipient over one connection, retries, refusals, the journal across runs, dry
runs and test copies, AUTH, and a list that cannot be read.

Every server is stopped at the end of its test (tests/smtpserver.py); every wait is
bounded.
"""

from __future__ import annotations

import dataclasses
import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from newsletter.sending.request import Request
from newsletter.sending.run import send
from newsletter.sending.smtp import Server
from tests.conftest import ARTICLE, Folder, Run
from tests.sendtools import (
    FAST,
    JOURNAL,
    SENDER,
    addresses,
    journal_column,
    journal_states,
    parse,
    send_folder,
    write_list,
)
from tests.smtpserver import Recorder, serving, start_server, stop_server

RunCli = Callable[..., Run]


@pytest.fixture
def news(tmp_path: Path) -> Folder:
    return send_folder(tmp_path / "news")


def cli_send(run_cli: RunCli, news: Folder, port: int, *options: str) -> Run:
    root = str(news.root)
    return run_cli("send", "1", "--smtp", f"127.0.0.1:{port}", "--root", root, *options)


def library_send(news: Folder, port: int, recipients: Path, **options: Any) -> list[str]:
    """The send through the library with FAST retries; its summary lines, exit code last."""
    lines: list[str] = []
    request = Request(1, recipients, Server("127.0.0.1", port), **options)
    summary = send(news.root, request, lines.append, io.StringIO(), FAST)
    return [*lines, *summary.lines, f"exit {summary.exit_code}"]


def test_300_recipients_get_one_copy_each_over_one_connection(
    news: Folder, run_cli: RunCli
) -> None:
    people = addresses(300)
    recipients = write_list(news, people)
    recorder = Recorder()
    with serving(recorder) as port:
        first = cli_send(run_cli, news, port, "--recipients", str(recipients))
        again = cli_send(run_cli, news, port, "--recipients", str(recipients))
    assert first.code == 0, first.output
    assert recorder.received == dict.fromkeys(people, 1)
    assert recorder.connections == 1
    assert {d.sender for d in recorder.deliveries} == {SENDER}
    assert all(len(d.recipients) == 1 for d in recorder.deliveries)
    assert "Delivered: 300; failed: 0; unknown outcome: 0; not sent yet: 0." in first.out
    assert set(journal_states(news).values()) == {"delivered"}
    # A completed send run again sends nothing, and says so.
    assert again.code == 0, again.output
    assert "Nothing to send" in again.out
    assert len(recorder.deliveries) == 300


def test_invalid_and_repeated_addresses_are_reported_and_skipped(
    news: Folder, run_cli: RunCli
) -> None:
    rows = [
        ["ann@example.org", "Ann"],
        ["not an address", "Bad"],
        ["Bob@Example.org", "Bob"],
        ["", "Nobody"],
        ["BOB@example.ORG", "Bob again"],
        ["carol@example", "No domain"],
        ["Dan <dan@example.org>", "Dan"],
        ["ann@example.org", "Ann twice"],
    ]
    recipients = write_list(news, rows)
    recorder = Recorder()
    with serving(recorder) as port:
        result = cli_send(run_cli, news, port, "--recipients", str(recipients))
    assert result.code == 0, result.output
    assert recorder.received == {"ann@example.org": 1, "Bob@Example.org": 1}
    reports = [line for line in result.out.splitlines() if line.startswith(str(recipients))]
    assert [line.split(":")[1] for line in reports] == ["3", "5", "6", "7", "8", "9"]
    assert all(line.endswith("(skipped)") for line in reports)
    assert "BOB@example.ORG is already on line 4" in result.out
    assert "ann@example.org is already on line 2" in result.out
    assert "'not an address' is not an email address" in result.out
    assert "put the name in a 'name' column" in result.out
    # Reported first, before the summary of what was sent.
    assert result.out.index("(skipped)") < result.out.index("Delivered:")
    assert "2 recipients; 6 rows skipped" in result.out


def test_a_list_without_an_email_column_is_an_error_and_nothing_is_sent(
    news: Folder, run_cli: RunCli
) -> None:
    recipients = write_list(news, [["ann@example.org", "Ann"]], header=("mail", "name"))
    recorder = Recorder()
    with serving(recorder) as port:
        result = cli_send(run_cli, news, port, "--recipients", str(recipients))
    assert result.code == 1
    assert str(recipients) in result.err
    assert "has no 'email' column" in result.err
    assert "Traceback" not in result.output
    assert recorder.mails == 0 and recorder.deliveries == []
    assert not news.path(JOURNAL).exists()


def test_451_is_retried_until_the_server_takes_the_message(news: Folder) -> None:
    people = addresses(10)
    recorder = Recorder()
    recorder.busy_rcpt[people[2]] = 2  # 451 to RCPT twice
    recorder.busy_data[people[5]] = 1  # 451 to the final dot once: it took nothing
    with serving(recorder) as port:
        lines = library_send(news, port, write_list(news, people))
    assert lines[-1] == "exit 0", lines
    assert recorder.received == dict.fromkeys(people, 1)
    assert recorder.rcpt_seen[people[2]] == 3
    attempts = journal_column(news, "attempts")
    assert attempts[people[5]] == 2  # handed over twice: refused, then taken
    assert attempts[people[0]] == 1
    assert set(journal_states(news).values()) == {"delivered"}


def test_451_after_every_retry_leaves_the_recipient_for_the_next_run(news: Folder) -> None:
    people = addresses(4)
    recipients = write_list(news, people)
    recorder = Recorder()
    recorder.busy_rcpt[people[1]] = 99
    with serving(recorder) as port:
        lines = library_send(news, port, recipients)
        assert recorder.rcpt_seen[people[1]] == FAST.retry.attempts
        assert lines[-1] == "exit 1"
        assert any("Refused for now (4xx)" in line for line in lines)
        assert any(people[1] in line and "451 4.3.0" in line for line in lines)
        assert journal_states(news)[people[1]] == "pending"
        recorder.busy_rcpt[people[1]] = 0
        later = library_send(news, port, recipients)
    assert later[-1] == "exit 0", later
    assert recorder.received == dict.fromkeys(people, 1)


def test_550_is_recorded_listed_never_retried_and_exits_1(news: Folder, run_cli: RunCli) -> None:
    people = addresses(8)
    recipients = write_list(news, people)
    recorder = Recorder()
    recorder.refuse_rcpt[people[1]] = "550 5.1.1 no such user"
    recorder.refuse_data[people[6]] = "554 5.7.1 message refused"
    with serving(recorder) as port:
        first = cli_send(run_cli, news, port, "--recipients", str(recipients))
        again = cli_send(run_cli, news, port, "--recipients", str(recipients))
    assert first.code == 1
    delivered = [p for p in people if p not in (people[1], people[6])]
    assert recorder.received == dict.fromkeys(delivered, 1)
    failed_block = first.out.split("Failed (")[1]
    assert f"{people[1]}: 550 5.1.1 no such user" in failed_block
    assert f"{people[6]}: 554 5.7.1 message refused" in failed_block
    states = journal_states(news)
    assert states[people[1]] == states[people[6]] == "failed"
    # Never retried: the second run does not even ask the server.
    assert again.code == 1
    assert "Nothing to send" in again.out
    assert recorder.rcpt_seen[people[1]] == 1


def test_a_refused_sender_stops_the_send_and_records_nobody(news: Folder) -> None:
    people = addresses(5)

    class RefuseSender(Recorder):
        async def handle_MAIL(self, *args: object) -> str:
            return "553 5.7.1 sender not allowed"

    recorder = RefuseSender()
    with serving(recorder) as port:
        lines = library_send(news, port, write_list(news, people))
    assert lines[-1] == "exit 1"
    assert any(line.startswith("Stopped: the server refused the sender") for line in lines)
    assert set(journal_states(news).values()) == {"pending"}
    assert recorder.deliveries == []


def test_many_refused_messages_in_a_row_stop_the_send(news: Folder) -> None:
    people = addresses(30)
    recorder = Recorder()
    recorder.refuse_data.update(dict.fromkeys(people, "554 5.7.1 spam"))
    with serving(recorder) as port:
        lines = library_send(news, port, write_list(news, people))
    assert lines[-1] == "exit 1"
    assert any("20 messages in a row refused" in line for line in lines)
    assert list(journal_states(news).values()).count("failed") == 20


def test_the_connection_is_opened_again_when_the_server_drops_it(news: Folder) -> None:
    people = addresses(60)
    recorder = Recorder(drop_every=25)
    with serving(recorder) as port:
        lines = library_send(news, port, write_list(news, people))
    assert lines[-1] == "exit 0", lines
    assert recorder.received == dict.fromkeys(people, 1)
    assert recorder.connections == 3


def test_a_server_gone_mid_send_stops_it_and_the_next_run_finishes(news: Folder) -> None:
    people = addresses(40)
    recipients = write_list(news, people)
    recorder = Recorder(hold=people[9])
    server = start_server(recorder)
    try:
        # The server goes away while it holds the 10th message, unanswered.
        def go_away() -> None:
            if recorder.held.wait(timeout=20):
                server.stop()

        watcher = threading.Thread(target=go_away, daemon=True)
        watcher.start()
        lines = library_send(news, server.port, recipients)
        watcher.join(timeout=20)
    finally:
        stop_server(server, recorder)
    assert lines[-1] == "exit 1"
    assert any(line.startswith("Stopped: gave up on 127.0.0.1") for line in lines), lines
    states = journal_states(news)
    assert states[people[9]] == "handed-over"
    assert list(states.values()).count("delivered") == 9
    with serving(recorder, port=server.port) as port:
        resumed = library_send(news, port, recipients)
    assert resumed[-1] == "exit 1"  # the unknown outcome is still reported
    assert any("Unknown outcome" in line for line in resumed)
    assert recorder.received == dict.fromkeys(people, 1)


def test_dry_run_sends_nothing_and_says_how_many(news: Folder, run_cli: RunCli) -> None:
    people = addresses(12)
    recipients = write_list(news, [*people, "bad@", people[0].upper()])
    recorder = Recorder()
    with serving(recorder) as port:
        before = cli_send(run_cli, news, port, "--recipients", str(recipients), "--dry-run")
        assert not news.path(JOURNAL).exists()
        assert not news.path("content/.send-secret").exists()
        recorder.refuse_rcpt[people[3]] = "550 5.1.1 gone"
        cli_send(run_cli, news, port, "--recipients", str(recipients))
        delivered = len(recorder.deliveries)
        bigger = write_list(news, [*people, *addresses(5, 100)], name="bigger.csv")
        after = cli_send(run_cli, news, port, "--recipients", str(bigger), "--dry-run")
    assert before.code == 0, before.output
    assert "Dry run: would send 12 copies of issue 1" in before.out
    assert "2 rows skipped" in before.out
    assert recorder.mails == 12  # only the real send talked to the server
    assert delivered == 11
    assert after.code == 0
    assert "would send 5 copies" in after.out
    assert "11 delivered already, 1 failed" in after.out
    assert len(recorder.deliveries) == delivered


def test_a_test_copy_goes_to_one_address_and_is_recorded_nowhere(
    news: Folder, run_cli: RunCli
) -> None:
    people = addresses(3)
    recipients = write_list(news, people)
    recorder = Recorder()
    with serving(recorder) as port:
        result = cli_send(run_cli, news, port, "--test", "editor@example.org")
        listed = cli_send(run_cli, news, port, "--test", people[0], "--recipients", str(recipients))
        bad = cli_send(run_cli, news, port, "--test", "editor@")
    assert result.code == 0, result.output
    assert "Sent a test copy of issue 1" in result.out
    assert "nothing was recorded" in result.out
    assert listed.code == 0
    assert recorder.received == {"editor@example.org": 1, people[0]: 1}
    assert not news.path(JOURNAL).exists()
    message = parse(recorder.deliveries[0].data)
    assert message["To"].addresses[0].addr_spec == "editor@example.org"
    assert ".test-" in message["Message-ID"]
    assert bad.code == 2
    assert "--test: 'editor@' is not an email address" in bad.err


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_login_uses_the_password_from_the_environment_only(
    news: Folder, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    password = "s3cret-Pa55word"
    recorder = Recorder()

    def authenticator(
        server: object, session: object, envelope: object, mechanism: str, data: object
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, given = data.login.decode(), data.password.decode()
        recorder.logins.append((login, given))
        return AuthResult(success=login == "editor" and given == password, handled=False)

    recipients = write_list(news, addresses(3))
    options = {"authenticator": authenticator, "auth_require_tls": False, "auth_required": True}
    with serving(recorder, **options) as port:
        monkeypatch.delenv("NEWSLETTER_SMTP_PASSWORD", raising=False)
        missing = cli_send(run_cli, news, port, "--recipients", str(recipients), "--user", "x")
        monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "wrong-password")
        wrong = cli_send(run_cli, news, port, "--recipients", str(recipients), "--user", "editor")
        wrong_deliveries = len(recorder.deliveries)
        monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", password)
        good = cli_send(run_cli, news, port, "--recipients", str(recipients), "--user", "editor")
        anonymous = cli_send(run_cli, news, port, "--test", "editor@example.org")
    assert missing.code == 2
    assert "needs the password in NEWSLETTER_SMTP_PASSWORD" in missing.err
    assert wrong.code == 1
    assert "refused the login of 'editor': 535" in wrong.err
    assert "nothing was sent" in wrong.err
    assert wrong_deliveries == 0
    assert good.code == 0, good.output
    assert recorder.logins[-1] == ("editor", password)
    assert len(recorder.deliveries) == 3
    for run in (missing, wrong, good):
        assert password not in run.output and "wrong-password" not in run.output
        assert "Traceback" not in run.output
    assert anonymous.code == 1  # without --user the server wants a login first
    assert "530" in anonymous.output


def test_rate_spaces_the_messages(news: Folder) -> None:
    people = addresses(5)
    recorder = Recorder()
    request = Request(1, write_list(news, people), rate=600)  # one every 0.1 s
    with serving(recorder) as port:
        request = dataclasses.replace(request, server=Server("127.0.0.1", port))
        summary = send(news.root, request, lambda line: None, io.StringIO(), FAST)
    assert summary.exit_code == 0
    assert len(recorder.deliveries) == 5
    assert 0.4 <= summary.seconds < 3.0  # four gaps of 0.1 s


def test_parts_split_the_list_between_processes_sharing_one_journal(news: Folder) -> None:
    people = addresses(60)
    recipients = write_list(news, people)
    recorder = Recorder()
    with serving(recorder) as port:
        outputs = [library_send(news, port, recipients, part=(k, 3)) for k in (1, 2, 3)]
        rest = library_send(news, port, recipients)
    assert all(lines[-1] == "exit 0" for lines in outputs)
    assert recorder.received == dict.fromkeys(people, 1)
    sizes = [len([d for d in recorder.deliveries if d.peer == peer]) for peer in _peers(recorder)]
    assert len(sizes) == 3 and all(0 < size < 60 for size in sizes)
    assert any("Nothing to send" in line for line in rest)


def _peers(recorder: Recorder) -> list[str]:
    return list(dict.fromkeys(d.peer for d in recorder.deliveries))


def test_a_change_to_the_issue_mid_send_reaches_the_rest_with_a_warning(news: Folder) -> None:
    people = addresses(6)
    recorder = Recorder()
    with serving(recorder) as port:
        lines = library_send(news, port, write_list(news, people[:4]))
        news.write(ARTICLE, news.path(ARTICLE).read_text().replace("Body text", "Fixed text"))
        later = library_send(news, port, write_list(news, people))
    assert lines[-1] == later[-1] == "exit 0"
    assert later[0] == (
        'warning: issue 1 ("Test Newsletter No.1") changed since this send began: '
        "the 4 copies delivered so far had the earlier version"
    )
    bodies = [parse(d.data).get_body(("plain",)).get_content() for d in recorder.deliveries]
    assert ["Fixed text" in body for body in bodies] == [False] * 4 + [True] * 2


def test_the_journal_and_the_secret_change_no_output(news: Folder) -> None:
    from watchfiles import Change

    from newsletter.cache import EmailKeys
    from newsletter.serve.server import _Filter
    from newsletter.site import load

    newsletter, _ = load(news.root)
    keys = EmailKeys(news.root)
    before = keys.key(newsletter.issues[0])
    for name in (JOURNAL, f"{JOURNAL}-wal", "content/.send-secret"):
        news.write(name, b"written by send")
    assert EmailKeys(news.root).key(newsletter.issues[0]) == before  # check renders nothing
    assert news.check().errors == []
    watching = _Filter(news.root)
    assert not watching(Change.modified, str(news.path(f"{JOURNAL}-wal")))
    assert watching(Change.modified, str(news.path(ARTICLE)))
