"""Screenshots of the sample's email for the README, taken with headless Chromium.

Refresh them on purpose, after a change to the email's look:

    python -m tests.screenshots        (writes docs/email-375.png and docs/email-640.png)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.browser import screenshot
from tests.golden import REPOSITORY, build_sample

ISSUE = "062"
SHOTS = ((375, 1600), (640, 1400))  # width, height of the part shown


def main() -> int:
    with tempfile.TemporaryDirectory() as temp:
        files = build_sample(Path(temp)).files
    html = files[f"issues/{ISSUE}/email.html"].decode("utf-8")
    for width, height in SHOTS:
        out = REPOSITORY / "docs" / f"email-{width}.png"
        screenshot(html, width, height, out)
        print(f"Wrote {out} ({out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
