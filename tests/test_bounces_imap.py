"""`newsletter bounces imaps://...` against a real IMAP server over TLS (tests/imapserver.py,
a trustme CA): the corpus applied as from an mbox, nothing deleted without --delete and
only what was applied with it, nothing counted twice; a wrong password, an untrusted
certificate, an unreachable port, a missing folder or password: a clear error, nothing
changed. On SQLite only: the database is no part of what is tested here."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.audiencetools import Subscribers, csv_file
from tests.conftest import Run, make_folder
from tests.imapserver import Imapd, serving
from tests.test_bounces import CORPUS, EXPECTED, READERS, VERP_SETTINGS, bounces, corpus_mbox

RunCli = Callable[..., Run]
PASSWORD = 's3cret "quoted" \\ pass'
KEPT = b"From: a@example.net\r\nSubject: kept for now\r\n\r\nundo me\r\n"
PERSON = b"From: editor@example.net\r\nSubject: a question\r\n\r\nWhen is the next issue?\r\n"


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def cafile(authority: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def imapd() -> Imapd:
    server = Imapd("bounces", PASSWORD)
    server.load("INBOX", [file.read_bytes() for file in sorted(CORPUS.glob("*.eml"))])
    return server


@pytest.fixture
def port(imapd: Imapd, authority: trustme.CA) -> Iterator[int]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    with serving(imapd, context) as number:
        yield number


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSLETTER_IMAP_PASSWORD", PASSWORD)


def subscribers_in(run_cli: RunCli, folder: Path) -> Subscribers:
    news = make_folder(folder / "news", {"content/newsletter.yaml": VERP_SETTINGS})
    listed = Subscribers(run_cli, news, f"sqlite:///{folder / 'subscribers.sqlite'}")
    listed("import", str(csv_file(folder, [[a, ""] for a in READERS])))
    return listed


@pytest.fixture
def subscribers(run_cli: RunCli, tmp_path: Path) -> Subscribers:
    return subscribers_in(run_cli, tmp_path)


def _undated(shown: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in step.items() if k != "at"} for step in shown["history"]]


def url(port: int, folder: str = "INBOX", user: str = "bounces") -> str:
    return f"imaps://{user}@127.0.0.1:{port}/{folder}"


def test_the_folder_is_applied_as_the_same_mbox_and_nothing_twice(
    subscribers: Subscribers, imapd: Imapd, port: int, cafile: Path, tmp_path: Path
) -> None:
    first = bounces(subscribers, url(port), "--cafile", str(cafile))
    assert first.code == 0, first.output
    assert subscribers.statuses() == EXPECTED
    (tmp_path / "mbox").mkdir()
    other = subscribers_in(subscribers.run_cli, tmp_path / "mbox")
    from_mbox = bounces(other, str(corpus_mbox(tmp_path / "mbox")))
    assert other.statuses() == subscribers.statuses()
    assert from_mbox.out.splitlines()[-1] == first.out.splitlines()[-1]
    assert first.out.splitlines()[-1].startswith("11 messages: 7 hard bounce, 1 soft bounce")
    for reader in READERS:
        assert _undated(subscribers.shown(reader)) == _undated(other.shown(reader))
    assert len(imapd.left()) == 11 and imapd.expunged == []
    assert not any(m.flags for m in imapd.folders["INBOX"])  # BODY.PEEK: not even \Seen
    assert "UID STORE" not in imapd.commands and "EXPUNGE" not in imapd.commands
    again = bounces(subscribers, url(port), "--cafile", str(cafile))
    assert "0 hard bounce" in again.out and "11 read before" in again.out, again.out
    assert subscribers.statuses() == EXPECTED


def test_delete_expunges_only_the_applied_bounces(
    subscribers: Subscribers, imapd: Imapd, port: int, cafile: Path
) -> None:
    imapd.load("INBOX", [PERSON])
    # Marked deleted by another client, which has not expunged it: not ours to expunge.
    imapd.load("INBOX", [KEPT], {"\\Deleted"})
    result = bounces(subscribers, url(port), "--cafile", str(cafile), "--delete")
    assert result.code == 0, result.output
    assert "11 deleted." in result.out
    assert sorted(imapd.expunged) == sorted(f.read_bytes() for f in CORPUS.glob("*.eml"))
    assert [m.data for m in imapd.folders["INBOX"]] == [
        PERSON,
        KEPT,
    ]
    again = bounces(subscribers, url(port), "--cafile", str(cafile), "--delete")
    assert again.code == 0, again.output
    assert "0 deleted." in again.out and len(imapd.left()) == 2


def test_a_wrong_password_is_a_clear_error_and_changes_nothing(
    subscribers: Subscribers, imapd: Imapd, port: int, cafile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSLETTER_IMAP_PASSWORD", "wrong")
    result = bounces(subscribers, url(port), "--cafile", str(cafile), "--delete")
    assert result.code == 2, result.output
    assert f"{url(port)}: the server refused the login" in result.err, result.err
    assert "Invalid credentials" in result.err and "Traceback" not in result.output
    assert set(subscribers.statuses().values()) == {"active"}
    assert len(imapd.left()) == 11 and "SELECT" not in imapd.commands


def test_an_untrusted_certificate_is_a_clear_error(
    subscribers: Subscribers, imapd: Imapd, port: int
) -> None:
    result = bounces(subscribers, url(port))
    assert result.code == 2, result.output
    assert "the certificate of 127.0.0.1 does not verify" in result.err, result.err
    assert "--cafile" in result.err and "LOGIN" not in imapd.commands


def test_an_unreachable_port_is_a_clear_error_at_once(subscribers: Subscribers) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    started = time.monotonic()
    result = bounces(subscribers, url(closed))
    assert time.monotonic() - started < 5
    assert result.code == 2, result.output
    assert f"{url(closed)}: cannot connect" in result.err, result.err


def test_a_missing_folder_is_a_clear_error(
    subscribers: Subscribers, imapd: Imapd, port: int, cafile: Path
) -> None:
    result = bounces(subscribers, url(port, "Bounces"), "--cafile", str(cafile))
    assert result.code == 2, result.output
    assert "the server has no folder 'Bounces'" in result.err, result.err
    assert imapd.commands[-1] == "LOGOUT"  # the connection is closed properly


def test_a_missing_password_is_a_usage_error(
    subscribers: Subscribers, imapd: Imapd, port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSLETTER_IMAP_PASSWORD")
    result = bounces(subscribers, url(port))
    assert result.code == 2, result.output
    assert "set NEWSLETTER_IMAP_PASSWORD to the password of the mailbox" in result.err
    assert imapd.commands == []
