"""The email's schedule on a 375 px phone, laid out by headless Chromium: no word is
broken in the middle ("Shangha/i", "Septembe/r") and the table still fits the screen.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.devtools import Browser

PHONE = 375

# Each word (a run of letters and digits: a line may end after a hyphen, a dash or a
# slash, never inside a word) of every cell and the caption of the schedule, with the
# number of lines its characters are drawn on: more than one is a word split in two.
PROBE = """
(() => {
  const table = document.querySelector(".schedule table");
  if (!table) return JSON.stringify(null);
  const words = [];
  const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.textContent.matchAll(/[\\p{L}\\p{N}'’]+/gu)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const rects = [...range.getClientRects()].filter((r) => r.width > 0);
      const lines = new Set(rects.map((r) => Math.round(r.bottom)));
      words.push({word: match[0], lines: lines.size, cell: node.parentElement.tagName});
    }
  }
  const root = document.documentElement;
  return JSON.stringify({
    words: words,
    clientWidth: root.clientWidth,
    scrollWidth: root.scrollWidth,
    tableRight: table.getBoundingClientRect().right,
    columns: [...table.querySelectorAll("thead th")].map((th) => Math.round(th.offsetWidth)),
  });
})()
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    chrome = Browser(tmp_path_factory.mktemp("chromium") / "profile")
    try:
        yield chrome
    finally:
        chrome.close()


def schedule_words(browser: Browser, page: Path, width: int = PHONE) -> dict[str, Any]:
    browser.emulate(width)
    browser.open(page.as_uri())
    found: dict[str, Any] = json.loads(browser.evaluate(PROBE))
    return found


@pytest.mark.parametrize("slug", ["061", "062"])
def test_no_word_of_the_schedule_is_split_at_375_px(
    site: Path, browser: Browser, slug: str
) -> None:
    found = schedule_words(browser, site / f"issues/{slug}/email.html")
    assert found["clientWidth"] == PHONE
    assert found["scrollWidth"] <= PHONE  # no sideways scrolling
    assert found["tableRight"] <= PHONE
    words = found["words"]
    assert len(words) > 100  # the whole schedule was measured
    assert {w["word"] for w in words} >= {"Shanghai", "November", "Venue", "Dates"}
    split = [f"{w['word']} ({w['lines']} lines, {w['cell']})" for w in words if w["lines"] != 1]
    assert split == []


def test_the_probe_sees_a_split_word(tmp_path: Path, browser: Browser) -> None:
    page = tmp_path / "split.html"
    cell = "Ulaanbaatar, Mongolia and Shanghai, China"
    page.write_text(
        '<!DOCTYPE html><html><body><div class="schedule"><table style="width:60px"><tr>'
        f'<td style="overflow-wrap:anywhere">{cell}</td>'
        '<td style="word-break:normal">Sub-Regional</td></tr></table></div></body></html>',
        "utf-8",
    )
    words = schedule_words(browser, page)["words"]
    split = {w["word"] for w in words if w["lines"] > 1}
    assert {"Ulaanbaatar", "Mongolia", "Shanghai"} <= split
    assert {"Sub", "Regional"}.isdisjoint(split)  # a line may end after the hyphen
