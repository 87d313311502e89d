"""The web archive of the sample, held to a strict HTML5 parser and to what readers,
screen readers and search engines need."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit
from xml.etree.ElementTree import Element

import html5lib
import pytest

NS = "{http://www.w3.org/1999/xhtml}"


def pages(site: Path) -> list[Path]:
    """The web pages (the email editions, email.html, are tests/test_email.py's)."""
    return sorted(p for p in site.rglob("*.html") if p.name != "email.html")


def parse(page: Path) -> Element:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    return parser.parse(page.read_bytes(), transport_encoding="utf-8")


def test_every_page_is_well_formed_html5(site: Path) -> None:
    assert len(pages(site)) == 24
    for page in pages(site):
        parse(page)  # strict: raises on the first parse error


def test_every_page_has_lang_title_landmarks_and_one_h1(site: Path) -> None:
    for page in pages(site):
        root = parse(page)
        assert root.get("lang") == "en", page
        title = root.find(f".//{NS}title")
        assert title is not None and "ROCB E-Newsletter" in (title.text or ""), page
        for landmark in ("header", "main", "footer"):
            assert root.find(f".//{NS}{landmark}") is not None, (page, landmark)
        assert len(root.findall(f".//{NS}h1")) == 1, page


def test_heading_levels_never_skip(site: Path) -> None:
    for page in pages(site):
        levels = [
            int(el.tag[-1]) for el in parse(page).iter() if re.fullmatch(rf"{NS}h[1-6]", el.tag)
        ]
        assert levels[0] == 1, page
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, f"{page}: h{before} then h{after}"


def test_every_relative_link_and_image_resolves(site: Path) -> None:
    for page in pages(site):
        base = page.relative_to(site).as_posix()
        for element in parse(page).iter():
            url = element.get("href") or element.get("src")
            if not url or urlsplit(url).scheme or url.startswith("#"):
                continue
            target = urldefrag(urljoin(base, url)).url
            assert (site / target).is_file(), f"{base}: {url} -> {target} is not built"


def test_feeds_and_calendar_are_discoverable_and_subscribable(site: Path) -> None:
    for page in [site / "index.html", site / "issues/062/index.html"]:
        root = parse(page)
        alternates = {
            link.get("type"): link.get("href")
            for link in root.iter(f"{NS}link")
            if link.get("rel") == "alternate"
        }
        assert alternates["application/rss+xml"].endswith("feed.xml")
        assert alternates["application/atom+xml"].endswith("atom.xml")
        hrefs = [a.get("href") or "" for a in root.iter(f"{NS}a")]
        assert "webcal://newsletter.example.org/calendar.ics" in hrefs
        assert "https://newsletter.example.org/calendar.ics" in hrefs
        assert any(
            h.startswith("https://calendar.google.com/calendar/render?cid=webcal%3A") for h in hrefs
        )
        outlook = (
            "https://outlook.live.com/calendar/0/addfromweb?url="
            "https%3A%2F%2Fnewsletter.example.org%2Fcalendar.ics&name=WCO%20A%2FP%20Workshops"
            "%20and%20Meetings"
        )
        assert outlook in hrefs


def test_every_page_passes_the_nu_checker(site: Path) -> None:
    from tests.nuchecker import nu_errors

    assert nu_errors(pages(site)) == []


def test_schedule_is_an_accessible_data_table(site: Path) -> None:
    root = parse(site / "issues/062/index.html")
    table = next(t for t in root.iter(f"{NS}table") if t.get("class") == "schedule")
    caption = table.find(f"{NS}caption")
    assert caption is not None and "Programs and Meetings Schedule" in "".join(caption.itertext())
    headers = table.findall(f".//{NS}th")
    assert headers and all(th.get("scope") == "col" for th in headers)
    rows = table.findall(f"{NS}tbody/{NS}tr")
    assert len(rows) == 21
    first = ["".join(td.itertext()).strip() for td in rows[0].findall(f"{NS}td")]
    assert first[0] == "16th Meeting of Heads of the WCO A/P Regional Training Centers"
    assert first[1] == "24–25 October 2018"
    assert first[2] == "Shanghai, China"


def jsonld(root: Element) -> list[dict[str, object]]:
    return [
        json.loads(script.text or "")
        for script in root.iter(f"{NS}script")
        if script.get("type") == "application/ld+json"
    ]


def test_reports_and_schedule_entries_carry_event_jsonld(site: Path) -> None:
    issue = jsonld(parse(site / "issues/062/index.html"))
    assert len(issue) == 21 + 12
    for data in issue:
        assert data["@type"] == "Event"
        assert {"name", "startDate", "endDate", "location", "eventStatus"} <= data.keys()
    moved = next(
        d for d in issue if str(d["@id"]).endswith("#wco-regional-workshop-on-transit-2018")
    )
    assert (moved["startDate"], moved["endDate"]) == ("2019-01-07", "2019-01-11")
    assert moved["eventStatus"] == "https://schema.org/EventRescheduled"
    report = jsonld(parse(site / "issues/062/mercator-advisor-seminar/index.html"))
    assert report[0]["name"] == "WCO Global Mercator Program Advisor Seminar"
    assert report[0]["startDate"] == "2018-07-02"
    assert report[0]["url"] == "https://newsletter.example.org/issues/062/mercator-advisor-seminar/"


def test_archive_lists_every_issue_newest_first(site: Path) -> None:
    text = (site / "index.html").read_text()
    assert text.index("ROCB E-Newsletter No.62") < text.index("ROCB E-Newsletter No.61")


def test_images_are_copied_and_article_pages_point_at_them(site: Path) -> None:
    assert (site / "issues/062/images/customs-laboratory.png").read_bytes().startswith(b"\x89PNG")
    page = (site / "issues/062/korea-regional-laboratory/index.html").read_text()
    assert 'src="../images/customs-laboratory.png"' in page


@pytest.mark.parametrize(
    "page",
    [
        "index.html",
        "events/index.html",
        "issues/062/index.html",
        "issues/062/korea-regional-laboratory/index.html",
    ],
)
def test_pages_fit_a_375_px_phone_without_sideways_scrolling(site: Path, page: str) -> None:
    from tests.browser import measure

    css = (site / "style.css").read_text("utf-8")
    html = re.sub(
        r'<link rel="stylesheet" href="[^"]*">',
        f"<style>{css}</style>",
        (site / page).read_text("utf-8"),
    )
    measured = measure(html, 375)
    assert measured["clientWidth"] == 375
    assert measured["scrollWidth"] <= measured["clientWidth"], measured
    assert measured["wide"] == []
