"""The pieces of `send` one by one: the list file, the journal, the secret, pacing and
backoff, the options, the progress display."""

from __future__ import annotations

import io
import random
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from newsletter.audience.addresses import clean_name
from newsletter.errors import ContentError, UsageError
from newsletter.layout import SECRET_PATH
from newsletter.sending.journal import Journal, State
from newsletter.sending.options import make_request
from newsletter.sending.pacing import Backoff, Pacer
from newsletter.sending.progress import Counts, Progress, duration
from newsletter.sending.recipients import read_recipients
from newsletter.sending.request import Request, in_part
from newsletter.sending.secret import load_secret, read_secret
from newsletter.sending.smtp import Security, parse_server
from tests.conftest import Folder, Run
from tests.sendtools import addresses, send_folder

# -- the list ------------------------------------------------------------------------


def test_the_list_may_have_a_bom_an_Email_header_and_cells_over_several_lines(
    tmp_path: Path,
) -> None:
    file = tmp_path / "list.csv"
    text = 'Name, Email ,city\n"Ann\nLee",ann@example.org,Paris\nBob,bob@example.org\n'
    file.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    listing = read_recipients(file)
    assert [(r.address, r.name, r.line) for r in listing.recipients] == [
        ("ann@example.org", "Ann Lee", 3),
        ("bob@example.org", "Bob", 4),
    ]
    assert listing.invalid == [] and listing.duplicates == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "has no 'email' column: the first row must name the columns (found nothing)"),
        (b"mail,name\nann@example.org,Ann\n", "has no 'email' column"),
        (b"ann@example.org\nbob@example.org\n", "found 'ann@example.org'"),
        (b"email\nann@example.org\n\xff\xfe\n", "is not UTF-8 text"),
    ],
)
def test_a_list_that_cannot_be_read_names_the_file(
    tmp_path: Path, content: bytes, message: str
) -> None:
    file = tmp_path / "subscribers.csv"
    file.write_bytes(content)
    with pytest.raises(ContentError) as raised:
        read_recipients(file)
    assert str(file) in str(raised.value)
    assert message in str(raised.value)


def test_a_missing_list_is_a_usage_error(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    news = send_folder(tmp_path / "news")
    result = run_cli(
        "send", "1", "--recipients", str(tmp_path / "nowhere.csv"), "--dry-run",
        "--root", str(news.root),
    )  # fmt: skip
    assert result.code == 2
    assert "nowhere.csv" in result.err and "does not exist" in result.err


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("  Ann   Lee ", "Ann Lee"),
        ("Eve\r\nBcc: x@example.org", "Eve Bcc: x@example.org"),
        ("Tab\there\u2028and\x00nul\u200bzero", "Tab here and nul zero"),
        ("x" * 300, "x" * 100),
    ],
)
def test_names_become_one_line_of_printable_text(name: str, cleaned: str) -> None:
    assert clean_name(name) == cleaned


# -- the journal ---------------------------------------------------------------------


def test_a_recipient_is_handed_over_once_even_by_two_processes(tmp_path: Path) -> None:
    path = tmp_path / ".send.sqlite"
    first, second = Journal.open(path), Journal.open(path)
    try:
        first.add(["ann@example.org", "bob@example.org"])
        second.add(["bob@example.org", "carol@example.org"])
        assert first.hand_over("bob@example.org")
        assert not second.hand_over("bob@example.org")  # the other process has it
        assert not first.hand_over("bob@example.org")
        first.delivered("bob@example.org", "250 OK")
        assert second.hand_over("carol@example.org")
        second.release("carol@example.org", "451 later")  # refused at the dot: took nothing
        assert first.hand_over("carol@example.org")
        assert first.hand_over("ann@example.org")
        first.reopen(["ann@example.org"])  # --resend-unknown
        states = second.states()
    finally:
        first.close()
        second.close()
    assert states == {
        "ann@example.org": State.PENDING,
        "bob@example.org": State.DELIVERED,
        "carol@example.org": State.HANDED_OVER,
    }
    with sqlite3.connect(path) as connection:
        attempts = dict(connection.execute("SELECT address, attempts FROM recipient"))
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
    assert attempts == {"ann@example.org": 1, "bob@example.org": 1, "carol@example.org": 2}
    assert mode == "wal"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_journal_of_a_newer_format_or_not_a_journal_is_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite"
    with sqlite3.connect(newer) as connection:
        connection.execute("PRAGMA user_version=7")
    with pytest.raises(UsageError, match="newer newsletter"):
        Journal.open(newer)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(UsageError, match="cannot be used"):
        Journal.open(garbage)
    assert Journal.read(tmp_path / "none.sqlite") is None


# -- the secret ----------------------------------------------------------------------


def test_tokens_are_keyed_by_the_secret_and_never_show_the_address(tmp_path: Path) -> None:
    assert read_secret(tmp_path) is None
    (tmp_path / "content").mkdir()
    secret = load_secret(tmp_path)
    assert stat.S_IMODE((tmp_path / SECRET_PATH).stat().st_mode) == 0o600
    assert load_secret(tmp_path) == secret
    token = secret.token("Ann.Lee@Example.org")
    assert len(token) == 22 and token.isascii()
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert token == secret.token("ann.lee@example.org")
    assert token != secret.token("bob@example.org")
    assert "ann" not in token.lower()
    assert secret.message_key(62, "ann.lee@example.org") not in token
    assert secret.message_key(62, "ann.lee@example.org") != secret.message_key(
        63, "ann.lee@example.org"
    )
    other = tmp_path / "other"
    (other / "content").mkdir(parents=True)
    assert load_secret(other).token("ann.lee@example.org") != token


def test_a_short_secret_is_refused(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / SECRET_PATH).write_text("short\n")
    with pytest.raises(ContentError, match="too short"):
        load_secret(tmp_path)


# -- pacing --------------------------------------------------------------------------


def test_the_pacer_spaces_messages_evenly() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(120, clock=lambda: now[0], sleep=sleep)  # one every 0.5 s
    for _ in range(4):
        pacer.wait()
        now[0] += 0.1  # the message takes 0.1 s
    assert slept == pytest.approx([0.4, 0.4, 0.4])
    now[0] += 10  # a long pause earns no burst
    pacer.wait()
    pacer.wait()
    assert slept[-1] == pytest.approx(0.5)
    unlimited = Pacer(None, sleep=sleep)
    unlimited.wait()
    assert len(slept) == 4


def test_backoff_doubles_within_bounds_with_jitter() -> None:
    backoff = Backoff(2.0, 60.0, 5)
    rng = random.Random(7)
    for attempt, base in [(1, 2.0), (2, 4.0), (3, 8.0), (4, 16.0), (6, 60.0), (30, 60.0)]:
        delays = [backoff.delay(attempt, rng) for _ in range(200)]
        assert min(delays) >= base * 0.5 and max(delays) <= base * 1.5
        assert max(delays) - min(delays) > base * 0.5  # jittered, not constant


# -- parts of a list -----------------------------------------------------------------


def test_parts_divide_a_list_without_overlap() -> None:
    people = [a.lower() for a in addresses(500)]
    parts = [{p for p in people if in_part(p, (k, 4))} for k in range(1, 5)]
    assert set().union(*parts) == set(people)
    assert sum(len(part) for part in parts) == len(people)
    assert all(80 < len(part) < 170 for part in parts)


# -- options -------------------------------------------------------------------------

_DEFAULTS: dict[str, Any] = {
    "recipients": Path("list.csv"),
    "smtp": "smtp.example.org:587",
    "user": None,
    "starttls": False,
    "ssl": False,
    "cafile": None,
    "rate": None,
    "dry_run": False,
    "test": None,
    "resend_unknown": False,
    "part": None,
}


def request(environ: dict[str, str] | None = None, **changes: Any) -> Request:
    return make_request(1, **{**_DEFAULTS, **changes}, environ=environ or {})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"starttls": True, "ssl": True}, "exclude each other"),
        ({"dry_run": True, "test": "a@example.org"}, "exclude each other"),
        ({"smtp": None}, "--smtp HOST:PORT is needed"),
        ({"smtp": "smtp.example.org:99999"}, "is not HOST:PORT"),
        ({"smtp": "a b:25"}, "is not HOST:PORT"),
        ({"cafile": Path("ca.pem")}, "--cafile is for --starttls or --ssl"),
        ({"user": "editor"}, "needs the password in NEWSLETTER_SMTP_PASSWORD"),
        ({"part": "3/2"}, "is not K/N"),
        ({"part": "one/two"}, "is not K/N"),
    ],
)
def test_options_that_do_not_go_together_are_usage_errors(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        request(**changes)


def test_the_password_never_travels_unencrypted_to_another_machine() -> None:
    environ = {"NEWSLETTER_SMTP_PASSWORD": "pw"}
    with pytest.raises(UsageError, match="unencrypted"):
        request(environ, user="editor")
    secured = request(environ, user="editor", starttls=True)
    assert secured.server is not None and secured.server.password == "pw"
    assert "pw" not in repr(secured)
    local = request(environ, user="editor", smtp="127.0.0.1:2525")
    assert local.server is not None and local.server.security is Security.NONE


def test_smtp_addresses_and_default_ports() -> None:
    assert parse_server("mail.example.org", Security.NONE) == ("mail.example.org", 25)
    assert parse_server("mail.example.org", Security.STARTTLS) == ("mail.example.org", 587)
    assert parse_server("mail.example.org", Security.SSL) == ("mail.example.org", 465)
    assert parse_server("mail.example.org:2525", Security.SSL) == ("mail.example.org", 2525)
    assert parse_server("[::1]:2525", Security.NONE) == ("::1", 2525)
    assert parse_server("[2001:db8::1]", Security.STARTTLS) == ("2001:db8::1", 587)


@pytest.mark.parametrize("smtp", ["localhost:25:x", "mail.example.org:587:", "::1", "[::1]:25:x"])
def test_an_smtp_address_with_more_colons_is_a_usage_error(
    folder: Folder, run_cli: Callable[..., Run], smtp: str
) -> None:
    result = run_cli("send", "1", "--smtp", smtp, "--dry-run", "--root", str(folder.root))
    assert result.code == 2, result.output
    assert f"--smtp {smtp!r} is not HOST:PORT (e.g. smtp.example.org:587)" in result.err
    assert "Traceback" not in result.output


# -- progress ------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere() -> None:
    now = [0.0]
    for stream in (Terminal(), io.StringIO()):
        counts = Counts(total=20)
        progress = Progress(counts, stream, clock=lambda: now[0])
        for _ in range(20):
            now[0] += 0.5
            counts.sent += 1
            progress.update()
        progress.update(final=True)
        progress.clear()
        text = stream.getvalue()
        if isinstance(stream, Terminal):
            assert "\r\x1b[K[############............] 10 sent, 0 failed, 10 remaining" in text
            assert "120/min · ETA 5s" in text
            assert text.endswith("\r\x1b[K")
        else:
            lines = text.splitlines()
            assert len(lines) == 10  # at each tenth
            assert lines[0] == "2 sent, 0 failed, 18 remaining · 120/min · ETA 9s"
            assert lines[-1] == "20 sent, 0 failed, 0 remaining"


def test_durations_read_like_a_clock() -> None:
    assert [duration(s) for s in (0.2, 45, 200, 7500)] == ["0s", "45s", "3m20s", "2h05m"]


def test_a_dry_run_needs_no_server_and_writes_nothing(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    news: Folder = send_folder(tmp_path / "news")
    news.write("list.csv", "email\nann@example.org\n")
    before = sorted(p.name for p in news.root.rglob("*"))
    result = run_cli(
        "send", "1", "--recipients", str(news.path("list.csv")), "--dry-run",
        "--root", str(news.root),
    )  # fmt: skip
    assert result.code == 0, result.output
    assert "would send 1 copy of issue 1" in result.out
    assert sorted(p.name for p in news.root.rglob("*")) == before
