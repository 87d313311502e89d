"""Benchmark `newsletter send` against plain smtplib over one connection.

Run from anywhere with the project installed (`./run` 's venv, or any venv that has
aiosmtpd, which the `test` extra installs)::

    python bench/send.py [--messages 2000] [--issue 61] [--rounds 3]

A copy of the sample newsletter goes into a temporary folder with a list of
`--messages` recipients, and aiosmtpd's Sink handler (which takes every message and
keeps none) listens on 127.0.0.1 in a process of its own. Each round times, side by
side on the same server:

- plain smtplib: one connection, `sendmail` for each message, the very bytes our send
  delivers (every recipient's personalised copy, made before the clock starts);
- `newsletter send` (the library call the command makes, journal on: SQLite with
  synchronous=FULL for each hand-over), from its first connection to its last answer,
  composing each copy as it goes; and the whole call, which also reads the content,
  renders the issue, reads the list and opens the journal.

It prints messages a second for each, the best and the median of the rounds, and the
ratio ours / smtplib against performance.md's target (>= 80%). It reports; it is not a
test: it exits 0 whatever the figures are.
"""

from __future__ import annotations

import argparse
import io
import re
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsletter.layout import JOURNAL_NAME
from newsletter.sending.copies import Copies
from newsletter.sending.recipients import read_recipients
from newsletter.sending.request import Request
from newsletter.sending.run import send
from newsletter.sending.secret import load_secret
from newsletter.sending.smtp import Server
from newsletter.site import load

REPO_ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.80
_START_SECONDS = 15.0


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def sink_server() -> Iterator[int]:
    """aiosmtpd's Sink on 127.0.0.1 in its own process; yields the port."""
    port = free_port()
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink"]
    process = subprocess.Popen([*command, "-l", f"127.0.0.1:{port}"], stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + _START_SECONDS
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("aiosmtpd did not start (is it installed?)") from None
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def make_folder(work: Path, messages: int) -> Path:
    """A copy of the sample with a list of `messages` recipients; returns the list."""
    for name in ("content", "calendar"):
        shutil.copytree(REPO_ROOT / name, work / name)
    recipients = work / "list.csv"
    rows = [f"reader{n:05d}@example.org,Reader {n}" for n in range(messages)]
    recipients.write_text("email,name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return recipients


def plain_copies(work: Path, issue: int, recipients: Path) -> tuple[str, list[tuple[str, bytes]]]:
    """The envelope sender and each recipient's copy as smtplib wants it (not dot-stuffed)."""
    newsletter, _ = load(work)
    found = newsletter.issue(issue)
    if found is None:
        raise SystemExit(f"the sample has no issue {issue}")
    copies = Copies(newsletter, work, found, load_secret(work))
    stuffed = re.compile(rb"^\.\.", re.MULTILINE)
    made = [copies.copy(r) for r in read_recipients(recipients).recipients]
    return copies.sender, [(c.address, stuffed.sub(b".", c.data)) for c in made]


def time_plain(port: int, sender: str, messages: list[tuple[str, bytes]]) -> float:
    """Messages a second of smtplib's sendmail over one connection."""
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for address, data in messages:
            smtp.sendmail(sender, [address], data)
    return len(messages) / (time.perf_counter() - start)


def time_ours(work: Path, port: int, issue: int, recipients: Path) -> tuple[float, float]:
    """Messages a second of our send: delivering alone, and the whole call."""
    for journal in work.glob(f"content/issues/*/{JOURNAL_NAME}*"):
        journal.unlink()
    request = Request(issue, recipients, Server("127.0.0.1", port))
    start = time.perf_counter()
    summary = send(work, request, lambda line: None, io.StringIO())
    whole = time.perf_counter() - start
    sent = summary.counts.sent
    if summary.exit_code != 0 or sent != summary.counts.total:
        raise SystemExit("\n".join(["our send did not deliver every message:", *summary.lines]))
    return sent / summary.seconds, sent / whole


def main(argv: list[str] | None = None) -> None:
    """Run the rounds and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--issue", type=int, default=61, help="the sample issue to send")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, sink_server() as port:
        work = Path(folder)
        recipients = make_folder(work, args.messages)
        sender, messages = plain_copies(work, args.issue, recipients)
        size = statistics.mean(len(data) for _, data in messages)
        print(f"{args.messages:,} messages of issue {args.issue}, {size / 1000:.0f} KB each")
        print("to aiosmtpd's Sink on 127.0.0.1, in a process of its own\n")
        plain, ours, whole = [], [], []
        for round_number in range(1, args.rounds + 1):
            plain.append(time_plain(port, sender, messages))
            delivering, overall = time_ours(work, port, args.issue, recipients)
            ours.append(delivering)
            whole.append(overall)
            print(
                f"round {round_number}: smtplib {plain[-1]:6.0f}/s   ours {ours[-1]:6.0f}/s "
                f"(whole call {whole[-1]:.0f}/s)"
            )
    print()
    for label, figures in (
        ("plain smtplib", plain),
        ("newsletter send (delivering)", ours),
        ("newsletter send (whole call)", whole),
    ):
        best, median = max(figures), statistics.median(figures)
        print(f"{label:30} best {best:6.0f}/s   median {median:6.0f}/s")
    ratio = statistics.median(ours) / statistics.median(plain)
    ratio_whole = statistics.median(whole) / statistics.median(plain)
    verdict = "ok" if ratio >= TARGET else "MISSED"
    print(f"\nours / smtplib (medians): {ratio:.0%} delivering, {ratio_whole:.0%} whole call")
    print(f"target >= {TARGET:.0%} with the journal on: {verdict}")


if __name__ == "__main__":
    main()
