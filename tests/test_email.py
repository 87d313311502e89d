"""The HTML email (email.html) of the sample's issues, held to a strict HTML5 parser and
to what mail clients, Gmail's clipping and screen readers need."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newsletter.model import Newsletter
from newsletter.render.email.budget import MAX_EMAIL_BYTES, transmitted_size
from newsletter.render.email.edition import edition
from newsletter.render.email.html import Bodies, EmailRenderer, _fewest
from newsletter.site import load
from tests.conftest import REPO
from tests.emailtools import BASE, NS, elements, headings, issue_of, parse, text_of, words
from tests.golden import BuiltSample
from tests.sample import copy_sample

ISSUES = ("061", "062")


def html_of(site: Path, slug: str) -> str:
    return (site / f"issues/{slug}/email.html").read_text("utf-8")


def test_every_issue_has_its_html_text_and_message(site: Path) -> None:
    for slug in ISSUES:
        for name in ("email.html", "email.txt", "email.eml"):
            assert (site / f"issues/{slug}/{name}").stat().st_size > 1000, (slug, name)


@pytest.mark.parametrize("slug", ISSUES)
def test_email_is_well_formed_html5(site: Path, slug: str) -> None:
    document = parse(html_of(site, slug))  # strict: raises on the first parse error
    assert document.get("lang") == "en"
    assert document.find(f"{NS}body") is not None


# --- the size budget ------------------------------------------------------------------


def test_issue_062_is_shortened_to_the_budget(
    built_sample: BuiltSample, sample: Newsletter
) -> None:
    site = built_sample.out
    issue = issue_of(sample, "062")
    renderer = EmailRenderer(sample, built_sample.root)
    fitted = renderer.fit(issue)
    written = (site / "issues/062/email.html").read_bytes()
    assert transmitted_size(written.decode()) <= MAX_EMAIL_BYTES
    assert fitted.html.encode("utf-8") == written
    assert fitted.budget.full > 120_000  # the whole issue would be clipped by Gmail
    assert fitted.budget.size == transmitted_size(written.decode()) > len(written)
    # Longest first: the four feature articles are the longest bodies of the issue.
    lengths = {a.slug: len(a.body.markdown) for a in (*issue.articles, *issue.reports)}
    longest = sorted(lengths, key=lambda slug: -lengths[slug])
    assert list(fitted.budget.shortened) == longest[: len(fitted.budget.shortened)]
    assert set(fitted.budget.shortened) > {a.slug for a in issue.articles}


def test_no_fewer_teasers_would_fit(built_sample: BuiltSample, sample: Newsletter) -> None:
    issue = issue_of(sample, "062")
    renderer = EmailRenderer(sample, built_sample.root)
    shortened = renderer.fit(issue).budget.shortened
    e = edition(sample, issue)
    one_fewer = renderer.render(e, Bodies(e, renderer.html), frozenset(shortened[:-1]))
    assert transmitted_size(one_fewer) > MAX_EMAIL_BYTES


def test_a_template_that_hides_the_items_still_gets_the_fewest_teasers(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "sample")
    template = (REPO / "templates/email/issue.mjml").read_text("utf-8")
    changed = template.replace('<h3><a href="{{ entry.url }}">', '<h3>• <a href="{{ entry.url }}">')
    assert changed.count("<h3>• <a") == 2
    (root / "templates/email").mkdir(parents=True)
    (root / "templates/email/issue.mjml").write_text(changed, "utf-8")
    newsletter, _ = load(root)
    issue = issue_of(newsletter, "062")
    renderer = EmailRenderer(newsletter, root)
    fitted = renderer.fit(issue)  # the items cannot be measured: the general search
    assert "<h3" in fitted.html and "• <a" in fitted.html
    assert fitted.budget.size == transmitted_size(fitted.html) <= MAX_EMAIL_BYTES
    shortened = fitted.budget.shortened
    e = edition(newsletter, issue)
    one_fewer = renderer.render(e, Bodies(e, renderer.html), frozenset(shortened[:-1]))
    assert transmitted_size(one_fewer) > MAX_EMAIL_BYTES


def sizes(savings: list[int], full: int, count: int) -> int:
    """A made-up email whose longest items save more than in proportion."""
    return full - sum(int(s * (1.4 if i < 2 else 1.1)) for i, s in enumerate(savings[:count]))


@pytest.mark.parametrize("limit", [99_000, 90_000, 84_000, 80_000, 76_000])
def test_fewest_finds_where_the_size_crosses_the_limit(limit: int) -> None:
    savings = [9000, 7000, 5000, 3000, 2000, 1000, 500]
    calls: list[int] = []

    def attempt(count: int) -> tuple[str, int]:
        calls.append(count)
        return f"<{count}>", sizes(savings, 100_000, count)

    count, html, size = _fewest(attempt, savings, 100_000, limit)
    expected = min(c for c in range(1, 8) if sizes(savings, 100_000, c) <= limit)
    assert (count, html, size) == (expected, f"<{expected}>", sizes(savings, 100_000, expected))
    assert len(calls) <= 4


def test_fewest_shortens_everything_when_nothing_fits() -> None:
    count, html, size = _fewest(lambda c: (f"<{c}>", 50_000 - c), [10, 10, 10], 60_000, 40_000)
    assert (count, html, size) == (3, "<3>", 49_997)


def test_teasers_are_summaries_with_a_read_more_link(site: Path, sample: Newsletter) -> None:
    issue = issue_of(sample, "062")
    html = html_of(site, "062")
    text = text_of(parse(html))
    for article in issue.articles:
        assert article.summary is not None
        assert words(article.summary) in text
        url = BASE + article.path
        assert f'<a href="{url}" aria-label="Read more: ' in html
        last_paragraph = article.body.markdown.strip().split("\n\n")[-1]
        assert words(last_paragraph)[:80] not in text, article.slug


def test_foreword_schedule_and_the_shorter_reports_stay_whole(
    site: Path, sample: Newsletter
) -> None:
    issue = issue_of(sample, "062")
    text = text_of(parse(html_of(site, "062")))
    assert issue.foreword is not None
    for paragraph in issue.foreword.body.markdown.strip().split("\n\n"):
        assert words(paragraph) in text
    shortened = EmailRenderer(sample, REPO).fit(issue).budget.shortened
    whole = [report for report in issue.reports if report.slug not in shortened]
    assert len(whole) >= 10
    for report in whole:
        last = report.body.markdown.strip().split("\n\n")[-1]
        assert words(last) in text, report.slug
    assert issue.schedule is not None
    for entry in issue.schedule.entries:
        assert entry.title in text
        assert entry.venue in text
    assert "Read more" not in html_of(site, "061")


# --- layout ---------------------------------------------------------------------------


def test_sections_come_in_the_seed_issue_order(site: Path, sample: Newsletter) -> None:
    issue = issue_of(sample, "062")
    found = headings(parse(html_of(site, "062")))
    assert found[0] == (1, "ROCB E-Newsletter No.62")
    sections = [text for level, text in found if level == 2]
    assert sections == [
        "In this issue",
        "Foreword",
        "Special Topics",
        "Workshops and Meetings",
        "Future Activities",
    ]
    titles = [text for level, text in found if level == 3]
    for item in (*issue.articles, *issue.reports):
        assert item.title in titles


def test_masthead_contents_bylines_dates_and_venues(site: Path, sample: Newsletter) -> None:
    issue = issue_of(sample, "062")
    document = parse(html_of(site, "062"))
    text = text_of(document)
    assert "15 October 2018 · 1st quarter FY2018/19" in text
    contents = [text_of(li) for li in elements(document, "li")][: len(issue.highlights)]
    assert contents == [a.title for a in issue.highlighted_articles]
    assert "By Sopagna SENG, Deputy Chief of Bureau, General Department of Customs" in text
    assert "2–6 July 2018 · Brussels, Belgium" in text
    assert "16–17 July 2018 · New Delhi, India" in text


def test_schedule_is_a_data_table_with_caption_and_column_headers(
    site: Path, sample: Newsletter
) -> None:
    schedule = issue_of(sample, "062").schedule
    assert schedule is not None
    document = parse(html_of(site, "062"))
    tables = elements(document, "table")
    data = [t for t in tables if t.get("role") != "presentation"]
    assert len(data) == 1
    table = data[0]
    caption = table.find(f"{NS}caption")
    assert caption is not None
    assert text_of(caption).startswith("WCO A/P CB/TA Programs and Meetings Schedule")
    headers = table.findall(f".//{NS}th")
    assert [text_of(th) for th in headers] == ["Event", "Dates", "Venue"]
    assert all(th.get("scope") == "col" for th in headers)
    assert len(table.findall(f".//{NS}tbody/{NS}tr")) == len(schedule.entries) == 21
    assert len(tables) > 10  # MJML's layout tables, all marked presentation


def test_add_to_calendar_links_point_to_each_event_file(site: Path, sample: Newsletter) -> None:
    issue = issue_of(sample, "062")
    hrefs = {a.get("href") for a in elements(parse(html_of(site, "062")), "a")}
    assert issue.schedule is not None
    ids = [e.id for e in issue.schedule.entries] + [r.event_id for r in issue.reports]
    assert len(ids) == len(set(ids)) == 33
    for event_id in ids:
        assert f"{BASE}events/{event_id}.ics" in hrefs, event_id


def test_footer_has_contact_staff_links_and_unsubscribe(site: Path, sample: Newsletter) -> None:
    html = html_of(site, "062")
    document = parse(html)
    text = text_of(document)
    hrefs = [a.get("href") or "" for a in elements(document, "a")]
    contact = sample.settings.contact
    assert contact is not None and contact.address is not None
    assert contact.address in text
    assert "Telephone: +66-2-667-6777" in text
    assert "mailto:rocb@example.org" in hrefs
    assert "https://www.rocb-ap.org" in hrefs
    for person in sample.settings.staff:
        assert person.name in text
    assert hrefs.count(BASE + "issues/062/") == 2  # view in browser: masthead and footer
    assert BASE in hrefs  # the archive
    assert BASE + "calendar.ics" in hrefs
    assert any(h.startswith("https://calendar.google.com/") for h in hrefs)
    assert any(h.startswith("https://outlook.live.com/calendar/0/addfromweb?url=") for h in hrefs)
    assert BASE + "issues/062/events.ics" in hrefs  # add this issue's events
    unsubscribe = "https://newsletter.example.org/unsubscribe?token={token}"
    assert hrefs[-1] == unsubscribe  # the last link: nothing can push it past the budget
    assert html.index(unsubscribe) > html.index("Official invitation will be circulated")


def test_preheader_is_hidden_short_and_from_the_highlights(site: Path) -> None:
    body = parse(html_of(site, "062")).find(f"{NS}body")
    assert body is not None
    # The first text in the body, whatever wraps it: what inboxes show after the subject.
    first = next(element for element in body.iter() if (element.text or "").strip())
    style = first.get("style") or ""
    assert first.tag == f"{NS}div" and "display:none" in style and "mso-hide:all" in style
    # Hidden without a tiny font or a colour: SpamAssassin scores those (see
    # test_spamassassin.py).
    assert "font-size" not in style and "color" not in style
    preheader = text_of(first)
    assert len(preheader) <= 100
    assert preheader.startswith("In this issue: Essay on Combating Environmental Crime")
    assert preheader.endswith("…")


# --- accessibility, images, links -----------------------------------------------------


@pytest.mark.parametrize("slug", ISSUES)
def test_one_h1_and_heading_levels_never_skip(site: Path, slug: str) -> None:
    levels = [level for level, _ in headings(parse(html_of(site, slug)))]
    assert levels.count(1) == 1 and levels[0] == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, f"h{before} then h{after}"


@pytest.mark.parametrize("slug", ISSUES)
def test_layout_tables_are_presentation(site: Path, slug: str) -> None:
    for table in elements(parse(html_of(site, slug)), "table"):
        is_data = table.find(f"{NS}caption") is not None or table.find(f".//{NS}th") is not None
        assert is_data or table.get("role") == "presentation"


def test_images_have_alt_width_and_https_source(site: Path) -> None:
    images = elements(parse(html_of(site, "061")), "img")
    assert len(images) == 1
    image = images[0]
    assert (image.get("alt") or "").startswith("Bar chart of the Busan workshop")
    assert image.get("width") == "550"  # the file is 600 px wide; the column is 550
    assert image.get("src") == BASE + "issues/061/images/busan-workshop.png"
    assert re.search(r"width: ?100%;max-width: ?550px", image.get("style") or "")
    for slug in ISSUES:
        for image in elements(parse(html_of(site, slug)), "img"):
            assert image.get("alt") is not None and (image.get("width") or "").isdigit()
            assert (image.get("src") or "").startswith("https://")
        assert "data:" not in html_of(site, slug)


@pytest.mark.parametrize("slug", ISSUES)
def test_links_are_absolute(site: Path, slug: str) -> None:
    content = "".join(p.read_text("utf-8") for p in (REPO / "content/issues").rglob("*.md"))
    for anchor in elements(parse(html_of(site, slug)), "a"):
        href = anchor.get("href") or ""
        scheme = urlsplit(href).scheme
        # An http:// link is the author's own, as written; every link we make is https.
        assert scheme in ("https", "mailto") or (scheme == "http" and href in content), href


@pytest.mark.parametrize("slug", ISSUES)
def test_dark_mode_color_scheme_and_no_web_fonts(site: Path, slug: str) -> None:
    html = html_of(site, slug)
    document = parse(html)
    metas = {m.get("name"): m.get("content") for m in elements(document, "meta")}
    assert metas["color-scheme"] == "light dark"
    styles = [text_of(style) for style in elements(document, "style")]
    assert any("@media (prefers-color-scheme: dark)" in style for style in styles)
    for style in styles:
        assert len(style.encode("utf-8")) < 16_000  # Gmail drops a bigger style block
        assert not nested_at_rule(style)  # Gmail drops a style with one
    assert elements(document, "link") == []
    assert "googleapis" not in html and "@import" not in html
    assert "font-family:-apple-system, BlinkMacSystemFont" in html


MSO_FONTS = (
    "<!--[if mso]><style>body, table, td, p, a, h1, h2, h3 "
    "{font-family: Arial, sans-serif !important;}</style><![endif]-->"
)


@pytest.mark.parametrize("slug", ISSUES)
def test_head_tells_clients_not_to_reformat(site: Path, slug: str) -> None:
    html = html_of(site, slug)
    head = html[: html.index("</head>")]
    metas = {m.get("name"): m.get("content") for m in elements(parse(html), "meta")}
    # Apple Mail: no shrinking of the layout; iOS: no phone numbers, dates or addresses
    # turned into blue links that ignore the email's colours.
    assert "x-apple-disable-message-reformatting" in metas
    assert metas["format-detection"] == "telephone=no, date=no, address=no, email=no, url=no"
    # Outlook for Windows (Word) knows none of the system fonts and would use Times.
    assert head.count(MSO_FONTS) == 1


@pytest.mark.parametrize("slug", ISSUES)
def test_body_is_600_px_wide(site: Path, slug: str) -> None:
    html = html_of(site, slug)
    assert "max-width:600px" in html
    assert not re.search(r"max-width:(6[5-9]\d|[7-9]\d\d)px", html)


@pytest.mark.parametrize("slug", ISSUES)
def test_no_active_content_and_no_template_leaks(site: Path, slug: str) -> None:
    html = html_of(site, slug)
    assert_inert(html)


def nested_at_rule(css: str) -> bool:
    """Whether an @-rule sits inside a block of another."""
    depth = 0
    for character in css:
        if character == "@" and depth > 0:
            return True
        depth += {"{": 1, "}": -1}.get(character, 0)
    return False


def test_nested_at_rule_is_seen() -> None:
    assert nested_at_rule("@media print { @media screen { a { color: red } } }")
    assert not nested_at_rule("@media print { a { color: red } } @media screen { b {} }")


def assert_inert(html: str) -> None:
    """No script, event handler, javascript: URL, iframe, form, object or template text."""
    document = parse(html)
    for tag in ("script", "iframe", "form", "object", "embed", "template"):
        assert elements(document, tag) == [], tag
    for element in document.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            assert "javascript:" not in value.lower(), (element.tag, value)
    for leak in ("{{", "{%", "None", "undefined"):
        assert leak not in html, leak
