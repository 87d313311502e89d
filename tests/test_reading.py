"""The model read from the sample newsletter, events merged across issues, and Markdown."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser
from typing import TYPE_CHECKING

import pytest

from newsletter.model import Event, Newsletter, Origin, Status
from newsletter.reading import read_newsletter
from newsletter.render.markdown import BodyHtml, render_bodies, render_markdown
from tests.conftest import ARTICLE, ISSUE, MINIMAL, REPO, REPORT, SCHEDULE

if TYPE_CHECKING:
    from tests.conftest import Folder

ISSUE_61 = date(2018, 6, 29)
ISSUE_62 = date(2018, 10, 15)


@pytest.fixture(scope="module")
def sample() -> Newsletter:
    newsletter, problems = read_newsletter(REPO)
    assert [str(p) for p in problems.items] == []
    assert newsletter is not None
    return newsletter


def event(newsletter: Newsletter, event_id: str) -> Event:
    found = [e for e in newsletter.events if e.id == event_id]
    assert len(found) == 1, event_id
    return found[0]


def test_settings(sample: Newsletter) -> None:
    assert sample.settings.title == "ROCB E-Newsletter"
    assert sample.settings.base_url == "https://newsletter.example.org/"
    assert sample.settings.timezone == "Asia/Bangkok"
    assert sample.calendar.name == "WCO A/P Workshops and Meetings"
    assert sample.calendar.uid_domain == "newsletter.example.org"


def test_issues(sample: Newsletter) -> None:
    assert [i.number for i in sample.issues] == [61, 62]
    assert [i.date for i in sample.issues] == [ISSUE_61, ISSUE_62]
    assert sample.latest_date == ISSUE_62
    assert sample.issue(60) is None


def test_articles_of_issue_62_in_order_with_bylines(sample: Newsletter) -> None:
    issue = sample.issue(62)
    assert issue is not None
    assert [(a.slug, [p.name for p in a.authors]) for a in issue.articles] == [
        ("environmental-crime", ["Sopagna SENG"]),
        ("korea-regional-laboratory", ["Jong-Myeong KIM"]),
        ("thai-customs-talent-management", ["Prawat Chuenchavalit"]),
        ("china-customs-technology", ["Wang Lingjun"]),
    ]
    first = issue.articles[0]
    assert first.title.startswith("Essay on Combating Environmental Crime")
    assert first.authors[0].role == "Deputy Chief of Bureau"
    assert first.authors[0].organisation == ("General Department of Customs and Excise of Cambodia")
    assert first.path == "issues/062/environmental-crime/"
    assert issue.highlights == tuple(a.slug for a in issue.articles)
    assert issue.foreword is not None
    assert issue.foreword.author == "Kazunari Igarashi"


def test_reports_of_issue_62_in_order(sample: Newsletter) -> None:
    issue = sample.issue(62)
    assert issue is not None
    assert [r.slug for r in issue.reports] == [
        "mercator-advisor-seminar",
        "asean-counterfeiting-piracy-workshop",
        "india-vice-chair-assumption-ceremony",
        "e-commerce-high-level-seminar",
        "cambodia-mercator-gap-analysis",
        "unescap-trade-facilitation-workshop",
        "illicit-wildlife-trade-conference",
        "russian-university-lectures",
        "rilo-ap-ncp-meeting",
        "mongolia-trade-facilitation-conference",
        "frontline-border-capability-workshop",
        "solomon-islands-policy-dialogue",
    ]
    lectures = issue.reports[7]
    assert (lectures.dates.start, lectures.dates.end) == (date(2018, 8, 30), date(2018, 9, 7))
    assert lectures.venue == "Saint Petersburg, Russia"


def test_schedule_of_issue_62(sample: Newsletter) -> None:
    issue = sample.issue(62)
    assert issue is not None and issue.schedule is not None
    entries = issue.schedule.entries
    assert len(entries) == 21
    assert issue.schedule.title == "WCO A/P CB/TA Programs and Meetings Schedule"
    assert all(e.origin is Origin.SCHEDULE and e.issue == 62 and e.explicit_id for e in entries)
    assert entries[0].id == "16th-meeting-of-heads-of-the-wco-a-p-regional-training-centers-2018"
    assert (entries[1].dates.start, entries[1].dates.end) == (date(2018, 10, 29), date(2018, 11, 9))
    tentative = [e.id for e in entries if e.status is Status.TENTATIVE]
    assert tentative == ["wco-national-workshop-on-risk-management-for-the-philippines-2019"]
    assert entries[0].source.path == "content/issues/062/schedule.yaml"
    assert entries[0].source.line == 5


def test_event_moved_in_a_later_issue(sample: Newsletter) -> None:
    transit = event(sample, "wco-regional-workshop-on-transit-2018")
    assert (transit.dates.start, transit.dates.end) == (date(2019, 1, 7), date(2019, 1, 11))
    assert transit.announced_in == 61
    assert transit.sequence == 1
    assert transit.first_published == ISSUE_61
    assert transit.last_modified == ISSUE_62
    assert transit.history[-1].issue == 62
    assert transit.history[-1].fields == ("dates",)


def test_event_repeated_unchanged(sample: Newsletter) -> None:
    environment = event(sample, "wco-regional-workshop-on-environment-program-2018")
    assert environment.sequence == 0
    assert environment.last_modified == ISSUE_61
    assert environment.announced_in == 61
    assert (environment.dates.start, environment.dates.end) == (
        date(2018, 11, 19),
        date(2018, 11, 23),
    )


def test_report_links_to_the_event_announced_earlier(sample: Newsletter) -> None:
    mercator = event(sample, "wco-global-mercator-program-advisor-seminar-2018")
    assert mercator.announced_in == 61
    assert mercator.report is not None
    assert mercator.report.slug == "mercator-advisor-seminar"
    assert mercator.report.issue == 62
    assert mercator.sequence == 0  # the report repeats the announced title, dates and venue


def test_standing_events_of_the_calendar(sample: Newsletter) -> None:
    standing = {
        "9th-asem-customs-enforcement-working-group-meeting-2006": date(2006, 4, 20),
        "8th-asem-customs-directors-general-and-commissioners-meeting-2009": date(2009, 10, 15),
        "12th-asem-customs-directors-general-and-commissioners-meeting-2017": date(2017, 10, 16),
    }
    for event_id, start in standing.items():
        found = event(sample, event_id)
        assert found.dates.start == start
        assert found.announced_in is None
        assert found.report is None
        assert found.history[0].issue is None


def test_events_are_sorted_and_unique(sample: Newsletter) -> None:
    ids = [e.id for e in sample.events]
    assert len(ids) == len(set(ids))
    keys = [(e.dates.start_date, e.id) for e in sample.events]
    assert keys == sorted(keys)
    assert ids[0] == "9th-asem-customs-enforcement-working-group-meeting-2006"
    assert ids[-1] == "wco-council-sessions-2019"


# --- Merging events in a small folder ----------------------------------------------------


def second_issue(
    folder: Folder, schedule: str, report: str | None = None, day: str = "2019-04-15"
) -> None:
    folder.write("content/issues/002/issue.yaml", f"number: 2\ndate: {day}\n")
    folder.write("content/issues/002/foreword.md", "Dear readers.\n")  # not an empty issue
    folder.write("content/issues/002/schedule.yaml", schedule)
    if report is not None:
        folder.write("content/issues/002/reports/event-two.md", report)


def read(folder: Folder) -> Newsletter:
    newsletter, problems = read_newsletter(folder.root)
    assert [str(p) for p in problems.items] == []
    assert newsletter is not None
    return newsletter


def test_cancelled_in_a_later_issue(folder: Folder) -> None:
    second_issue(
        folder,
        "events:\n  - id: event-two-2019\n    title: Event two\n    dates: 4-8 Nov. 2019\n"
        "    venue: Suva, Fiji\n    status: cancelled\n",
    )
    two = event(read(folder), "event-two-2019")
    assert two.status is Status.CANCELLED
    assert two.announced_in == 1
    assert two.sequence == 1
    assert two.history[-1].fields == ("status",)
    assert two.last_modified == date(2019, 4, 15)


def test_report_in_a_later_issue_links_the_event(folder: Folder) -> None:
    second_issue(
        folder,
        "events: []\n",
        "---\ntitle: Event two\ndates: 4-9 Nov. 2019\nvenue: Suva, Fiji\n"
        "event: event-two-2019\n---\nIt went well.\n",
        day="2019-11-20",
    )
    two = event(read(folder), "event-two-2019")
    assert two.report is not None
    assert (two.report.issue, two.report.slug) == (2, "event-two")
    assert two.announced_in == 1
    assert two.dates.end == date(2019, 11, 9)  # the latest source wins
    assert two.history[-1].fields == ("dates",)


def test_calendar_yaml_is_read_last(folder: Folder) -> None:
    folder.write(
        "calendar/calendar.yaml",
        "events:\n  - id: event-one-2019\n    title: Event one\n    dates: 24-26 Oct. 2019\n"
        "    venue: Bangkok, Thailand\n",
    )
    one = event(read(folder), "event-one-2019")
    assert one.dates.end == date(2019, 10, 26)
    assert one.announced_in == 1
    assert one.history[-1].issue is None


def test_same_id_twice_in_one_schedule_is_an_error(folder: Folder) -> None:
    folder.write(
        SCHEDULE,
        "events:\n"
        "  - {id: twice-2019, title: A, dates: 4 May 2019, venue: X}\n"
        "  - {id: twice-2019, title: B, dates: 5 May 2019, venue: Y}\n",
    )
    _, problems = read_newsletter(folder.root)
    assert [(p.path, p.line) for p in problems.errors] == [(SCHEDULE, 3)]
    assert "'twice-2019' is used twice" in problems.errors[0].message
    assert f"{SCHEDULE}:2" in problems.errors[0].message


def test_same_id_in_two_issues_is_one_event(folder: Folder) -> None:
    second_issue(
        folder,
        "events:\n  - id: event-one-2019\n    title: Event one\n    dates: 24-25 Oct. 2019\n"
        "    venue: Bangkok, Thailand\n",
    )
    newsletter = read(folder)
    assert [e.id for e in newsletter.events].count("event-one-2019") == 1
    assert event(newsletter, "event-one-2019").sequence == 0


def test_default_event_id_from_title_and_year(folder: Folder) -> None:
    folder.write(
        SCHEDULE, "events:\n  - title: Café Meeting\n    dates: 3 Dec. 2019\n    venue: X\n"
    )
    newsletter, problems = read_newsletter(folder.root)
    assert newsletter is not None
    entry = event(newsletter, "cafe-meeting-2019")
    assert entry.title == "Café Meeting"
    assert [p.message for p in problems.warnings] == [
        "events[1].id: no explicit event id; add `id: cafe-meeting-2019` so that fixing the "
        "title or dates later keeps the same calendar entry"
    ]


def test_report_fields_in_the_model(folder: Folder) -> None:
    newsletter = read(folder)
    issue = newsletter.issue(1)
    assert issue is not None
    (report,) = issue.reports
    assert report.event_id == "first-report-2018"
    assert report.source.path == REPORT
    assert [i.name for i in issue.images] == ["photo.png"]
    assert issue.images[0].file == folder.path(f"{ISSUE}/images/photo.png")
    assert issue.title == "Test Newsletter No.1"


# --- Markdown ----------------------------------------------------------------------------


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []  # (tag, name, value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, name, value or "") for name, value in attrs]


def parsed(html: str) -> _Collect:
    collector = _Collect()
    collector.feed(html)
    collector.close()
    return collector


def assert_safe(html: str) -> None:
    page = parsed(html)
    assert not {"script", "style", "iframe", "form", "object", "embed", "input"} & set(page.tags)
    for tag, name, value in page.attrs:
        assert not name.startswith("on"), (tag, name)
        squeezed = "".join(value.split()).lower()
        assert not squeezed.startswith(("javascript:", "data:", "vbscript:")), (tag, name, value)


@pytest.mark.parametrize(
    ("markdown", "gone"),
    [
        ("Hello <script>alert('x1')</script> world", "x1"),
        ("<script>\nalert('x2')\n</script>\n\nAfter", "x2"),
        ("<style>body { color: red } /* x3 */</style>\n\nText", "x3"),
        ('<img src="images/a.png" alt="A" onerror="alert(\'x4\')">', "x4"),
        ('<p onclick="x5()">Click</p>', "x5"),
        ("<a href=\"javascript:alert('x6')\">link</a>", "x6"),
        ('<a href="JaVaScRiPt:x7()">link</a>', "x7"),
        ('<a href="java&#09;script:x8()">link</a>', "x8"),
        ("[link](javascript:x9())", 'href="javascript'),
        ("![pixel](data:image/png;base64,eDEw)", "eDEw"),
        ('<iframe src="https://evil.example/x11"></iframe>', "x11"),
        ('<form action="https://evil.example/x12"><input name="a"></form>', "x12"),
        ('<object data="x13.swf"></object>', "x13"),
        ("<svg><script>x14()</script></svg>", "x14"),
        ('<div style="background: url(javascript:x15)">d</div>', "x15"),
    ],
)
def test_markdown_is_sanitised(markdown: str, gone: str) -> None:
    html = render_markdown(markdown)
    assert gone not in html
    assert_safe(html)


def test_markdown_keeps_what_is_safe() -> None:
    html = render_markdown(
        '## Title\n\nSome *emphasis* and a [link](https://www.wcoomd.org/ "WCO").\n\n'
        '![A lab](images/lab.jpg)\n\n<a href="mailto:rocb@example.org">mail</a>\n'
    )
    assert "<h2>Title</h2>" in html
    assert "<em>emphasis</em>" in html
    assert 'href="https://www.wcoomd.org/"' in html
    assert 'src="images/lab.jpg"' in html
    assert 'alt="A lab"' in html
    assert 'href="mailto:rocb@example.org"' in html


def test_markdown_tables() -> None:
    html = render_markdown("| Event | Dates |\n|:---|---:|\n| Council | 27-29 Jun. 2019 |\n")
    page = parsed(html)
    assert page.tags[:1] == ["table"]
    assert {"thead", "tbody", "tr", "th", "td"} <= set(page.tags)
    assert "<td>Council</td>" in html or '<td style="text-align:left">Council</td>' in html
    assert "27-29 Jun. 2019" in html


def test_markdown_table_cells_keep_only_text_align() -> None:
    html = render_markdown('<table><tr><td style="text-align:center;color:red">x</td></tr></table>')
    assert "color" not in html
    assert_safe(html)


def test_sample_bodies_render_safely(sample: Newsletter) -> None:
    html = render_bodies(body for issue in sample.issues for body in issue.bodies)
    for issue in sample.issues:
        for page in (*issue.articles, *issue.reports):
            assert_safe(html[page.body])
            assert html[page.body].strip()
            assert html[page.body] == BodyHtml()[page.body]  # ahead or on first use: the same


def test_reading_the_sample_twice_gives_equal_models() -> None:
    first, first_problems = read_newsletter(REPO)
    second, second_problems = read_newsletter(REPO)
    assert first is not None and first.issues and first.events
    assert first is not second
    assert first == second
    assert first_problems == second_problems


def test_reading_a_folder_twice_gives_equal_models_and_problems(folder: Folder) -> None:
    article = str(MINIMAL[ARTICLE])
    folder.write(ARTICLE, article.replace("summary:", "summmary:"))
    first, first_problems = read_newsletter(folder.root)
    second, second_problems = read_newsletter(folder.root)
    assert first is not None
    assert first == second
    assert [str(p) for p in first_problems.items] == [
        f"{ARTICLE}:3: warning: summmary: unknown key; did you mean summary?"
    ]
    assert first_problems == second_problems
    # The comparison looks at what was read: one word changed reads as another model.
    folder.write(ARTICLE, article.replace("Body text", "Other text"))
    third, third_problems = read_newsletter(folder.root)
    assert third is not None
    assert third != first
    assert third_problems != first_problems
