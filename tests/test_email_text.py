"""The plain-text edition (email.txt): written from the Markdown, wrapped, with numbered
link references, the same teasers as the HTML, and the schedule as aligned rows."""

from __future__ import annotations

import random
import re
import textwrap
from pathlib import Path

import pytest

from newsletter.cache import read_cache
from newsletter.model import Newsletter
from newsletter.render.email.markdowntext import MarkdownText, References, columns, wrap
from tests.emailtools import BASE, issue_of, words
from tests.golden import BuiltSample

ISSUES = ("061", "062")
LONE_URL = re.compile(r"(\[\d+\] |[A-Z][A-Za-z ]*: )?https?://\S+|mailto:\S+")
HEADING = re.compile(r"^[A-Z][A-Z /&-]+$")


def text_of(site: Path, slug: str) -> str:
    return (site / f"issues/{slug}/email.txt").read_text("utf-8")


def linked(label: str, url: str) -> str:
    """How the text writes a labelled URL: on one line when it fits, else on the next."""
    line = f"{label}: {url}"
    return line if len(line) <= 76 else f"{label}:\n{url}"


@pytest.mark.parametrize("slug", ISSUES)
def test_lines_are_wrapped_and_only_a_lone_url_runs_over(site: Path, slug: str) -> None:
    lines = text_of(site, slug).split("\n")
    assert max(len(line) for line in lines if not LONE_URL.fullmatch(line)) <= 76
    long_lines = [line for line in lines if len(line) > 78]
    assert long_lines, "the sample has long event URLs: the test must see one"
    assert all(LONE_URL.fullmatch(line) for line in long_lines)


@pytest.mark.parametrize("slug", ISSUES)
def test_plain_text_has_no_html(site: Path, slug: str) -> None:
    text = text_of(site, slug)
    assert not re.search(r"</?[a-zA-Z][a-zA-Z0-9]*[\s>/]", text)
    assert not re.search(r"&(amp|lt|gt|quot|#\d+);", text)
    for leak in ("{{", "{%", "None", "undefined"):
        assert leak not in text
    assert "\r" not in text and text.endswith("\n")


def test_everything_of_the_issue_is_there(site: Path, sample: Newsletter) -> None:
    issue = issue_of(sample, "062")
    text = text_of(site, "062")
    flat = words(text)
    assert text.startswith("ROCB E-Newsletter No.62\n=======================\n")
    assert "15 October 2018 · 1st quarter FY2018/19" in text
    assert issue.foreword is not None
    for paragraph in issue.foreword.body.markdown.strip().split("\n\n"):
        assert words(paragraph) in flat
    for item in (*issue.articles, *issue.reports):
        assert words(item.title) in flat
    assert "By Sopagna SENG, Deputy Chief of Bureau, General Department of Customs" in flat
    assert "2–6 July 2018 · Brussels, Belgium" in text
    for report in issue.reports:
        assert words(report.body.markdown.strip().split("\n\n")[-1]) in flat, report.slug
        assert linked("Add to calendar", f"{BASE}events/{report.event_id}.ics") in text
    assert f"Read this issue on the web: {BASE}issues/062/" in text
    assert "Unsubscribe: https://newsletter.example.org/unsubscribe?token={token}" in text
    assert "Telephone: +66-2-667-6777" in text
    for person in sample.settings.staff:
        assert person.name in flat


def test_the_same_items_are_shortened_as_in_the_html(
    built_sample: BuiltSample, sample: Newsletter
) -> None:
    site = built_sample.out
    issue = issue_of(sample, "062")
    shortened = read_cache(built_sample.root)[62][1].shortened  # what build recorded for the HTML
    assert shortened
    text = text_of(site, "062")
    for item in (*issue.articles, *issue.reports):
        url = BASE + item.path
        if item.slug in shortened:
            assert linked("Read more", url) in text
            assert item.summary is not None and words(item.summary) in words(text)
        else:
            assert linked("On the web", url) in text
    html = (site / "issues/062/email.html").read_text("utf-8")
    assert html.count('aria-label="Read more: ') == text.count("Read more:") == len(shortened)


def test_schedule_rows_are_aligned(site: Path, sample: Newsletter) -> None:
    schedule = issue_of(sample, "062").schedule
    assert schedule is not None
    lines = text_of(site, "062").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("Event  "))
    dates, venue = lines[start].index("Dates"), lines[start].index("Venue")
    assert set(lines[start + 1]) == {"-", " "}
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("Official"))
    table = lines[start + 2 : end]
    rows = [line for line in table if line]
    for line in rows:  # the gutters are blank on every line of the table
        assert line[dates - 2 : dates].strip() == "" and line[venue - 2 : venue].strip() == ""
    for entry in schedule.entries:
        assert any(line[venue:].startswith(entry.venue.split(",")[0]) for line in rows)
        month = entry.dates.start_date.strftime("%B")
        assert any(line[dates:].startswith(str(entry.dates.start_date.day)) for line in rows)
        assert any(month in line[dates:venue] for line in rows)


@pytest.mark.parametrize("slug", ISSUES)
def test_references_are_numbered_and_listed_in_their_section(site: Path, slug: str) -> None:
    numbers: list[int] = []
    pending: set[int] = set()
    for line in text_of(site, slug).split("\n"):
        listed = re.fullmatch(r"\[(\d+)\] (https?|mailto)://?\S+", line)
        if listed:
            number = int(listed[1])
            assert number in pending, f"[{number}] listed but not cited before it"
            pending.discard(number)
            continue
        if HEADING.match(line) or line.startswith("~~~"):
            assert not pending, f"references {pending} not listed before {line!r}"
        for mark in re.findall(r"\[(\d+)\]", line):
            number = int(mark)
            if number not in numbers:
                numbers.append(number)
            pending.add(number)
    assert not pending
    assert numbers == list(range(1, len(numbers) + 1))


def test_a_markdown_link_becomes_a_reference(site: Path) -> None:
    text = text_of(site, "062")
    mark = re.search(r"ROCB A/P\s+article \[(\d+)\]", text)
    assert mark is not None
    assert f"[{mark[1]}] http://www.rocb-ap.org/article-detail/406/" in text


# --- Markdown as text ----------------------------------------------------------------


def convert(markdown: str) -> str:
    references = References()
    converter = MarkdownText(references, "https://x.example/issues/001/")
    lines = converter.text(markdown, "https://x.example/issues/001/page/")
    return "\n".join([*lines, *references.flush()])


def test_markdown_blocks_as_text() -> None:
    text = convert(
        "# Title\n\nSome *emphasis*, `code` and a [link](../002/) and <https://a.example/>.\n\n"
        "- one\n- two\n  - nested\n\n1. first\n2. second\n\n> quoted\n\n"
        "```\ncode line\n```\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n"
        "<div>raw <b>html</b><script>alert(1)</script></div>\n\n"
        "![A chart](images/c.png) [top](#top)\n"
    )
    assert text.split("\n") == [
        "Title",
        "-----",
        "",
        "Some emphasis, code and a link [1] and https://a.example/.",
        "",
        "- one",
        "- two",
        "  - nested",
        "",
        "1. first",
        "2. second",
        "",
        "> quoted",
        "",
        "    code line",
        "",
        "A  B",
        "-  -",
        "1  2",
        "",
        "raw html",
        "",
        "[A chart] top [2]",
        "[1] https://x.example/issues/002/",
        "[2] https://x.example/issues/001/page/#top",
    ]


def test_wrap_is_textwrap_without_hyphen_breaks() -> None:
    rng = random.Random(7)
    vocabulary = ["a", "to", "the", "hyphen-ated", "x" * 30, "https://e.org/" + "y" * 80, "é"]
    for _ in range(500):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 60)))
        width = rng.randint(12, 80)
        expected = textwrap.wrap(
            text, width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
        )
        assert wrap(text, width, "  ", first="") == expected


def test_columns_fit_the_width_and_wrap_cells() -> None:
    rows = [["Event", "Dates", "Venue"]] + [
        [f"A very long event title number {n} that cannot fit", "1–2 May 2019", "Suva, Fiji"]
        for n in range(10)
    ]
    lines = columns(rows, 40)
    assert max(len(line) for line in lines) <= 40
    assert lines[0].split() == ["Event", "Dates", "Venue"]
    assert "" in lines  # wrapped rows are set apart
