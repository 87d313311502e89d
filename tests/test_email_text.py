"""The plain-text edition (email.txt): written from the Markdown, format=flowed, with
numbered link references, the same teasers as the HTML, and the schedule one block per
event. Read as mail clients read it: paragraph by paragraph as one that knows
format=flowed (the formatflowed decoder), line by line as one that does not."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from newsletter.cache import read_cache
from newsletter.model import Newsletter
from newsletter.render.email.edition import edition
from newsletter.render.email.flowed import LIMIT, WIDTH, display_width, flow
from newsletter.render.email.html import EmailRenderer
from newsletter.render.email.markdowntext import MarkdownText, References, lines, records
from newsletter.render.email.text import render_text
from tests.conftest import ARTICLE, ISSUE, REPO, SCHEDULE
from tests.emailtools import BASE, build_folder, issue_of, words
from tests.golden import BuiltSample
from tests.test_email_flowed import one_word, soft, unflow

ISSUES = ("061", "062")
HEADING = re.compile(r"^[A-Z][A-Z /&-]+$")


def text_of(site: Path, slug: str) -> str:
    return (site / f"issues/{slug}/email.txt").read_text("utf-8")


def paragraphs_of(site: Path, slug: str) -> list[str]:
    return unflow(text_of(site, slug))


@pytest.mark.parametrize("slug", ISSUES)
def test_lines_fit_and_only_a_long_word_runs_over(site: Path, slug: str) -> None:
    lines = text_of(site, slug).split("\n")
    assert all(display_width(line) <= WIDTH or one_word(line) for line in lines)
    long_lines = [line for line in lines if len(line) > LIMIT]
    assert long_lines, "the sample has long event URLs: the test must see one"
    assert all(re.fullmatch(r"https://\S+", line) for line in long_lines)


@pytest.mark.parametrize("slug", ISSUES)
def test_the_text_is_format_flowed(site: Path, slug: str) -> None:
    text = text_of(site, slug)
    paragraphs = unflow(text)  # checks that nothing reads as a quote
    assert flow("\n".join(paragraphs)) == text  # every break where flowing puts it
    lines = text.split("\n")
    assert any(soft(line) for line in lines) and not soft(lines[-1])
    assert not any(line.startswith((">", "From ")) for line in lines)
    assert all(line.strip(" ") or not line for line in lines)  # blank lines are hard


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
    paragraphs = unflow(text)
    flat = words(text)
    assert text.startswith("ROCB E-Newsletter No.62\n=======================\n")
    assert "15 October 2018 · 1st quarter FY2018/19" in paragraphs
    assert issue.foreword is not None
    for paragraph in issue.foreword.body.markdown.strip().split("\n\n"):
        assert words(paragraph) in paragraphs
    for item in (*issue.articles, *issue.reports):
        assert item.title in paragraphs
    assert "By Sopagna SENG, Deputy Chief of Bureau, General Department of Customs" in flat
    assert "2–6 July 2018 · Brussels, Belgium" in paragraphs
    shortened = set(EmailRenderer(sample, REPO).fit(issue).budget.shortened)
    assert shortened  # 062 is over the budget in full
    for report in issue.reports:
        if report.slug not in shortened:  # a teaser ends with its "Read more" link
            assert words(report.body.markdown.strip().split("\n\n")[-1]) in flat, report.slug
        assert f"Add to calendar: {BASE}events/{report.event_id}.ics" in paragraphs
    assert f"Read this issue on the web: {BASE}issues/062/" in paragraphs
    assert "Unsubscribe: https://newsletter.example.org/unsubscribe?token={token}" in paragraphs
    assert f"Add this issue's events: {BASE}issues/062/events.ics" in paragraphs
    assert any(p.startswith("Add it to Outlook: https://outlook.live.com/") for p in paragraphs)
    assert "Telephone: +66-2-667-6777" in paragraphs
    for person in sample.settings.staff:
        assert person.name in flat


def test_the_same_items_are_shortened_as_in_the_html(
    built_sample: BuiltSample, sample: Newsletter
) -> None:
    site = built_sample.out
    issue = issue_of(sample, "062")
    shortened = read_cache(built_sample.root)[62][1].shortened  # what build recorded for the HTML
    assert shortened
    paragraphs = paragraphs_of(site, "062")
    for item in (*issue.articles, *issue.reports):
        url = BASE + item.path
        if item.slug in shortened:
            assert f"Read more: {url}" in paragraphs
            assert item.summary is not None and words(item.summary) in paragraphs
        else:
            assert f"On the web: {url}" in paragraphs
    html = (site / "issues/062/email.html").read_text("utf-8")
    read_more = [p for p in paragraphs if p.startswith("Read more: ")]
    assert html.count('aria-label="Read more: ') == len(read_more) == len(shortened)


def schedule_blocks(paragraphs: list[str]) -> list[list[str]]:
    """The blocks between the schedule's heading and the footer, split at blank lines."""
    start = paragraphs.index("FUTURE ACTIVITIES")
    end = next(i for i in range(start + 2, len(paragraphs)) if paragraphs[i].startswith("---"))
    blocks: list[list[str]] = [[]]
    for paragraph in paragraphs[start + 2 : end]:
        if paragraph:
            blocks[-1].append(paragraph)
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def test_the_schedule_is_one_block_per_event(site: Path, sample: Newsletter) -> None:
    schedule = issue_of(sample, "062").schedule
    assert schedule is not None
    paragraphs = paragraphs_of(site, "062")
    blocks = schedule_blocks(paragraphs)
    # Its headings as before: the schedule's title and period, then the events, the note.
    assert blocks[0] == [schedule.title, schedule.period]
    assert blocks[-2] == [schedule.note]
    events = blocks[1:-2]
    assert len(events) == len(schedule.entries)
    listed = dict(re.findall(r"^\[(\d+)\] (\S+)$", "\n".join(blocks[-1]), re.M))
    assert blocks[-1][0] == "Add to calendar:" and len(listed) == len(events)
    for block, entry in zip(events, schedule.entries, strict=True):
        title, when, calendar = block
        assert title == entry.title
        assert when.endswith(f" · {entry.venue}") and entry.dates.start_date.strftime("%B") in when
        assert (" (tentative) · " in when) == (entry.status == "tentative")
        mark = re.fullmatch(r"Add to calendar \[(\d+)\]", calendar)
        assert mark is not None
        assert listed[mark[1]] == f"{BASE}events/{entry.id}.ics"


def test_a_schedule_row_reads_line_by_line(site: Path) -> None:
    lines = text_of(site, "062").split("\n")
    start = lines.index("WCO National Workshop on Leadership Management Development")
    assert lines[start - 1 : start + 2] == [
        "",
        "WCO National Workshop on Leadership Management Development",
        "29 October – 9 November 2018 · Ulaanbaatar, Mongolia",
    ]
    link = re.fullmatch(r"Add to calendar \[(\d+)\]", lines[start + 2])
    assert link is not None and lines[start + 3] == ""
    reference = f"[{link[1]}] {BASE}events/wco-national-workshop-on-leadership-management-"
    assert any(paragraph.startswith(reference) for paragraph in paragraphs_of(site, "062"))


@pytest.mark.parametrize("slug", ISSUES)
def test_references_are_numbered_and_listed_in_their_section(site: Path, slug: str) -> None:
    numbers: list[int] = []
    pending: set[int] = set()
    for paragraph in paragraphs_of(site, slug):
        listed = re.fullmatch(r"\[(\d+)\] (https?|mailto)://?\S+", paragraph)
        if listed:
            number = int(listed[1])
            assert number in pending, f"[{number}] listed but not cited before it"
            pending.discard(number)
            continue
        if HEADING.match(paragraph) or paragraph.startswith("~~~"):
            assert not pending, f"references {pending} not listed before {paragraph!r}"
        for mark in re.findall(r"\[(\d+)\]", paragraph):
            number = int(mark)
            if number not in numbers:
                numbers.append(number)
            pending.add(number)
    assert not pending
    assert numbers == list(range(1, len(numbers) + 1))


def test_a_markdown_link_becomes_a_reference(sample: Newsletter) -> None:
    # The reports with links are teasers in the email as sent: the whole issue has them.
    text = "\n".join(unflow(render_text(REPO, edition(sample, issue_of(sample, "062")), ())))
    mark = re.search(r"ROCB A/P article\s\[(\d+)\]", text)
    assert mark is not None
    assert f"[{mark[1]}] http://www.rocb-ap.org/article-detail/406/" in text


# --- Titles of every length and script -----------------------------------------------

TITLES = [
    " ".join(["Regional"] * 13) + " Workshop",  # 120 characters
    "Supercalifragilisticexpialidocious" + "x" * 26,  # one word of 60
    "Séminaire régional – Ulaanbaatar, Монголия",
    "世界海关组织亚太地区能力建设办公室区域研讨会" * 2,  # CJK: no space to break at
    "WCO 亚太 区域 研讨会 " * 6 + "2019",  # CJK words
]


@pytest.fixture(scope="module")
def hard_titles(tmp_path_factory: pytest.TempPathFactory) -> str:
    """email.txt of an issue with each of TITLES as an article, a report and an event."""
    events = "".join(
        f"  - id: event-{n}-2019\n    title: {title!r}\n    dates: {n + 1}-{n + 2} Oct. 2019\n"
        f"    venue: Ulaanbaatar, Монголия\n"
        for n, title in enumerate(TITLES)
    )
    files: dict[str, str | bytes | None] = {
        ARTICLE: None,
        SCHEDULE: f"title: Schedule\nevents:\n{events}",
    }
    for n, title in enumerate(TITLES):
        files[f"{ISSUE}/articles/a{n}.md"] = f"---\ntitle: {title!r}\n---\nArticle {n}.\n"
        files[f"{ISSUE}/reports/r{n}.md"] = (
            f"---\ntitle: {title!r}\ndates: {n + 1}-{n + 2} May 2018\nvenue: Suva, Fiji\n"
            f"event: report-{n}-2018\n---\nReport {n}.\n"
        )
    out = build_folder(tmp_path_factory.mktemp("titles") / "news", files)
    return (out / "issues/001/email.txt").read_text("utf-8")


def runs_of(title: str, lines: list[str], prefix: str = "") -> list[tuple[int, int]]:
    """(first, last) of each run of lines that holds `prefix` and `title` and nothing
    else: a paragraph of its own, broken at spaces only."""
    runs = []
    for start in range(len(lines)):
        if start and soft(lines[start - 1]):
            continue  # inside a paragraph
        taken, end = lines[start].removeprefix(" "), start
        while soft(lines[end]) and end + 1 < len(lines):
            end += 1
            taken += lines[end].removeprefix(" ")
        if taken == prefix + title:
            runs.append((start, end))
    return runs


def test_titles_stay_whole_and_alone_on_their_lines(hard_titles: str) -> None:
    lines = hard_titles.split("\n")
    assert all(display_width(line) <= WIDTH or one_word(line) for line in lines)
    for title in TITLES:
        assert len(runs_of(title, lines, "- ")) == 1, title  # "In this issue"
        runs = runs_of(title, lines)
        assert len(runs) == 3, title  # the article, the report, the event
        for _, end in runs:
            after = lines[end + 1]  # the underline, or the event's dates and venue
            assert set(after) == {"~"} or after.endswith(" · Ulaanbaatar, Монголия"), after


def test_titles_come_back_whole_to_a_flowed_reader(hard_titles: str) -> None:
    paragraphs = unflow(hard_titles)
    for title in TITLES:
        assert paragraphs.count(title) == 3 and paragraphs.count(f"- {title}") == 1
        underline = paragraphs[paragraphs.index(title) + 1]
        assert set(underline) == {"~"} and len(underline) <= WIDTH


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
        "Some emphasis, code and a link\u00a0[1] and https://a.example/.",
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
        "A: 1",
        "B: 2",
        "",
        "raw html",
        "",
        "[A chart] top\u00a0[2]",
        "[1] https://x.example/issues/002/",
        "[2] https://x.example/issues/001/page/#top",
    ]


def test_a_paragraph_is_one_line_for_flowing() -> None:
    long = " ".join(["word"] * 40)
    assert convert(f"{long}\nsoft break\\\nhard break") == f"{long} soft break\nhard break"
    assert convert(f"- {long}\n\n  second paragraph") == f"- {long}\n  second paragraph"


def test_tables_are_one_block_per_row() -> None:
    rows = [["Unit", "Staff", ""], ["K-CCL", "about 30", "note"], ["Local", "", "x"]]
    assert records(rows) == ["Unit: K-CCL", "Staff: about 30", "note", "", "Unit: Local", "x"]
    assert records([["A", "B"]]) == ["A", "B"]
    assert records([]) == []


def test_lines_make_each_run_of_white_space_one_space_and_keep_the_glue() -> None:
    """Whatever mix of white space a line has, each run of spaces, tabs, CRs, form and
    line tabulations becomes one space, and no other character (a no-break or thin
    space, an ideographic space, a line separator) is touched."""
    pieces = [" ", "  ", "\t", "\r", "\f", "\v", "\u00a0", "\u2009", "\u3000", "\u2028"]
    pieces += ["\x85", "word", "é", "—", "“q”", "x y", "中文"]
    generator = random.Random(17)
    for _ in range(5000):
        text = "".join(generator.choice(pieces) for _ in range(generator.randint(0, 14)))
        for hard_line in text.split("\n"):
            expected = " ".join(re.split(r"[ \t\r\f\v]+", hard_line)).strip(" ")
            assert lines(hard_line) == ([expected] if expected else []), repr(hard_line)
