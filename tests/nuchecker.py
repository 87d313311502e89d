"""The Nu Html Checker (the W3C's validator, npm's `vnu-jar`), run with the machine's Java
on built pages: every error it reports, as `file:line: message`."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import REPO

TIMEOUT_SECONDS = 180
JAR = REPO / "node_modules/vnu-jar/build/dist/vnu.jar"


def nu_errors(pages: list[Path]) -> list[str]:
    """The Nu checker's errors (not its warnings) on `pages`, one line each."""
    java = shutil.which("java")
    assert java, "Java is needed for the Nu HTML checker (Debian: default-jre-headless)"
    assert JAR.is_file(), f"run `npm ci` in the repository to install vnu-jar ({JAR} is missing)"
    result = subprocess.run(
        [java, "-jar", str(JAR), "--errors-only", "--format", "json", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    # vnu writes its report to standard error, and exits 1 when it found an error.
    report = json.loads(result.stderr or result.stdout)
    errors = [
        f"{m.get('url', '').removeprefix('file:')}:{m.get('lastLine', '?')}: {m['message']} "
        f"({m.get('extract', '').strip()[:120]!r})"
        for m in report["messages"]
        if m.get("type") in ("error", "non-document-error")
    ]
    assert errors or result.returncode == 0, result.stderr[-2000:]
    return errors
