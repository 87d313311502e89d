"""The complete message (email.eml), read back by the standard library's `email` parser."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path

import pytest

from newsletter.model import Newsletter
from newsletter.render.email.message import render_message
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
