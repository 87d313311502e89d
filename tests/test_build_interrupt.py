"""Ctrl-C stops `newsletter build` cleanly: exit 130, one line, no traceback, the
output folder as it was, no worker left behind."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsletter import interrupts
from newsletter.cli import INTERRUPTED
from newsletter.layout import CACHE_FOLDER
from newsletter.site import build
from tests.conftest import Folder, generate_archive
from tests.test_incremental import _tree

WAIT_SECONDS = 60.0


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def test_ctrl_c_in_the_middle_of_a_build(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    generate_archive(root, 40)
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "newsletter", "--root", str(root), "build", "--out", str(out)]
    subprocess.run(argv, check=True, capture_output=True)
    before = _tree(out)
    shutil.rmtree(root / CACHE_FOLDER)  # a cold build again: the pool renders 40 issues
    article = sorted((root / "content/issues/020/articles").glob("*.md"))[0]
    article.write_text(article.read_text("utf-8") + "\nEdited.\n", "utf-8")

    # Its own process group, which Ctrl-C signals as a whole: the workers get it too.
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        readers = _new_children(process, [])  # the first pool reads the 40 issues
        workers = _new_children(process, readers)  # the next one renders them
        time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
        stdout, stderr = process.communicate(timeout=WAIT_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    err = stderr.decode()
    # Or killed by SIGINT, which a shell reports as 130 too: Python ends so, whatever code
    # it was given, when the KeyboardInterrupt came through an exec() of a string (a
    # dataclass being made as a module loads).
    assert process.returncode in (INTERRUPTED, -signal.SIGINT), err
    assert "Traceback" not in err
    assert "Error" not in err
    assert [line for line in err.splitlines() if line] == [
        "newsletter: interrupted; run the command again to finish"
    ]
    assert stdout == b""
    assert _tree(out) == before  # interrupted while rendering: nothing written
    for worker in workers:
        assert not Path(f"/proc/{worker}").exists() or _zombie(worker), "a worker is left"


def _new_children(process: subprocess.Popen[bytes], old: list[int]) -> list[int]:
    """The children of `process` once one of them is not in `old`."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "the build ended before its worker pools started"
        children = _children(process.pid)
        if set(children) - set(old):
            return children
        time.sleep(0.005)
    raise AssertionError("no new worker pool within a minute")


def test_a_lost_ctrl_c_stops_the_build_before_it_writes(folder: Folder) -> None:
    out = folder.root / "out"
    previous = signal.getsignal(signal.SIGINT)
    try:
        interrupts.watch()
        with contextlib.suppress(KeyboardInterrupt):  # lost, as by a callback Python runs
            signal.raise_signal(signal.SIGINT)
        with pytest.raises(KeyboardInterrupt):
            build(folder.root, out)
        assert not out.exists()
        interrupts.watch()  # a new command: what came before is forgotten
        build(folder.root, out)
        assert (out / "index.html").is_file()
    finally:
        interrupts.watch()
        signal.signal(signal.SIGINT, previous)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (OSError, IndexError):
        return True
