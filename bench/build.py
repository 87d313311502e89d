"""Benchmark start-up, ``check`` and full ``build`` of the newsletter tool, side by side
with Pelican and Hugo building the same content.

Run from anywhere (``./run bench`` runs it with the project's virtualenv)::

    python bench/build.py [--issues 200 400] [--repeat 3] [--work DIR] [--no-peers]
                          [--incremental]

The script generates two large newsletter archives from the sample in the repository
root (issues 061 and 062 copied alternately, with unique event ids and quarterly
dates), checks that the smaller one passes ``newsletter check``, then times every
command as a separate cold process and prints the figures next to the targets of the
performance spec (``performance.md``); ``check`` of the sample is timed unchanged (its
target) and after an article is edited anew before each run (no target). The same
archives are written as a Pelican project and a Hugo site (``peers.py``), whose cold
builds are timed in the same rounds, and one more build of the smaller archive runs
with a timer around each stage (``stages.py``).
With ``--incremental`` it times instead builds that find the previous build's cache
(cold, nothing changed, one article edited), checks that the last one's output is byte
for byte a cold build's, times ``serve``'s edit-to-reload on the archives and the sample,
and prints each stage's share of a build (``newsletter.stages``), so that the next
regression shows where it is. It reports; it is not a test: it exits 0 whatever the
figures are, and 1 only when it cannot measure (a generated archive that does not pass
``check``, or a command that fails).

Standard library only (and newsletter itself), so that it runs in any environment where
``newsletter`` is installed; Pelican and Hugo are measured when they are installed, and
named as missing otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.client
import itertools
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parent))  # peers.py, however this file is loaded
import peers

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The repository root, which is itself the sample newsletter folder."""

SAMPLE_ISSUES = ("061", "062")
"""Sample issue folders copied, alternately, into the generated archives."""

LAST_ISSUE_DATE = dt.date(2018, 10, 15)
"""Publication date of the last generated issue; earlier issues go back 3 months each."""

MONTHS_BETWEEN_ISSUES = 3

TARGET_CHECK_OVER_HELP = 2.0
"""``check`` of the sample may take at most this many times ``newsletter --help``."""

TARGET_BUILD_SMALL_S = 10.0
"""Ceiling for the full build of the smaller (200-issue) archive, in seconds."""

TARGET_OVER_PELICAN = 0.6
"""Our cold build of the smaller archive may take at most this share of Pelican's
web-only build of the same content, measured in the same run."""

TARGET_SCALING_PER_DOUBLING = 2.2
"""Build time of twice the issues may be at most this many times the smaller build's."""

REFERENCE_CONTENT = "~330 articles and reports, ~1,000 events"
"""What performance.md says the 200-issue archive holds (for the Pelican comparison)."""

SCHEDULE_ID = re.compile(
    r"^(?P<key>[ \t]*(?:-[ \t]+)?id:[ \t]*)(?P<q>[\"']?)(?P<value>[^\"'\s#]+)(?P=q)", re.M
)
REPORT_EVENT = re.compile(r"^(?P<key>event:[ \t]*)(?P<q>[\"']?)(?P<value>[^\"'\s#]+)(?P=q)", re.M)
EVENT_TITLE = re.compile(
    r"^(?P<key>[ \t]*(?:-[ \t]+)?title:[ \t]*)(?P<q>[\"']?)(?P<value>.*?)(?P=q)[ \t]*$", re.M
)
EVENT_DATES = re.compile(r"^(?P<key>[ \t]*(?:-[ \t]+)?dates:)(?P<value>[^\n]*)$", re.M)
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
HIGHLIGHTS = re.compile(r"^highlights:[^\n]*\n(?:[ \t]+-[^\n]*\n)*", re.M)
SCHEDULE_KEEP = 4
ISSUE_NUMBER = re.compile(r"^number:.*$", re.M)
ISSUE_DATE = re.compile(r"^date:.*$", re.M)
TITLE_NUMBER = re.compile(r"^(title:.*?No\.\s*)\d+", re.M)


class BenchError(Exception):
    """The benchmark cannot measure: bad generated content or a failing command."""


@dataclass
class ArchiveStats:
    """What a generated archive holds."""

    issues: int = 0
    articles: int = 0
    reports: int = 0
    schedule_entries: int = 0
    event_ids: set[str] = field(default_factory=set)


@dataclass
class Measurement:
    """One command timed as a cold process, several times."""

    name: str
    argv: list[str]
    cwd: Path
    out_parent: Path | None = None
    """For a build: a fresh empty output folder is made under it for every run."""
    out_argv: Callable[[Path], list[str]] | None = None
    """For a build: the command line that builds into the given output folder (default:
    `argv` and ``--out FOLDER``)."""
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    """CPU seconds of each timed run, the process's and its workers' (user + system)."""
    last_output: tuple[int, int] | None = None
    """For a build: (files, bytes) written by the last run."""
    cold: bool = False
    """For our build: the cache of earlier builds (``.newsletter-cache/``) removed first,
    so that every run is a cold build."""
    before: Callable[[], None] | None = None
    """Done before each run, untimed: the edit a command is measured after."""

    @property
    def median(self) -> float:
        """Median wall-clock seconds."""
        return statistics.median(self.times)

    @property
    def minimum(self) -> float:
        """Fastest wall-clock seconds."""
        return min(self.times)


def newsletter_executable() -> Path:
    """Return the ``newsletter`` script of the interpreter running this benchmark."""
    exe = Path(sys.executable).parent / "newsletter"
    if not exe.exists():
        raise BenchError(f"{exe} not found: install the project into this Python's venv")
    return exe


def issue_date(number: int, last_number: int) -> dt.date:
    """Date of issue ``number``: three months per issue back from ``LAST_ISSUE_DATE``."""
    months_back = MONTHS_BETWEEN_ISSUES * (last_number - number)
    month_index = LAST_ISSUE_DATE.year * 12 + (LAST_ISSUE_DATE.month - 1) - months_back
    return LAST_ISSUE_DATE.replace(year=month_index // 12, month=month_index % 12 + 1)


def rewrite_issue_yaml(text: str, number: int, date: dt.date) -> str:
    """Set ``number:`` and ``date:`` (and the ``No.`` in a ``title:``) of an issue.yaml."""
    text, found_number = ISSUE_NUMBER.subn(f"number: {number}", text, count=1)
    text, found_date = ISSUE_DATE.subn(f"date: {date.isoformat()}", text, count=1)
    if not (found_number and found_date):
        raise BenchError("sample issue.yaml has no top-level number: or date: line")
    return TITLE_NUMBER.sub(rf"\g<1>{number}", text, count=1)


def suffix_ids(pattern: re.Pattern[str], text: str, suffix: str) -> tuple[str, list[str]]:
    """Append ``suffix`` to every id matched by ``pattern``; return the text and new ids."""
    new_ids: list[str] = []

    def replace(match: re.Match[str]) -> str:
        value = match["value"] + suffix
        new_ids.append(value)
        return f"{match['key']}{match['q']}{value}{match['q']}"

    return pattern.sub(replace, text), new_ids


def suffix_titles(text: str, number: int) -> str:
    """Append the issue number to every ``title:`` so copied events do not look alike."""
    return EVENT_TITLE.sub(
        lambda m: f"{m['key']}{m['q']}{m['value']} (copy {number}){m['q']}", text
    )


def suffix_report_event(text: str, suffix: str) -> tuple[str, list[str]]:
    """Append ``suffix`` to the ``event:`` of a Markdown file's front matter only."""
    match = re.match(r"---[ \t]*\r?\n.*?^---[ \t]*$", text, re.S | re.M)
    if match is None:
        return text, []
    front, ids = suffix_ids(REPORT_EVENT, match.group(0), suffix)
    return front + text[match.end() :], ids


def years_back(number: int, last_number: int) -> int:
    """How many years (negative) the events of copy ``number`` move: a year for each
    copy of the same sample issue, so that no two copies of one event start on the
    same day (which no archive has, and which makes each copy a lookalike of the
    others: hundreds of warnings, and `check` comparing every pair of titles)."""
    return -((last_number - number) // len(SAMPLE_ISSUES))


def shift_years(text: str, years: int) -> str:
    """Move every ``dates:`` line of a schedule or report front matter by ``years``."""
    return EVENT_DATES.sub(
        lambda m: m["key"] + YEAR.sub(lambda y: str(int(y[0]) + years), m["value"]), text
    )


def trim_to_reference(dest: Path, number: int) -> None:
    """Cut a copied issue to performance.md's reference shape: for 200 issues about 330
    articles and reports and about 1,000 events (one article, a report in 13 issues of
    20, four schedule entries)."""
    for kind, keep in (("articles", 1), ("reports", 1 if number % 20 < 13 else 0)):
        for extra in sorted((dest / kind).glob("*.md"))[keep:]:
            extra.unlink()
    issue_yaml = dest / "issue.yaml"
    issue_yaml.write_text(HIGHLIGHTS.sub("", issue_yaml.read_text("utf-8")), "utf-8")
    schedule = dest / "schedule.yaml"
    if schedule.exists():
        head, *entries = schedule.read_text("utf-8").split("\n  - id:")
        schedule.write_text("\n  - id:".join([head, *entries[:SCHEDULE_KEEP]]), "utf-8")


def copy_issue(
    source: Path, dest: Path, number: int, last_number: int, full: bool = False
) -> ArchiveStats:
    """Copy one sample issue folder to ``dest`` as issue ``number`` with unique event ids."""
    stats = ArchiveStats(issues=1)
    suffix = f"-n{number:03d}"
    shutil.copytree(source, dest)
    if not full:
        trim_to_reference(dest, number)
    issue_yaml = dest / "issue.yaml"
    date = issue_date(number, last_number)
    issue_yaml.write_text(rewrite_issue_yaml(issue_yaml.read_text("utf-8"), number, date), "utf-8")
    schedule = dest / "schedule.yaml"
    if schedule.exists():
        text, ids = suffix_ids(SCHEDULE_ID, schedule.read_text("utf-8"), suffix)
        text = shift_years(text, years_back(number, last_number))
        schedule.write_text(suffix_titles(text, number), "utf-8")
        stats.event_ids.update(ids)
        stats.schedule_entries = len(re.findall(r"^  - ", text, re.M))
    for report in sorted((dest / "reports").glob("*.md")):
        text, ids = suffix_report_event(report.read_text("utf-8"), suffix)
        front_end = text.index("\n---", 3)
        front = shift_years(
            suffix_titles(text[:front_end], number), date.year - LAST_ISSUE_DATE.year
        )
        report.write_text(front + text[front_end:], "utf-8")
        stats.event_ids.update(ids)
        stats.reports += 1
    stats.articles = len(list((dest / "articles").glob("*.md")))
    return stats


def generate_archive(sample: Path, dest: Path, count: int, full: bool = False) -> ArchiveStats:
    """Generate a ``count``-issue newsletter folder at ``dest`` from the sample folder:
    each issue a copy of a sample issue, cut to the reference shape unless ``full``."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "content" / "issues").mkdir(parents=True)
    (dest / "calendar").mkdir()
    shutil.copy2(sample / "content" / "newsletter.yaml", dest / "content" / "newsletter.yaml")
    calendar = sample / "calendar" / "calendar.yaml"
    total = ArchiveStats()
    if calendar.exists():
        shutil.copy2(calendar, dest / "calendar" / "calendar.yaml")
        total.event_ids.update(
            m["value"] for m in SCHEDULE_ID.finditer(calendar.read_text("utf-8"))
        )
    for number in range(1, count + 1):
        source = sample / "content" / "issues" / SAMPLE_ISSUES[(number - 1) % len(SAMPLE_ISSUES)]
        one = copy_issue(source, dest / "content" / "issues" / f"{number:03d}", number, count, full)
        total.issues += one.issues
        total.articles += one.articles
        total.reports += one.reports
        total.schedule_entries += one.schedule_entries
        total.event_ids |= one.event_ids
    return total


def copy_sample(sample: Path, dest: Path) -> Path:
    """A copy of the sample newsletter at ``dest``: `check` and `build` write into the
    folder they read (the email-budget cache, calendar/published.yaml), and the bench
    must leave the checkout as it found it."""
    if dest.exists():
        shutil.rmtree(dest)
    untracked = shutil.ignore_patterns(".send-secret*", ".send.sqlite*")  # a `send` run's
    for name in ("content", "calendar", "templates"):
        shutil.copytree(sample / name, dest / name, ignore=untracked)
    return dest


EDITED_CHECK = "newsletter check (sample, edited)"


def article_editor(root: Path) -> Callable[[], None]:
    """What edits one article of `root` anew before each run of `EDITED_CHECK`: `check`
    then reads that issue again and renders its email to measure it (no target; shown
    beside the check of an unchanged sample, which the cache answers)."""
    article = sorted((root / "content" / "issues").glob("*/articles/*.md"))[0]
    text = article.read_text("utf-8")
    runs = itertools.count(1)

    def edit() -> None:
        article.write_text(f"{text.rstrip()}\n\nEdited for run {next(runs)}.\n", "utf-8")

    return edit


def folder_size(folder: Path) -> tuple[int, int]:
    """Return (number of files, total bytes) under ``folder``."""
    files = 0
    size = 0
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            files += 1
            size += (Path(dirpath) / name).stat().st_size
    return files, size


# Cold processes, warm bytecode: as an installed tool runs. With
# PYTHONDONTWRITEBYTECODE set, every run would compile the package's modules again,
# which weighs on `check` (many modules) far more than on `--help` (few).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


class Trash:
    """Where the outputs and caches a measurement is done with go until the bench ends.

    They are renamed here rather than removed: on ext4 without a journal (this kind of
    virtual machine's disk) the kernel avoids reusing an inode freed in the last minutes,
    and each new file then scans past every one of them. Thousands of files removed
    between runs made each file a build creates cost about 0.8 ms instead of 0.04 ms,
    which measured the bench's own clean-up, not the tool. `--delete` restores the
    removal between runs, to see that effect.
    """

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.delete = False
        self.count = 0

    def discard(self, path: Path) -> None:
        """Move `path` (a folder, if it exists) out of the way."""
        if not path.exists():
            return
        if self.delete or self.folder is None:
            shutil.rmtree(path, ignore_errors=True)
            return
        self.folder.mkdir(exist_ok=True)
        self.count += 1
        path.rename(self.folder / f"{self.count:05d}-{path.name}")

    def empty(self) -> None:
        """Remove everything discarded (at the end, once nothing is timed)."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


TRASH = Trash()


def run(argv: Sequence[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run ``argv`` as a fresh process in ``cwd``; return wall-clock seconds and the result."""
    start = time.perf_counter()
    result = subprocess.run(
        list(argv), cwd=cwd, capture_output=True, text=True, check=False, env=CHILD_ENV
    )
    return time.perf_counter() - start, result


def describe_failure(
    argv: Sequence[str], cwd: Path, result: subprocess.CompletedProcess[str]
) -> str:
    """Format a failed command's exit code and output for an error message."""
    output = (result.stdout + result.stderr).strip()
    lines = output.splitlines()
    if len(lines) > 40:
        lines = [*lines[:40], f"... ({len(lines) - 40} more lines)"]
    shown = "\n    ".join(lines)
    return f"`{' '.join(argv)}` in {cwd} exited {result.returncode}:\n    {shown}"


def run_measurement(measurement: Measurement, record: bool) -> None:
    """Run a measurement's command once; record its time when ``record`` is true."""
    argv = list(measurement.argv)
    out: Path | None = None
    if measurement.out_parent is not None:
        out = Path(tempfile.mkdtemp(prefix="out-", dir=measurement.out_parent))
        if measurement.out_argv is not None:
            argv = measurement.out_argv(out)
        else:
            argv += ["--out", str(out)]
    if measurement.cold:
        TRASH.discard(measurement.cwd / ".newsletter-cache")
    if measurement.before is not None:
        measurement.before()
    try:
        # What the previous command wrote and removed (tens of MB for a large build)
        # goes to the disk now, not while this one writes: the kernel would throttle
        # whichever command writes next.
        os.sync()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds, result = run(argv, measurement.cwd)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if result.returncode != 0:
            raise BenchError(describe_failure(argv, measurement.cwd, result))
        if record:
            measurement.times.append(seconds)
            measurement.cpu.append(
                after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            )
            if out is not None:
                measurement.last_output = folder_size(out)
    finally:
        if out is not None:
            TRASH.discard(out)


PROBE_FILES = 400


def file_creation_us(work: Path) -> float:
    """Microseconds to create one small file on the work folder's disk, now (the median
    of `PROBE_FILES`). On ext4 without a journal a new inode is found past every inode
    freed in the last minutes, so a run after a large deletion (another bench's
    clean-up) creates each file several times slower: this says which kind of run it was."""
    folder = Path(tempfile.mkdtemp(prefix="probe-", dir=work))
    times = []
    for number in range(PROBE_FILES):
        start = time.perf_counter()
        with open(folder / f"{number}.txt", "wb") as stream:
            stream.write(b"probe")
        times.append(time.perf_counter() - start)
    TRASH.discard(folder)
    return statistics.median(times) * 1e6


def verify_check(exe: Path, root: Path) -> None:
    """Fail loudly unless ``newsletter check`` passes on ``root``."""
    argv = [str(exe), "check"]
    _seconds, result = run(argv, root)
    if result.returncode != 0:
        raise BenchError("generated archive fails check: " + describe_failure(argv, root, result))


def format_bytes(size: int) -> str:
    """Byte count, exact and human-readable (``12,345,678 B (11.8 MB)``)."""
    value = float(size)
    unit = "B"
    for bigger in ("KB", "MB", "GB"):
        if value < 1024:
            break
        value /= 1024
        unit = bigger
    return f"{size:,} B" if unit == "B" else f"{size:,} B ({value:.1f} {unit})"


def verdict(ok: bool) -> str:
    """Return the word printed next to a figure and its target."""
    return "ok" if ok else "MISSED"


def print_report(
    measurements: dict[str, Measurement],
    sizes: tuple[int, int],
    archives: dict[int, ArchiveStats],
    repeat: int,
) -> None:
    """Print the table of timings, the ratios against their targets, and output sizes."""
    small, large = sizes
    print()
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"Each command run as a cold process, 1 warm-up + {repeat} timed runs, interleaved.")
    for count, stats in archives.items():
        print(
            f"{count}-issue archive: {stats.articles} articles + {stats.reports} reports "
            f"= {stats.articles + stats.reports}, {stats.schedule_entries} schedule entries, "
            f"{len(stats.event_ids)} distinct event ids"
        )
    print(f"(performance.md's 200-issue reference content: {REFERENCE_CONTENT})")
    print()
    width = max(len(name) for name in measurements)
    print(f"{'command':<{width}}  {'median s':>9}  {'min s':>9}")
    print(f"{'-' * width}  {'-' * 9}  {'-' * 9}")
    for name, measurement in measurements.items():
        print(f"{name:<{width}}  {measurement.median:>9.3f}  {measurement.minimum:>9.3f}")
    print()

    help_ = measurements["newsletter --help"]
    check = measurements["newsletter check (sample)"]
    build_small = measurements[f"newsletter build ({small} issues)"]
    build_large = measurements[f"newsletter build ({large} issues)"]
    check_ratio = check.median / help_.median
    edited_ratio = measurements[EDITED_CHECK].median / help_.median
    scaling = build_large.median / build_small.median
    scaling_target = TARGET_SCALING_PER_DOUBLING / 2 * large / small
    rows: list[tuple[str, str, str, str]] = [
        (
            "check(sample) / --help",
            f"{check_ratio:.2f}x",
            f"<= {TARGET_CHECK_OVER_HELP:.1f}x",
            verdict(check_ratio <= TARGET_CHECK_OVER_HELP),
        ),
        ("check(sample, edited) / --help", f"{edited_ratio:.2f}x", "(no target)", ""),
        (
            f"build({small}) seconds",
            f"{build_small.median:.2f} s",
            f"<= {TARGET_BUILD_SMALL_S:.0f} s",
            verdict(build_small.median <= TARGET_BUILD_SMALL_S),
        ),
    ]
    pelican = measurements.get(peer_name("Pelican", small))
    if pelican is not None:
        ratio = build_small.median / pelican.median
        rows.append(
            (
                f"build({small}) / Pelican({small})",
                f"{ratio:.2f}x",
                f"<= {TARGET_OVER_PELICAN:.1f}x",
                verdict(ratio <= TARGET_OVER_PELICAN),
            )
        )
    rows.append(
        (
            f"build({large}) / build({small})",
            f"{scaling:.2f}x",
            f"<= {scaling_target:.1f}x",
            verdict(scaling <= scaling_target),
        )
    )
    for count, measurement in ((small, build_small), (large, build_large)):
        if measurement.last_output is not None:
            files, size = measurement.last_output
            rows.append((f"build({count}) wrote", f"{files:,} files", format_bytes(size), ""))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    print(f"{'figure':<{widths[0]}}  {'value':>{widths[1]}}  target")
    for label, value, target, word in rows:
        line = f"{label:<{widths[0]}}  {value:>{widths[1]}}  {target:<{widths[2]}}  {word}"
        print(line.rstrip())


# -- the incremental build (--incremental) ----------------------------------------------

TARGET_NOTHING_CHANGED_S = 0.5
"""performance.md: a build with nothing changed, at 400 issues."""

HUGO_COLD_400_S = 1.5
"""performance.md: Hugo 0.111's cold build of the 400-issue archive, which one edited
article rebuilt with the cache may not exceed."""

TARGET_RELOAD_S = 0.5
"""performance.md: `serve`'s edit-to-reload, on the sample and on 400 issues."""

STAGES_SCRIPT = """
import json, sys
from pathlib import Path
from newsletter.site import build
from newsletter.stages import Stages
stages = Stages()
build(Path(sys.argv[1]), Path(sys.argv[2]), stages=stages)
print(json.dumps(stages.seconds))
"""


@dataclass
class IncrementalFigures:
    """One archive's builds: cold, nothing changed, one article edited."""

    count: int
    times: dict[str, list[float]] = field(default_factory=dict)
    stages: dict[str, dict[str, float]] = field(default_factory=dict)
    identical: str = ""
    reload: list[float] = field(default_factory=list)


def edit_article(root: Path, stamp: int) -> Path:
    """Append a new paragraph to the first article of the middle issue."""
    issues = sorted((root / "content" / "issues").iterdir())
    article = sorted((issues[len(issues) // 2] / "articles").glob("*.md"))[0]
    with article.open("a", encoding="utf-8") as stream:
        stream.write(f"\nEdit number {stamp} of the benchmark.\n")
    return article


def timed_build(exe: Path, root: Path, out: Path) -> float:
    """Seconds of one `newsletter build` process into `out`."""
    argv = [str(exe), "build", "--out", str(out)]
    seconds, result = run(argv, root)
    if result.returncode != 0:
        raise BenchError(describe_failure(argv, root, result))
    return seconds


def stage_shares(root: Path, out: Path) -> dict[str, float]:
    """Seconds by stage of one build (newsletter.stages), run in its own process."""
    argv = [sys.executable, "-c", STAGES_SCRIPT, str(root), str(out)]
    _seconds, result = run(argv, root)
    if result.returncode != 0:
        raise BenchError(describe_failure([*argv[:2], "STAGES_SCRIPT"], root, result))
    return dict(json.loads(result.stdout.splitlines()[-1]))


def compare_trees(first: Path, second: Path) -> str:
    """ "identical", or what differs between two output folders."""

    def tree(folder: Path) -> dict[str, bytes]:
        return {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*")
            if p.is_file()
        }

    one, two = tree(first), tree(second)
    differ = sorted(name for name in one.keys() | two.keys() if one.get(name) != two.get(name))
    return "identical" if not differ else f"{len(differ)} files differ, e.g. {differ[:3]}"


def cold_tree_matches(exe: Path, root: Path, out: Path, scratch: Path) -> str:
    """Build `root` without its cache into `scratch`, and compare with `out`."""
    cache = root / ".newsletter-cache"
    aside = root.parent / f"{root.name}-cache-aside"
    cache.rename(aside)
    try:
        timed_build(exe, root, scratch)
    finally:
        TRASH.discard(cache)
        aside.rename(cache)
    return compare_trees(out, scratch)


def measure_incremental_archive(
    exe: Path, root: Path, work: Path, count: int, repeat: int
) -> IncrementalFigures:
    """Cold builds, builds with nothing changed and after one edited article."""
    figures = IncrementalFigures(count)
    out = work / f"incremental-out-{count}"
    cold: list[float] = []
    for _ in range(repeat):
        TRASH.discard(root / ".newsletter-cache")
        TRASH.discard(out)
        TRASH.discard(out.parent / f".{out.name}.newsletter-spare")
        cold.append(timed_build(exe, root, out))
    TRASH.discard(root / ".newsletter-cache")
    figures.stages["cold"] = stage_shares(root, out)
    time.sleep(2.1)  # the read cache trusts a file's stat once its change is 2 s old
    timed_build(exe, root, out)  # warm: every reading stored
    figures.times["cold"] = cold
    figures.times["nothing changed"] = [timed_build(exe, root, out) for _ in range(repeat)]
    figures.stages["nothing changed"] = stage_shares(root, out)
    edited: list[float] = []
    for stamp in range(repeat):
        edit_article(root, stamp)
        edited.append(timed_build(exe, root, out))
    figures.times["one article edited"] = edited
    edit_article(root, repeat)
    figures.stages["one article edited"] = stage_shares(root, out)
    figures.identical = cold_tree_matches(exe, root, out, work / f"incremental-cold-{count}")
    return figures


def free_port() -> int:
    """A port the OS gives out now (the preview then listens on it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_line(stream: Any, prefix: str, seconds: float) -> bool:
    """Whether a line starting with `prefix` comes from `stream` within `seconds`. A thread
    reads it, so that a silent process cannot hold the bench past the deadline, and goes
    on reading, so that the process never blocks on a full pipe."""
    found = threading.Event()

    def read() -> None:
        for line in stream:
            if line.startswith(prefix):
                found.set()

    threading.Thread(target=read, daemon=True).start()
    return found.wait(seconds)


def measure_reload(exe: Path, root: Path, repeat: int) -> list[float]:
    """Seconds from saving an article to the preview's reload event, `repeat` times."""
    port = free_port()
    process = subprocess.Popen(
        [str(exe), "serve", "--port", str(port)],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=CHILD_ENV,
    )
    times: list[float] = []
    try:
        assert process.stdout is not None
        if not _wait_for_line(process.stdout, "Watching", 300):
            raise BenchError(f"`newsletter serve` in {root} did not start watching in 300 s")
        if process.poll() is not None:
            raise BenchError(f"`newsletter serve` in {root} exited {process.returncode}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", "/__newsletter__/events")
        stream = connection.getresponse()

        def next_version() -> str:
            while True:
                line = stream.readline().decode()
                if not line:
                    raise BenchError("the preview's event stream ended")
                if line.startswith("data:"):
                    return line

        next_version()
        time.sleep(1.0)  # the watcher is ready
        for stamp in range(repeat):
            started = time.perf_counter()
            edit_article(root, 1000 + stamp)
            next_version()
            times.append(time.perf_counter() - started)
            time.sleep(0.5)
        connection.close()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return times


def print_incremental(all_figures: list[IncrementalFigures], sample_reload: list[float]) -> None:
    """The timings of each mode, the targets, and each stage's share."""
    print()
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print("`newsletter build` as a cold process; medians (min) in seconds.")
    for figures in all_figures:
        print()
        print(f"{figures.count}-issue archive")
        for mode, times in figures.times.items():
            target = ""
            if mode == "nothing changed":
                target = f"target <= {TARGET_NOTHING_CHANGED_S} s at 400 issues"
            elif mode == "one article edited":
                target = f"target <= Hugo's cold build (400 issues: {HUGO_COLD_400_S} s)"
            print(f"  {mode:<20} {statistics.median(times):7.3f} ({min(times):.3f})  {target}")
        if figures.reload:
            median = statistics.median(figures.reload)
            print(
                f"  {'serve edit-to-reload':<20} {median:7.3f} ({min(figures.reload):.3f})  "
                f"target <= {TARGET_RELOAD_S} s"
            )
        print(f"  incremental output vs a cold build: {figures.identical}")
        for mode, stages in figures.stages.items():
            total = sum(stages.values()) or 1.0
            shares = ", ".join(
                f"{name} {100 * seconds / total:.0f}%"
                for name, seconds in stages.items()
                if seconds / total >= 0.005
            )
            print(f"  stages, {mode} ({total:.2f} s in-process): {shares}")
    if sample_reload:
        median = statistics.median(sample_reload)
        print()
        print(
            f"sample: serve edit-to-reload {median:.3f} ({min(sample_reload):.3f})  "
            f"target <= {TARGET_RELOAD_S} s"
        )


def measure_incremental(work: Path, sizes: tuple[int, int], repeat: int, full: bool) -> None:
    """--incremental: generate the archives, time the three kinds of build and the
    preview's reload, print the figures."""
    exe = newsletter_executable()
    all_figures = []
    for count in sizes:
        root = work / f"incremental-{count}"
        print(f"Generating the {count}-issue archive in {root} ...", flush=True)
        generate_archive(REPO_ROOT, root, count, full)
        print(f"Building the {count}-issue archive ...", flush=True)
        figures = measure_incremental_archive(exe, root, work, count, repeat)
        print(f"Timing serve's edit-to-reload on {count} issues ...", flush=True)
        figures.reload = measure_reload(exe, root, repeat)
        all_figures.append(figures)
    print("Timing serve's edit-to-reload on the sample ...", flush=True)
    sample = copy_sample(REPO_ROOT, work / "incremental-sample")
    sample_reload = measure_reload(exe, sample, repeat)
    print_incremental(all_figures, sample_reload)


def peer_name(peer: str, count: int) -> str:
    """The name of a peer's build in the table of measurements."""
    return f"{peer} build ({count} issues)"


def peer_measurements(
    work: Path, roots: dict[int, Path], outs: Path, found: Sequence[peers.Peer]
) -> list[Measurement]:
    """The cold builds of the peers that are installed, each archive written as their site."""
    runnable = {peer.name for peer in found if peer.missing is None}
    argv_of = {"Pelican": peers.pelican_argv, "Hugo": peers.hugo_argv}
    result = []
    for count, root in roots.items():
        if not runnable:
            break
        print(f"Writing the {count}-issue archive as a Pelican and a Hugo site ...", flush=True)
        for name, site in peers.write_peer_sites(root, work / f"peers-{count}"):
            if name in runnable:
                build_into = functools.partial(argv_of[name], site)
                result.append(
                    Measurement(peer_name(name, count), [], site, outs, out_argv=build_into)
                )
    return result


def print_side_by_side(
    measurements: dict[str, Measurement], sizes: tuple[int, int], found: Sequence[peers.Peer]
) -> None:
    """Our cold build next to Pelican's and Hugo's of the same archives: medians, each
    one's scaling from the smaller archive to the larger, and the files each wrote."""
    small, large = sizes
    print()
    print("Side by side, the same content, cold processes (median wall-clock seconds, and")
    print("the median CPU seconds of each build, its workers' included, which a busy")
    print("machine changes less):")
    header = (
        f"{'':<22}  {small:>6} issues  {large:>6} issues  {'scaling':>8}  "
        f"{'CPU ' + str(small):>9}  {'CPU ' + str(large):>9}  files ({small})"
    )
    print(header)
    lines: list[tuple[str, Measurement | None, Measurement | None]] = [
        (
            "newsletter (full)",
            measurements[f"newsletter build ({small} issues)"],
            measurements[f"newsletter build ({large} issues)"],
        )
    ]
    for peer in found:
        label = f"{peer.name} {peer.version}".strip() + (" web" if peer.name == "Pelican" else "")
        if peer.missing is not None:
            print(f"{label:<22}  {peer.name} {peer.missing}")
            continue
        lines.append(
            (
                label,
                measurements.get(peer_name(peer.name, small)),
                measurements.get(peer_name(peer.name, large)),
            )
        )
    for label, one, two in lines:
        if one is None or two is None:
            continue
        files = f"{one.last_output[0]:,}" if one.last_output else "?"
        print(
            f"{label:<22}  {one.median:>11.2f} s  {two.median:>11.2f} s  "
            f"{two.median / one.median:>7.2f}x  {statistics.median(one.cpu):>7.2f} s  "
            f"{statistics.median(two.cpu):>7.2f} s  {files}"
        )
    ours = measurements[f"newsletter build ({small} issues)"]
    for peer in found:
        theirs = measurements.get(peer_name(peer.name, small))
        if theirs is not None:
            wall = ours.median / theirs.median
            cpu = statistics.median(ours.cpu) / statistics.median(theirs.cpu)
            print(f"ours / {peer.name} ({small} issues): {wall:.2f}x wall clock, {cpu:.2f}x CPU")


def print_stages(figures: dict[str, Any]) -> None:
    """The share of each stage in one build of the smaller archive (bench/stages.py)."""
    wall = float(figures["wall"])
    print()
    print(
        f"Where one build of the smaller archive goes (bench/stages.py): {wall:.2f} s wall, "
        f"{float(figures['cpu']):.2f} s CPU with the workers'"
    )
    rows = [("imports (before build)", float(figures["imports"]), "")]
    for stage, value in figures["stages"].items():
        rows.append((stage, float(value["seconds"]), f"({value['calls']} calls)"))
    for stage, seconds, calls in rows:
        print(f"  {stage:<50}  {seconds:>6.2f} s  {seconds / wall:>4.0%}  {calls}".rstrip())
    print("  (the email parts run in the workers: their sum is CPU across the cores, not wall)")
    for missing in figures.get("missing", []):
        print(f"  not timed (not found in this version): {missing}")


def run_stages(root: Path, outs: Path) -> dict[str, Any] | None:
    """One build of `root` with every stage timed, as a cold process; None if it fails."""
    out = Path(tempfile.mkdtemp(prefix="stages-", dir=outs))
    figures = out.parent / f"{out.name}.json"
    argv = [sys.executable, str(Path(__file__).with_name("stages.py")), "--json", str(figures)]
    argv += ["--", "--root", str(root), "build", "--out", str(out)]
    TRASH.discard(root / ".newsletter-cache")  # a cold build's stages
    try:
        os.sync()  # as before every timed run (run_measurement)
        _seconds, result = run(argv, root)
        if result.returncode != 0:
            print("bench/stages.py failed: " + describe_failure(argv, root, result))
            return None
        loaded: dict[str, Any] = json.loads(figures.read_text("utf-8"))
        return loaded
    finally:
        TRASH.discard(out)
        figures.unlink(missing_ok=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--issues",
        type=int,
        nargs=2,
        default=[200, 400],
        metavar=("SMALL", "LARGE"),
        help="sizes of the two generated archives (default: 200 400)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per command (default 3)")
    parser.add_argument(
        "--no-peers",
        action="store_true",
        help="do not build the archives with Pelican and Hugo (ours only)",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="copy every article, report and schedule entry of the sample issues (about six "
        "times performance.md's reference content) instead of the reference shape",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="generate the archives here and keep them (e.g. bench/out); default: a temp folder",
    )
    parser.add_argument(
        "--incremental",
        action="store_true",
        help="time builds with the previous build's cache instead: cold, nothing changed, "
        "one article edited, and serve's edit-to-reload, with each stage's share",
    )
    parser.add_argument(
        "--delete",
        action="store_true",
        help="remove each run's output and cache right away instead of at the end (see Trash)",
    )
    args = parser.parse_args(argv)
    small, large = args.issues
    if not 0 < small < large or large > 999:
        parser.error("--issues needs 0 < SMALL < LARGE <= 999")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def measure(
    work: Path, sizes: tuple[int, int], repeat: int, full: bool = False, with_peers: bool = True
) -> None:
    """Generate the archives in ``work``, verify them, time every command, print the report."""
    exe = newsletter_executable()
    small = sizes[0]
    archives: dict[int, ArchiveStats] = {}
    roots: dict[int, Path] = {}
    for count in sizes:
        roots[count] = work / f"archive-{count}"
        print(f"Generating the {count}-issue archive in {roots[count]} ...", flush=True)
        archives[count] = generate_archive(REPO_ROOT, roots[count], count, full)
    print(f"Checking the {small}-issue archive ...", flush=True)
    verify_check(exe, roots[small])

    outs = work / "outputs"
    outs.mkdir(exist_ok=True)
    sample = copy_sample(REPO_ROOT, work / "sample")
    edited = copy_sample(REPO_ROOT, work / "sample-edited")  # apart: its edits are recent
    measurements = [
        Measurement("python -c pass", [sys.executable, "-c", "pass"], sample),
        Measurement("newsletter --help", [str(exe), "--help"], sample),
        Measurement("newsletter check (sample)", [str(exe), "check"], sample),
        Measurement(EDITED_CHECK, [str(exe), "check"], edited, before=article_editor(edited)),
        Measurement("newsletter build (sample)", [str(exe), "build"], sample, outs, cold=True),
    ]
    for count in sizes:
        measurements.append(
            Measurement(f"newsletter check ({count} issues)", [str(exe), "check"], roots[count])
        )
        measurements.append(
            Measurement(
                f"newsletter build ({count} issues)",
                [str(exe), "build"],
                roots[count],
                outs,
                cold=True,
            )
        )
    found = [peers.pelican_peer(), peers.hugo_peer()] if with_peers else []
    measurements += peer_measurements(work, roots, outs, found)
    probes = [file_creation_us(work)]
    for round_ in range(repeat + 1):
        label = "warm-up" if round_ == 0 else f"{round_}/{repeat}"
        print(f"Round {label} ...", flush=True)
        for measurement in measurements:
            run_measurement(measurement, record=round_ > 0)
    probes.append(file_creation_us(work))
    print(f"Timing the stages of one build of the {small}-issue archive ...", flush=True)
    stages = run_stages(roots[small], outs)
    by_name = {m.name: m for m in measurements}
    print_report(by_name, sizes, archives, repeat)
    print(
        f"A new file on this disk: {probes[0]:.0f} µs before the rounds, {probes[1]:.0f} µs "
        "after (tens of µs on a quiet disk; hundreds after a large deletion, which slows "
        "a build writing thousands of files: see bench/README.md)\n"
    )
    print_side_by_side(by_name, sizes, found)
    if stages is not None:
        print_stages(stages)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: 0 once the figures are printed, 1 if they could not be measured."""
    args = parse_args(argv)
    sizes: tuple[int, int] = (args.issues[0], args.issues[1])
    peers = not args.no_peers

    def how(work: Path) -> None:
        TRASH.folder, TRASH.delete = work / "trash", args.delete
        TRASH.empty()  # a killed bench's
        if args.incremental:
            measure_incremental(work, sizes, args.repeat, args.full)
        else:
            measure(work, sizes, args.repeat, args.full, peers)

    try:
        if args.work is not None:
            args.work.mkdir(parents=True, exist_ok=True)
            how(args.work.resolve())
        else:
            with tempfile.TemporaryDirectory(prefix="newsletter-bench-") as tmp:
                how(Path(tmp))
    except BenchError as error:
        print(f"\nbench/build.py: cannot measure: {error}", file=sys.stderr)
        return 1
    finally:
        TRASH.empty()
    return 0


if __name__ == "__main__":
    sys.exit(main())
