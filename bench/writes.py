"""Benchmark the writer: what writing a large archive's site costs, switched at once (what
`build` does) and in place (what `serve` does), for this checkout's code and, side by
side in the same run, another checkout's (`--baseline`, say a worktree of main).

    python bench/writes.py [--issues 200 400] [--repeat 5] [--baseline DIR] [--work DIR]

For each archive size the script generates an archive as bench/build.py does, builds it
once to get the site's bytes, then times `write_output` alone for: a first build into an
empty folder, a build that changes nothing, and one that changes a single file (a
different file each run, so that the switched writer's spare is stale by one build, as
it is when an editor saves and rebuilds). Each round runs every code's scenarios in a
fresh process (`PYTHONPATH` set to that checkout), the codes interleaved and taking
turns to go first, each write after a `sync` (untimed); it prints the minimum and median
of each. It reports; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from build import REPO_ROOT, format_bytes, generate_archive

Files = dict[str, bytes]
SCENARIOS = ("first build", "nothing changed", "one file changed")
MODES = {"switched": True, "in place": False}


def make_site(work: Path, issues: int) -> Path:
    """The folder holding every file a build of a generated `issues`-issue archive writes."""
    from newsletter.site import build

    root = work / f"archive-{issues}"
    print(f"Generating and building the {issues}-issue archive in {root} ...", flush=True)
    generate_archive(REPO_ROOT, root, issues)
    return build(root, work / f"site-{issues}").out


def read_site(site: Path) -> Files:
    from newsletter.layout import MANIFEST

    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def scenarios(files: Files, out: Path, at_once: bool) -> dict[str, Callable[[int], object]]:
    """The timed writes: each makes its own starting state first, untimed."""
    from newsletter.writer import write_output

    names = sorted(files)

    def cold(run: int) -> Callable[[], object]:
        for folder in (out, *out.parent.glob(f".{out.name}.newsletter-*")):
            shutil.rmtree(folder, ignore_errors=True)  # the spare too: a first build
        return lambda: write_output(out, files, at_once=at_once)

    def nothing(run: int) -> Callable[[], object]:
        write_output(out, files, at_once=at_once)
        return lambda: write_output(out, files, at_once=at_once)

    def one(run: int) -> Callable[[], object]:
        before = names[(run * 7919 + 1) % len(names)]
        write_output(out, {**files, before: files[before] + b"  "}, at_once=at_once)
        write_output(out, files, at_once=at_once)  # two switches: the spare stale by one
        name = names[(run * 7919) % len(names)]
        changed = {**files, name: files[name] + b" " * (run + 1)}
        return lambda: write_output(out, changed, at_once=at_once)

    return {SCENARIOS[0]: cold, SCENARIOS[1]: nothing, SCENARIOS[2]: one}


def child(site: Path, work: Path, run: int) -> None:
    """One round of one code (in its own process): print the seconds of each write."""
    files = read_site(site)
    times = {}
    for mode, at_once in MODES.items():
        out = work / f"out-{mode.replace(' ', '-')}"
        for name, prepare in scenarios(files, out, at_once).items():
            write = prepare(run)
            os.sync()  # the last write's dirty pages do not throttle this one
            started = time.perf_counter()
            write()
            times[f"{name}|{mode}"] = time.perf_counter() - started
    print(json.dumps(times))


def measure(work: Path, issues: int, repeat: int, codes: dict[str, Path]) -> None:
    """Build the archive, time every scenario of every code, print the table."""
    site = make_site(work, issues)
    files = read_site(site)
    folders = {n.rsplit("/", 1)[0] for n in files if "/" in n}
    size = sum(map(len, files.values()))
    print(f"{issues} issues: {len(files):,} files, {len(folders):,} folders, {format_bytes(size)}")
    times: dict[tuple[str, str, str], list[float]] = {}
    for run in range(repeat):
        print(f"Round {run + 1}/{repeat} ...", flush=True)
        order = list(codes.items())
        for code, checkout in order if run % 2 == 0 else reversed(order):
            outs = work / f"outs-{issues}-{code}"
            outs.mkdir(exist_ok=True)
            command = [sys.executable, __file__, "--child", str(site), str(outs), str(run)]
            env = {**os.environ, "PYTHONPATH": f"{checkout}{os.pathsep}{Path(__file__).parent}"}
            done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
            for key, seconds in json.loads(done.stdout.splitlines()[-1]).items():
                name, mode = key.split("|")
                times.setdefault((name, mode, code), []).append(seconds)
    print()
    print(f"{issues} issues ({len(files):,} files, {len(folders):,} folders), {repeat} runs")
    print(f"{'write':<18} {'mode':<9} {'code':<9} {'min ms':>8} {'median ms':>10}")
    for name in SCENARIOS:
        for mode in MODES:
            for code in codes:
                values = times[(name, mode, code)]
                print(
                    f"{name:<18} {mode:<9} {code:<9} {min(values) * 1000:>8.0f} "
                    f"{statistics.median(values) * 1000:>10.0f}"
                )
    print()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: 0 once the figures are printed."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--child"]:
        child(Path(arguments[1]), Path(arguments[2]), int(arguments[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--issues", type=int, nargs="+", default=[200, 400], help="sizes")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--baseline", type=Path, default=None, help="a checkout to compare")
    parser.add_argument("--work", type=Path, default=None, help="work here and keep it")
    args = parser.parse_args(arguments)
    codes = {"this": REPO_ROOT}
    if args.baseline is not None:
        codes = {"baseline": args.baseline.resolve(), **codes}
    with tempfile.TemporaryDirectory(prefix="newsletter-writes-") as temp:
        work = Path(temp) if args.work is None else args.work.resolve()
        work.mkdir(parents=True, exist_ok=True)
        for issues in args.issues:
            measure(work, issues, args.repeat, codes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
