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

- `newsletter send` again with DKIM signing on (`email.dkim`, a 2048-bit key).

It prints messages a second for each, the best and the median of the rounds, the
ratio ours / smtplib against performance.md's target (>= 80%), and signed / unsigned
against the deliverability issue's (>= 70%); then what signing one copy costs, ours
(the `cryptography` package's RSA) beside dkimpy's own `dkim.sign` (pure-Python RSA).
It reports; it is not a test: it exits 0 whatever the figures are.
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
DKIM_TARGET = 0.70
SELECTOR = "bench"
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


def with_dkim(work: Path, key_folder: Path) -> Path:
    """A second folder like `work`, its settings with `email.dkim` and a fresh key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    signed = work.parent / "signed"
    shutil.copytree(work, signed)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = key_folder / "dkim.pem"
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key_file.write_bytes(pem)
    key_file.chmod(0o600)
    settings = signed / "content/newsletter.yaml"
    text = settings.read_text("utf-8")
    block = f"  dkim:\n    selector: {SELECTOR}\n    key_file: {key_file}\n"
    settings.write_text(text.replace("email:\n", "email:\n" + block, 1), "utf-8")
    return signed


def signing_cost(signed: Path, issue: int, count: int = 200) -> tuple[float, float]:
    """Milliseconds to sign one copy: ours, and dkimpy's `dkim.sign`."""
    import dkim

    from newsletter.sending.dkim import SIGNED, signer

    newsletter, _ = load(signed)
    found = newsletter.issue(issue)
    assert found is not None
    ours = signer(signed, newsletter.settings)
    assert ours is not None
    copies = Copies(newsletter, signed, found, load_secret(signed))
    data = copies.copy(read_recipients(signed / "list.csv").recipients[0]).data
    start = time.perf_counter()
    for _ in range(count):
        ours.signature(data)
    mine = (time.perf_counter() - start) * 1000 / count
    settings = newsletter.settings.email.dkim
    assert settings is not None
    pem = Path(settings.key_file).read_bytes()
    headers = [name.encode() for name in SIGNED]
    start = time.perf_counter()
    for _ in range(count // 10):
        dkim.sign(data, SELECTOR.encode(), b"example.org", pem, include_headers=headers)
    theirs = (time.perf_counter() - start) * 1000 / (count // 10)
    return mine, theirs


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
        work = Path(folder) / "plain"
        work.mkdir()
        keys = Path(folder) / "keys"
        keys.mkdir()
        recipients = make_folder(work, args.messages)
        signed = with_dkim(work, keys)
        sender, messages = plain_copies(work, args.issue, recipients)
        size = statistics.mean(len(data) for _, data in messages)
        print(f"{args.messages:,} messages of issue {args.issue}, {size / 1000:.0f} KB each")
        print("to aiosmtpd's Sink on 127.0.0.1, in a process of its own\n")
        plain, ours, whole, dkim_ours = [], [], [], []
        for round_number in range(1, args.rounds + 1):
            plain.append(time_plain(port, sender, messages))
            delivering, overall = time_ours(work, port, args.issue, recipients)
            ours.append(delivering)
            whole.append(overall)
            dkim_ours.append(time_ours(signed, port, args.issue, signed / "list.csv")[0])
            print(
                f"round {round_number}: smtplib {plain[-1]:6.0f}/s   ours {ours[-1]:6.0f}/s "
                f"(whole call {whole[-1]:.0f}/s)   ours with DKIM {dkim_ours[-1]:6.0f}/s"
            )
        mine, dkimpy = signing_cost(signed, args.issue)
    print()
    for label, figures in (
        ("plain smtplib", plain),
        ("newsletter send (delivering)", ours),
        ("newsletter send (whole call)", whole),
        ("newsletter send, DKIM-signed", dkim_ours),
    ):
        best, median = max(figures), statistics.median(figures)
        print(f"{label:30} best {best:6.0f}/s   median {median:6.0f}/s")
    ratio = statistics.median(ours) / statistics.median(plain)
    ratio_whole = statistics.median(whole) / statistics.median(plain)
    verdict = "ok" if ratio >= TARGET else "MISSED"
    print(f"\nours / smtplib (medians): {ratio:.0%} delivering, {ratio_whole:.0%} whole call")
    print(f"target >= {TARGET:.0%} with the journal on: {verdict}")
    signed_ratio = statistics.median(dkim_ours) / statistics.median(ours)
    verdict = "ok" if signed_ratio >= DKIM_TARGET else "MISSED"
    print(
        f"signed / unsigned (medians): {signed_ratio:.0%}, target >= {DKIM_TARGET:.0%}: {verdict}"
    )
    print(
        f"signing one copy: ours {mine:.2f} ms (cryptography), dkimpy's dkim.sign {dkimpy:.1f} ms"
    )


if __name__ == "__main__":
    main()
