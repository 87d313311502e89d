"""Each case of the corpus in tests/fixtures/bounces/, a real format written by hand (no
personal data), read as `bounces` reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.audience.reports import Kind, UnreadableMessage, read_report
from newsletter.sending.verp import token_finder

CORPUS = Path(__file__).parent / "fixtures" / "bounces"
FINDER = token_finder("bounces@example.org")

CASES = [
    ("postfix-user-unknown", "RFC 3464 DSN", "reader0001@example.net", Kind.HARD, "5.1.1"),
    ("exim-plain-failure", "flufl.bounce", "reader0002@example.net", Kind.HARD, "5.2.2"),
    ("microsoft365-ndr", "RFC 3464 DSN", "reader0003@example.net", Kind.HARD, "5.1.10"),
    ("gmail-no-such-user", "RFC 3464 DSN", "reader0004@example.net", Kind.HARD, "5.1.1"),
    ("postfix-delayed", "RFC 3464 DSN", "reader0005@example.net", Kind.SOFT, "4.4.1"),
    ("qmail-failure", "flufl.bounce", "reader0006@example.net", Kind.HARD, "5.1.1"),
    ("yahoo-failure", "flufl.bounce", "reader0007@example.net", Kind.HARD, ""),
    ("ses-bounce-notification", "Amazon SES", "reader0008@example.net", Kind.HARD, "5.1.1"),
    ("arf-abuse-feedback-loop", "ARF", "reader0009@example.net", Kind.COMPLAINT, "abuse"),
    ("dsn-never-sent", "RFC 3464 DSN", "stranger@example.net", Kind.HARD, "5.1.1"),
]


@pytest.mark.parametrize(("case", "reader", "address", "kind", "status"), CASES)
def test_each_format_names_the_address_its_kind_and_status(
    case: str, reader: str, address: str, kind: Kind, status: str
) -> None:
    report = read_report((CORPUS / f"{case}.eml").read_bytes(), FINDER)
    assert report.reader == reader
    assert not report.ignored
    assert [(f.address, f.kind, f.status) for f in report.failures] == [(address, kind, status)]


def test_the_quoted_message_ids_are_kept_to_match_the_copy() -> None:
    report = read_report((CORPUS / "microsoft365-ndr.eml").read_bytes(), FINDER)
    assert report.originals == ("<newsletter.001.0a1b2c3d.eeeeeeeeeeeeeeeeeeee@news.example.org>",)
    never = read_report((CORPUS / "dsn-never-sent.eml").read_bytes(), FINDER)
    assert never.originals == ("<spam-0001@elsewhere.example.net>",)


def test_an_out_of_office_reply_is_ignored() -> None:
    report = read_report((CORPUS / "out-of-office.eml").read_bytes(), FINDER)
    assert report.ignored.startswith("an auto-reply")
    assert report.failures == ()


def test_an_auto_submitted_message_that_is_no_bounce_is_ignored() -> None:
    data = (
        b"From: a@example.net\r\nAuto-Submitted: auto-generated\r\nSubject: Hi\r\n\r\nThanks!\r\n"
    )
    assert read_report(data, FINDER).ignored == "an auto-reply (Auto-Submitted: auto-generated)"


def test_the_exim_bounce_is_read_though_it_is_auto_submitted() -> None:
    report = read_report((CORPUS / "exim-plain-failure.eml").read_bytes(), FINDER)
    assert report.failures and not report.ignored


def test_a_verp_token_is_found_where_the_bounce_was_delivered() -> None:
    data = (
        (CORPUS / "qmail-failure.eml")
        .read_bytes()
        .replace(
            b"Delivered-To: bounces@example.org",
            b"Delivered-To: bounces+12-abcdefghijklmnop@example.org",
        )
    )
    assert read_report(data, FINDER).tokens == ((12, "abcdefghijklmnop"),)


def test_a_success_report_and_a_message_no_reader_knows_call_for_nothing() -> None:
    delivered = (
        (CORPUS / "postfix-delayed.eml")
        .read_bytes()
        .replace(b"Action: delayed", b"Action: delivered")
    )
    assert "no failure" in read_report(delivered, FINDER).ignored
    human = b"From: a@example.net\r\nSubject: question\r\n\r\nWhen is the next issue?\r\n"
    assert read_report(human, FINDER).ignored == "not a bounce or a complaint"


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b"just some text without headers"])
def test_what_is_no_mail_message_is_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadableMessage):
        read_report(data, FINDER)


@pytest.mark.parametrize(
    "data",
    [
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\n"
        b"Content-Type: message/delivery-status\r\n\r\nAction: failed\r\n--x--\r\n",
        b"Content-Type: multipart/report; report-type=feedback-report\r\n\r\nno parts",
        b'Subject: x\r\nContent-Type: text/plain\r\n\r\n{"notificationType": "Bounce"}',
        b'Subject: x\r\nContent-Type: text/plain\r\n\r\n{"notificationType": [1, 2',
        b"Subject: x\r\nContent-Type: text/plain; charset=nonesuch\r\n\r\n\xff\xfe",
    ],
)
def test_broken_reports_never_crash(data: bytes) -> None:
    read_report(data, FINDER)
