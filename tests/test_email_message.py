"""The complete message (email.eml), read back by the standard library's `email` parser."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from datetime import date, datetime, time, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newsletter.model import Issue, Newsletter, Settings
from newsletter.render.email.message import (
    POLICY,
    _head,
    _list_id,
    _same_address,
    _set_text,
    _unsubscribe_urls,
    message_id,
    render_message,
    sender,
)
from tests.golden import build_sample

ISSUES = ("061", "062")


def read(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


@pytest.mark.parametrize("slug", ISSUES)
def test_round_trip_gives_back_the_text_and_the_html(site: Path, slug: str) -> None:
    folder = site / f"issues/{slug}"
    message = read((folder / "email.eml").read_bytes())
    assert message.defects == []
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    for part, name in zip(parts, ("email.txt", "email.html"), strict=True):
        assert part.defects == []
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        content = part.get_content()
        assert isinstance(content, str)
        # MIME text travels with CRLF line ends; the files have LF.
        assert content.replace("\r\n", "\n") == (folder / name).read_text("utf-8")


@pytest.mark.parametrize("slug", ISSUES)
def test_crlf_lines_of_at_most_78_octets(site: Path, slug: str) -> None:
    data = (site / f"issues/{slug}/email.eml").read_bytes()
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 78
    assert len(data) > 40_000  # the HTML is in there, not a stub


def test_headers(site: Path, sample: Newsletter) -> None:
    message = read((site / "issues/062/email.eml").read_bytes())
    assert message["From"] == "ROCB A/P <rocb@example.org>"
    assert message["Reply-To"] is None  # the same as From: no Reply-To
    assert message["Subject"] == "ROCB E-Newsletter No.62"
    bangkok = timezone(timedelta(hours=7))
    assert message["Date"].datetime == datetime(2018, 10, 15, tzinfo=bangkok)
    assert message["List-Id"] == "ROCB E-Newsletter <rocb-newsletter.example.org>"
    assert message["MIME-Version"] == "1.0"
    assert message["List-Unsubscribe"] == (
        "<https://newsletter.example.org/unsubscribe?token={token}>, "
        "<mailto:rocb@example.org?subject=unsubscribe>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["To"] is None  # `send` addresses each copy


def test_message_ids_are_stable_and_unique(site: Path, tmp_path: Path) -> None:
    ids = [read((site / f"issues/{slug}/email.eml").read_bytes())["Message-ID"] for slug in ISSUES]
    assert len(set(ids)) == 2
    assert all(i.startswith("<newsletter.") and i.endswith("@newsletter.example.org>") for i in ids)
    again = build_sample(tmp_path / "again").files
    for slug in ISSUES:
        for name in ("email.html", "email.txt", "email.eml"):
            path = f"issues/{slug}/{name}"
            assert again[path] == (site / path).read_bytes(), path  # byte for byte


def test_a_line_break_in_a_title_never_starts_a_header(sample: Newsletter) -> None:
    issue = sample.issue(61)
    assert issue is not None
    hostile = dataclasses.replace(issue, title="Issue 61\r\nBcc: victim@example.org\n\nbody")
    settings = dataclasses.replace(sample.settings, title="News\nX-Evil: 1")
    message = read(render_message(settings, hostile, "text\n", "<p>html</p>\n"))
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert message["Subject"] == "Issue 61 Bcc: victim@example.org body"
    assert message["List-Id"] == "News X-Evil: 1 <rocb-newsletter.example.org>"
    assert [p.get_content() for p in message.iter_parts()] == ["text\r\n", "<p>html</p>\r\n"]


def test_non_ascii_subject_and_content_survive(sample: Newsletter) -> None:
    issue = sample.issue(62)
    assert issue is not None
    title = "Bulletin n°62 – Ünïcode für alle, ça va très bien, 日本語のタイトル " * 2
    data = render_message(sample.settings, dataclasses.replace(issue, title=title), "é\n", "ü\n")
    assert max(len(line) for line in data.split(b"\r\n")) <= 78
    message = read(data)
    assert message["Subject"] == title.strip()
    assert [p.get_content() for p in message.iter_parts()] == ["é\r\n", "ü\r\n"]


def test_a_line_with_only_a_dot_is_encoded(sample: Newsletter) -> None:
    issue = sample.issue(62)
    assert issue is not None
    data = render_message(sample.settings, issue, "before\n.\nafter\n", "<p>x</p>")
    assert b"\r\n.\r\n" not in data  # SMTP would read it as the end of the message
    assert next(p.get_content() for p in read(data).iter_parts()) == "before\r\n.\r\nafter\r\n"


def _reference_head(settings: Settings, issue: Issue, boundary: str) -> bytes:
    """The header block as `email` writes it, header by header (how render_message
    wrote it before it folded the fixed headers once per build)."""
    message = EmailMessage(policy=POLICY)
    message["From"] = sender(settings)
    if settings.email.reply_to and not _same_address(settings.email.reply_to, sender(settings)):
        message["Reply-To"] = settings.email.reply_to
    _set_text(message, "Subject", issue.title)
    zone = ZoneInfo(settings.timezone)
    message["Date"] = format_datetime(datetime.combine(issue.date, time(0, 0), tzinfo=zone))
    message["Message-ID"] = message_id(settings, issue)
    _set_text(message, "List-Id", settings.title, f"<{_list_id(settings)}>")
    unsubscribe = _unsubscribe_urls(settings)
    if unsubscribe:
        message.set_raw("List-Unsubscribe", ",\r\n ".join(f"<{url}>" for url in unsubscribe))
        if unsubscribe[0].startswith("https://"):
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if settings.email.feedback_id:
        message["Feedback-ID"] = f"{issue.number:03d}:{settings.email.feedback_id}"
    message["MIME-Version"] = "1.0"
    message["Content-Type"] = f'multipart/alternative; boundary="{boundary}"'
    return _head(message)


TITLES = (
    "ROCB E-Newsletter No.62",
    "x",
    'A title (with parentheses), "quotes", back\\slash; semi: colons <angle> [brackets]',
    "=?utf-8?q?looks_encoded?= but is not",
    "word " * 14 + "end",  # just under and over the 78 columns, by the number
    "word " * 15 + "end",
    "a" * 59 + " " + "b" * 20,
    "a" * 60,  # a word too long to fold
    "Bulletin n°62 – Ünïcode für alle",
    "tab\tand\x0bvertical  spaces",
    "ctrl\x01char",
    "日本語のタイトル " * 9,
)


@pytest.mark.parametrize("title", TITLES)
@pytest.mark.parametrize("number", [1, 62, 999, 1000, 123456])
def test_the_header_block_is_what_email_writes(sample: Newsletter, title: str, number: int) -> None:
    issue = sample.issue(62)
    assert issue is not None
    issue = dataclasses.replace(issue, title=title, number=number)
    data = render_message(sample.settings, issue, "text\n", "<p>html</p>\n")
    boundary = data.split(b"\r\n\r\n--", 1)[1].split(b"\r\n", 1)[0].decode("ascii")
    head = data.split(b"\r\n\r\n", 1)[0] + b"\r\n"
    assert head == _reference_head(sample.settings, issue, boundary)
    assert read(data).defects == []


@pytest.mark.parametrize(
    "email_settings",
    [
        {"reply_to": "Replies <replies@example.org>"},
        {"reply_to": "rocb@example.org"},  # the same address as From: left out
        {"feedback_id": "campaign:newsletter:rocb"},
        {"feedback_id": "x" * 80},
        {"feedback_id": "=?utf-8?q?x?="},
        {"sender": "Ünïcode Sender <sender@example.org>", "list_id": "a.very.long." * 8},
        {"unsubscribe_url": None, "unsubscribe_mailto": "leave@example.org"},
        {"unsubscribe_url": None, "unsubscribe_mailto": None},
    ],
)
@pytest.mark.parametrize("zone", ["UTC", "Asia/Bangkok", "America/St_Johns"])
def test_fixed_headers_are_what_email_writes(
    sample: Newsletter, email_settings: dict[str, str | None], zone: str
) -> None:
    settings = dataclasses.replace(
        sample.settings,
        timezone=zone,
        title="Ünïcode title of a newsletter " * 3,
        email=dataclasses.replace(sample.settings.email, **email_settings),  # type: ignore[arg-type]
    )
    for issue in sample.issues:
        data = render_message(settings, issue, "text\n", "<p>html</p>\n")
        boundary = data.split(b"\r\n\r\n--", 1)[1].split(b"\r\n", 1)[0].decode("ascii")
        assert data.split(b"\r\n\r\n", 1)[0] + b"\r\n" == _reference_head(settings, issue, boundary)
        assert read(data).defects == []


@pytest.mark.parametrize("zone", ["Asia/Bangkok", "Africa/Monrovia", "Europe/Amsterdam", "UTC"])
@pytest.mark.parametrize(
    "day", [date(1850, 3, 1), date(1919, 1, 15), date(1937, 7, 1), date(2018, 10, 15)]
)
def test_the_date_header_is_what_email_writes_in_any_era(
    sample: Newsletter, zone: str, day: date
) -> None:
    # Before time zones were standard a zone's offset had seconds (Bangkok: +06:42:04),
    # which `email` cannot read back; such a date goes through `email` as it always did.
    settings = dataclasses.replace(sample.settings, timezone=zone)
    issue = sample.issue(62)
    assert issue is not None
    issue = dataclasses.replace(issue, date=day)
    data = render_message(settings, issue, "text\n", "<p>html</p>\n")
    boundary = data.split(b"\r\n\r\n--", 1)[1].split(b"\r\n", 1)[0].decode("ascii")
    assert data.split(b"\r\n\r\n", 1)[0] + b"\r\n" == _reference_head(settings, issue, boundary)


@pytest.mark.parametrize(
    "base_url",
    [
        "https://news.example.org/",
        "https://localhost/",
        "https://-odd-.example/",
        "https://xn--bcher-kva.example/",
        "https://a.very.long.host.name.that.goes.on.and.on.for.a.while.example.org/",
        "https://127.0.0.1:8443/",
    ],
)
def test_the_message_id_is_what_email_writes_for_any_host(
    sample: Newsletter, base_url: str
) -> None:
    settings = dataclasses.replace(sample.settings, base_url=base_url)
    for issue in sample.issues:
        data = render_message(settings, issue, "text\n", "<p>html</p>\n")
        boundary = data.split(b"\r\n\r\n--", 1)[1].split(b"\r\n", 1)[0].decode("ascii")
        assert data.split(b"\r\n\r\n", 1)[0] + b"\r\n" == _reference_head(settings, issue, boundary)
