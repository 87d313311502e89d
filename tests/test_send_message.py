"""What `send` delivers, as the server received it: the sample's issue 62 personalised
for each reader, CRLF lines of at most 998 octets, read back by the standard library's
parser; and no recipient or header that a list or a title could smuggle in."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import stat
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from newsletter.audience.addresses import clean_name
from newsletter.layout import SECRET_PATH
from newsletter.sending.copies import Copies
from newsletter.sending.recipients import Recipient
from newsletter.sending.request import Request
from newsletter.sending.run import send
from newsletter.sending.secret import load_secret
from newsletter.sending.smtp import Server
from newsletter.site import load
from tests.conftest import Folder
from tests.sample import copy_sample
from tests.sendtools import FAST, parse, write_list
from tests.smtpserver import Delivery, Recorder, serving

READERS = [
    ("ann@example.org", ""),
    ("Zoe.Lee@Example.org", "Zoë Lee-Ünal, Directrice générale des douanes et accises"),
    ("eve@example.org", 'Eve "the, reader"\r\nBcc: victim@example.net\r\nX-Evil: yes'),
]


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Delivery]]:
    """Issue 62 of a copy of the sample, sent to READERS through aiosmtpd."""
    root = copy_sample(tmp_path_factory.mktemp("sent") / "news")
    recipients = write_list(Folder(root), [list(reader) for reader in READERS])
    recorder = Recorder()
    with serving(recorder) as port:
        request = Request(62, recipients, Server("127.0.0.1", port))
        summary = send(root, request, lambda line: None, io.StringIO(), FAST)
    assert summary.exit_code == 0, summary.lines
    assert len(recorder.deliveries) == len(READERS)
    return root, recorder.deliveries


def test_every_line_ends_in_crlf_and_fits_998_octets(sent: tuple[Path, list[Delivery]]) -> None:
    for delivery in sent[1]:
        data = delivery.data
        assert data.endswith(b"\r\n")
        assert data.count(b"\n") == data.count(b"\r\n")
        assert data.count(b"\r") == data.count(b"\r\n")
        lines = data.split(b"\r\n")
        assert max(len(line) for line in lines) <= 998
        body = data.split(b"\r\n\r\n", 1)[1]
        assert max(len(line) for line in body.split(b"\r\n")) <= 76  # quoted-printable
        assert data.isascii()


def test_each_copy_is_the_built_email_with_the_readers_token(
    sent: tuple[Path, list[Delivery]], site: Path
) -> None:
    root, deliveries = sent
    secret = load_secret(root)
    built = site / "issues/062"
    text = (built / "email.txt").read_text("utf-8")
    html = (built / "email.html").read_text("utf-8")
    for (address, _), delivery in zip(READERS, deliveries, strict=True):
        message = parse(delivery.data)
        assert message.defects == []
        assert message.get_content_type() == "multipart/alternative"
        parts = list(message.iter_parts())
        assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
        assert all(p.get_content_charset() == "utf-8" and p.defects == [] for p in parts)
        token = secret.token(address)
        contents = [str(p.get_content()).replace("\r\n", "\n") for p in parts]
        assert contents[1] == html.replace("{token}", token)
        # The same words as email.txt; where the longer URL no longer fits its line, the
        # link moves to a line of its own, as it would in a build with that URL.
        assert contents[0].split() == text.replace("{token}", token).split()
        url = f"https://newsletter.example.org/unsubscribe?token={token}"
        assert url in contents[0] and url in contents[1]
        assert b"{token}" not in delivery.data
        # The reader's address is in To and in the envelope, never in the content.
        assert address.lower().encode() not in body_of(delivery.data).lower()


def body_of(data: bytes) -> bytes:
    return data.split(b"\r\n\r\n", 1)[1]


def raw_header(data: bytes, name: str) -> str:
    """A header's value as it travelled, unfolded: not decoded by the parser."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    unfolded = re.sub(r"\r\n[ \t]", " ", head)
    values = [line.split(":", 1)[1].strip() for line in unfolded.split("\r\n")]
    names = [line.split(":", 1)[0].lower() for line in unfolded.split("\r\n")]
    return values[names.index(name.lower())]


def test_headers_are_the_emls_and_the_readers_own(
    sent: tuple[Path, list[Delivery]], site: Path
) -> None:
    root, deliveries = sent
    secret = load_secret(root)
    eml = parse((site / "issues/062/email.eml").read_bytes())
    ids = set()
    for (address, name), delivery in zip(READERS, deliveries, strict=True):
        message = parse(delivery.data)
        assert set(eml.keys()) | {"To"} == set(message.keys())
        for same in ("From", "Reply-To", "Subject", "List-Id", "MIME-Version"):
            assert message[same] == eml[same]
        assert message["Subject"] == "ROCB E-Newsletter No.62"
        (to,) = message["To"].addresses
        assert to.addr_spec == address
        if name.isascii():
            assert to.display_name == clean_name(name)
        else:  # RFC 2047 encoded words (which Python's own parser joins with a space)
            decoded = str(make_header(decode_header(raw_header(delivery.data, "To"))))
            assert decoded == f"{name} <{address}>"
        token = secret.token(address)
        # Folded before the first URL when it is long; Python keeps the fold's space.
        assert message["List-Unsubscribe"].strip() == (
            f"<https://newsletter.example.org/unsubscribe?token={token}>, "
            "<mailto:rocb@example.org?subject=unsubscribe>"
        )
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.fullmatch(
            r"<newsletter\.062\.[0-9a-f]{8}\.[0-9a-f]{12,20}@newsletter\.example\.org>",
            message["Message-ID"],
        )
        ids.add(message["Message-ID"])
        sent_at = parsedate_to_datetime(message["Date"])
        assert abs(datetime.now(UTC) - sent_at) < timedelta(minutes=10)
        assert sent_at.utcoffset() == timedelta(hours=7)  # the publisher's Asia/Bangkok
    assert len(ids) == len(READERS)


def test_a_name_in_the_list_cannot_add_a_recipient_or_a_header(
    sent: tuple[Path, list[Delivery]],
) -> None:
    delivery = sent[1][2]
    assert delivery.recipients == ("eve@example.org",)
    message = parse(delivery.data)
    assert message.get_all("Bcc") is None and message.get_all("X-Evil") is None
    assert [a.addr_spec for a in message["To"].addresses] == ["eve@example.org"]
    assert message["To"].addresses[0].display_name == (
        'Eve "the, reader" Bcc: victim@example.net X-Evil: yes'
    )
    assert "victim" not in "".join(d.recipients[0] for d in sent[1])


def test_a_title_cannot_add_a_header(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "news")
    newsletter, _ = load(root)
    issue = newsletter.issue(61)
    assert issue is not None
    title = "News\r\nBcc: victim@example.net\nX-Evil: yes\r\n\r\nbody"
    evil = dataclasses.replace(issue, title=title)
    copies = Copies(newsletter, root, evil, load_secret(root))
    message = parse(copies.copy(Recipient("ann@example.org")).data.replace(b"\r\n..", b"\r\n."))
    assert message.get_all("Bcc") is None and message.get_all("X-Evil") is None
    assert message["Subject"] == "News Bcc: victim@example.net X-Evil: yes body"
    assert [a.addr_spec for a in message["To"].addresses] == ["ann@example.org"]
    assert message.defects == []


def test_the_secret_is_made_once_for_its_owner_only(sent: tuple[Path, list[Delivery]]) -> None:
    root = sent[0]
    file = root / SECRET_PATH
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert re.fullmatch(r"[0-9a-f]{64}\n", file.read_text("ascii"))
    assert load_secret(root) == load_secret(root)
    journal = root / "content/issues/062/.send.sqlite"
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    assert os.access(journal, os.R_OK)
