"""SpamAssassin, as receiving mail servers run it, scores every copy of the sample's
issues 0.0: the built email.eml with the `To` that `send` fills in, and the copy `send`
itself makes for a reader. Local tests only (`-L`: no DNS or network checks), with the
rules the installed SpamAssassin ships.

The sample's email.eml is dated from its issue (15 October 2018); no rule fires on that
(checked with SpamAssassin 4.0.1: the date rules compare Date with the Received headers,
and a built file has none), so it is scored as built. The copy from `send` carries the
time of sending.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest

from newsletter.model import Newsletter
from newsletter.sending.copies import Copies
from newsletter.sending.recipients import Recipient
from newsletter.sending.secret import Secret
from tests.conftest import REPO
from tests.emailtools import issue_of

ISSUES = ("061", "062")
TIMEOUT_SECONDS = 120
_STATUS = re.compile(r"^X-Spam-Status: (?:Yes|No), score=(-?\d+(?:\.\d+)?)", re.MULTILINE)
# A line of the report: points, rule name (the description may wrap onto more lines).
_RULE = re.compile(r"^ *(-?\d+\.\d+) ([A-Z0-9_]+)\b", re.MULTILINE)


def spamassassin() -> str:
    """The spamassassin executable; a failure, not a skip, when it is missing."""
    found = shutil.which("spamassassin")
    if found is None:
        pytest.fail(
            "spamassassin is not installed: the email's spam score is tested with it "
            "(Debian: apt-get install spamassassin; .ci/run installs it)"
        )
    return found


def score(message: bytes, home: Path) -> tuple[float, dict[str, float]]:
    """SpamAssassin's score of `message` and the points of each rule that fired.

    HOME is a fresh folder, so the user preferences and Bayes files SpamAssassin makes
    on first use are its own, not the account's."""
    home.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [spamassassin(), "-L", "-t"],
        input=message,
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
        env={**os.environ, "HOME": str(home)},
    )
    output = result.stdout.decode("utf-8", "replace")
    status = _STATUS.search(output)
    assert status is not None, f"spamassassin printed no X-Spam-Status: {result.stderr!r}"
    report = output[output.find("Content analysis details:") :]
    assert "pts rule name" in report, output[-3000:]
    rules = {name: float(points) for points, name in _RULE.findall(report)}
    return float(status[1]), rules


def with_recipient(eml: bytes) -> bytes:
    """email.eml as `send` fills it in: a `To` before the Subject (the built file has
    none; without one SpamAssassin adds MISSING_HEADERS and REPLYTO_WITHOUT_TO_CC)."""
    head, body = eml.split(b"\r\n\r\n", 1)
    assert b"\r\nTo:" not in head and b"\r\nSubject:" in head
    head = head.replace(b"\r\nSubject:", b"\r\nTo: Reader <reader@example.org>\r\nSubject:", 1)
    return head + b"\r\n\r\n" + body


@pytest.mark.parametrize("slug", ISSUES)
def test_each_issue_scores_zero(site: Path, tmp_path: Path, slug: str) -> None:
    eml = (site / f"issues/{slug}/email.eml").read_bytes()
    total, rules = score(with_recipient(eml), tmp_path / "home")
    fired = {name: points for name, points in rules.items() if points != 0}
    assert (total, fired) == (0.0, {})
    assert "HTML_MESSAGE" in rules  # the HTML part was read


@pytest.mark.parametrize("slug", ISSUES)
def test_a_copy_send_makes_scores_zero(sample: Newsletter, tmp_path: Path, slug: str) -> None:
    copies = Copies(sample, REPO, issue_of(sample, slug), Secret(b"k" * 32))
    copy = copies.copy(Recipient("reader@example.org", "A Reader"))
    message = copy.data.replace(b"\r\n..", b"\r\n.")  # as the server keeps it: unstuffed
    total, rules = score(message, tmp_path / "home")
    fired = {name: points for name, points in rules.items() if points != 0}
    assert (total, fired) == (0.0, {})


def _message(hidden_style: str) -> bytes:
    message = EmailMessage()
    message["From"] = "ROCB A/P <rocb@example.org>"
    message["To"] = "reader@example.org"
    message["Subject"] = "Newsletter No.62"
    message["Date"] = "Mon, 15 Oct 2018 00:00:00 +0700"
    message["Message-ID"] = "<newsletter.062.control@newsletter.example.org>"
    message.set_content("Hello readers, this is the newsletter.\n")
    message.add_alternative(
        '<!DOCTYPE html><html><body style="background-color:#ffffff">'
        f'<div style="{hidden_style}">In this issue: the preheader of the newsletter</div>'
        "<p>Hello readers, this is the newsletter.</p></body></html>",
        subtype="html",
    )
    return bytes(message)


def test_the_score_sees_a_preheader_hidden_by_colour(tmp_path: Path) -> None:
    # MRML's mj-preview: a 1 px font the colour of the background.
    mrml = (
        "display:none;font-size:1px;color:#ffffff;line-height:1px;max-height:0px;"
        "max-width:0px;opacity:0;overflow:hidden;"
    )
    total, rules = score(_message(mrml), tmp_path / "home")
    assert total > 0 and rules["HTML_FONT_LOW_CONTRAST"] > 0
    ours = "display:none;max-height:0;overflow:hidden;mso-hide:all"
    assert score(_message(ours), tmp_path / "home")[0] == 0.0
