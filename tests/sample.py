"""A copy of the sample newsletter (the repository's content/ and calendar/) to change."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import REPO

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def copy_sample(target: Path) -> Path:
    """The sample's content/ and calendar/ in `target` (created); returns `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("content", "calendar"):
        shutil.copytree(REPO / name, target / name)
    return target
