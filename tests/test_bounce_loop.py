"""The loop, against SQLite and PostgreSQL and a real SMTP server: `send` gives every copy
a VERP envelope sender; a bounce of one copy (its report naming another address) and a
complaint that hides the address are applied to the right readers; the next send skips
them. And a 550 at RCPT is a hard bounce at once."""

from __future__ import annotations

import mailbox
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.audiencetools import Subscribers, csv_file
from tests.conftest import Run, make_folder
from tests.sendtools import SEND_SETTINGS, parse
from tests.smtpserver import Recorder, serving

RunCli = Callable[..., Run]
CORPUS = Path(__file__).parent / "fixtures" / "bounces"
READERS = [f"reader{n:04d}@example.org" for n in range(5)]
VERP = re.compile(r"bounces\+1-[a-z2-7]{16}@example\.org")


@pytest.fixture
def subscribers(run_cli: RunCli, tmp_path: Path, database_url: str) -> Subscribers:
    settings = SEND_SETTINGS + "audience:\n  bounce_address: bounces@example.org\n"
    news = make_folder(tmp_path / "news", {"content/newsletter.yaml": settings})
    listed = Subscribers(run_cli, news, database_url)
    listed("import", str(csv_file(tmp_path, [[a, ""] for a in READERS])))
    return listed


def run(subscribers: Subscribers, *args: str) -> Run:
    root = ["--root", str(subscribers.news.root), "--database", subscribers.url]
    return subscribers.run_cli(*args, *root)


def test_send_bounce_and_the_next_send_skips(subscribers: Subscribers, tmp_path: Path) -> None:
    dry = run(subscribers, "send", "1", "--dry-run")
    assert "(envelope sender bounces+1-TOKEN@example.org: VERP)" in dry.out, dry.output
    recorder = Recorder()
    with serving(recorder) as port:
        first = run(subscribers, "send", "1", "--smtp", f"127.0.0.1:{port}")
    assert first.code == 0, first.output
    senders = {d.recipients[0]: d.sender for d in recorder.deliveries}
    assert all(VERP.fullmatch(s) for s in senders.values()), senders
    assert len(set(senders.values())) == len(READERS)  # one per copy
    assert not any("reader" in s for s in senders.values())  # never the address in clear
    copy_ids = {d.recipients[0]: parse(d.data)["Message-ID"] for d in recorder.deliveries}

    # A bounce of reader 1's copy whose report names a forwarding address instead.
    dsn = (CORPUS / "postfix-user-unknown.eml").read_bytes()
    dsn = dsn.replace(
        b"Delivered-To: bounces@example.org", f"Delivered-To: {senders[READERS[1]]}".encode()
    )
    dsn = dsn.replace(b"reader0001@example.net", b"forwarded@example.net")
    dsn = re.sub(rb"Message-ID: <newsletter[^>]*>", b"Message-ID: <unrelated@example.net>", dsn)
    # A complaint about reader 2's copy, the address redacted: only the copy's Message-ID.
    arf = (CORPUS / "arf-abuse-feedback-loop.eml").read_bytes()
    arf = arf.replace(b"Original-Rcpt-To: <reader0009@example.net>\n", b"")
    arf = arf.replace(b"To: reader0009@example.net", b"To: redacted@redacted")
    arf = re.sub(rb"<newsletter[^>]*>", copy_ids[READERS[2]].encode(), arf)
    # A bounce with a forged token: ignored.
    forged = (
        (CORPUS / "qmail-failure.eml")
        .read_bytes()
        .replace(
            b"Delivered-To: bounces@example.org",
            b"Delivered-To: bounces+1-aaaaaaaaaaaaaaaa@example.org",
        )
        .replace(b"reader0006@example.net", READERS[3].encode())
    )
    box = mailbox.mbox(tmp_path / "returns.mbox")
    for message in (dsn, arf, forged):
        box.add(message)
    box.close()
    applied = run(subscribers, "bounces", str(tmp_path / "returns.mbox"))
    assert applied.code == 0, applied.output
    assert f"  {READERS[1]}: bounced (hard bounce, status 5.1.1)" in applied.out
    assert f"  {READERS[2]}: complained" in applied.out
    assert "its VERP token names no copy we sent" in applied.out
    statuses = subscribers.statuses()
    assert statuses == {
        READERS[0]: "active",
        READERS[1]: "bounced",
        READERS[2]: "complained",
        READERS[3]: "active",
        READERS[4]: "active",
    }
    assert "forwarded@example.net" not in statuses
    # The next send's list leaves them out (issue 1's journal is done: its dry run says so).
    again = run(subscribers, "send", "1", "--dry-run")
    assert "not mailed: 2 suppressed" in again.out, again.output
    assert "3 recipients in" in again.out, again.output


def test_a_550_at_rcpt_during_send_is_a_hard_bounce(subscribers: Subscribers) -> None:
    recorder = Recorder(
        refuse_rcpt={READERS[3]: "550 5.1.1 <reader0003@example.org>: no such user"}
    )
    with serving(recorder) as port:
        result = run(subscribers, "send", "1", "--smtp", f"127.0.0.1:{port}")
    assert result.code in (0, 1), result.output
    assert subscribers.statuses()[READERS[3]] == "bounced"
    last = subscribers.shown(READERS[3])["history"][-1]
    assert last["source"] == "send issue 1"
    assert "550 5.1.1" in last["note"] and "at RCPT" in last["note"]
    assert subscribers.statuses()[READERS[0]] == "active"
