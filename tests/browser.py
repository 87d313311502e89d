"""Headless Chromium for the email tests: lay an email out at a given width and measure it,
or take a screenshot of it.

The email is shown in an `<iframe srcdoc>` of exactly that width (a phone is 375 px
wide; a browser window cannot always be made that narrow), and a script of the outer
page writes what it measured into the DOM, which `--dump-dom` prints. Each run has a
fresh profile, no network and a timeout.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

TIMEOUT_SECONDS = 90
# Offline and quiet: without the background-networking flags Chromium keeps trying to
# reach Google's hosts, which this machine's closed network refuses.
HEADLESS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
)
FLAGS = (*HEADLESS, "--hide-scrollbars", "--virtual-time-budget=10000")

_MEASURE = """
window.addEventListener("load", () => {
  const frame = document.getElementById("email");
  const doc = frame.contentDocument;
  const root = doc.documentElement;
  const limit = root.clientWidth + 0.5;
  const wide = [];
  for (const element of doc.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width > 0 && box.right > limit && wide.length < 10) {
      wide.push(element.tagName + "." + element.className + " right=" + Math.round(box.right));
    }
  }
  const result = {
    frameWidth: frame.clientWidth,
    clientWidth: root.clientWidth,
    scrollWidth: root.scrollWidth,
    bodyScrollWidth: doc.body.scrollWidth,
    scrollHeight: root.scrollHeight,
    wide: wide,
  };
  const out = document.createElement("pre");
  out.id = "result";
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
});
"""


def chromium() -> str:
    """The Chromium executable; a clear failure when it is missing (`.ci/run` installs it)."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise AssertionError(
        "chromium is not installed: the browser tests need it "
        "(Debian: apt-get install chromium; .ci/run installs it)"
    )


def _page(email_html: str, width: int, height: int, script: str) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>email</title></head>'
        '<body style="margin:0">'
        f'<iframe id="email" title="email" style="display:block;border:0;width:{width}px;'
        f'height:{height}px" srcdoc="{html.escape(email_html, quote=True)}"></iframe>'
        f"<script>{script}</script></body></html>"
    )


def _run(page: str, *args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="newsletter-chromium-") as temp:
        file = Path(temp) / "page.html"
        file.write_text(page, "utf-8")
        profile = Path(temp) / "profile"
        command = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args, file.as_uri()]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )


def measure(email_html: str, width: int) -> dict[str, Any]:
    """Lay the email out `width` px wide; its clientWidth, scrollWidth and the elements
    that stick out on the right."""
    page = _page(email_html, width, 20000, _MEASURE)
    result = _run(page, f"--window-size={width + 100},900", "--dump-dom")
    start = result.stdout.find('<pre id="result">')
    if start < 0:
        raise AssertionError(f"chromium printed no measurement: {result.stderr[-2000:]}")
    end = result.stdout.index("</pre>", start)
    text = html.unescape(result.stdout[start + len('<pre id="result">') : end])
    measured: dict[str, Any] = json.loads(text)
    return measured


def screenshot(email_html: str, width: int, height: int, out: Path) -> None:
    """A PNG of the top `height` px of the email laid out `width` px wide."""
    page = _page(email_html, width, height, "")
    out.parent.mkdir(parents=True, exist_ok=True)
    result = _run(page, f"--window-size={width},{height}", f"--screenshot={out}")
    if not out.is_file():
        raise AssertionError(f"chromium wrote no screenshot: {result.stderr[-2000:]}")
