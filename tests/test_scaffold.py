"""`new`, `add` and `import-schedule` on a copy of the sample newsletter."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from newsletter.dates import parse_dates
from newsletter.errors import ContentErrors, UsageError
from newsletter.reading import read_newsletter
from newsletter.scaffold.add import add_page
from newsletter.scaffold.new import new_issue
from newsletter.scaffold.schedule import import_schedule
from newsletter.site import check
from tests.conftest import Run
from tests.sample import FIXTURES, copy_sample

SEED_TABLE = FIXTURES / "import-schedule" / "seed-062-future-activities.txt"
ISSUES = "content/issues"
SCHEDULE_62 = f"{ISSUES}/062/schedule.yaml"

Cli = Callable[..., Run]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_sample(tmp_path / "news")


def tree(root: Path) -> dict[str, bytes]:
    """Every file under content/ with its bytes, to show that nothing changed."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted((root / "content").rglob("*"))
        if p.is_file()
    }


def events_of(root: Path, path: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((root / path).read_text(encoding="utf-8"))
    events: list[dict[str, Any]] = data["events"]
    return events


def errors_of(root: Path) -> list[str]:
    return [str(p) for p in check(root).errors]


# -- new -------------------------------------------------------------------------------


def test_new_starts_the_next_issue(root: Path, run_cli: Cli) -> None:
    result = run_cli("new", "--date", "2018-12-06", "--root", str(root))
    assert result.code == 0, result.output
    assert "content/issues/063/issue.yaml" in result.out
    issue = yaml.safe_load((root / ISSUES / "063/issue.yaml").read_text())
    assert issue == {"number": 63, "date": date(2018, 12, 6)}
    foreword = (root / ISSUES / "063/foreword.md").read_text()
    assert foreword == "---\nauthor: Kazunari Igarashi\nrole: Head of the ROCB A/P\n---\n"
    assert errors_of(root) == []
    newsletter, _ = read_newsletter(root)
    assert newsletter is not None and newsletter.issues[-1].number == 63


def test_new_writes_the_skeletons_byte_for_byte(root: Path, run_cli: Cli) -> None:
    issue_62 = root / ISSUES / "062/issue.yaml"
    sections = "sections:\n  articles: 'Feature: \"stories\" & more'\n  schedule: 'yes'\n"
    issue_62.write_text(issue_62.read_text() + sections)
    assert run_cli("new", "--date", "2018-12-06", "--root", str(root)).code == 0
    assert (root / ISSUES / "063/issue.yaml").read_text() == (
        "number: 63\n"
        "date: 2018-12-06\n"
        "# title: ROCB E-Newsletter No.63  (the default)\n"
        "# period: the quarter or months this issue covers (issue 62: 1st quarter FY2018/19)\n"
        "# highlights: [article-slug, ...]  (default: every article, in order)\n" + sections
    )


def test_new_first_issue_skeletons(tmp_path: Path, run_cli: Cli) -> None:
    root = tmp_path / "fresh"
    (root / "content").mkdir(parents=True)
    (root / "content/newsletter.yaml").write_text("title: Fresh\n")
    assert run_cli("new", "--date", "2020-02-01", "--root", str(root)).code == 0
    assert (root / ISSUES / "001/issue.yaml").read_text() == (
        "number: 1\n"
        "date: 2020-02-01\n"
        "# title: Fresh No.1  (the default)\n"
        "# period: the quarter or months this issue covers\n"
        "# highlights: [article-slug, ...]  (default: every article, in order)\n"
    )
    assert (root / ISSUES / "001/foreword.md").read_text() == (
        "---\n# author: Full Name\n# role: Their title\n---\n"
    )


def test_new_carries_the_schedule_forward_without_ended_events(root: Path, run_cli: Cli) -> None:
    before = events_of(root, SCHEDULE_62)
    result = run_cli("new", "--date", "2018-12-06", "--root", str(root))
    assert result.code == 0, result.output
    still_on = [e for e in before if parse_dates(e["dates"]).end >= date(2018, 12, 6)]
    assert 0 < len(still_on) < len(before)
    assert events_of(root, f"{ISSUES}/063/schedule.yaml") == still_on
    carried = yaml.safe_load((root / ISSUES / "063/schedule.yaml").read_text())
    assert carried["title"] == "WCO A/P CB/TA Programs and Meetings Schedule"
    assert f"{len(still_on)} events carried forward, {len(before) - len(still_on)}" in result.out


def test_new_writes_missing_ids_and_keeps_comments(root: Path, run_cli: Cli) -> None:
    schedule = root / SCHEDULE_62
    text = schedule.read_text()
    text = text.replace(
        "  - id: wco-council-sessions-2019\n    title:", "  # Brussels, June\n  - title:"
    )
    head, tail = text.rsplit("    venue: Suva, Fiji\n", 1)  # March 2019: carried forward
    text = head + "    venue: Suva, Fiji  # by boat\n" + tail
    schedule.write_text(text)
    assert run_cli("new", "--date", "2019-01-01", "--root", str(root)).code == 0
    carried = (root / ISSUES / "063/schedule.yaml").read_text()
    assert (
        "  # Brussels, June\n  - id: wco-council-sessions-2019\n    title: WCO Council" in carried
    )
    assert "venue: Suva, Fiji  # by boat\n" in carried
    assert all("id" in event for event in events_of(root, f"{ISSUES}/063/schedule.yaml"))


def test_new_defaults_to_today(root: Path, run_cli: Cli) -> None:
    assert run_cli("new", "--root", str(root)).code == 0
    issue = yaml.safe_load((root / ISSUES / "063/issue.yaml").read_text())
    assert issue["date"] == date.today()
    # Every event of the sample ended long ago: nothing is carried.
    assert events_of(root, f"{ISSUES}/063/schedule.yaml") == []


def test_new_keeps_the_schedule_comments_when_no_event_is_left(root: Path, run_cli: Cli) -> None:
    schedule = root / SCHEDULE_62
    head = "# The schedule as the editor keeps it\n"
    text = schedule.read_text().replace("\nevents:\n", "\nevents:  # by date\n")
    schedule.write_text(head + text)
    assert run_cli("new", "--date", "2030-01-02", "--root", str(root)).code == 0
    carried = (root / ISSUES / "063/schedule.yaml").read_text()
    assert carried == (
        f"{head}title: WCO A/P CB/TA Programs and Meetings Schedule\n"
        "period: October 2018 and onwards (Indicative)\n"
        "note: Official invitation will be circulated in due course\n"
        "events: []  # by date\n"
    )


def test_new_refuses_a_date_before_the_latest_issue(root: Path, run_cli: Cli) -> None:
    before = tree(root)
    result = run_cli("new", "--date", "2018-10-14", "--root", str(root))
    assert result.code == 1
    assert "issue 62 is dated 2018-10-15" in result.err and "2018-10-14" in result.err
    assert tree(root) == before
    assert sorted(p.name for p in (root / ISSUES).iterdir()) == ["061", "062"]


def test_new_refuses_an_existing_folder(root: Path, run_cli: Cli) -> None:
    (root / ISSUES / "063").mkdir()
    (root / ISSUES / "063" / "notes.txt").write_text("mine")
    result = run_cli("new", "--date", "2019-01-15", "--root", str(root))
    assert result.code == 1
    assert "content/issues/063 already exists" in result.err
    assert [p.name for p in (root / ISSUES / "063").iterdir()] == ["notes.txt"]


def test_new_refuses_to_go_on_from_an_issue_with_errors(root: Path, run_cli: Cli) -> None:
    (root / SCHEDULE_62).write_text("events:\n  - title: [unclosed\n")
    result = run_cli("new", "--date", "2019-01-15", "--root", str(root))
    assert result.code == 1
    # The problems as `check` prints them: one a line, then the count.
    lines = result.err.splitlines()
    assert lines[0].startswith("content/issues/062/schedule.yaml:3: invalid YAML: ")
    assert lines[1:] == ["1 error, 0 warnings."]
    assert not (root / ISSUES / "063").exists()
    with pytest.raises(ContentErrors) as raised:
        new_issue(root, date(2019, 1, 15))
    [problem] = raised.value.problems.items
    assert (problem.path, problem.line) == ("content/issues/062/schedule.yaml", 3)


def test_new_first_issue_of_a_new_newsletter(tmp_path: Path, run_cli: Cli) -> None:
    root = tmp_path / "fresh"
    (root / "content").mkdir(parents=True)
    (root / "content/newsletter.yaml").write_text(
        "title: Fresh\npublisher: P\nbase_url: https://fresh.example.org/\n"
    )
    assert run_cli("new", "--date", "2020-02-01", "--root", str(root)).code == 0
    assert sorted(p.name for p in (root / ISSUES / "001").iterdir()) == [
        "articles",
        "foreword.md",
        "issue.yaml",
        "reports",
    ]
    assert errors_of(root) == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("new", "--date", "15/01/2019"), 2, "'15/01/2019' does not match the format"),
        (("add", "essay", "A title"), 2, "'essay' is not one of 'article', 'report'"),
        (("add", "article", "A title", "--issue", "99"), 2, "no issue 99; the issues are 61, 62"),
        (("add", "article", "   "), 2, "the title is empty"),
        (("import-schedule", "no-such-file.txt"), 2, "cannot read no-such-file.txt"),
    ],
)
def test_usage_errors(
    root: Path, run_cli: Cli, args: tuple[str, ...], code: int, message: str
) -> None:
    before = tree(root)
    result = run_cli(*args, "--root", str(root))
    assert (result.code, message in result.err) == (code, True), result.output
    assert "Traceback" not in result.output
    assert tree(root) == before


def test_root_before_the_command(root: Path, run_cli: Cli) -> None:
    result = run_cli("--root", str(root), "add", "article", "Before the command")
    assert result.out.strip() == f"{root}/content/issues/062/articles/before-the-command.md"


USAGE_MISTAKES: list[tuple[str, Callable[[Path], object], str]] = [
    ("kind", lambda root: add_page(root, cast(Any, "essay"), "T"), "cannot add 'essay': add an"),
    ("issue", lambda root: add_page(root, "article", "T", 99), "no issue 99; the issues are 61"),
    ("file", lambda root: import_schedule(root, "no-such-file.txt"), "cannot read no-such-file"),
    ("folder", lambda root: import_schedule(root, str(root)), "cannot read "),
    ("into", lambda root: import_schedule(root, str(SEED_TABLE), 99), "no issue 99; the issues"),
    ("root", lambda root: new_issue(root / "content"), "content is not a newsletter folder"),
]


@pytest.mark.parametrize(
    ("call", "message"), [m[1:] for m in USAGE_MISTAKES], ids=[m[0] for m in USAGE_MISTAKES]
)
def test_usage_mistakes_are_usage_errors(
    root: Path, call: Callable[[Path], object], message: str
) -> None:
    before = tree(root)
    with pytest.raises(UsageError, match=re.escape(message)) as raised:
        call(root)
    assert raised.value.exit_code == 2
    assert tree(root) == before


@pytest.mark.parametrize("command", [("new",), ("add", "article", "T"), ("import-schedule", "-")])
def test_refuses_a_folder_that_is_not_a_newsletter(
    tmp_path: Path, run_cli: Cli, command: tuple[str, ...]
) -> None:
    result = run_cli(*command, "--root", str(tmp_path))
    assert result.code == 2
    assert "is not a newsletter folder: it has no content/newsletter.yaml" in result.err
    assert "or start one with `newsletter init`" in result.err
    assert list(tmp_path.iterdir()) == []


# -- add -------------------------------------------------------------------------------


def test_add_article(root: Path, run_cli: Cli) -> None:
    result = run_cli("add", "article", "Customs: the next 10 years", "--root", str(root))
    assert result.code == 0, result.output
    path = root / ISSUES / "062/articles/customs-the-next-10-years.md"
    assert result.out.strip() == str(path)
    meta = yaml.safe_load(path.read_text().split("---\n")[1])
    assert meta == {"title": "Customs: the next 10 years"}
    assert "# authors:" in path.read_text()
    assert errors_of(root) == []
    newsletter, _ = read_newsletter(root)
    assert newsletter is not None
    issue = newsletter.issue(62)
    assert issue is not None
    assert "customs-the-next-10-years" in [a.slug for a in issue.articles]


ARTICLE_TAIL = (
    "# authors:\n"
    "#   - name: Full NAME\n"
    "#     role: Their role\n"
    "#     organisation: Their organisation\n"
    "# summary: one or two sentences for the issue page, the email and the feeds\n"
    "# order: 1\n"
    "---\n"
)


@pytest.mark.parametrize(
    ("title", "line"),
    [
        ("Customs: the next 10 years", "title: 'Customs: the next 10 years'"),
        ('"Quoted" title', "title: '\"Quoted\" title'"),
        ("It's #1 & <more>", "title: 'It''s #1 & <more>'"),
        ("Tea & <cakes> at 5", "title: Tea & <cakes> at 5"),
        ("a: b # c", "title: 'a: b # c'"),
        ("Réunion – 日本語", "title: Réunion – 日本語"),
        ("yes", "title: 'yes'"),
        ("12:30", "title: '12:30'"),
    ],
)
def test_add_article_skeleton_quotes_the_title_for_yaml(
    root: Path, run_cli: Cli, title: str, line: str
) -> None:
    result = run_cli("add", "article", title, "--root", str(root))
    assert result.code == 0, result.output
    text = Path(result.out.strip()).read_text()
    assert text == f"---\n{line}\n" + ARTICLE_TAIL
    assert yaml.safe_load(text.split("---\n")[1]) == {"title": title}


def test_a_newsletter_overrides_a_skeleton(root: Path, run_cli: Cli) -> None:
    own = root / "templates/scaffold/article.md"
    own.parent.mkdir(parents=True)
    own.write_text("---\ntitle: {{ title|yaml }}\n# issue {{ issue }}: {{ title }}\n---\n")
    result = run_cli("add", "article", "Tea & <cakes>: 'a' #1", "--root", str(root))
    assert result.code == 0, result.output
    text = Path(result.out.strip()).read_text()
    assert text == "---\ntitle: 'Tea & <cakes>: ''a'' #1'\n# issue 62: Tea & <cakes>: 'a' #1\n---\n"
    report = run_cli("add", "report", "Not overridden", "--root", str(root))
    assert "\n# venue: City, Country   (required)\n" in Path(report.out.strip()).read_text()


def test_a_broken_skeleton_is_reported_and_nothing_written(root: Path, run_cli: Cli) -> None:
    own = root / "templates/scaffold/report.md"
    own.parent.mkdir(parents=True)
    own.write_text("---\ntitle: {{ title|yaml }\n---\n")
    before = tree(root)
    result = run_cli("add", "report", "A report", "--root", str(root))
    assert result.code == 1
    assert "scaffold/report.md:2: template error" in result.err
    assert tree(root) == before


def test_add_never_overwrites(root: Path, run_cli: Cli) -> None:
    first = run_cli("add", "article", "Environmental crime", "--root", str(root))
    (root / ISSUES / "062/articles/environmental-crime-2.md").write_text("---\ntitle: Mine\n---\n")
    second = run_cli("add", "article", "Environmental crime", "--root", str(root))
    articles = root / ISSUES / "062/articles"
    assert first.out.strip().endswith("articles/environmental-crime-2.md")
    assert (articles / "environmental-crime-2.md").read_text() == "---\ntitle: Mine\n---\n"
    assert second.out.strip().endswith("articles/environmental-crime-3.md")
    # environmental-crime.md is the sample's own article, untouched
    assert "Essay on Combating" in (articles / "environmental-crime.md").read_text()


@pytest.mark.parametrize("kind", ["article", "report"])
def test_add_cuts_a_very_long_title_to_a_sensible_file_name(
    root: Path, run_cli: Cli, kind: str
) -> None:
    words = [f"word{n}" for n in range(400)]  # 2,290 characters, past any file name
    title = " ".join(words)
    result = run_cli("add", kind, title, "--root", str(root))
    assert result.code == 0, result.output
    assert "Traceback" not in result.output
    path = Path(result.out.strip())
    slug = path.stem
    assert len(slug) <= 80 and slug == "-".join(words[: len(slug.split("-"))])
    assert slug.split("-")[-1] in words  # cut after a whole word
    meta = yaml.safe_load(path.read_text().split("---\n")[1])
    assert meta["title"] == title  # the title itself is whole
    again = run_cli("add", kind, title + " more", "--root", str(root))
    assert Path(again.out.strip()).stem == slug + "-2"


def test_a_long_word_is_cut_too(root: Path, run_cli: Cli) -> None:
    result = run_cli("add", "article", "x" * 2000, "--root", str(root))
    assert result.code == 0, result.output
    assert Path(result.out.strip()).name == "x" * 80 + ".md"


def test_add_avoids_reserved_names_and_report_names(root: Path, run_cli: Cli) -> None:
    index = run_cli("add", "article", "Index", "--root", str(root))
    assert index.out.strip().endswith("articles/index-2.md")
    clash = run_cli("add", "article", "Mercator advisor seminar", "--root", str(root))
    assert clash.out.strip().endswith("articles/mercator-advisor-seminar-2.md")
    assert errors_of(root) == []


def test_add_report_has_commented_placeholders(root: Path, run_cli: Cli) -> None:
    result = run_cli("add", "report", "A workshop nobody announced", "--root", str(root))
    assert result.code == 0
    text = Path(result.out.strip()).read_text()
    assert "\n# dates: " in text and "\n# venue: " in text
    assert "\n# event: a-workshop-nobody-announced-2018 " in text
    errors = errors_of(root)
    assert any("a-workshop-nobody-announced.md:" in e and "dates" in e for e in errors)
    assert "\n# dates: 11\u201315 October 2018   (required: when it took place)\n" in text
    filled = text.replace("# dates: 11\u201315 October 2018 ", "dates: 11\u201315 October 2018 #")
    filled = filled.replace("# venue: City, Country ", "venue: City, Country #")
    filled = filled.replace("# event: ", "event: ").replace("   (the event's", "  # (the event's")
    Path(result.out.strip()).write_text(filled)
    assert errors_of(root) == []


def test_add_report_skeleton_byte_for_byte(root: Path, run_cli: Cli) -> None:
    result = run_cli("add", "report", "Old news", "--issue", "61", "--root", str(root))
    assert Path(result.out.strip()).read_text() == (
        "---\n"
        "title: Old news\n"
        "# dates: 25\u201329 June 2018   (required: when it took place)\n"
        "# venue: City, Country   (required)\n"
        "# event: old-news-2018   (the event's id: the title's slug and the start year; "
        "keep it once published)\n"
        "# summary: one or two sentences for the issue page, the email and the feeds\n"
        "# order: 1\n"
        "---\n"
    )


def test_add_report_of_a_timed_event(root: Path, run_cli: Cli) -> None:
    schedule = root / SCHEDULE_62
    schedule.write_text(
        schedule.read_text() + "  - id: a-timed-meeting-2018\n"
        "    title: 'A timed meeting: day one'\n"
        "    start: 2018-10-10T09:00:00\n"
        "    end: 2018-10-10T17:00:00\n"
        "    timezone: Asia/Tokyo\n"
        "    venue: 'Tokyo: HQ'\n"
    )
    assert run_cli("new", "--date", "2018-12-10", "--root", str(root)).code == 0
    result = run_cli("add", "report", "A timed meeting: day one", "--root", str(root))
    assert Path(result.out.strip()).read_text() == (
        "---\n"
        "title: 'A timed meeting: day one'\n"
        "start: 2018-10-10T09:00:00+09:00  # as announced in issue 62\n"
        "end: 2018-10-10T17:00:00+09:00\n"
        "timezone: Asia/Tokyo\n"
        "venue: 'Tokyo: HQ'\n"
        "event: a-timed-meeting-2018  # the announced event's id: keep it\n"
        "# summary: one or two sentences for the issue page, the email and the feeds\n"
        "# order: 1\n"
        "---\n"
    )
    assert errors_of(root) == []


def test_add_report_links_the_announced_event(root: Path, run_cli: Cli) -> None:
    assert run_cli("new", "--date", "2018-12-10", "--root", str(root)).code == 0
    result = run_cli(
        "add", "report", "WCO National Workshop on IPR for Myanmar", "--root", str(root)
    )
    assert result.code == 0
    text = Path(result.out.strip()).read_text()
    assert "\nevent: wco-national-workshop-on-ipr-for-myanmar-2018  #" in text
    assert "\nvenue: Yangon, Myanmar\n" in text
    assert errors_of(root) == []
    newsletter, _ = read_newsletter(root)
    assert newsletter is not None
    event = next(
        e for e in newsletter.events if e.id.startswith("wco-national-workshop-on-ipr-for-m")
    )
    assert event.report is not None and event.report.issue == 63
    assert event.announced_in == 62


def test_add_report_fills_in_dates_before_the_issue_it_names(root: Path, run_cli: Cli) -> None:
    assert run_cli("new", "--date", "2019-01-02", "--root", str(root)).code == 0
    result = run_cli("add", "report", "New year", "--root", str(root))
    text = Path(result.out.strip()).read_text()
    assert "\n# dates: 29 December 2018 \u2013 2 January 2019   (required:" in text
    assert "\n# event: new-year-2018 " in text  # the id the reader gives it
    Path(result.out.strip()).write_text(
        text.replace("# dates: ", "dates: ", 1)
        .replace("   (required: when", "  # (required: when", 1)
        .replace("# venue: City, Country ", "venue: City, Country #")
    )
    problems = check(root)
    mine = [str(p) for p in problems.items if "new-year.md" in p.path]
    assert mine == [
        f"{ISSUES}/063/reports/new-year.md:2: warning: event: no explicit event id; add "
        "`event: new-year-2018` so that fixing the title or dates later keeps the same "
        "calendar entry"
    ]  # the example, uncommented, is a valid date before the issue: no other problem


def test_add_into_a_given_issue(root: Path, run_cli: Cli) -> None:
    result = run_cli("add", "report", "Old news", "--issue", "61", "--root", str(root))
    assert result.out.strip().endswith("content/issues/061/reports/old-news.md")
    assert "# event: old-news-2018 " in Path(result.out.strip()).read_text()


# -- import-schedule -------------------------------------------------------------------


def seed_rows() -> list[list[str]]:
    """The seed's table as the test reads it itself: the rows after the header."""
    lines = SEED_TABLE.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "Event\tDates\tVenue"
    return [line.removeprefix("◆ ").split("\t") for line in lines[1:] if line.strip()]


def test_seed_table_imports_without_an_edit(root: Path, run_cli: Cli) -> None:
    (root / SCHEDULE_62).unlink()
    result = run_cli("import-schedule", str(SEED_TABLE), "--root", str(root))
    assert result.code == 0, result.output
    rows = seed_rows()
    assert len(rows) == 21
    assert f"{SCHEDULE_62}: 21 rows read: 21 added, 0 changed, 0 unchanged." in result.out
    events = events_of(root, SCHEDULE_62)
    assert [[e["title"], e["dates"], e["venue"]] for e in events] == [
        [title.replace("16 th ", "16th "), dates, venue] for title, dates, venue in rows
    ]
    assert events[0]["id"] == "16th-meeting-of-heads-of-the-wco-a-p-regional-training-centers-2018"
    assert events[-1]["id"] == "wco-council-sessions-2019"
    assert errors_of(root) == []
    newsletter, _ = read_newsletter(root)
    assert newsletter is not None
    issue = newsletter.issue(62)
    assert issue is not None and issue.schedule is not None
    tentative = [e.title for e in issue.schedule.entries if e.status.value == "tentative"]
    assert tentative == ["WCO National Workshop on Risk Management for the Philippines"]
    assert all(e.explicit_id for e in issue.schedule.entries)


def test_seed_table_merges_into_the_schedule_it_came_from(root: Path, run_cli: Cli) -> None:
    before = (root / SCHEDULE_62).read_text()
    result = run_cli("import-schedule", str(SEED_TABLE), "--issue", "62", "--root", str(root))
    assert result.code == 0, result.output
    after = (root / SCHEDULE_62).read_text()
    # The sample fixed the table's "Mater" typo; the import brings the table's title back,
    # under the id the event was announced with. Nothing else changes, byte for byte.
    assert after == before.replace("ICT Master Class\n", "ICT Mater Class\n")
    assert "0 added, 1 changed, 20 unchanged" in result.out
    assert "wco-regional-workshop-on-transit-2018: its id is kept" in result.out
    second = run_cli("import-schedule", str(SEED_TABLE), "--root", str(root))
    assert "not changed" in second.out
    assert (root / SCHEDULE_62).read_text() == after


def test_import_keeps_hand_added_fields_comments_and_order(root: Path, run_cli: Cli) -> None:
    (root / SCHEDULE_62).write_text(
        "# Kept by the editor\n"
        "title: Schedule\n"
        "events:\n"
        "  - id: wco-council-sessions-2019  # UID stem\n"
        "    title: WCO Council Sessions\n"
        "    start: 2019-06-26\n"
        "    end: 2019-06-28\n"
        "    venue: Brussels, Belgium\n"
        "    url: https://www.wcoomd.org/\n"
        "  - title: A meeting only the editor knows\n"
        "    dates: 1 May 2019\n"
        "    venue: Bangkok, Thailand\n"
        "    description: Not in the table, kept.\n"
    )
    table = tmp_table(
        root,
        "Event | Dates | Venue\n"
        "|---|---|---|\n"
        "| • WCO Integrity Sub-Committee | 11-12 Apr. 2019 | Brussels, Belgium |\n"
        "| • WCO Council Sessions | 27-29 Jun. 2019 | Brussels, Belgium |\n"
        "| • WCO Policy Commission | 1-3 Jul. 2019 | Brussels, Belgium |\n",
    )
    result = run_cli("import-schedule", str(table), "--root", str(root))
    assert result.code == 0, result.output
    text = (root / SCHEDULE_62).read_text()
    assert text.startswith("# Kept by the editor\ntitle: Schedule\nevents:\n")
    events = events_of(root, SCHEDULE_62)
    assert [e["id"] for e in events] == [
        "wco-integrity-sub-committee-2019",
        "wco-council-sessions-2019",
        "wco-policy-commission-2019",
        "a-meeting-only-the-editor-knows-2019",
    ]
    council = events[1]
    assert council["dates"] == "27-29 Jun. 2019" and "start" not in council
    assert council["url"] == "https://www.wcoomd.org/"
    assert events[3]["description"] == "Not in the table, kept."
    assert "2 added, 1 changed, 0 unchanged" in result.out
    assert "1 event of the schedule not in the table: kept" in result.out
    assert errors_of(root) == []


def test_import_into_a_schedule_without_entries_keeps_its_comments(
    root: Path, run_cli: Cli
) -> None:
    head = "# Issue 62's schedule, to come\ntitle: Schedule  # as printed\n"
    (root / SCHEDULE_62).write_text(head + "events: []  # none yet\n")
    table = tmp_table(root, "WCO Council Sessions\t26-28 Jun. 2019\tBrussels, Belgium\n")
    assert run_cli("import-schedule", str(table), "--root", str(root)).code == 0
    assert (root / SCHEDULE_62).read_text() == (
        f"{head}events:  # none yet\n"
        "  - id: wco-council-sessions-2019\n"
        "    title: WCO Council Sessions\n"
        "    dates: 26-28 Jun. 2019\n"
        "    venue: Brussels, Belgium\n"
    )


def test_import_updates_values_in_place(root: Path, run_cli: Cli) -> None:
    schedule = root / SCHEDULE_62
    schedule.write_text(
        schedule.read_text().replace(
            "    dates: 27-29 Jun. 2019\n", "    dates: 27-29 Jun. 2019  # to be confirmed\n"
        )
    )
    table = tmp_table(root, "WCO Council Sessions\t26-28 Jun. 2019\tBrussels, Belgium\n")
    assert run_cli("import-schedule", str(table), "--root", str(root)).code == 0
    assert "    dates: 26-28 Jun. 2019  # to be confirmed\n" in schedule.read_text()


def test_import_keeps_windows_line_ends(root: Path, run_cli: Cli) -> None:
    schedule = root / SCHEDULE_62
    schedule.write_bytes(schedule.read_bytes().replace(b"\n", b"\r\n"))
    table = tmp_table(root, "A new workshop\t1-2 Jul. 2019\tApia, Samoa\n")
    assert run_cli("import-schedule", str(table), "--root", str(root)).code == 0
    data = schedule.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 80
    assert b"- id: a-new-workshop-2019\r\n    title: A new workshop\r\n" in data


def test_unreadable_lines_are_reported_and_nothing_is_written(root: Path, run_cli: Cli) -> None:
    before = tree(root)
    table = tmp_table(
        root,
        "Event\tDates\tVenue\n"
        "◆ A good row\t4-8 Mar. 2019\tKashiwa, Japan\n"
        "WCO A/P CB/TA Programs and Meetings Schedule\n"
        "◆ A row without a year\t4-8 Mar.\tKashiwa, Japan\n"
        "◆ A row without a venue\t4-8 Mar. 2019\n",
    )
    result = run_cli("import-schedule", str(table), "--root", str(root))
    assert result.code == 1
    lines = result.err.splitlines()
    assert f'{table}:3: no columns in "WCO A/P CB/TA Programs and Meetings Schedule"' in lines[0]
    assert f"{table}:4: cannot read the dates (no year) in " in lines[1]
    assert '"◆ A row without a year | 4-8 Mar. | Kashiwa, Japan"' in lines[1]
    assert lines[2].startswith(f"{table}:5: 2 columns where event, dates and venue were expected")
    assert tree(root) == before


def test_a_schedule_that_is_not_valid_yaml_is_a_content_error(root: Path, run_cli: Cli) -> None:
    (root / SCHEDULE_62).write_text("title: Schedule\nevents:\n  - title: [unclosed\n")
    before = tree(root)
    table = tmp_table(root, "A new workshop\t1-2 Jul. 2019\tApia, Samoa\n")
    result = run_cli("import-schedule", str(table), "--root", str(root))
    assert result.code == 1
    lines = result.err.splitlines()
    assert lines[0].startswith(f"{SCHEDULE_62}:4: invalid YAML: ")
    assert lines[1:] == ["1 error, 0 warnings."]
    assert tree(root) == before
    with pytest.raises(ContentErrors) as raised:
        import_schedule(root, str(table))
    [problem] = raised.value.problems.items
    assert (problem.path, problem.line) == (SCHEDULE_62, 4)


def test_bad_rows_are_content_errors_with_their_line_and_column(root: Path) -> None:
    table = tmp_table(
        root,
        "No.\tEvent\tDates\tVenue\tRemarks\n"
        "1\tA good row\t4-8 Mar. 2019\tKashiwa, Japan\t\n"
        "2\tNo year\t4-8 Mar.\tKashiwa, Japan\t\n"
        "3\tNo dates\t\tKashiwa, Japan\t\n"
        "4\t\t4-8 Mar. 2019\t\tNo event, no venue\n"
        "Notes\n",
    )
    before = tree(root)
    with pytest.raises(ContentErrors) as raised:
        import_schedule(root, str(table))
    found = [(p.path, p.line, p.field) for p in raised.value.problems.sorted()]
    assert found == [
        (str(table), 3, "dates"),
        (str(table), 4, "dates"),
        (str(table), 5, "event"),
        (str(table), 6, None),
    ]
    assert tree(root) == before


def test_new_with_settings_that_are_not_valid_yaml(root: Path, run_cli: Cli) -> None:
    (root / "content/newsletter.yaml").write_text("title: [unclosed\n")
    result = run_cli("new", "--date", "2019-01-15", "--root", str(root))
    assert result.code == 1
    lines = result.err.splitlines()
    assert lines[0].startswith("content/newsletter.yaml:2: invalid YAML: ")
    assert lines[1:] == ["1 error, 0 warnings."]
    assert not (root / ISSUES / "063").exists()


def test_import_from_standard_input(
    root: Path, run_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = "\ufeffVenue\tEvent\tDates\r\nSuva, Fiji\tA Pacific workshop\t3-7 Dec. 2018\r\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode("utf-16"))))
    result = run_cli("import-schedule", "-", "--root", str(root))
    assert result.code == 0, result.output
    added = events_of(root, SCHEDULE_62)[-1]
    assert added == {
        "id": "a-pacific-workshop-2018",
        "title": "A Pacific workshop",
        "dates": "3-7 Dec. 2018",
        "venue": "Suva, Fiji",
    }


def test_import_reports_text_that_is_not_utf8(root: Path, run_cli: Cli) -> None:
    table = root / "table.txt"
    table.write_bytes(b"Event\tDates\tVenue\nCaf\xe9 talk\t1 May 2019\tParis\n")
    result = run_cli("import-schedule", str(table), "--root", str(root))
    assert result.code == 1
    assert f"{table}:2: is not UTF-8 text (byte 0xe9)" in result.err
    with pytest.raises(ContentErrors) as raised:
        import_schedule(root, str(table))
    assert [(p.path, p.line) for p in raised.value.problems.items] == [(str(table), 2)]


def tmp_table(root: Path, text: str) -> Path:
    table = root.parent / "pasted.txt"
    table.write_text(text, encoding="utf-8")
    return table
