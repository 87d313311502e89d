"""`newsletter bounces` on mbox and Maildir sources, against SQLite and PostgreSQL: the
corpus applied, nothing counted twice, dry runs, deletion; and the loop send (VERP) ->
bounce -> the next send skips the address, and a 550 at RCPT as a hard bounce."""

from __future__ import annotations

import mailbox
from collections.abc import Callable
from pathlib import Path

import pytest

from newsletter.audience.bouncing import Decision, apply
from newsletter.audience.database import locate
from newsletter.audience.migrations import open_database
from newsletter.audience.reports import Kind
from tests.audiencetools import Subscribers, csv_file
from tests.conftest import Folder, Run, make_folder
from tests.sendtools import SEND_SETTINGS

RunCli = Callable[..., Run]
CORPUS = Path(__file__).parent / "fixtures" / "bounces"
READERS = [f"reader{n:04d}@example.net" for n in range(1, 11)]
VERP_SETTINGS = SEND_SETTINGS + "audience:\n  bounce_address: bounces@example.org\n"


@pytest.fixture
def news(tmp_path: Path) -> Folder:
    return make_folder(tmp_path / "news", {"content/newsletter.yaml": VERP_SETTINGS})


@pytest.fixture
def subscribers(run_cli: RunCli, news: Folder, database_url: str, tmp_path: Path) -> Subscribers:
    listed = Subscribers(run_cli, news, database_url)
    listed("import", str(csv_file(tmp_path, [[a, ""] for a in READERS])))
    return listed


def bounces(subscribers: Subscribers, *args: str) -> Run:
    root = ["--root", str(subscribers.news.root), "--database", subscribers.url]
    return subscribers.run_cli("bounces", *args, *root)


def corpus_mbox(folder: Path, names: list[str] | None = None) -> Path:
    path = folder / "bounces.mbox"
    box = mailbox.mbox(path)
    for file in sorted(CORPUS.glob("*.eml")):
        if names is None or file.stem in names:
            box.add(file.read_bytes())
    box.close()
    return path


EXPECTED = {
    **dict.fromkeys([READERS[i] for i in (0, 1, 2, 3, 5, 6, 7)], "bounced"),
    READERS[4]: "active",  # one soft bounce
    READERS[8]: "complained",
    READERS[9]: "active",  # out of office
}


def test_the_corpus_is_applied_once_and_printed_per_address(
    subscribers: Subscribers, tmp_path: Path
) -> None:
    source = corpus_mbox(tmp_path)
    first = bounces(subscribers, str(source))
    assert first.code == 0, first.output
    assert subscribers.statuses() == EXPECTED
    assert "  reader0001@example.net: bounced (hard bounce, status 5.1.1)" in first.out
    assert "soft bounce (soft bounce, status 4.4.1, no issue named): 0 of 3" in first.out
    assert "<ooo-0010@example.net>: an auto-reply (its subject): ignored" in first.out
    assert "stranger" not in str(subscribers.statuses())
    assert "about a message we did not send (<spam-0001@elsewhere.example.net>)" in first.out
    assert "11 messages: 7 hard bounce, 1 soft bounce, 1 complaint, 2 ignored" in first.out
    history = subscribers.shown(READERS[0])["history"]
    assert history[-1]["source"] == "bounce <20240514071203.4F1A2B3C4D@mx.example.org>"
    assert "5.1.1" in history[-1]["note"]
    again = bounces(subscribers, str(source))
    assert "0 hard bounce" in again.out and "11 read before" in again.out, again.out
    assert len(mailbox.mbox(source)) == 11  # never deleted without --delete


def test_a_dry_run_decides_the_same_and_writes_nothing(
    subscribers: Subscribers, tmp_path: Path
) -> None:
    source = corpus_mbox(tmp_path)
    dry = bounces(subscribers, str(source), "--dry-run", "--delete")
    assert dry.code == 0, dry.output
    assert "Dry run: nothing was written or deleted." in dry.out
    assert "  reader0001@example.net: bounced" in dry.out
    assert set(subscribers.statuses().values()) == {"active"}
    assert len(mailbox.mbox(source)) == 11
    real = bounces(subscribers, str(source))
    assert "7 hard bounce" in real.out


def test_delete_removes_what_was_handled_and_leaves_what_a_person_wrote(
    subscribers: Subscribers, tmp_path: Path
) -> None:
    source = corpus_mbox(tmp_path, ["postfix-user-unknown", "out-of-office"])
    box = mailbox.mbox(source)
    box.add(b"From: editor@example.net\nSubject: a question\n\nWhen is the next issue?\n")
    box.close()
    result = bounces(subscribers, str(source), "--delete")
    assert result.code == 0, result.output
    left = [message["Subject"] for message in mailbox.mbox(source)]
    assert left == ["a question"]
    assert "2 deleted." in result.out
    again = bounces(subscribers, str(source), "--delete")  # read before, and still a person's
    assert "1 read before" in again.out and "0 deleted." in again.out, again.out
    assert [message["Subject"] for message in mailbox.mbox(source)] == ["a question"]


def test_a_maildir_is_read_and_an_unreadable_message_is_reported_and_left(
    subscribers: Subscribers, tmp_path: Path
) -> None:
    folder = mailbox.Maildir(tmp_path / "Maildir")
    folder.add((CORPUS / "qmail-failure.eml").read_bytes())
    folder.close()
    (tmp_path / "Maildir" / "new" / "1715670000.broken.host").write_bytes(b"")
    (tmp_path / "Maildir" / "new" / "1715670001.gone.host").symlink_to(tmp_path / "nowhere")
    result = bounces(subscribers, str(tmp_path / "Maildir"), "--delete")
    assert result.code == 0, result.output
    assert subscribers.statuses()[READERS[5]] == "bounced"
    assert "1715670000.broken.host: cannot be read (it has no header lines" in result.out
    assert "1715670001.gone.host: cannot be read" in result.out
    assert sorted(p.name for p in (tmp_path / "Maildir" / "new").iterdir()) == [
        "1715670000.broken.host",
        "1715670001.gone.host",
    ]


def test_a_source_that_is_not_a_mailbox_is_refused_before_anything_is_read(
    subscribers: Subscribers, tmp_path: Path
) -> None:
    source = corpus_mbox(tmp_path)
    result = bounces(subscribers, str(source), str(tmp_path / "missing"))
    assert result.code == 2
    assert "missing: no such file or folder; a source is an mbox file" in result.err
    assert set(subscribers.statuses().values()) == {"active"}


def test_three_soft_bounces_from_three_issues_make_a_bounce(subscribers: Subscribers) -> None:
    database = open_database(locate(subscribers.news.root, subscribers.url))
    outcomes = []
    try:
        for n, issue in enumerate([1, 1, 2, None, 3]):
            decision = Decision(READERS[0], Kind.SOFT, "4.2.2", issue, True)
            with database.writing() as connection:
                outcomes.append(apply(database, connection, decision, f"bounce <{n}>", f"r{n}"))
    finally:
        database.close()
    assert [o.rsplit(": ", 1)[-1] for o in outcomes[:4]] == [
        "1 of 3 issues",
        "1 of 3 issues",
        "2 of 3 issues",
        "2 of 3 issues",
    ]
    assert outcomes[4].startswith("bounced (soft bounce, status 4.2.2)")
    assert subscribers.statuses()[READERS[0]] == "bounced"
    assert subscribers.shown(READERS[0])["history"][-1]["source"] == "bounce <4>"
