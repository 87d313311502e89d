"""A cheap fingerprint of the checkout, so that a test that writes into it fails.

Walking the whole tree (or running `git status --ignored`) twice per test would cost
seconds over the suite. Instead `snapshot` looks only where a test could write by
mistake:

- the root's own entries (names, and each file's size and mtime): the CLI's default
  root is the current folder, which is the checkout when pytest runs from it, so a
  stray `build` or `new` shows up here first (a new public/ or .newsletter-cache/);
- every file and folder under the places the program writes in a newsletter folder
  (newsletter/layout.py): content/ (`new`, `add`, `import-schedule`, `send`'s secret
  and journals), calendar/ (published.yaml), templates/, public/ (the default output),
  .newsletter-cache/ (`check`, `build`);
- the places the repository's own refresh tools write: tests/golden/ and docs/.

A folder's mtime is part of its fingerprint, so a file written and removed again still
shows. Tool caches at the root (.pytest_cache, .mypy_cache, ...) are left out: pytest
and the linters write them, not the tests.
"""

from __future__ import annotations

import os
from pathlib import Path

WATCHED = (
    "content",
    "calendar",
    "templates",
    "public",
    ".newsletter-cache",
    "tests/golden",
    "docs",
)
IGNORED = frozenset(
    {
        ".git",
        ".venv",
        "node_modules",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        "__pycache__",
        ".coverage",
    }
)

Snapshot = dict[str, tuple[int, int]]  # relative POSIX path -> (size, mtime in ns)


def snapshot(root: Path) -> Snapshot:
    """The fingerprint of the checkout at `root` (see the module's doc)."""
    found: Snapshot = {}
    base = str(root)
    with os.scandir(base) as entries:
        for entry in entries:
            if entry.name in IGNORED:
                continue
            if entry.is_dir(follow_symlinks=False):
                found[entry.name + "/"] = (0, 0)  # there; what is inside is walked below or not
            else:
                stat = entry.stat(follow_symlinks=False)
                found[entry.name] = (stat.st_size, stat.st_mtime_ns)
    for place in WATCHED:
        _walk(os.path.join(base, place), place, found)
    return found


def _walk(folder: str, name: str, found: Snapshot) -> None:
    try:
        stat = os.stat(folder, follow_symlinks=False)
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    found[name + "/"] = (0, stat.st_mtime_ns)
    for entry in entries:
        if entry.name in IGNORED:
            continue
        path = f"{name}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            _walk(entry.path, path, found)
        else:
            stat = entry.stat(follow_symlinks=False)
            found[path] = (stat.st_size, stat.st_mtime_ns)


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """Every path added, removed or changed between two snapshots, sorted, each marked
    `+` (added), `-` (removed) or `~` (changed)."""
    added = [f"+ {path}" for path in after.keys() - before.keys()]
    removed = [f"- {path}" for path in before.keys() - after.keys()]
    changed = [f"~ {path}" for path in before.keys() & after.keys() if before[path] != after[path]]
    return sorted((*added, *removed, *changed), key=lambda line: line[2:])


class CheckoutGuard:
    """Compares each snapshot with the one before, so a change is blamed on the test
    during which it happened (its fixtures' setup included) and on no later test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.last = snapshot(root)

    def check(self, during: str) -> None:
        """Fail, listing the changed paths, when the checkout changed since the last check."""
        now = snapshot(self.root)
        changed = changes(self.last, now)
        self.last = now
        if changed:
            import pytest

            listing = "\n".join(f"  {line}" for line in changed)
            pytest.fail(
                f"{during} changed the checkout {self.root} (tests must write only into "
                f"tmp_path):\n{listing}",
                pytrace=False,
            )
