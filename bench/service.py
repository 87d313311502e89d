"""Load check of the subscription service: one-click unsubscribes against SQLite.

    python bench/service.py [--requests 2000] [--clients 20]

A temporary newsletter gets `--requests` active subscribers (`subscribers import`), the
service (`newsletter subscribers serve`) starts on 127.0.0.1, and `--clients` concurrent
clients, each on its own keep-alive connection, POST each subscriber's one-click
unsubscribe exactly as Gmail does (form-encoded `List-Unsubscribe=One-Click`, no
cookie). It prints requests a second against the target (>= 500/s), and checks that
none was lost (every subscriber is `unsubscribed` afterwards) and none answered 5xx.
Everything listens on 127.0.0.1 only, every wait is bounded, and the service is stopped
at the end. Exit 1 when a request was lost or failed, else 0 whatever the speed.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsletter.sending.secret import load_secret  # noqa: E402

TARGET = 500.0  # requests a second
REQUEST_SECONDS = 10.0
TOTAL_SECONDS = 300.0
SETTINGS = """title: Bench Newsletter
publisher: Bench Publisher
base_url: https://news.example.org/
email:
  from: "Bench <news@example.org>"
audience:
  service_url: http://127.0.0.1:{port}/
  double_opt_in: false
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / "news"
        port = _free_port()
        (root / "content").mkdir(parents=True)
        (root / "content/newsletter.yaml").write_text(SETTINGS.format(port=port))
        addresses = [f"reader{n:05d}@example.org" for n in range(args.requests)]
        listing = Path(work) / "list.csv"
        with listing.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["email"])
            writer.writerows([address] for address in addresses)
        database = Path(work) / "list.sqlite"
        _newsletter(
            root, "subscribers", "import", str(listing), "--database", f"sqlite:///{database}"
        )
        secret = load_secret(root)
        paths = [f"/unsubscribe?token={secret.token(address)}" for address in addresses]
        service = subprocess.Popen(
            [
                *(sys.executable, "-m", "newsletter", "--root", str(root), "subscribers"),
                *("serve", "--port", str(port), "--database", f"sqlite:///{database}"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        try:
            _wait_for(port, service)
            started = time.perf_counter()
            statuses = asyncio.run(
                asyncio.wait_for(_load(port, paths, args.clients), TOTAL_SECONDS)
            )
            elapsed = time.perf_counter() - started
        finally:
            service.terminate()
            try:
                service.wait(10)
            except subprocess.TimeoutExpired:
                service.kill()
                service.wait(10)
        with sqlite3.connect(database) as connection:
            left = connection.execute(
                "SELECT count(*) FROM subscriber WHERE status = 'unsubscribed'"
            ).fetchone()[0]
    rate = len(paths) / elapsed
    answers = ", ".join(f"{code}: {count}" for code, count in sorted(statuses.items()))
    print(f"{len(paths):,} one-click POSTs from {args.clients} clients in {elapsed:.2f} s")
    print(
        f"  {rate:,.0f} requests/s "
        f"(target >= {TARGET:.0f}/s: {'met' if rate >= TARGET else 'NOT met'})"
    )
    print(f"  answers: {answers}; unsubscribed afterwards: {left:,} of {len(paths):,}")
    failed = sum(count for code, count in statuses.items() if code != 200)
    return 0 if failed == 0 and left == len(paths) else 1


async def _load(port: int, paths: list[str], clients: int) -> Counter[int]:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)
    statuses: Counter[int] = Counter()
    await asyncio.gather(*(_client(port, queue, statuses) for _ in range(clients)))
    return statuses


async def _client(port: int, queue: asyncio.Queue[str], statuses: Counter[int]) -> None:
    """One browser-less client on one keep-alive connection, as a mail provider's."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = b"List-Unsubscribe=One-Click"
    try:
        while not queue.empty():
            path = queue.get_nowait()
            request = (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode("ascii") + body
            writer.write(request)
            statuses[await asyncio.wait_for(_answer(reader), REQUEST_SECONDS)] += 1
    finally:
        writer.close()


async def _answer(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(lines[0].split()[1])


def _newsletter(root: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "newsletter", "--root", str(root), *args],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the service exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the service did not start in 30 s")


if __name__ == "__main__":
    sys.exit(main())
