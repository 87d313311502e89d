"""Benchmark the writer: what writing a large archive's site costs, switched at once (what
`build` does) and in place (what `serve` does), and what the per-event files add.

    python bench/writes.py [--issues 400] [--repeat 5] [--work DIR]

The script generates an archive as bench/build.py does, builds it once to get the site's
bytes, then times `write_output` alone (in this process) for: a first build into an
empty folder, a build that changes nothing, and one that changes a single file; each
again without the per-event files (`events/<id>.ics`), to show their share. Runs are
interleaved; it prints the minimum and median of each. It reports; it is not a test.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from build import REPO_ROOT, format_bytes, generate_archive

from newsletter.layout import MANIFEST
from newsletter.site import build
from newsletter.writer import write_output

Files = dict[str, bytes]
EVENT_FILE = re.compile(r"^events/[^/]+\.ics$")


def site_files(work: Path, issues: int) -> Files:
    """The bytes of every file a build of a generated `issues`-issue archive writes."""
    root = work / f"archive-{issues}"
    print(f"Generating and building the {issues}-issue archive in {root} ...", flush=True)
    generate_archive(REPO_ROOT, root, issues)
    out = build(root, work / "built").out
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def scenarios(files: Files, out: Path, at_once: bool) -> dict[str, Callable[[int], object]]:
    """The timed writes: each makes its own starting state first, untimed."""
    first = sorted(files)[0]

    def cold(run: int) -> Callable[[], object]:
        shutil.rmtree(out, ignore_errors=True)
        return lambda: write_output(out, files, at_once=at_once)

    def nothing(run: int) -> Callable[[], object]:
        write_output(out, files, at_once=at_once)
        return lambda: write_output(out, files, at_once=at_once)

    def one(run: int) -> Callable[[], object]:
        write_output(out, files, at_once=at_once)
        changed = {**files, first: files[first] + b" " * (run + 1)}
        return lambda: write_output(out, changed, at_once=at_once)

    return {"first build": cold, "nothing changed": nothing, "one file changed": one}


def measure(work: Path, issues: int, repeat: int) -> None:
    """Build the archive, time every scenario, print the table."""
    files = site_files(work, issues)
    without = {n: d for n, d in files.items() if not EVENT_FILE.match(n)}
    events = len(files) - len(without)
    folders = {n.rsplit("/", 1)[0] for n in files if "/" in n}
    size = sum(map(len, files.values()))
    event_size = size - sum(map(len, without.values()))
    print(f"{issues} issues: {len(files):,} files, {len(folders):,} folders, {format_bytes(size)}")
    print(
        f"per-event files: {events:,} ({events / len(files):.0%} of the files), "
        f"{format_bytes(event_size)}"
    )
    times: dict[tuple[str, str, str], list[float]] = {}
    for run in range(repeat):
        print(f"Round {run + 1}/{repeat} ...", flush=True)
        for label, chosen in (("all files", files), ("no per-event", without)):
            for mode, at_once in (("switched", True), ("in place", False)):
                out = work / f"out-{mode.replace(' ', '-')}-{label.replace(' ', '-')}"
                for name, prepare in scenarios(chosen, out, at_once).items():
                    write = prepare(run)
                    started = time.perf_counter()
                    write()
                    times.setdefault((name, mode, label), []).append(time.perf_counter() - started)
    print()
    print(f"{'write':<18} {'mode':<9} {'files':<13} {'min ms':>8} {'median ms':>10}")
    for (name, mode, label), values in times.items():
        print(
            f"{name:<18} {mode:<9} {label:<13} {min(values) * 1000:>8.0f} "
            f"{statistics.median(values) * 1000:>10.0f}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: 0 once the figures are printed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--issues", type=int, default=400, help="archive size (default 400)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--work", type=Path, default=None, help="work here and keep it")
    args = parser.parse_args(argv)
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        measure(args.work.resolve(), args.issues, args.repeat)
    else:
        with tempfile.TemporaryDirectory(prefix="newsletter-writes-") as temp:
            measure(Path(temp), args.issues, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
