"""The complete message of an issue (email.eml): `multipart/alternative`, the text part
first, then the HTML, both UTF-8 and quoted-printable, serialised with CRLF.

MJML writes very long lines and SMTP servers refuse lines over 998 octets, hence
quoted-printable, in which a MIME boundary starting with `=_` can never occur. Every
header comes from the content, deterministically: Date is the issue's date in the
publisher's time zone; Message-ID and the boundary derive from the issue, the
newsletter's address and the content, so the same content gives the same bytes.
`send` fills in `To` and the `{token}` of the unsubscribe URL per recipient.
"""

from __future__ import annotations

import email.policy
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, time
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from functools import lru_cache
from urllib.parse import quote
from zoneinfo import ZoneInfo

from newsletter.errors import Problems
from newsletter.layout import SETTINGS_PATH
from newsletter.model import Issue, Settings
from newsletter.render.email.budget import quoted_printable
from newsletter.render.email.flowed import FLOWED_PARAMS

# Header objects fold themselves to 78 columns. Headers set raw (List-Unsubscribe, whose
# URLs an encoded-word would hide from Gmail and Yahoo; text encoded by `_set_text`) are
# written byte for byte: `_head` never lets `email` parse and fold them again.
POLICY = email.policy.SMTP
_NOT_ATOM = re.compile(r"[^A-Za-z0-9.-]+")
_FOLD_AT = 78  # POLICY.max_line_length
# Values `email` writes back as they are (`_header`): free text of printable ASCII words
# one space apart; a date as `format_datetime` writes it with an offset of whole minutes
# (a zone's local mean time, such as Bangkok's +06:42:04 before 1920, is not one); a
# Message-ID of dot-atoms.
_UNSTRUCTURED = re.compile(r"(?!.*=\?)[!-~]+(?: [!-~]+)*")
_DATE = re.compile(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} [1-9]\d{3} \d\d:\d\d:\d\d [+-]\d{4}")
_ATOMS = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
_MESSAGE_ID = re.compile(rf"<{_ATOMS}@{_ATOMS}>")


def warn_without_sender(settings: Settings, problems: Problems) -> None:
    """The warning `check` and `build` give while `email.from` is not set."""
    if not settings.email.sender:
        problems.warning(
            SETTINGS_PATH,
            None,
            f"email.from is not set: email.eml is from {sender(settings)!r} "
            "until you set it (send needs it)",
        )


def sender(settings: Settings) -> str:
    """`email.from`; without it a no-reply address of the site's host, so the .eml opens
    (`send` refuses to send without `email.from`)."""
    if settings.email.sender:
        return settings.email.sender
    return str(Address(settings.publisher, "newsletter", settings.host or "localhost"))


def message_id(settings: Settings, issue: Issue) -> str:
    """`<newsletter.062.1a2b3c4d@host>`: the same for every build of the issue."""
    digest = hashlib.blake2b(settings.base_url.encode(), digest_size=4).hexdigest()
    host = _NOT_ATOM.sub("-", settings.host or "localhost")
    return f"<newsletter.{issue.number:03d}.{digest}@{host}>"


def render_message(settings: Settings, issue: Issue, text: str, html: str) -> bytes:
    """The .eml of an issue from its email.txt and email.html."""
    boundary = f"=_newsletter_{issue.number:03d}_{_digest(text, html)}"
    zone = ZoneInfo(settings.timezone)
    date = format_datetime(datetime.combine(issue.date, time(0, 0), tzinfo=zone))
    fixed = _fixed_headers(settings)
    head = [
        fixed.top,
        _text_header("Subject", issue.title),
        _header("Date", date, _DATE),
        _header("Message-ID", message_id(settings, issue), _MESSAGE_ID),
        fixed.lists,
    ]
    if settings.email.feedback_id:
        feedback = f"{issue.number:03d}:{settings.email.feedback_id}"
        head.append(_header("Feedback-ID", feedback, _UNSTRUCTURED))
    head += [b"MIME-Version: 1.0\r\n", _content_type(boundary)]
    # The parts are put together here rather than by `email.generator`, which encodes
    # quoted-printable in Python, five times slower than binascii for the same bytes.
    delimiter = b"--" + boundary.encode("ascii")
    parts = [
        delimiter + b"\r\n" + _part_headers(subtype) + b"\r\n" + quoted_printable(content)
        for content, subtype in ((text, "plain"), (html, "html"))
    ]
    return b"".join(head) + b"\r\n" + b"\r\n".join(parts) + b"\r\n" + delimiter + b"--\r\n"


@dataclass(frozen=True, slots=True)
class _FixedHeaders:
    """The headers every issue's message shares, folded once: From and Reply-To (`top`),
    List-Id, List-Unsubscribe and List-Unsubscribe-Post (`lists`)."""

    top: bytes
    lists: bytes


@lru_cache(maxsize=4)
def _fixed_headers(settings: Settings) -> _FixedHeaders:
    # `email.headerregistry` makes a class for every header it parses: a few headers
    # folded once per build, not once per issue.
    top = EmailMessage(policy=POLICY)
    top["From"] = sender(settings)
    if settings.email.reply_to and not _same_address(settings.email.reply_to, sender(settings)):
        top["Reply-To"] = settings.email.reply_to
    lists = EmailMessage(policy=POLICY)
    _set_text(lists, "List-Id", settings.title, f"<{_list_id(settings)}>")
    unsubscribe = _unsubscribe_urls(settings)
    if unsubscribe:
        lists.set_raw("List-Unsubscribe", ",\r\n ".join(f"<{url}>" for url in unsubscribe))
        if unsubscribe[0].startswith("https://"):
            lists["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return _FixedHeaders(_head(top), _head(lists))


def _header(name: str, value: str, plain: re.Pattern[str] | None = None) -> bytes:
    """`name: value` as `email` parses and folds it. A value that fits on one line and
    matches `plain` (one of the patterns above) is written as it is, which is what
    `email` writes for it (tests/test_email_message.py holds the two to each other);
    any other value goes through `email`."""
    line = f"{name}: {value}"
    if plain is not None and len(line) <= _FOLD_AT and plain.fullmatch(value):
        return line.encode("ascii") + b"\r\n"
    message = EmailMessage(policy=POLICY)
    message[name] = value
    return _head(message)


def _text_header(name: str, text: str) -> bytes:
    """A header of free text as `_set_text` writes it."""
    words = text.split()
    plain = " ".join(words)
    if plain.isascii() and all(len(word) < 60 for word in words):
        return _header(name, plain, _UNSTRUCTURED)
    message = EmailMessage(policy=POLICY)
    _set_text(message, name, text)
    return _head(message)


# The folded Content-Type of a boundary of each length: `email` folds a boundary of
# the same length and the same kind of characters (`=_newsletter_NNN_` and hex) alike.
_content_types: dict[int, tuple[bytes, bytes]] = {}


def _content_type(boundary: str) -> bytes:
    known = _content_types.get(len(boundary))
    if known is None:
        folded = _header("Content-Type", f'multipart/alternative; boundary="{boundary}"')
        known = _content_types[len(boundary)] = (boundary.encode("ascii"), folded)
    sample, folded = known
    return folded.replace(sample, boundary.encode("ascii"))


def _head(message: EmailMessage) -> bytes:
    """The header block: header objects folded by `email`, raw values as they were set.

    `items()` would turn a raw value into a header object too, which folds a long URL
    into encoded-words (`=?utf-8?q?=3Chttps...`), so `raw_items()` is read instead.
    """
    lines = []
    for name, value in message.raw_items():
        if hasattr(value, "fold"):
            lines.append(POLICY.fold_binary(name, value))
        else:
            lines.append(f"{name}: {value}\r\n".encode("ascii"))
    return b"".join(lines)


def _same_address(one: str, other: str) -> bool:
    first, second = getaddresses([one]), getaddresses([other])
    return bool(first and second) and first[0][1].lower() == second[0][1].lower()


def _part_headers(subtype: str) -> bytes:
    # The text is written format=flowed (render/email/flowed.py): say so, or mail
    # programs show its lines as they are instead of rewrapping paragraphs.
    flowed = "".join(f"; {k}={v}" for k, v in FLOWED_PARAMS.items()) if subtype == "plain" else ""
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"{flowed}\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n"
    ).encode("ascii")


def _set_text(message: EmailMessage, name: str, text: str, suffix: str = "") -> None:
    """A header of free text (and an ASCII `suffix`), on one logical line whatever the
    text holds, so a line break in a title can never start a header of its own.

    Text that needs encoding is encoded here: when `email` folds a long header into
    several encoded-words it loses the space between two of them.
    """
    words = text.split()
    plain = " ".join(words)
    if plain.isascii() and all(len(word) < 60 for word in words):
        message[name] = f"{plain} {suffix}" if suffix else plain
        return
    encoded = Header(plain, "utf-8", header_name=name).encode(linesep="\r\n")
    message.set_raw(name, f"{encoded}\r\n {suffix}" if suffix else encoded)


def _list_id(settings: Settings) -> str:
    return _NOT_ATOM.sub("-", settings.list_id or "newsletter.invalid").strip("-.")


def _unsubscribe_urls(settings: Settings) -> list[str]:
    urls = []
    if settings.email.unsubscribe_url:
        urls.append(_ascii_url(settings.email.unsubscribe_url))
    if settings.email.unsubscribe_mailto:
        addresses = getaddresses([settings.email.unsubscribe_mailto])
        if addresses and addresses[0][1]:
            urls.append(_ascii_url(f"mailto:{addresses[0][1]}?subject=unsubscribe"))
    return urls


def _ascii_url(url: str) -> str:
    """A URL safe inside a raw header: ASCII only, no spaces or angle brackets."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%{}~-._")


def _digest(*parts: str) -> str:
    digest = hashlib.blake2b(digest_size=8)
    for part in parts:
        digest.update(part.encode("utf-8"))
    return digest.hexdigest()
