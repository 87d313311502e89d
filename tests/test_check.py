"""`newsletter check`: every bad input is reported as `path:line: message`, never a traceback.

Each test starts from the minimal valid folder of conftest.py, breaks one thing, and runs
both `newsletter.site.check` and the CLI.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
import tracemalloc
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from newsletter.errors import Problem, Severity
from tests.conftest import ARTICLE, ISSUE, ISSUE_YAML, MINIMAL, REPORT, SCHEDULE, SETTINGS

if TYPE_CHECKING:
    from tests.conftest import Folder, Run

RunCli = Callable[..., "Run"]


def text_of(name: str) -> str:
    content = MINIMAL[name]
    assert isinstance(content, str)
    return content


def reported(
    folder: Folder, run_cli: RunCli, path: str, line: int | None, fragment: str, code: int = 1
) -> Problem:
    """Assert `check` and the CLI both report `fragment` at `path:line`; the problem found."""
    problems = folder.check()
    everything = [str(p) for p in problems.sorted()]
    found = [
        p for p in problems.items if p.path == path and p.line == line and fragment in p.message
    ]
    assert found, f"nothing at {path}:{line} saying {fragment!r} in {everything}"
    problem = found[0]
    assert problem.severity is (Severity.ERROR if code == 1 else Severity.WARNING)
    assert bool(problems.errors) == (code == 1), everything

    result = run_cli("check", "--root", str(folder.root))
    assert result.code == code, result.output
    where = path if line is None else f"{path}:{line}"
    label = "" if code == 1 else "warning: "
    assert f"{where}: {label}{problem.message}" in result.out.splitlines(), result.output
    assert "Traceback" not in result.output
    assert str(folder.root) not in result.out  # paths are relative to the root
    return problem


def test_minimal_folder_has_no_problems(folder: Folder, run_cli: RunCli) -> None:
    assert [str(p) for p in folder.check().items] == []
    result = run_cli("check", "--root", str(folder.root))
    assert result.code == 0
    assert result.out == ""
    assert "No problems found." in result.err


# --- YAML and text files -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        (ISSUE_YAML, "number: 1\ndate: 2019-01-15\ntitle: a: b\nperiod: x\n", 3),
        (SETTINGS, "title: T\npublisher: P\n  base_url: https://a.example/\n", 3),
        (SCHEDULE, "events:\n  - id: a-2019\n    title: A\n   dates: 4 May 2019\n", 4),
        (ARTICLE, "---\ntitle: First\nsummary: a: b\n---\nBody\n", 3),
        (REPORT, "---\ntitle: R\nvenue: V\ndates: 2 May 2019\n\tevent: x\n---\nBody\n", 5),
    ],
    ids=["issue", "settings", "schedule", "front-matter", "tab"],
)
def test_malformed_yaml_names_the_line(
    folder: Folder, run_cli: RunCli, name: str, content: str, line: int
) -> None:
    folder.write(name, content)
    reported(folder, run_cli, name, line, "invalid YAML")


@pytest.mark.parametrize(
    ("content", "line", "hint"),
    [
        (
            "number: 1\ndate: 2019-01-15\n\tperiod: Q1\n",
            3,
            "; the line has a tab (U+0009) at column 1: YAML indents with spaces only, so "
            "replace the tab with spaces",
        ),
        (
            "number: 1\ndate: 2019-01-15\nsections:\n  articles: A\n \t reports: B\n",
            5,
            "the line has a tab (U+0009) at column 2",
        ),
        (
            "number: 1\ndate: 2019-01-15\ntitle: \u201cCustoms: the next decade\u201d\n",
            3,
            "; the line has a curly quote \u201c (U+201C LEFT DOUBLE QUOTATION MARK): YAML "
            "quotes a value with straight quotes \" or ' only; retype them, or turn off smart "
            "quotes in your editor",
        ),
        (
            "number: 1\ndate: 2019-01-15\nperiod: \u2018Q1: July\u2019\n",
            3,
            "a curly quote \u2018 (U+2018 LEFT SINGLE QUOTATION MARK)",
        ),
    ],
    ids=["tab", "tab-inside", "double-quotes", "single-quotes"],
)
def test_yaml_errors_name_a_tab_or_curly_quote(
    folder: Folder, run_cli: RunCli, content: str, line: int, hint: str
) -> None:
    folder.write(ISSUE_YAML, content)
    problem = reported(folder, run_cli, ISSUE_YAML, line, "invalid YAML")
    assert hint in problem.message


def test_a_date_in_curly_quotes_gets_the_hint(folder: Folder, run_cli: RunCli) -> None:
    folder.write(ISSUE_YAML, "number: 1\ndate: \u201c2019-01-15\u201d\n")
    problem = reported(folder, run_cli, ISSUE_YAML, 2, "date: must be a date written YYYY-MM-DD")
    assert "curly quote \u201c (U+201C LEFT DOUBLE QUOTATION MARK)" in problem.message


def test_unclosed_quote_names_the_line_it_starts_on(folder: Folder, run_cli: RunCli) -> None:
    folder.write(ISSUE_YAML, 'number: 1\ndate: 2019-01-15\ntitle: "No.1\nperiod: x\n')
    problem = reported(folder, run_cli, ISSUE_YAML, 5, "invalid YAML")
    assert "starts on line 3" in problem.message


def test_front_matter_never_closed(folder: Folder, run_cli: RunCli) -> None:
    folder.write(ARTICLE, "---\ntitle: First\n\nBody without the closing line\n")
    reported(folder, run_cli, ARTICLE, 1, "never closed")


def test_top_level_must_be_a_mapping(folder: Folder, run_cli: RunCli) -> None:
    folder.write(ISSUE_YAML, "- number: 1\n- date: 2019-01-15\n")
    reported(folder, run_cli, ISSUE_YAML, 1, "must be a YAML mapping")


def test_duplicate_key(folder: Folder, run_cli: RunCli) -> None:
    folder.write(ISSUE_YAML, "number: 1\ndate: 2019-01-15\nnumber: 2\n")
    reported(folder, run_cli, ISSUE_YAML, 3, "number: duplicate key")


@pytest.mark.parametrize(
    ("name", "content", "line", "message"),
    [
        (ARTICLE, "---\nsummary: No title here.\n---\nBody\n", 2, "title: required key is missing"),
        (ARTICLE, '---\ntitle: ""\n---\nBody\n', 2, "title: must not be empty"),
        (REPORT, "---\ntitle: R\ndates: 2 May 2019\n---\nBody\n", 2, "venue: required key"),
        (REPORT, "---\ntitle: R\nvenue: V\n---\nBody\n", 2, "dates: required key is missing"),
        (ISSUE_YAML, "number: 1\n", 1, "date: required key is missing"),
        (ISSUE_YAML, "date: 2019-01-15\n", 1, "number: required key is missing"),
        (SETTINGS, "title: T\nbase_url: https://a.example/\n", 1, "publisher: required key"),
        (
            SCHEDULE,
            "events:\n  - id: a-2019\n    dates: 4 May 2019\n    venue: V\n",
            2,
            "events[1].title: required key is missing",
        ),
    ],
    ids=[
        "article-title",
        "article-empty-title",
        "report-venue",
        "report-dates",
        "issue-date",
        "issue-number",
        "settings-publisher",
        "schedule-title",
    ],
)
def test_required_key_missing(
    folder: Folder, run_cli: RunCli, name: str, content: str, line: int, message: str
) -> None:
    folder.write(name, content)
    reported(folder, run_cli, name, line, message)


def test_folder_number_differs_from_number(folder: Folder, run_cli: RunCli) -> None:
    folder.write(ISSUE_YAML, "number: 2\ndate: 2019-01-15\n")
    problem = reported(folder, run_cli, ISSUE_YAML, 1, "number: is 2 but the folder is 001")
    assert "rename the folder to 002 or set number: 1" in problem.message


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        (ARTICLE, "---\ntitle: Caf\xe9 society\n---\nBody\n", 2),
        (SCHEDULE, "events:\n  - id: a-2019\n    title: A\n    venue: Saint-\xc9tienne\n", 4),
        (SETTINGS, "title: T\npublisher: Soci\xe9t\xe9\nbase_url: https://a.example/\n", 2),
    ],
    ids=["article", "schedule", "settings"],
)
def test_file_that_is_not_utf8(
    folder: Folder, run_cli: RunCli, name: str, content: str, line: int
) -> None:
    folder.write(name, content.encode("latin-1"))
    problem = reported(folder, run_cli, name, line, "is not UTF-8 text")
    assert "0xe9" in problem.message or "0xc9" in problem.message


@pytest.mark.parametrize("name", [ISSUE_YAML, ARTICLE, SCHEDULE, SETTINGS, REPORT])
def test_binary_junk(folder: Folder, run_cli: RunCli, name: str) -> None:
    junk = random.Random(62).randbytes(2000)
    folder.write(name, junk[:1000] + b"\x00" + junk[1000:])
    reported(folder, run_cli, name, None, "is a binary file")


def test_missing_settings(folder: Folder, run_cli: RunCli) -> None:
    folder.remove(SETTINGS)
    problem = reported(folder, run_cli, SETTINGS, None, "missing")
    assert "title, publisher and base_url" in problem.message


def test_missing_issue_yaml(folder: Folder, run_cli: RunCli) -> None:
    folder.remove(ISSUE_YAML)
    reported(folder, run_cli, ISSUE_YAML, None, "missing")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("http://news.example.org/", "must be an absolute https URL"),
        ("news.example.org/newsletter/", "must be an absolute https URL"),
        ("/newsletter/", "must be an absolute https URL"),
        ("https://", "must be an absolute https URL"),
        ("ftp://news.example.org/", "must be an absolute https URL"),
        ('""', "must not be empty"),
        ("", "required key is missing"),
    ],
)
def test_base_url_must_be_absolute_https(
    folder: Folder, run_cli: RunCli, value: str, message: str
) -> None:
    folder.write(SETTINGS, f"title: T\npublisher: P\nbase_url: {value}\n")
    problem = reported(folder, run_cli, SETTINGS, 3, "base_url: ")
    assert message in problem.message
    if value.strip('"'):
        assert repr(value) in problem.message  # quotes what the editor wrote


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "https://editor:s3cret@news.example.org/",
            "'https://***@news.example.org/' holds a user name or password, which would appear "
            "in every page and email: write the address without the part before @ (protect a "
            "preview site another way)",
        ),
        (
            "https://user@news.example.org/",
            "'https://***@news.example.org/' holds a user name or password",
        ),
        (
            '"https://news.example.org/rocb news/"',
            "'https://news.example.org/rocb news/' has a space in it: write the address without "
            "spaces (%20 in a path)",
        ),
        (
            "https://news.example.org/?utm_source=x",
            "'https://news.example.org/?utm_source=x' has a query (?utm_source=x): the site's "
            "address cannot have one; remove it",
        ),
        (
            "https://news.example.org/#top",
            "'https://news.example.org/#top' has a fragment (#top): the site's address cannot "
            "have one; remove it",
        ),
        (
            "https://news.example.org:99999/",
            "'https://news.example.org:99999/' has a port that is not a number from 1 to 65535",
        ),
    ],
    ids=["credentials", "user", "space", "query", "fragment", "port"],
)
def test_base_url_the_pages_could_not_carry(
    folder: Folder, run_cli: RunCli, value: str, message: str
) -> None:
    folder.write(SETTINGS, f"title: T\npublisher: P\nbase_url: {value}\n")
    problem = reported(folder, run_cli, SETTINGS, 3, "base_url: ")
    assert problem.message.startswith(f"base_url: {message}")
    assert "s3cret" not in run_cli("check", "--root", str(folder.root)).output


@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("HTTPS://News.Example.ORG/", "https://news.example.org/"),
        ("https://NEWS.example.org:8443/Archive", "https://news.example.org:8443/Archive/"),
        ("https://[2001:DB8::1]/n/", "https://[2001:db8::1]/n/"),
    ],
)
def test_base_url_is_normalised(folder: Folder, run_cli: RunCli, value: str, url: str) -> None:
    from newsletter.site import load

    folder.write(SETTINGS, text_of(SETTINGS).replace("https://news.example.org/", value))
    assert folder.check().items == []
    assert load(folder.root)[0].settings.base_url == url
    assert run_cli("build", "--root", str(folder.root)).code == 0
    index = folder.path("public/index.html").read_text()
    assert f'href="webcal://{url.removeprefix("https://")}calendar.ics"' in index
    assert "HTTPS://" not in index and "webcal://HTTPS" not in index


AUDIENCE = "title: T\npublisher: P\nbase_url: https://a.example/\naudience:\n"


@pytest.mark.parametrize(
    ("block", "line", "message"),
    [
        ("  service_url: http://lists.example.org/\n", 5, "audience.service_url: "),
        ("  service_url: https://lists.example.org/?x=1\n", 5, "must be the https URL where"),
        ("  double_opt_in: sometimes\n", 5, "audience.double_opt_in: must be true or false"),
        ("  bounce_address: Bounces <b@example.org>\n", 5, "must be a plain address"),
        ("  bounce_adress: b@example.org\n", 5, "audience.bounce_adress: unknown key"),
    ],
)
def test_audience_settings(
    folder: Folder, run_cli: RunCli, block: str, line: int, message: str
) -> None:
    folder.write(SETTINGS, AUDIENCE + block)
    unknown = "unknown key" in message
    problem = reported(folder, run_cli, SETTINGS, line, message, code=0 if unknown else 1)
    assert problem.message.startswith("audience.")


def test_audience_settings_read(folder: Folder) -> None:
    from newsletter.site import load

    block = "  service_url: https://lists.example.org\n  double_opt_in: false\n"
    folder.write(SETTINGS, AUDIENCE + block + "  bounce_address: bounces@example.org\n")
    audience = load(folder.root)[0].settings.audience
    assert audience.service_url == "https://lists.example.org/"
    assert audience.double_opt_in is False
    assert audience.bounce_address == "bounces@example.org"
    folder.write(SETTINGS, AUDIENCE.removesuffix("audience:\n"))
    assert load(folder.root)[0].settings.audience.double_opt_in is True


# --- Events ------------------------------------------------------------------------------


def schedule_with_second_dates(value: str) -> str:
    """The minimal schedule with `dates:` of its second entry (line 9) replaced."""
    original = text_of(SCHEDULE)
    assert original.split("\n")[8] == "    dates: 4-8 Nov. 2019"
    return original.replace("dates: 4-8 Nov. 2019", f"dates: {json.dumps(value)}")


def test_unknown_status(folder: Folder, run_cli: RunCli) -> None:
    folder.write(SCHEDULE, text_of(SCHEDULE) + "    status: postponed\n")
    problem = reported(folder, run_cli, SCHEDULE, 11, "events[2].status: unknown status")
    assert "'postponed'" in problem.message
    assert "confirmed, tentative, cancelled" in problem.message


def test_unknown_status_in_a_report(folder: Folder, run_cli: RunCli) -> None:
    folder.write(REPORT, text_of(REPORT).replace("event:", "status: maybe\nevent:"))
    reported(folder, run_cli, REPORT, 5, "status: unknown status 'maybe'")


@pytest.mark.parametrize("value", ["Study Visit", "workshop!", "-workshop"])
def test_a_category_must_be_a_slug(folder: Folder, run_cli: RunCli, value: str) -> None:
    folder.write(SCHEDULE, text_of(SCHEDULE) + f"    category: {json.dumps(value)}\n")
    problem = reported(folder, run_cli, SCHEDULE, 11, "events[2].category: ")
    assert f"{value!r} is not a category: use lowercase letters" in problem.message


@pytest.mark.parametrize("value", ["Atlantis", "ZZ", "242", "Brussels"])
def test_a_country_must_name_a_country(folder: Folder, run_cli: RunCli, value: str) -> None:
    folder.write(SCHEDULE, text_of(SCHEDULE) + f"    country: {json.dumps(value)}\n")
    problem = reported(folder, run_cli, SCHEDULE, 11, "events[2].country: ")
    assert f"{value!r} is not a country: write its English name (Fiji)" in problem.message


def test_a_country_in_a_report(folder: Folder, run_cli: RunCli) -> None:
    folder.write(REPORT, text_of(REPORT).replace("event:", "country: Narnia\nevent:"))
    reported(folder, run_cli, REPORT, 5, "country: 'Narnia' is not a country")


@pytest.mark.parametrize("value", ["Fiji", "fj", "FJI", "Korea", "Lao PDR"])
def test_a_country_name_or_code_is_read(folder: Folder, value: str) -> None:
    folder.write(SCHEDULE, text_of(SCHEDULE) + f"    country: {value}\n    category: study-visit\n")
    assert [str(p) for p in folder.check().items] == []


BAD_DATES = [
    ("24-25 Oct.", "no year"),
    ("24-25 2019", "no month"),
    ("30-31 Feb. 2019", "there is no day 31 in February 2019"),
    ("31 April 2006", "there is no day 31 in April 2006"),
    ("29 Feb. 2019", "there is no day 29 in February 2019"),
    ("9-4 May 2019", "the end is before the start"),
    ("4 Jan. 2019 – 28 Dec. 2018", "the end is before the start"),
    ("3-4 Octember 2019", "unknown month 'Octember'"),
    ("garbage", "cannot read 'garbage' as a date"),
    ("(tbc)", "no date"),
]


@pytest.mark.parametrize(("text", "reason"), BAD_DATES, ids=[b[0] for b in BAD_DATES])
def test_bad_dates_in_a_schedule_entry(
    folder: Folder, run_cli: RunCli, text: str, reason: str
) -> None:
    folder.write(SCHEDULE, schedule_with_second_dates(text))
    problem = reported(folder, run_cli, SCHEDULE, 9, f"events[2].dates: {reason}")
    assert repr(text) in problem.message
    assert problem.message == f"events[2].dates: {reason} in {text!r}"


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_dates_in_a_schedule_entry(folder: Folder, run_cli: RunCli, text: str) -> None:
    folder.write(SCHEDULE, schedule_with_second_dates(text))
    reported(folder, run_cli, SCHEDULE, 9, "events[2].dates: must not be empty")


@pytest.mark.parametrize(("text", "reason"), BAD_DATES[:3], ids=[b[0] for b in BAD_DATES[:3]])
def test_bad_dates_in_a_report(folder: Folder, run_cli: RunCli, text: str, reason: str) -> None:
    folder.write(REPORT, text_of(REPORT).replace("2-6 July 2018", json.dumps(text)))
    reported(folder, run_cli, REPORT, 3, f"dates: {reason} in {text!r}")


def test_dates_together_with_start(folder: Folder, run_cli: RunCli) -> None:
    folder.write(SCHEDULE, text_of(SCHEDULE) + "    start: 2019-11-04\n")
    reported(folder, run_cli, SCHEDULE, 9, "events[2].dates: give either `dates` or `start`")


@pytest.mark.parametrize(
    ("extra", "line", "message"),
    [
        ("    start: 2019-06-31\n", 3, "events[1].start: there is no day 31 in June 2019"),
        ("    start: 2019-06-01\n    end: 2019-06-31\n", 4, "events[1].end: there is no day 31"),
        ("    start: 2019-06-10\n    end: 2019-06-01\n", 4, "events[1].end: 2019-06-01 is before"),
        ("    start: 2019-06-10T09:00\n    timezone: Mars/Olympus\n", 4, "unknown time zone"),
    ],
    ids=["no-such-day", "no-such-end-day", "end-before-start", "unknown-zone"],
)
def test_bad_iso_dates(
    folder: Folder, run_cli: RunCli, extra: str, line: int, message: str
) -> None:
    folder.write(SCHEDULE, "events:\n  - id: a-2019\n" + extra + "    title: A\n    venue: V\n")
    problem = reported(folder, run_cli, SCHEDULE, line, message)
    if "06-31" in extra:
        assert "'2019-06-31'" in problem.message


def test_impossible_issue_date(folder: Folder, run_cli: RunCli) -> None:
    folder.write(ISSUE_YAML, "number: 1\ndate: 2019-02-30\n")
    problem = reported(folder, run_cli, ISSUE_YAML, 2, "")
    assert problem.message == (
        "date: there is no day 30 in February 2019 ('2019-02-30'); write a day that exists"
    )
    folder.write(ISSUE_YAML, "number: 1\ndate: 2019-13-01\n")
    reported(folder, run_cli, ISSUE_YAML, 2, "date: there is no month 13 ('2019-13-01')")
    folder.write(ISSUE_YAML, "number: 1\ndate: 2020-02-29\n")  # a leap year
    assert folder.check().errors == []
    folder.write(ISSUE_YAML, "number: 1\ndate: 15/01/2019\n")
    reported(folder, run_cli, ISSUE_YAML, 2, "date: must be a date written YYYY-MM-DD, not")


def test_an_impossible_day_in_a_date_time(folder: Folder, run_cli: RunCli) -> None:
    extra = "    start: 2019-02-29T09:00\n    timezone: Asia/Bangkok\n"
    folder.write(SCHEDULE, "events:\n  - id: a-2019\n" + extra + "    title: A\n    venue: V\n")
    problem = reported(folder, run_cli, SCHEDULE, 3, "")
    assert problem.message == (
        "events[1].start: there is no day 29 in February 2019 ('2019-02-29T09:00'); "
        "write a day that exists"
    )


def test_duplicate_id_in_one_schedule(folder: Folder, run_cli: RunCli) -> None:
    folder.write(SCHEDULE, text_of(SCHEDULE).replace("id: event-two-2019", "id: event-one-2019"))
    problem = reported(folder, run_cli, SCHEDULE, 7, "event id 'event-one-2019' is used twice")
    assert f"first at {SCHEDULE}:3" in problem.message


def test_report_reusing_a_schedule_id_of_the_same_issue(folder: Folder, run_cli: RunCli) -> None:
    folder.write(REPORT, text_of(REPORT).replace("first-report-2018", "event-one-2019"))
    problem = reported(folder, run_cli, REPORT, 5, "")
    assert problem.message == (
        f"event id 'event-one-2019' is also in this issue's schedule ({SCHEDULE}:3): an "
        "issue reports on an event that took place or announces one to come, not both; "
        "remove the event from schedule.yaml (the report keeps it in the calendar)"
    )
    assert len(folder.check().errors) == 1
    # Two reports of one issue with one id: each event needs its own.
    folder.write(SCHEDULE, text_of(SCHEDULE).replace("event-one-2019", "event-three-2019"))
    folder.write(f"{ISSUE}/reports/second-report.md", folder.path(REPORT).read_text())
    reported(folder, run_cli, f"{ISSUE}/reports/second-report.md", 5, "is used twice (first at")


def test_bad_explicit_id(folder: Folder, run_cli: RunCli) -> None:
    folder.write(SCHEDULE, text_of(SCHEDULE).replace("id: event-two-2019", "id: Event Two!"))
    reported(folder, run_cli, SCHEDULE, 7, "events[2].id: 'Event Two!' is not an id")


# --- Images ------------------------------------------------------------------------------


def article_showing(markdown: str) -> str:
    return f"---\ntitle: First article\n---\nIntro.\n\n{markdown}\n"  # the image is on line 6


@pytest.mark.parametrize(
    "src",
    [
        "../secret.png",
        "/etc/passwd",
        "images/../../x.png",
        "images/../issue.yaml",
        "images/%2e%2e/%2e%2e/x.png",
        "./../secret.png",
    ],
)
def test_image_path_leaving_images(folder: Folder, run_cli: RunCli, src: str) -> None:
    folder.write(f"{ISSUE}/secret.png", MINIMAL[f"{ISSUE}/images/photo.png"])
    folder.write(ARTICLE, article_showing(f"![Secret]({src})"))
    problem = reported(folder, run_cli, ARTICLE, 6, f"image {src!r} is outside")
    assert "images/" in problem.message


def test_image_path_leaving_images_in_html(folder: Folder, run_cli: RunCli) -> None:
    folder.write(ARTICLE, article_showing('<img src="../../../newsletter.yaml" alt="x">'))
    reported(folder, run_cli, ARTICLE, 6, "is outside this issue's images/ folder")


def test_image_with_another_scheme(folder: Folder, run_cli: RunCli) -> None:
    folder.write(ARTICLE, article_showing("![x](file:///etc/passwd)"))
    reported(folder, run_cli, ARTICLE, 6, "only files in images/ or https URLs")


def test_missing_image(folder: Folder, run_cli: RunCli) -> None:
    folder.write(ARTICLE, article_showing("![A chart](images/chart.png)"))
    problem = reported(folder, run_cli, ARTICLE, 6, "image 'images/chart.png' does not exist")
    assert f"{ISSUE}/images/chart.png" in problem.message


def test_image_linked_outside_the_root(folder: Folder, run_cli: RunCli) -> None:
    secret = folder.root.parent / "secret.txt"
    secret.write_text("private")
    os.symlink(secret, folder.path(f"{ISSUE}/images/leak.png"))
    folder.write(ARTICLE, article_showing("![Leak](images/leak.png)"))
    reported(folder, run_cli, ARTICLE, 6, "outside the newsletter folder")


@pytest.mark.parametrize("linked", ["file", "folder"])
def test_content_linked_outside_the_root(folder: Folder, run_cli: RunCli, linked: str) -> None:
    outside = folder.root.parent / "elsewhere"
    if linked == "file":
        outside.mkdir()
        shutil.move(folder.path(ARTICLE), outside / "leak.md")
        os.symlink(outside / "leak.md", folder.path(ARTICLE))
    else:  # the articles/ folder is a link to one outside
        shutil.move(folder.path(ARTICLE).parent, outside)
        os.symlink(outside, folder.path(ARTICLE).parent)
    reported(folder, run_cli, ARTICLE, None, "is a link to a file outside the newsletter folder")


def test_content_linked_inside_the_root_is_read(folder: Folder) -> None:
    os.symlink(folder.path(ARTICLE), folder.path(f"{ISSUE}/articles/again.md"))
    assert not [p for p in folder.check().items if "outside" in p.message]


def test_image_linked_inside_the_root_is_fine(folder: Folder) -> None:
    os.symlink("photo.png", folder.path(f"{ISSUE}/images/same.png"))
    folder.write(ARTICLE, article_showing("![Same](images/same.png)"))
    assert folder.check().items == []


def test_image_inside_code_is_not_checked(folder: Folder) -> None:
    folder.write(ARTICLE, article_showing("```\n![x](../secret.png)\n```\n\n`![y](/etc/x)`"))
    assert folder.check().items == []


# --- Template overrides ------------------------------------------------------------------


def test_a_broken_template_override_fails_check_with_its_line(
    folder: Folder, run_cli: RunCli
) -> None:
    folder.write(
        "templates/web/issue.html",
        '{% extends "web/base.html" %}\n{% block main %}\n<h1>{{ issue.title </h1>\n'
        "{% endblock %}\n",
    )
    folder.write("templates/scaffold/report.md", "---\ntitle: {{ title|yaml }\n---\n")
    folder.write("templates/text/issue.txt", b"Caf\xe9 {{ issue.title }}\n")
    problem = reported(folder, run_cli, "templates/web/issue.html", 3, "")
    assert problem.message == "template error: unexpected '/'"
    reported(folder, run_cli, "templates/scaffold/report.md", 2, "template error: unexpected '}'")
    reported(
        folder, run_cli, "templates/text/issue.txt", None, "is not UTF-8 text; save it with UTF-8"
    )
    result = run_cli("build", "--root", str(folder.root))
    assert result.code == 1 and "Traceback" not in result.output


def test_working_template_overrides_pass_check(folder: Folder, run_cli: RunCli) -> None:
    folder.write(
        "templates/web/issue.html",
        '{% extends "web/base.html" %}\n{% block main %}<h1>{{ issue.title }}</h1>{% endblock %}\n',
    )
    folder.write("templates/web/partials/note.html", "<p>{{ note }}</p>\n")  # a new one
    folder.write("templates/scaffold/article.md", "---\ntitle: {{ title|yaml }}\n---\n")
    assert folder.check().items == []
    assert run_cli("build", "--root", str(folder.root)).code == 0


def test_check_compiles_only_the_templates_that_differ_from_the_packaged_ones(
    folder: Folder,
) -> None:
    import shutil
    import subprocess
    import sys

    from newsletter.layout import packaged_templates

    shutil.copytree(packaged_templates(), folder.path("templates"))
    code = (
        "import sys; from pathlib import Path; from newsletter.site import check; "
        f"problems = check(Path({str(folder.root)!r})); "
        "print(len(problems.items), 'jinja2' in sys.modules)"
    )
    run = [sys.executable, "-c", code]
    subprocess.run(run, capture_output=True, check=True, timeout=60)  # records the budgets
    result = subprocess.run(run, capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.split() == ["0", "False"]  # a copy of the packaged ones: no Jinja
    folder.write("templates/email/issue.mjml", "{% if %}\n")
    result = subprocess.run(run, capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.split() == ["1", "True"]


# --- Git merge conflicts -----------------------------------------------------------------

CONFLICT_MESSAGE = (
    "a Git merge conflict is left in the file (lines {}-{}, from <<<<<<< to >>>>>>>); "
    "keep the text you want and delete the lines <<<<<<<, ======= and >>>>>>>"
)


def test_conflict_markers_in_markdown_are_an_error_each(folder: Folder, run_cli: RunCli) -> None:
    body = (
        "Intro.\n\n<<<<<<< HEAD\nOur paragraph.\n=======\nTheir paragraph.\n"
        ">>>>>>> 5f3e2a1 (Shorter intro)\n\nMiddle.\n\n<<<<<<< HEAD\nA\n||||||| base\nB\n"
        "=======\nC\n>>>>>>> theirs\n"
    )
    folder.write(ARTICLE, "---\ntitle: First article\n---\n" + body)
    first = reported(folder, run_cli, ARTICLE, 6, "a Git merge conflict")
    assert first.message == CONFLICT_MESSAGE.format(6, 10)
    second = reported(folder, run_cli, ARTICLE, 14, "a Git merge conflict")
    assert second.message == CONFLICT_MESSAGE.format(14, 20)
    assert len(folder.check().errors) == 2


def test_a_conflict_in_the_front_matter_is_said_once(folder: Folder, run_cli: RunCli) -> None:
    folder.write(
        REPORT,
        text_of(REPORT).replace(
            "venue: Brussels, Belgium\n",
            "<<<<<<< HEAD\nvenue: Brussels, Belgium\n=======\nvenue: Bruges\n>>>>>>> x\n",
        ),
    )
    reported(folder, run_cli, REPORT, 4, CONFLICT_MESSAGE.format(4, 8))
    assert [p.line for p in folder.check().errors] == [4]  # no "invalid YAML" besides


def test_a_conflict_in_a_yaml_file(folder: Folder, run_cli: RunCli) -> None:
    folder.write(
        ISSUE_YAML,
        "number: 1\n<<<<<<< ours\ndate: 2019-01-15\n=======\ndate: 2019-01-16\n>>>>>>> b\n",
    )
    reported(folder, run_cli, ISSUE_YAML, 2, CONFLICT_MESSAGE.format(2, 6))


def test_a_heading_underlined_with_seven_equals_is_no_conflict(folder: Folder) -> None:
    folder.write(ARTICLE, "---\ntitle: T\n---\nA heading\n=======\n\n> quoted\n")
    assert folder.check().items == []


# --- Symbolic links ----------------------------------------------------------------------


def test_a_link_in_a_loop_is_an_error_naming_it(folder: Folder, run_cli: RunCli) -> None:
    os.symlink("b", folder.path(f"{ISSUE}/a"))
    os.symlink("a", folder.path(f"{ISSUE}/b"))
    os.symlink("loop.md", folder.path(f"{ISSUE}/articles/loop.md"))
    problem = reported(folder, run_cli, f"{ISSUE}/articles/loop.md", None, "")
    assert problem.message == (
        "is a symbolic link in a loop (to 'loop.md', which leads back to it); "
        "delete the link, or make it point to a file"
    )
    reported(folder, run_cli, f"{ISSUE}/a", None, "is a symbolic link in a loop (to 'b',")
    reported(folder, run_cli, f"{ISSUE}/b", None, "is a symbolic link in a loop (to 'a',")
    result = run_cli("build", "--root", str(folder.root))
    assert result.code == 1 and "Traceback" not in result.output
    assert "3 errors" in result.err


def test_a_link_to_a_folder_above_it_is_an_error(folder: Folder, run_cli: RunCli) -> None:
    os.symlink("..", folder.path(f"{ISSUE}/images/up"))
    problem = reported(folder, run_cli, f"{ISSUE}/images/up", None, "")
    assert problem.message == (
        "is a symbolic link to a folder that holds it ('..'): reading it would never end; "
        "delete the link"
    )


def test_a_link_in_a_loop_among_the_templates_is_no_traceback(
    folder: Folder, run_cli: RunCli
) -> None:
    os.makedirs(folder.path("templates/email"))
    os.symlink("x", folder.path("templates/email/x"))
    os.symlink("..", folder.path("templates/email/up"))
    assert folder.check().items == []
    assert run_cli("build", "--root", str(folder.root)).code == 0


def test_links_that_lead_to_files_are_fine(folder: Folder) -> None:
    os.symlink("photo.png", folder.path(f"{ISSUE}/images/same.png"))
    os.symlink("images", folder.path(f"{ISSUE}/pictures"))
    assert folder.check().items == []


# --- YAML alias bomb ---------------------------------------------------------------------

LAUGHS = "".join(f"lol{n}: &lol{n} [{', '.join([f'*lol{n - 1}'] * 9)}]\n" for n in range(2, 10))
BOMB = 'lol1: &lol1 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + LAUGHS


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        (ISSUE_YAML, "number: 1\ndate: 2019-01-15\n" + BOMB, 3),
        (SCHEDULE, "title: S\n" + BOMB + "events:\n  - *lol9\n", 2),
        (ARTICLE, "---\ntitle: T\n" + BOMB + "---\nBody\n", 3),
    ],
    ids=["issue", "schedule", "front-matter"],
)
def test_alias_bomb_is_refused_quickly(
    folder: Folder, run_cli: RunCli, name: str, content: str, line: int
) -> None:
    assert "*lol8, *lol8" in content
    folder.write(name, content)
    tracemalloc.start()
    started = time.monotonic()
    try:
        problems = folder.check()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5
    assert peak < 50_000_000
    assert any("YAML aliases" in p.message and p.path == name for p in problems.errors)
    started = time.monotonic()
    reported(folder, run_cli, name, line, "YAML aliases (*name) of lists or mappings")
    assert time.monotonic() - started < 5


def test_scalar_aliases_are_fine(folder: Folder) -> None:
    folder.write(ISSUE_YAML, "number: 1\ndate: &d 2019-01-15\nperiod: &p Q1\ntitle: *p\n")
    assert folder.check().items == []


# --- Warnings ----------------------------------------------------------------------------


def test_unknown_key_is_a_warning_with_a_suggestion(folder: Folder, run_cli: RunCli) -> None:
    folder.write(ARTICLE, text_of(ARTICLE).replace("summary:", "summmary:"))
    problem = reported(folder, run_cli, ARTICLE, 3, "", code=0)
    assert problem.message == "summmary: unknown key; did you mean summary?"


def test_unknown_nested_key_names_the_entry(folder: Folder, run_cli: RunCli) -> None:
    folder.write(SCHEDULE, text_of(SCHEDULE) + "    venu: Lautoka, Fiji\n")
    reported(folder, run_cli, SCHEDULE, 11, "events[2].venu: unknown key; did you mean venue?", 0)


def test_unknown_key_without_a_close_match_lists_the_keys(folder: Folder, run_cli: RunCli) -> None:
    folder.write(ISSUE_YAML, "number: 1\ndate: 2019-01-15\ncolour: blue\n")
    problem = reported(folder, run_cli, ISSUE_YAML, 3, "colour: unknown key", code=0)
    assert "number, date, title" in problem.message


def test_event_without_explicit_id_is_a_warning(folder: Folder, run_cli: RunCli) -> None:
    folder.write(
        SCHEDULE, text_of(SCHEDULE).replace("  - id: event-two-2019\n    title", "  - title")
    )
    problem = reported(folder, run_cli, SCHEDULE, 7, "events[2].id: no explicit event id", 0)
    assert "id: event-two-2019" in problem.message  # the id to add


def test_report_without_event_id_is_a_warning(folder: Folder, run_cli: RunCli) -> None:
    folder.write(REPORT, text_of(REPORT).replace("event: first-report-2018\n", ""))
    problem = reported(folder, run_cli, REPORT, 2, "event: no explicit event id", code=0)
    assert "event: first-report-2018" in problem.message


def test_image_without_alt_text_is_a_warning(folder: Folder, run_cli: RunCli) -> None:
    folder.write(ARTICLE, text_of(ARTICLE).replace("![A green square]", "![]"))
    reported(folder, run_cli, ARTICLE, 7, "image 'images/photo.png' has no alt text", code=0)


def test_an_issue_with_nothing_to_read_is_a_warning(folder: Folder, run_cli: RunCli) -> None:
    folder.remove(f"{ISSUE}/articles")
    folder.remove(f"{ISSUE}/reports")
    folder.write(f"{ISSUE}/foreword.md", "---\nauthor: A. Editor\n---\n\n  \n")
    problem = reported(folder, run_cli, ISSUE_YAML, None, "", code=0)
    assert problem.message == (
        "issue 1 has no articles, no reports and an empty foreword: its page and email "
        "would have nothing to read; write foreword.md, or add a page with "
        "`newsletter add article TITLE`"
    )
    folder.write(f"{ISSUE}/foreword.md", "---\nauthor: A. Editor\n---\nDear readers.\n")
    assert folder.check().items == []


def test_a_past_event_under_future_activities_is_a_warning(folder: Folder, run_cli: RunCli) -> None:
    folder.write(
        SCHEDULE,
        text_of(SCHEDULE) + "  - id: last-years-forum-2018\n    title: Last year's forum\n"
        "    dates: 28 Dec. 2018 – 14 Jan. 2019\n    venue: Suva, Fiji\n",
    )
    problem = reported(folder, run_cli, SCHEDULE, 11, "", code=0)
    assert problem.message == (
        "\"Last year's forum\" ended on 2019-01-14, before this issue's date (2019-01-15), "
        "yet it is listed under Future Activities; remove it from the schedule "
        "(a report tells how it went)"
    )
    # One that ends on the issue's day is still current.
    folder.write(SCHEDULE, text_of(SCHEDULE).replace("4-8 Nov. 2019", "10-15 Jan. 2019"))
    assert folder.check().items == []


def test_a_report_dated_after_the_issue_is_a_warning(folder: Folder, run_cli: RunCli) -> None:
    folder.write(REPORT, text_of(REPORT).replace("2-6 July 2018", "2-6 July 2019"))
    problem = reported(folder, run_cli, REPORT, 3, "", code=0)
    assert problem.message == (
        "dates: the event starts on 2019-07-02, after this issue's date (2019-01-15): a "
        "report tells of an event that took place; check the year, or announce the event "
        "in the schedule instead"
    )
    iso = "start: 2019-01-16\nend: 2019-01-17\n"
    folder.write(REPORT, text_of(REPORT).replace("dates: 2-6 July 2018\n", iso))
    reported(folder, run_cli, REPORT, 3, "start: the event starts on 2019-01-16, after", code=0)
    folder.write(REPORT, text_of(REPORT).replace("2-6 July 2018", "15 Jan. 2019"))
    assert folder.check().items == []


REMOVED = [
    (
        '<iframe src="https://www.youtube.com/embed/x" width="560"></iframe>',
        "raw HTML <iframe> is removed when published (its text stays); link to the page instead",
        "<iframe",
    ),
    (
        "[Win a prize](javascript:alert(document.cookie))",
        "the link 'javascript:alert(document.cookie)' is published as plain text, not as a "
        "link: javascript: links are not kept (only http, https, mailto, tel, webcal)",
        'href="javascript',
    ),
    (
        '<a href="JavaScript:void(0)">x</a>',
        "the href='JavaScript:void(0)' of <a> is removed when published: javascript: links "
        "are not kept (only http, https, mailto, tel, webcal)",
        "JavaScript:",
    ),
    (
        "<script>alert(1)</script>",
        "raw HTML <script> is removed when published with all it holds",
        "alert(1)",
    ),
    (
        '<p class="lead"\n   onmouseover="steal()">Hover</p>',
        "raw HTML <p>: class=, onmouseover= removed when published (no script runs in the "
        "newsletter)",
        "steal",
    ),
]


def test_the_links_checked_are_those_a_lookbehind_pattern_finds() -> None:
    """`rawhtml._links` skips an image's `[...](...)` by hand, not by a lookbehind (17
    times slower): on random text made of the characters that matter, it finds the same
    links at the same places, nested and back to back."""
    import re

    from newsletter.reading import rawhtml

    reference = re.compile(
        r"(?<!!)\[(?:[^\]\\]|\\.)*\]\(\s*<?(?P<url>(?:[^\s()<>]|\([^\s()<>]*\))+)"
    )
    chance = random.Random(7)
    texts = ["![see [this](javascript:x)](i.png)", "![a](b)[c](javascript:d)"]
    texts += ["".join(chance.choice("![]()\\ <>ab:\n") for _ in range(30)) for _ in range(20_000)]
    for text in texts:
        found = [(m.span(), m["url"]) for m in rawhtml._links(text)]
        assert found == [(m.span(), m["url"]) for m in reference.finditer(text)], text


@pytest.mark.parametrize(("markdown", "message", "gone"), REMOVED, ids=lambda v: str(v)[:20])
def test_what_the_sanitiser_removes_is_a_warning_with_the_line(
    folder: Folder, run_cli: RunCli, markdown: str, message: str, gone: str
) -> None:
    from newsletter.render.markdown import render_markdown

    folder.write(ARTICLE, article_showing(markdown))
    reported(folder, run_cli, ARTICLE, 6, message, code=0)
    assert len(folder.check().warnings) == 1
    assert gone not in render_markdown(markdown)  # what the warning says is so


def test_raw_html_the_sanitiser_keeps_and_code_give_no_warning(folder: Folder) -> None:
    folder.write(
        ARTICLE,
        article_showing(
            '<figure><img src="images/photo.png" alt="A square" width="1"><figcaption>'
            'A <a href="https://example.org/" title="t">link</a></figcaption></figure>\n\n'
            "`<iframe>` in code, <https://example.org/>, <news@example.org>, a < b > c\n\n"
            "```html\n<script>alert(1)</script>\n```\n\n[mail](mailto:news@example.org)"
        ),
    )
    assert folder.check().items == []


def test_errors_and_warnings_together_exit_1(folder: Folder, run_cli: RunCli) -> None:
    folder.write(ARTICLE, text_of(ARTICLE).replace("![A green square]", "![]"))
    folder.write(ISSUE_YAML, "number: 3\ndate: 2019-01-15\n")
    result = run_cli("check", "--root", str(folder.root))
    assert result.code == 1
    assert f"{ARTICLE}:7: warning: image" in result.out
    assert f"{ISSUE_YAML}:1: number: is 3" in result.out
    assert "1 error, 1 warning." in result.err


# --- Reporting everything ----------------------------------------------------------------


def test_all_problems_are_reported_at_once(folder: Folder, run_cli: RunCli) -> None:
    folder.write(SETTINGS, "title: T\npublisher: P\nbase_url: http://news.example.org/\n")
    folder.write(ARTICLE, "---\nsummary: No title.\n---\nBody\n")
    folder.write(SCHEDULE, schedule_with_second_dates("30-31 Feb. 2019"))
    problems = folder.check()
    assert {p.path for p in problems.errors} == {SETTINGS, ARTICLE, SCHEDULE}
    result = run_cli("check", "--root", str(folder.root))
    assert result.code == 1
    lines = result.out.splitlines()
    assert f"{SETTINGS}:3: base_url: 'http://news.example.org/' must be an absolute https URL" in (
        "\n".join(lines)
    )
    assert f"{ARTICLE}:2: title: required key is missing" in lines
    assert f"{SCHEDULE}:9: events[2].dates: there is no day 31 in February 2019 in " in (
        "\n".join(lines)
    )
    assert "3 errors, 0 warnings." in result.err
    assert lines == sorted(lines)  # sorted by path, then line


def test_problems_in_two_issues_are_all_reported(folder: Folder, run_cli: RunCli) -> None:
    folder.write("content/issues/002/issue.yaml", "number: 2\ndate: 2019-04-15\n")
    folder.write("content/issues/002/articles/bad.md", "---\ntitle: [x\n---\n")
    folder.write(ISSUE_YAML, "number: 1\n")
    result = run_cli("check", "--root", str(folder.root))
    assert result.code == 1
    assert f"{ISSUE_YAML}:1: date: required key is missing" in result.out
    assert "content/issues/002/articles/bad.md:" in result.out
    assert "2 errors" in result.err
