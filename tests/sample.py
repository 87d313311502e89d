"""A copy of the sample newsletter (the repository's content/ and calendar/) to change."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import REPO

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# What a copy leaves out: the secret and journals of a `send` run in the checkout
# (git-ignored, never part of the sample).
_UNTRACKED = shutil.ignore_patterns(".send-secret*", ".send.sqlite*")


def copy_sample(target: Path, templates: bool = False) -> Path:
    """The sample's content/ and calendar/ (with `templates`, its templates/ too) in
    `target` (created); returns `target`."""
    target.mkdir(parents=True, exist_ok=True)
    names = ("content", "calendar", "templates") if templates else ("content", "calendar")
    for name in names:
        shutil.copytree(REPO / name, target / name, ignore=_UNTRACKED)
    return target
