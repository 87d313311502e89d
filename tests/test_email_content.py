"""The email of newsletter folders written to break it: MJML tags, scripts and hostile
HTML in content, odd images and links, missing settings, a 5 MB article."""

from __future__ import annotations

import time
from pathlib import Path

from newsletter.render.email.budget import MAX_EMAIL_BYTES
from newsletter.site import build, check
from tests.conftest import ARTICLE, ISSUE, ISSUE_YAML, REPORT, SETTINGS, make_folder, tiny_png
from tests.emailtools import build_folder, elements, parse, text_of
from tests.test_email import assert_inert

URL = "https://news.example.org/issues/001/"


def article(body: str, title: str = "First article", summary: str | None = None) -> str:
    front = f"title: {title!r}\n" + (f"summary: {summary!r}\n" if summary else "")
    return f"---\n{front}---\n{body}\n"


def email_html(out: Path) -> str:
    return (out / "issues/001/email.html").read_text("utf-8")


def test_mjml_written_in_content_is_never_interpreted(tmp_path: Path) -> None:
    secret = tmp_path / "secret.mjml"
    secret.write_text("<mj-text>SECRET FROM DISK</mj-text>")
    body = (
        f'<mj-include path="{secret}" />\n\n'
        f'Write `<mj-include path="{secret}" />` to include a file.\n\n'
        "</mj-text></mj-column></mj-section><mj-section><mj-column><mj-text>escaped?\n"
    )
    out = build_folder(
        tmp_path / "news",
        {
            ARTICLE: article(body, title="<mj-include path='/etc/hostname'/> title"),
            ISSUE_YAML: "number: 1\ndate: 2019-01-15\npreheader: <mj-raw>hello</mj-raw>\n",
        },
    )
    html = email_html(out)
    assert "SECRET FROM DISK" not in html
    text = text_of(parse(html))
    assert f'Write <mj-include path="{secret}" /> to include a file.' in text
    assert "<mj-include path='/etc/hostname'/> title" in text
    assert "&lt;mj-include path='/etc/hostname'/&gt; title" in html
    assert "<mj-raw>hello</mj-raw>" in text  # the preheader, as text
    assert "<mj-" not in html
    assert "SECRET FROM DISK" not in (out / "issues/001/email.txt").read_text("utf-8")


def test_hostile_html_in_content_is_inert(tmp_path: Path) -> None:
    body = (
        "<script>alert('script')</script>\n\n"
        '<img src="images/photo.png" alt="x" onerror="alert(1)">\n\n'
        '[click](javascript:alert(1)) and <a href="javascript:alert(2)">this</a>\n\n'
        '<iframe src="https://evil.example/"></iframe>\n\n'
        '<form action="https://evil.example/"><input name="q"></form>\n\n'
        '<p onclick="alert(3)" style="position:fixed">{{ settings }} {% if %}</p>\n'
    )
    out = build_folder(tmp_path / "news", {ARTICLE: article(body)})
    html = email_html(out)
    assert_inert(html.replace("{{ settings }} {% if %}", ""))
    assert "{{ settings }} {% if %}" in html  # the author's text, shown as text
    assert "alert('script')" not in html
    assert "[click](javascript:alert(1))" in text_of(parse(html))  # not a link: text
    text = (out / "issues/001/email.txt").read_text("utf-8")
    assert "alert('script')" not in text
    assert "javascript:alert(2)" not in text


def test_unsubscribe_falls_back_to_mailto(tmp_path: Path) -> None:
    out = build_folder(tmp_path / "news", {})
    hrefs = [a.get("href") for a in elements(parse(email_html(out)), "a")]
    assert hrefs[-1] == "mailto:leave@example.org?subject=unsubscribe"
    text = (out / "issues/001/email.txt").read_text("utf-8")
    assert "Unsubscribe: mailto:leave@example.org?subject=unsubscribe" in text


def test_without_email_settings_the_message_is_from_the_site_and_build_warns(
    tmp_path: Path,
) -> None:
    settings = "title: T\npublisher: Test Publisher\nbase_url: https://news.example.org/\n"
    folder = make_folder(tmp_path / "news", {SETTINGS: settings})
    result = build(folder.root)
    message = (folder.root / "public/issues/001/email.eml").read_bytes()
    assert b"From: Test Publisher <newsletter@news.example.org>\r\n" in message
    assert b"List-Unsubscribe" not in message
    warnings = [str(p) for p in result.problems.warnings]
    assert any("email.from is not set" in w for w in warnings), warnings
    assert "Unsubscribe" not in (folder.root / "public/issues/001/email.html").read_text()
    # `check` says so too, once, before any build.
    folder.remove("public")
    said = [str(p) for p in check(folder.root).warnings if "email.from" in p.message]
    assert said == [
        "content/newsletter.yaml: warning: email.from is not set: email.eml is from "
        "'Test Publisher <newsletter@news.example.org>' until you set it (send needs it)"
    ]
    assert len([w for w in warnings if "email.from" in w]) == 1


def test_images_are_sized_from_their_files_or_declared_width(tmp_path: Path) -> None:
    body = (
        "![A green square](images/photo.png)\n\n"
        "![Remote](https://cdn.example.org/wide.png)\n\n"
        '<img src="https://cdn.example.org/logo.png" alt="Logo" width="120">\n\n'
        "![Insecure](http://cdn.example.org/old.png)\n\n"
        '<img src="https://cdn.example.org/big.png" alt="Big" width="2000">\n'
    )
    out = build_folder(
        tmp_path / "news", {ARTICLE: article(body), f"{ISSUE}/images/photo.png": tiny_png()}
    )
    images = {img.get("alt"): img for img in elements(parse(email_html(out)), "img")}
    assert images["A green square"].get("width") == "1"  # the PNG's own width
    assert images["A green square"].get("src") == URL + "images/photo.png"
    assert images["Remote"].get("width") == "550"  # unknown: the column
    assert images["Logo"].get("width") == "120"
    assert images["Big"].get("width") == "550"
    assert "Insecure" not in images  # no http image; its description stays
    assert "[Insecure]" in text_of(parse(email_html(out)))


def test_relative_fragment_and_rooted_links_become_absolute(tmp_path: Path) -> None:
    body = "[a](../002/index.html) [b](#part) [c](/about/) [d](//cdn.example.org/x) [e](other/)"
    out = build_folder(tmp_path / "news", {ARTICLE: article(body)})
    hrefs = [a.get("href") for a in elements(parse(email_html(out)), "a")]
    page = URL + "first-article/"
    for expected in (
        "https://news.example.org/issues/002/index.html",
        page + "#part",
        "https://news.example.org/about/",
        "https://cdn.example.org/x",
        URL + "other/",
    ):
        assert expected in hrefs


def test_report_without_summary_becomes_its_first_paragraph(tmp_path: Path) -> None:
    long_words = " ".join(["The workshop went on."] * 5000)  # about 100 KB
    report = (
        "---\ntitle: First report\ndates: 2-6 July 2018\nvenue: Brussels, Belgium\n"
        "event: first-report-2018\n---\n"
        "![Photo](images/photo.png)\n\nOpening words of the **report**.\n\n" + long_words + "\n"
    )
    out = build_folder(tmp_path / "news", {REPORT: report})
    html = email_html(out)
    assert len(html.encode()) <= MAX_EMAIL_BYTES
    assert "Opening words of the <strong>report</strong>." in html  # not the image
    assert "The workshop went on." not in html
    assert 'aria-label="Read more: First report"' in html
    text = (out / "issues/001/email.txt").read_text("utf-8")
    assert "Opening words of the report." in text
    assert "The workshop went on." not in text
    assert f"Read more: {URL}first-report/" in text


def test_a_5_mb_article_still_builds_in_seconds(tmp_path: Path) -> None:
    paragraph = "Customs officers met to compare notes on risk management, and agreed. " * 10
    body = "\n\n".join([paragraph] * (5_000_000 // len(paragraph)))
    folder = make_folder(tmp_path / "news", {ARTICLE: article(body, summary="Five megabytes.")})
    started = time.monotonic()
    build(folder.root)
    elapsed = time.monotonic() - started
    html = (folder.root / "public/issues/001/email.html").read_bytes()
    assert len(body) > 5_000_000
    assert len(html) <= MAX_EMAIL_BYTES
    assert b"Five megabytes." in html
    assert elapsed < 60, f"{elapsed:.1f} s"
