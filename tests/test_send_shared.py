"""Several `newsletter send` processes of one issue sharing the journal in PostgreSQL:
concurrent, with and without --part, one of them killed with SIGKILL mid-send. Every
reader gets exactly one copy; a killed process's readers are sent by another.

Each send is a separate process (`python -m newsletter send`) against aiosmtpd in this
one; every wait is bounded and every process and server is stopped at the end.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.audiencetools import Subscribers, csv_file
from tests.conftest import Folder, Run
from tests.postgres import PostgresServer
from tests.sendtools import addresses, parse, send_folder, shared_states
from tests.smtpserver import Recorder, serving

WAIT_SECONDS = 120.0
PEOPLE = addresses(300)


@pytest.fixture
def url(postgres: PostgresServer) -> Iterator[str]:
    url = postgres.database()
    try:
        yield url
    finally:
        postgres.drop(url)


@pytest.fixture
def news(tmp_path: Path, run_cli: Callable[..., Run], url: str) -> Folder:
    """A newsletter whose PostgreSQL database has PEOPLE as active subscribers."""
    news = send_folder(tmp_path / "news")
    rows = [[address, f"Reader {n}"] for n, address in enumerate(PEOPLE)]
    imported = Subscribers(run_cli, news, url)("import", str(csv_file(tmp_path, rows)))
    assert "300 added" in imported.out, imported.output
    return news


def start_send(
    news: Folder, url: str, port: int, log: Path, *options: str
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "newsletter", "send", "1", "--database", url]
    command += ["--smtp", f"127.0.0.1:{port}", "--root", str(news.root), *options]
    with log.open("wb") as output:
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
        )


def finish(process: subprocess.Popen[bytes], log: Path) -> int:
    try:
        return process.wait(timeout=WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
        raise AssertionError(f"the send did not end: {log.read_text()}") from None


def kill(process: subprocess.Popen[bytes]) -> None:
    process.kill()  # SIGKILL: no handler runs, nothing is cleaned up
    process.wait(timeout=10)


@pytest.mark.parametrize("parts", [False, True], ids=["overlapping", "parts"])
def test_two_processes_send_each_reader_one_copy(
    news: Folder, url: str, tmp_path: Path, run_cli: Callable[..., Run], parts: bool
) -> None:
    recorder = Recorder()
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    with serving(recorder) as port:
        processes = [
            start_send(news, url, port, log, *(["--part", f"{k}/2"] if parts else []))
            for k, log in enumerate(logs, 1)
        ]
        try:
            codes = [finish(process, log) for process, log in zip(processes, logs, strict=True)]
        finally:
            for process in processes:
                if process.poll() is None:
                    kill(process)
        rerun = run_cli(
            "send", "1", "--database", url, "--smtp", f"127.0.0.1:{port}",
            "--root", str(news.root),
        )  # fmt: skip
    outputs = [log.read_text() for log in logs]
    assert recorder.received == dict.fromkeys(PEOPLE, 1), outputs
    assert set(shared_states(url).values()) == {"delivered"}
    assert not news.path("content/issues/001/.send.sqlite").exists()  # one record: the database's
    assert rerun.code == 0, rerun.output
    assert "Nothing to send: every recipient of the list was handled before." in rerun.out
    assert all("Traceback" not in output for output in outputs)
    if parts:
        assert codes == [0, 0], outputs
        assert recorder.connections == 2
        sent = [int(output.split("This run: ")[1].split()[0]) for output in outputs]
        assert sum(sent) == 300 and all(0 < count < 300 for count in sent)


def test_one_of_two_killed_mid_send_and_the_other_sends_its_readers(
    news: Folder, url: str, tmp_path: Path
) -> None:
    recorder = Recorder()
    logs = [tmp_path / "killed.log", tmp_path / "survivor.log"]
    with serving(recorder) as port:
        # At most 100 a second each, so that the kill lands well before the end.
        killed, survivor = (start_send(news, url, port, log, "--rate", "6000") for log in logs)
        try:
            deadline = time.monotonic() + WAIT_SECONDS
            while len(recorder.deliveries) < 60 and time.monotonic() < deadline:
                assert killed.poll() is None, logs[0].read_text()
                time.sleep(0.002)
            kill(killed)
            at_kill = len(recorder.deliveries)
            code = finish(survivor, logs[1])
        finally:
            for process in (killed, survivor):
                if process.poll() is None:
                    kill(process)
    output = logs[1].read_text()
    assert 60 <= at_kill < 300, output
    received = recorder.received
    assert max(received.values()) == 1, output  # nobody got a second copy
    states = shared_states(url)
    unknown = [address for address, state in states.items() if state == "handed-over"]
    assert len(unknown) <= 1  # at most the message the killed process had in flight
    assert all(received[p] == 1 for p in PEOPLE if p not in unknown), output
    assert {s for a, s in states.items() if a not in unknown} == {"delivered"}
    assert code == (1 if unknown else 0), output
    assert f"unknown outcome: {len(unknown)};" in output


def test_killed_while_waiting_for_an_answer_then_resumed_from_the_database(
    news: Folder, url: str, tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    held = PEOPLE[120]
    recorder = Recorder(hold=held)
    log = tmp_path / "send.log"
    with serving(recorder) as port:
        process = start_send(news, url, port, log)
        try:
            assert recorder.held.wait(WAIT_SECONDS), log.read_text()
        finally:
            kill(process)
        recorder.release.set()
        states = shared_states(url)
        assert states[held] == "handed-over"
        assert list(states.values()).count("delivered") == 120
        options = ["--database", url, "--smtp", f"127.0.0.1:{port}", "--root", str(news.root)]
        resumed = run_cli("send", "1", *options)
        again = run_cli("send", "1", *options, "--resend-unknown")
    assert resumed.code == 1  # an unknown outcome is not a success
    assert "This run: 179 sent, 0 failed" in resumed.out
    copy = next(d for d in recorder.deliveries if d.recipients == (held,))
    assert f"  {held} {parse(copy.data)['Message-ID']}" in resumed.out
    assert again.code == 0, again.output
    assert recorder.received[held] == 2  # asked to, with the same Message-ID
    assert set(shared_states(url).values()) == {"delivered"}
