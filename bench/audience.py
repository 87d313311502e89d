"""Benchmark the subscribers database, in SQLite and in PostgreSQL.

Run from anywhere with the project installed (`./run`'s venv has everything; aiosmtpd
comes with the `test` extra, PostgreSQL's server binaries with Debian's `postgresql`)::

    python bench/audience.py [--count 100000] [--messages 2000] [--rounds 3]
                             [--memory 20000] [--no-postgres]

A copy of the sample newsletter goes into a temporary folder with a list of `--count`
addresses; a PostgreSQL server is started for the run (tests/postgres.py: initdb and
pg_ctl in a temporary folder, 127.0.0.1 only), aiosmtpd's Sink (which takes every
message and keeps none) listens on 127.0.0.1 in a process of its own. It prints, for
SQLite and for PostgreSQL:

- `subscribers import` of the list into an empty database (a whole command, timed by
  wall clock), and the same import again (every address already there);
- `subscribers list` of them, its CSV thrown away;
- `send --dry-run` of issue 61 to them (the whole command: it also reads the content and
  renders the issue), and the selection alone (the library calls that count the list
  and read it through the journal);
- the send of `--messages` copies of issue 61 to the Sink, the journal in the issue's
  SQLite file (SQLite) or in the database (PostgreSQL): messages a second, the best and
  the median of `--rounds` rounds, and the ratio of the medians;
- the peak memory (max RSS) of `send --dry-run` to the `--count` subscribers, and of
  real sends to 1/10 of `--memory` and to `--memory` subscribers (streamed: it should
  not grow with the list).

Each figure is shown against its target (`ok` or `MISSED`). It reports; it is not a
test: it exits 0 whatever the figures are, and 1 only when a command it times fails.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # this tree's code, and tests/postgres.py

from send import make_folder, sink_server  # noqa: E402  (bench/send.py, beside this one)

from newsletter.audience.commands import import_file  # noqa: E402
from newsletter.audience.database import locate  # noqa: E402
from newsletter.audience.migrations import open_database  # noqa: E402
from newsletter.layout import JOURNAL_NAME  # noqa: E402
from newsletter.sending.request import Request  # noqa: E402
from newsletter.sending.run import read_journal, send  # noqa: E402
from newsletter.sending.smtp import Server  # noqa: E402
from newsletter.sending.sources import choose_source  # noqa: E402
from newsletter.sending.summary import tally  # noqa: E402
from newsletter.site import load  # noqa: E402

ISSUE = 61
IMPORT_TARGET, LIST_TARGET, SELECTION_TARGET = 10.0, 3.0, 2.0  # seconds
RATIO_TARGET = 0.80  # journal in PostgreSQL / in SQLite
MEMORY_TARGET = 200.0  # MB


@dataclass
class Figures:
    """What was measured of one kind of database."""

    kind: str
    imported: float = 0.0  # seconds
    again: float = 0.0
    listed: float = 0.0
    dry_run: float = 0.0
    selection: float = 0.0
    dry_run_memory: float = 0.0  # MB
    speeds: list[float] = field(default_factory=list)  # messages a second
    memory: dict[int, float] = field(default_factory=dict)  # recipients -> MB


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "newsletter", *args]


def environment() -> dict[str, str]:
    """This tree's code first, whatever the venv has installed."""
    path = [str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}


def run(args: list[str]) -> tuple[float, float, str]:
    """Seconds and peak memory (MB) of a command, and its output; exits 1 if it fails."""
    start = time.perf_counter()
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment()
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    text = output.decode("utf-8", "replace")
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {process.returncode}:\n{text[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, text


@contextmanager
def databases(folder: Path, postgres: bool) -> Iterator[Callable[[str], str]]:
    """A maker of empty databases by kind ("sqlite" or "postgresql"), for the run."""
    made = 0
    server = None
    if postgres:
        from tests.postgres import start_postgres

        server = start_postgres()

    def new(kind: str) -> str:
        nonlocal made
        made += 1
        if kind == "sqlite":
            return f"sqlite:///{folder / f'subscribers-{made}.sqlite'}"
        assert server is not None
        return server.database()

    try:
        yield new
    finally:
        if server is not None:
            server.stop()


def verdict(good: bool) -> str:
    return "ok" if good else "MISSED"


def selection_seconds(work: Path, url: str) -> float:
    """The dry run's selection alone: count the list and read it through the journal."""
    newsletter, _ = load(work)
    issue = newsletter.issue(ISSUE)
    assert issue is not None
    start = time.perf_counter()
    database = open_database(locate(work, url), create=False)
    try:
        source = choose_source(database, None, Request(ISSUE, None, dry_run=True))
        journal = read_journal(work, issue, database)
        counted = tally(source, journal)
        if journal is not None:
            journal.close()
    finally:
        database.close()
    assert counted.people > 0
    return time.perf_counter() - start


def import_subscribers(work: Path, url: str, count: int) -> None:
    rows = [f"reader{n:06d}@example.org,Reader {n}" for n in range(count)]
    file = work / f"list-{count}.csv"
    file.write_text("email,name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    import_file(work, url, file, lambda line: None, lambda line: None)


def forget_journals(work: Path) -> None:
    for journal in work.glob(f"content/issues/*/{JOURNAL_NAME}*"):
        journal.unlink()


def throughput(work: Path, url: str, port: int) -> float:
    """Messages a second of one send to every subscriber of `url` (delivering alone)."""
    forget_journals(work)
    request = Request(ISSUE, None, Server("127.0.0.1", port), database=url)
    summary = send(work, request, lambda line: None, io.StringIO())
    if summary.exit_code != 0 or summary.counts.sent != summary.counts.total:
        raise SystemExit("\n".join(["the send did not deliver every message:", *summary.lines]))
    return summary.counts.sent / summary.seconds


def measure(
    work: Path, new: Callable[[str], str], kind: str, args: argparse.Namespace, port: int
) -> Figures:
    """Every figure of one kind of database."""
    found = Figures(kind)
    url = new(kind)
    root = ["--database", url, "--root", str(work)]
    listing = str(work / "list.csv")
    found.imported, _, out = run(command("subscribers", "import", listing, *root))
    assert f"{args.count:,} added" in out, out
    found.again, _, _ = run(command("subscribers", "import", listing, *root))
    found.listed, _, out = run(command("subscribers", "list", *root))
    assert out.count("\n") == args.count + 1
    found.dry_run, found.dry_run_memory, out = run(command("send", str(ISSUE), "--dry-run", *root))
    assert f"would send {args.count:,} copies" in out, out
    found.selection = min(selection_seconds(work, url) for _ in range(args.rounds))
    print(
        f"{kind:10}  import {found.imported:5.1f} s (again {found.again:4.1f} s)  "
        f"list {found.listed:4.1f} s  dry run {found.dry_run:4.1f} s "
        f"(selection {found.selection:4.2f} s, {found.dry_run_memory:.0f} MB)"
    )
    for round_number in range(1, args.rounds + 1):
        target = new(kind)
        import_subscribers(work, target, args.messages)
        found.speeds.append(throughput(work, target, port))
        print(f"{kind:10}  send round {round_number}: {found.speeds[-1]:6.0f} messages/s")
    for count in (max(1, args.memory // 10), args.memory) if kind == "sqlite" else ():
        target = new(kind)
        import_subscribers(work, target, count)
        forget_journals(work)
        server = ["--smtp", f"127.0.0.1:{port}", "--database", target, "--root", str(work)]
        seconds, found.memory[count], _ = run(command("send", str(ISSUE), *server))
        print(
            f"{kind:10}  send to {count:,}: {found.memory[count]:.0f} MB max RSS, {seconds:.0f} s"
        )
    return found


def report(figures: list[Figures], count: int) -> None:
    print()
    for found in figures:
        for label, seconds, target in (
            ("import", found.imported, IMPORT_TARGET),
            ("list", found.listed, LIST_TARGET),
            ("send --dry-run selection", found.selection, SELECTION_TARGET),
        ):
            print(
                f"{found.kind:10}  {label} of {count:,}: {seconds:.2f} s, "
                f"target <= {target:.0f} s: {verdict(seconds <= target)}"
            )
        print(
            f"{found.kind:10}  send --dry-run to {count:,} (whole command): {found.dry_run:.2f} s, "
            f"{found.dry_run_memory:.0f} MB max RSS, target < {MEMORY_TARGET:.0f} MB: "
            f"{verdict(found.dry_run_memory < MEMORY_TARGET)}"
        )
        median = statistics.median(found.speeds)
        print(f"{found.kind:10}  send: best {max(found.speeds):.0f}/s, median {median:.0f}/s")
        for recipients, peak in found.memory.items():
            print(
                f"{found.kind:10}  send to {recipients:,}: {peak:.0f} MB max RSS, "
                f"target < {MEMORY_TARGET:.0f} MB: {verdict(peak < MEMORY_TARGET)}"
            )
        if len(found.memory) == 2:
            (small, low), (large, high) = sorted(found.memory.items())
            growth = f"{high - low:+.0f} MB"
            print(f"{found.kind:10}  memory from {small:,} to {large:,} recipients: {growth}")
    if len(figures) == 2:
        ratio = statistics.median(figures[1].speeds) / statistics.median(figures[0].speeds)
        print(
            f"send with the journal in PostgreSQL / in SQLite (medians): {ratio:.0%}, "
            f"target >= {RATIO_TARGET:.0%}: {verdict(ratio >= RATIO_TARGET)}"
        )


def main(argv: list[str] | None = None) -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="addresses imported")
    parser.add_argument("--messages", type=int, default=2000, help="copies per timed send")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory", type=int, default=20_000, help="the largest real send")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite figures only")
    args = parser.parse_args(argv)
    kinds = ["sqlite"] if args.no_postgres else ["sqlite", "postgresql"]
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder) / "news"
        work.mkdir()
        make_folder(work, args.count)
        print(f"{args.count:,} addresses; issue {ISSUE} of the sample; {', '.join(kinds)}\n")
        with databases(Path(folder), not args.no_postgres) as new, sink_server() as port:
            figures = [measure(work, new, kind, args, port) for kind in kinds]
    report(figures, args.count)


if __name__ == "__main__":
    main()
