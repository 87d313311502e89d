"""The email laid out by a real browser engine (headless Chromium) on a 375 px phone and
at 640 px: no sideways scrolling. `python -m tests.screenshots` saves the pictures
shown in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import measure

WIDTHS = (375, 640)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("slug", ["061", "062"])
def test_no_horizontal_scrolling(site: Path, slug: str, width: int) -> None:
    html = (site / f"issues/{slug}/email.html").read_text("utf-8")
    measured = measure(html, width)
    assert measured["frameWidth"] == measured["clientWidth"] == width
    assert measured["scrollWidth"] <= measured["clientWidth"], measured
    assert measured["wide"] == []
    assert measured["scrollHeight"] > 3000  # the email was laid out, not a blank page


def test_the_probe_sees_an_email_that_scrolls() -> None:
    wide = '<!DOCTYPE html><html><body><table width="900"><tr><td>x</td></tr></table></body></html>'
    measured = measure(wide, 375)
    assert measured["scrollWidth"] > 375
    assert any(item.startswith("TABLE") for item in measured["wide"])
