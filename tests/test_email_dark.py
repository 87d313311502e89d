"""Every link and every run of text in the email keeps a readable contrast (WCAG 2
AA: 4.5:1, 3:1 for large text) against the background it is drawn on, in light mode,
in dark mode (`prefers-color-scheme: dark`, as Apple Mail, iOS Mail and Outlook for Mac
apply it) and with the `[data-ogsc]`/`[data-ogsb]` rules Outlook.com reads — measured in
headless Chromium from the computed styles of the laid-out email.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTICLE
from tests.devtools import Browser
from tests.emailtools import build_folder

ISSUES = ("061", "062")
NORMAL, LARGE = 4.5, 3.0

# For each rendered text node: its colour, the nearest non-transparent background of an
# ancestor (semi-transparent ones blended over what lies under them), and the WCAG
# contrast ratio of the two. Text that is not shown (the display:none preheader) is
# left out; a link's text is marked with the link.
PROBE = """
(() => {
  const parse = (value) => {
    const m = value.match(/rgba?\\(([^)]*)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat([1]);
  };
  const background = (element) => {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) {
        layers.push(c);
        if (c[3] >= 1) break;
      }
    }
    // Under everything, the canvas: white, or dark when the page's colour scheme is.
    const canvas = matchMedia("(prefers-color-scheme: dark)").matches &&
      getComputedStyle(document.documentElement).colorScheme.includes("dark")
      ? [18, 18, 18, 1] : [255, 255, 255, 1];
    let result = canvas;
    for (const layer of layers.reverse()) result = over(layer, result);
    return result;
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const hex = (c) =>
    "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  const runs = [];
  const measured = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const element = node.parentElement;
    if (!text || !element || element.closest("style, script, title")) continue;
    if (!element.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    if (![...range.getClientRects()].some((r) => r.width > 0 && r.height > 0)) continue;
    const style = getComputedStyle(element);
    const bg = background(element);
    const fg = over(parse(style.color), bg);
    const link = element.closest("a");
    if (link) measured.add(link);
    runs.push({
      text: text.slice(0, 60),
      link: link ? link.getAttribute("href") : null,
      tag: element.tagName.toLowerCase() + (element.className ? "." + element.className : ""),
      color: hex(fg),
      background: hex(bg),
      size: parseFloat(style.fontSize),
      weight: parseInt(style.fontWeight, 10),
      ratio: Math.round(ratio(fg, bg) * 100) / 100,
    });
  }
  // Every visible link with text has its text measured (none hides from the walk).
  const unmeasured = [...document.querySelectorAll("a[href]")]
    .filter((a) => a.checkVisibility() && a.textContent.trim() && !measured.has(a))
    .map((a) => a.getAttribute("href"));
  return JSON.stringify({runs: runs, links: measured.size, unmeasured: unmeasured});
})()
"""

# Outlook.com in dark mode marks what it recolours with data-ogsc (text) and data-ogsb
# (backgrounds); the email's [data-ogsc]/[data-ogsb] rules take over from there. Marking
# the body shows those rules alone: Outlook.com's own recolouring cannot be reproduced.
OUTLOOK_COM = (
    "document.body.setAttribute('data-ogsc', ''); document.body.setAttribute('data-ogsb', '');"
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    chrome = Browser(tmp_path_factory.mktemp("chromium") / "profile")
    try:
        yield chrome
    finally:
        chrome.close()


def probe(browser: Browser, page: Path, scheme: str, width: int = 640) -> dict[str, Any]:
    """The colours of every run of text of `page` laid out `width` px wide in `scheme`
    ("light", "dark" or "outlook.com": light media with Outlook.com's marks)."""
    media = "dark" if scheme == "dark" else "light"
    browser.emulate(width, media)
    browser.open(page.as_uri())
    assert browser.evaluate(f"matchMedia('(prefers-color-scheme: {media})').matches")
    if scheme == "outlook.com":
        browser.evaluate(OUTLOOK_COM)
    found: dict[str, Any] = json.loads(browser.evaluate(PROBE))
    return found


def required(run: dict[str, Any]) -> float:
    """WCAG's minimum for the run: 3:1 for large text (24 px, or bold and 18.66 px)."""
    large = run["size"] >= 24 or (run["weight"] >= 700 and run["size"] >= 18.66)
    return LARGE if large else NORMAL


def too_faint(runs: list[dict[str, Any]]) -> list[str]:
    return [
        f"{r['ratio']}:1 {r['color']} on {r['background']} <{r['tag']}> {r['text']!r}"
        for r in runs
        if r["ratio"] < required(r)
    ]


@pytest.mark.parametrize("scheme", ["light", "dark", "outlook.com"])
@pytest.mark.parametrize("slug", ISSUES)
def test_every_link_and_text_run_is_readable(
    site: Path, browser: Browser, slug: str, scheme: str
) -> None:
    found = probe(browser, site / f"issues/{slug}/email.html", scheme)
    runs = found["runs"]
    assert len(runs) > 100  # the whole email was measured
    assert found["links"] > 15 and found["unmeasured"] == []
    link_runs = [r for r in runs if r["link"]]
    assert len({r["link"] for r in link_runs}) >= 10
    assert any("unsubscribe" in r["link"] for r in link_runs)  # the footer's links too
    assert too_faint(runs) == []


@pytest.mark.parametrize("scheme", ["dark", "outlook.com"])
@pytest.mark.parametrize("slug", ISSUES)
def test_dark_mode_changes_the_colours(
    site: Path, browser: Browser, slug: str, scheme: str
) -> None:
    page = site / f"issues/{slug}/email.html"
    light, dark = probe(browser, page, "light")["runs"], probe(browser, page, scheme)["runs"]
    assert [r["text"] for r in light] == [r["text"] for r in dark]
    assert {r["background"] for r in light} == {"#ffffff", "#eef1f4", "#0b3d6e"}
    assert {r["background"] for r in dark} == {"#181e26", "#0e1217", "#0b3d6e"}
    unsubscribe = [r for r in dark if r["link"] and "unsubscribe" in r["link"]]
    assert unsubscribe and all(r["ratio"] >= NORMAL for r in unsubscribe)


# What an editor may write beyond the sample's prose: a quote, a list, a table, code, a
# figure with its caption, a heading, emphasis, raw HTML.
EVERYTHING = """---
title: Everything an article can hold
---
Prose with **bold**, *emphasis*, `code` and [a link](https://example.org/).

> A quote, with [a link in it](https://example.org/quote).

- A list item
- Another, with [a link](https://example.org/list)

#### A heading of its own

| Column | Other |
|--------|-------|
| A cell | [linked](https://example.org/cell) |

```
preformatted code
```

<figure><img src="images/photo.png" alt="A green square"><figcaption>A caption</figcaption></figure>

---

Text after a rule.
"""


@pytest.mark.parametrize("scheme", ["light", "dark", "outlook.com"])
def test_every_kind_of_content_is_readable(tmp_path: Path, browser: Browser, scheme: str) -> None:
    out = build_folder(tmp_path / "news", {ARTICLE: EVERYTHING})
    runs = probe(browser, out / "issues/001/email.html", scheme)["runs"]
    texts = {r["text"] for r in runs}
    assert {"A quote, with", "A cell", "preformatted code", "A caption"} <= texts
    assert too_faint(runs) == []


def test_the_probe_catches_a_faint_link(tmp_path: Path, browser: Browser) -> None:
    page = tmp_path / "faint.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta name="color-scheme" content="light dark">'
        "<style>body { background: #ffffff; }"
        "@media (prefers-color-scheme: dark) { body { background: #0e1217; } }</style>"
        "</head><body>"
        '<p style="color:#1d2430">Readable text</p>'
        '<p><a href="https://example.org/u" style="color:#0b4f8a">Unsubscribe</a></p>'
        '<p style="color:#999999">Grey on white</p>'
        '<div style="display:none;color:#ffffff">hidden preheader</div>'
        "</body></html>",
        "utf-8",
    )
    light = probe(browser, page, "light")
    assert [r["text"] for r in light["runs"]] == ["Readable text", "Unsubscribe", "Grey on white"]
    assert too_faint(light["runs"]) == ["2.85:1 #999999 on #ffffff <p> 'Grey on white'"]
    dark = probe(browser, page, "dark")
    link = next(r for r in dark["runs"] if r["link"])
    assert (link["color"], link["background"]) == ("#0b4f8a", "#0e1217")
    assert link["ratio"] < 2.5
    assert any("Unsubscribe" in problem for problem in too_faint(dark["runs"]))
