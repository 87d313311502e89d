"""Golden files of the sample site: tests/golden/ holds what `newsletter build` of the
repository's own sample newsletter must produce, byte for byte.

The build runs on a copy of the sample in a temporary folder, so neither the tests nor a
refresh write into the checkout (a build writes calendar/published.yaml and
.newsletter-cache/ into the folder it builds). Refresh them on purpose, after a change
to the output that you have looked at:

    ./run golden        (or: python -m tests.golden)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from newsletter.site import build
from tests.sample import copy_sample

REPOSITORY = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"


@dataclass(frozen=True)
class BuiltSample:
    """A copy of the sample newsletter and what its build wrote."""

    root: Path  # the copy: content/, calendar/, templates/, and what the build wrote there
    out: Path  # its output folder
    files: dict[str, bytes]  # every output file's bytes by relative path, as built


def build_sample(work: Path) -> BuiltSample:
    """Copy the sample newsletter into `work`/sample and build it into `work`/sample/public."""
    root = copy_sample(work / "sample", templates=True)
    out = build(root).out
    files = {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }
    return BuiltSample(root, out, files)


def golden_files() -> dict[str, bytes]:
    """Every golden file's bytes by path relative to tests/golden/."""
    return {
        p.relative_to(GOLDEN).as_posix(): p.read_bytes()
        for p in sorted(GOLDEN.rglob("*"))
        if p.is_file()
    }


def refresh() -> int:
    """Replace tests/golden/ with a fresh build of the sample; nothing else is written."""
    with tempfile.TemporaryDirectory() as temp:
        files = build_sample(Path(temp)).files
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for name, data in files.items():
        target = GOLDEN / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    print(f"Wrote {len(files)} golden files into {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(refresh())
