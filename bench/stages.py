"""Where a `newsletter build` goes: the build run with a timer around each stage.

    python bench/stages.py [--json FILE] -- --root DIR build --out OUT

runs the `newsletter` command line in this process after wrapping the functions that
make each stage (reading, Markdown, web pages, feeds, calendar, emails and their
HTML, text and .eml, writing) in timers. Nothing of this is in newsletter itself, so a
build that is not measured pays nothing. A stage whose function a later version has
renamed or moved is left out and named in the report, never an error.

Stages that run in forked workers (the emails, Markdown of a large archive) are timed
in the worker: each timed call appends one line to a file shared by every process,
and the report adds them up. A stage's figure is wall-clock seconds inside the stage,
summed over the processes that ran it; on two cores the worker stages' sum can be
near twice their share of the build's wall clock. The report also gives the process's
CPU time (its own and its children's) and what the imports cost before `build`.

Standard library only, plus newsletter itself (run by `bench/build.py --stages`).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

STAGES: tuple[tuple[str, str, str], ...] = (
    # (stage, module, function): the function whose call is the stage
    ("read", "newsletter.site", "load"),
    ("cached pieces and keys", "newsletter.pieces", "Keys.of"),
    (
        "issues: pages, emails, Markdown (workers; calendar alongside)",
        "newsletter.pieces",
        "render_issues",
    ),
    ("index and stylesheet", "newsletter.render.web", "WebPages.site_files"),
    ("events page", "newsletter.render.web", "WebPages.events_index"),
    ("feeds", "newsletter.render.feeds", "render_feeds_kept"),
    ("pieces stored (pickled, written, digested)", "newsletter.pieceindex", "PieceIndex.put"),
    ("published record", "newsletter.events.published", "load_record"),
    ("published record", "newsletter.events.published", "publish"),
    ("published record", "newsletter.events.published", "save_record"),
    ("calendar", "newsletter.render.calendar", "render_calendar"),
    ("write", "newsletter.writer", "write_output"),
    ("cache", "newsletter.cache", "record_budgets"),
)
"""The stages of the build, timed in the process that calls `build`."""

EMAIL_HTML = "email HTML (templates, MJML, css-inline, budget)"
EMAIL_PARTS: tuple[tuple[str, str, str], ...] = (
    (EMAIL_HTML, "newsletter.render.email.html", "EmailRenderer.fit"),
    ("  of which MJML", "mjml", "mjml2html"),
    ("  of which css-inline", "css_inline", "CSSInliner.inline"),
    ("email text", "newsletter.render.email.text", "render_text"),
    ("email .eml", "newsletter.render.email.message", "render_message"),
)  # fmt: skip
"""Parts of the email stage, timed in whichever process renders the email."""

_log_fd = -1


def _record(stage: str, seconds: float) -> None:
    # One write of one short line with O_APPEND: whole even when workers write at once.
    os.write(_log_fd, f"{stage}\t{seconds:.6f}\n".encode())


def _timed(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        result = function(*args, **kwargs)
        if isinstance(result, Iterator):
            result = iter(list(result))  # a generator's work happens as it is consumed
        _record(stage, time.perf_counter() - start)
        return result

    return wrapper


def _install(stage: str, module_name: str, qualname: str) -> bool:
    """Wrap `module.qualname` in a timer; False when it is not there."""
    try:
        owner: Any = importlib.import_module(module_name)
    except ImportError:
        return False
    *path, name = qualname.split(".")
    for part in path:
        owner = getattr(owner, part, None)
        if owner is None:
            return False
    function = getattr(owner, name, None)
    if not callable(function):
        return False
    if isinstance(owner, type) and owner.__module__ == "builtins":
        # A class written in Rust takes no new attribute and no subclass: the module's
        # name for it makes a stand-in whose method is timed.
        setattr(importlib.import_module(module_name), owner.__name__, _stand_in(stage, owner, name))
        return True
    setattr(owner, name, _timed(stage, function))
    return True


def _stand_in(stage: str, cls: type, method: str) -> Callable[..., Any]:
    def make(*args: Any, **kwargs: Any) -> Any:
        instance = cls(*args, **kwargs)

        class StandIn:
            def __getattr__(self, attribute: str) -> Any:
                return getattr(instance, attribute)

        setattr(StandIn, method, staticmethod(_timed(stage, getattr(instance, method))))
        return StandIn()

    return make


def install_timers() -> list[str]:
    """Wrap every stage's function; return the ones that could not be found."""
    missing = []
    for stage, module, function in (*STAGES, *EMAIL_PARTS):
        if not _install(stage, module, function):
            missing.append(f"{module}.{function}")
    return missing


def report(log: Path, wall: float, imports: float, missing: Sequence[str]) -> dict[str, Any]:
    """The figures: each stage's summed seconds and calls, and the whole run's."""
    seconds: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    for line in log.read_text("utf-8").splitlines():
        stage, _, value = line.partition("\t")
        seconds[stage] += float(value)
        calls[stage] += 1
    times = os.times()
    return {
        "wall": wall,
        "imports": imports,
        "cpu": times.user + times.system + times.children_user + times.children_system,
        "stages": {
            stage: {"seconds": seconds[stage], "calls": calls[stage]}
            for stage in dict.fromkeys(name for name, _, _ in (*STAGES, *EMAIL_PARTS))
            if stage in seconds
        },
        "missing": list(missing),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the newsletter command line with the stages timed; print or save the figures."""
    global _log_fd
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the newsletter command line")
    options = parser.parse_args(argv)
    args = [a for a in options.args if a != "--"] or ["build"]
    start = time.perf_counter()
    from newsletter.cli import main as newsletter_main

    with tempfile.NamedTemporaryFile(prefix="stages-", suffix=".log", delete=False) as log_file:
        log = Path(log_file.name)
    _log_fd = os.open(log, os.O_WRONLY | os.O_APPEND)
    try:
        missing = install_timers()
        imports = time.perf_counter() - start
        try:
            newsletter_main(args)
        except SystemExit as stop:
            if stop.code:
                raise
        figures = report(log, time.perf_counter() - start, imports, missing)
    finally:
        os.close(_log_fd)
        log.unlink()
    if options.json is not None:
        options.json.write_text(json.dumps(figures, indent=1), "utf-8")
    else:
        print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
