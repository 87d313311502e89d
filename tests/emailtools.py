"""Helpers of the email tests: the sample built once, and email.html parsed strictly."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree.ElementTree import Element

import html5lib

from newsletter.model import Issue, Newsletter
from tests.conftest import make_folder

NS = "{http://www.w3.org/1999/xhtml}"
BASE = "https://newsletter.example.org/"
EMAIL_SETTINGS = (
    "title: Test Newsletter\n"
    "publisher: Test Publisher\n"
    "base_url: https://news.example.org/\n"
    "email:\n"
    '  from: "Test <news@example.org>"\n'
    "  unsubscribe_mailto: leave@example.org\n"
)


def parse(html: str | bytes) -> Element:
    """email.html through html5lib in strict mode: any parse error raises."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    data = html.encode("utf-8") if isinstance(html, str) else html
    document: Element = parser.parse(data, transport_encoding="utf-8")
    return document


def text_of(element: Element) -> str:
    """All the text in an element, whitespace collapsed."""
    return " ".join("".join(element.itertext()).split())


def words(markdown: str) -> str:
    """Markdown prose as the email shows it: whitespace collapsed (sample prose only)."""
    return " ".join(markdown.split())


def elements(document: Element, tag: str) -> list[Element]:
    return list(document.iter(f"{NS}{tag}"))


def headings(document: Element) -> list[tuple[int, str]]:
    """(level, text) of every heading, in document order."""
    return [
        (int(element.tag[-1]), text_of(element))
        for element in document.iter()
        if isinstance(element.tag, str) and re.fullmatch(rf"{re.escape(NS)}h[1-6]", element.tag)
    ]


def build_folder(root: Path, overrides: dict[str, str | bytes | None]) -> Path:
    """A minimal newsletter folder with email settings and `overrides`, built into root/public."""
    from newsletter.site import build

    make_folder(root, {"content/newsletter.yaml": EMAIL_SETTINGS, **overrides})
    build(root)
    return root / "public"


def issue_of(newsletter: Newsletter, slug: str) -> Issue:
    """Issue `slug` ("062") of the newsletter; the test fails if there is none."""
    issue = newsletter.issue(int(slug))
    assert issue is not None
    return issue
