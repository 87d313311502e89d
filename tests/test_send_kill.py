"""`newsletter send` killed with SIGKILL in the middle of a list, then run again: no
recipient gets a second copy, and the one whose outcome is unknown is reported.

The send runs as a separate process (`python -m newsletter send`) against aiosmtpd in
this one; every wait is bounded and the server is stopped at the end.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Folder, Run
from tests.sendtools import (
    addresses,
    journal_states,
    kill,
    parse,
    send_folder,
    send_process,
    write_list,
)
from tests.smtpserver import Recorder, serving

WAIT_SECONDS = 60.0


def start_send(
    news: Folder, port: int, recipients: Path, log: Path, *options: str
) -> subprocess.Popen[bytes]:
    return send_process(news, port, log, "--recipients", str(recipients), *options)


def test_killed_while_waiting_for_an_answer_then_resumed(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    news = send_folder(tmp_path / "news")
    people = addresses(300)
    recipients = write_list(news, people)
    held = people[120]
    # The server takes the 121st message, then keeps its answer back: the sender is
    # killed after the final dot, before it learns the outcome.
    recorder = Recorder(hold=held)
    log = tmp_path / "send.log"
    with serving(recorder) as port:
        process = start_send(news, port, recipients, log)
        try:
            assert recorder.held.wait(WAIT_SECONDS), log.read_text()
        finally:
            kill(process)
        recorder.release.set()
        states = journal_states(news)
        assert states[held] == "handed-over"
        assert list(states.values()).count("delivered") == 120
        assert list(states.values()).count("pending") == 179

        resumed = run_cli(
            "send", "1", "--recipients", str(recipients), "--smtp", f"127.0.0.1:{port}",
            "--root", str(news.root),
        )  # fmt: skip
        assert resumed.code == 1  # an unknown outcome is not a success
        assert recorder.received == dict.fromkeys(people, 1)
        assert "This run: 179 sent, 0 failed" in resumed.out
        assert "unknown outcome: 1;" in resumed.out
        copy = next(d for d in recorder.deliveries if d.recipients == (held,))
        message_id = parse(copy.data)["Message-ID"]
        assert f"  {held} {message_id}" in resumed.out  # what to look for in the server's log

        # Asked to, it sends the unknown one again: with the same Message-ID, by which
        # a mailbox can tell the second copy from a new message.
        again = run_cli(
            "send", "1", "--recipients", str(recipients), "--smtp", f"127.0.0.1:{port}",
            "--root", str(news.root), "--resend-unknown",
        )  # fmt: skip
    assert again.code == 0, again.output
    assert recorder.received[held] == 2
    copies = [parse(d.data)["Message-ID"] for d in recorder.deliveries if d.recipients == (held,)]
    assert copies == [message_id, message_id]
    assert set(journal_states(news).values()) == {"delivered"}


def test_killed_at_a_random_moment_then_resumed(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    news = send_folder(tmp_path / "news")
    people = addresses(300)
    recipients = write_list(news, people)
    recorder = Recorder()
    log = tmp_path / "send.log"
    with serving(recorder) as port:
        # At most 500 a second, so that the kill lands well before the end of the list.
        process = start_send(news, port, recipients, log, "--rate", "30000")
        try:
            deadline = time.monotonic() + WAIT_SECONDS
            while len(recorder.deliveries) < 100 and time.monotonic() < deadline:
                assert process.poll() is None, log.read_text()
                time.sleep(0.002)
        finally:
            kill(process)
        before = len(recorder.deliveries)
        assert 100 <= before < 300, log.read_text()
        resumed = run_cli(
            "send", "1", "--recipients", str(recipients), "--smtp", f"127.0.0.1:{port}",
            "--root", str(news.root),
        )  # fmt: skip
    received = recorder.received
    assert max(received.values()) == 1  # nobody got a second copy
    states = journal_states(news)
    unknown = [address for address, state in states.items() if state == "handed-over"]
    assert len(unknown) <= 1  # at most the one message in flight when it was killed
    assert all(received[p] == 1 for p in people if p not in unknown)
    assert resumed.code == (1 if unknown else 0), resumed.output
    assert f"unknown outcome: {len(unknown)};" in resumed.out


def test_ctrl_c_stops_after_the_message_in_progress(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    news = send_folder(tmp_path / "news")
    people = addresses(300)
    recipients = write_list(news, people)
    recorder = Recorder()
    log = tmp_path / "send.log"
    with serving(recorder) as port:
        process = start_send(news, port, recipients, log, "--rate", "6000")
        try:
            deadline = time.monotonic() + WAIT_SECONDS
            while len(recorder.deliveries) < 30 and time.monotonic() < deadline:
                assert process.poll() is None, log.read_text()
                time.sleep(0.005)
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                kill(process)
    text = log.read_text()
    assert code == 1, text
    assert "Stopping after the message in progress" in text
    assert "Stopped: interrupted." in text
    assert "Traceback" not in text
    states = journal_states(news)
    assert "handed-over" not in states.values()  # the message in progress was finished
    delivered = len(recorder.deliveries)
    assert 30 <= delivered < 300
    assert list(states.values()).count("delivered") == delivered
    assert f"Run the same command again to send to the {300 - delivered} not sent yet." in text
