"""Golden files of the sample site: tests/golden/ holds what `newsletter build` of the
repository's own sample newsletter must produce, byte for byte.

Refresh them on purpose, after a change to the output that you have looked at:

    ./run golden        (or: python -m tests.golden)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from newsletter.site import build

REPOSITORY = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"


def build_sample(out: Path) -> dict[str, bytes]:
    """Build the sample newsletter into `out`; every file's bytes by relative path."""
    build(REPOSITORY, out)
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def golden_files() -> dict[str, bytes]:
    return {
        p.relative_to(GOLDEN).as_posix(): p.read_bytes()
        for p in sorted(GOLDEN.rglob("*"))
        if p.is_file()
    }


def refresh() -> int:
    with tempfile.TemporaryDirectory() as temp:
        files = build_sample(Path(temp) / "public")
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for name, data in files.items():
        target = GOLDEN / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    print(f"Wrote {len(files)} golden files into {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(refresh())
