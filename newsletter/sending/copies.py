"""Each recipient's copy of an issue's message.

`send` renders the issue from the content with the functions `build` uses for
email.eml, rather than reading a built email.eml, so what goes out never depends on a
build being current. It renders once, with a random marker where the unsubscribe
token goes (in both parts' link and in `List-Unsubscribe`), then cuts the message into
pieces around the marker and around the headers that differ per copy. A copy is those
pieces joined with the recipient's `To`, `Date`, `Message-ID` and token: no encoding
per copy. The token has the marker's length and only characters quoted-printable
leaves as they are, so every line keeps the length the encoder gave it, also where a
soft line break fell inside the marker.

Only the address (checked to be a plain address) and a cleaned display name come from
the list, and the recipient is given to SMTP apart from the message: no text in the
list or the content can add a recipient or a header.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, getaddresses
from enum import Enum
from pathlib import Path
from zoneinfo import ZoneInfo

from newsletter.audience.addresses import address_problem
from newsletter.errors import ContentError
from newsletter.layout import SETTINGS_PATH
from newsletter.model import Issue, Newsletter, Settings
from newsletter.render.email.budget import Budget
from newsletter.render.email.html import EmailRenderer
from newsletter.render.email.message import message_id, render_message
from newsletter.render.email.text import render_text
from newsletter.sending.dkim import Signer, header_fields, relaxed_end, relaxed_lines
from newsletter.sending.recipients import Recipient
from newsletter.sending.secret import TOKEN_LENGTH, Secret
from newsletter.sending.verp import Verp

_LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)
_LINE = 78  # characters a header line should keep within (RFC 5322)
_SOFT_BREAK = b"=\r\n"


class _Slot(Enum):
    TO = "To"
    DATE = "Date"
    MESSAGE_ID = "Message-ID"


# A piece of the message: fixed bytes, a slice of the recipient's token, or a header.
_Piece = bytes | slice | _Slot


@dataclass(frozen=True, slots=True)
class Copy:
    """One recipient's message, as DATA sends it: CRLF lines, dot-stuffed, ending in CRLF
    (the final dot is the sender's to add)."""

    address: str
    message_id: str
    data: bytes
    sender: str  # the envelope sender: VERP's, naming the copy, or `email.from`


class Copies:
    """The copies of one issue's message; `copy` makes a recipient's."""

    def __init__(
        self,
        newsletter: Newsletter,
        root: Path,
        issue: Issue,
        secret: Secret,
        signer: Signer | None = None,
    ) -> None:
        self.settings = newsletter.settings
        self.issue = issue
        self.secret = secret
        self.signer = signer
        self.sender = envelope_sender(self.settings)
        bounces = self.settings.audience.bounce_address
        self.verp = Verp(secret, bounces) if bounces else None
        marker = secrets.token_hex(TOKEN_LENGTH // 2)
        message, text, html, self.budget = _render(newsletter, root, issue, marker)
        self.tokenised = marker in text or marker in html
        self.untokenised_parts = tuple(
            name for name, part in (("text", text), ("HTML", html)) if marker not in part
        )
        self.digest = _digest(text.replace(marker, "{token}"), html.replace(marker, "{token}"))
        self.head, body = _pieces(message, marker.encode("ascii"))
        self.canonical_body = _canonical(body) if signer is not None else []
        self.body = _dot_stuffed(body)
        self._message_id = message_id(self.settings, issue)
        self._zone = ZoneInfo(self.settings.timezone)
        self._date: tuple[int, bytes] = (0, b"")
        self.size = len(self.copy(Recipient("reader@example.org")).data)

    def copy(self, recipient: Recipient, test: bool = False) -> Copy:
        """`recipient`'s copy; a `test` copy has a Message-ID of its own, so the real copy
        that may follow is not taken for the same message."""
        token = self.secret.token(recipient.address).encode("ascii")
        mid = self.message_id(recipient.address, test)
        values = {
            _Slot.TO: self.to_field(recipient),
            _Slot.DATE: self._date_field(),
            _Slot.MESSAGE_ID: _message_id_field(mid),
        }
        head = _joined(self.head, token, values)
        if self.signer is not None:  # what is signed is the body before dot-stuffing
            body_hash = hashlib.sha256(_joined(self.canonical_body, token)).digest()
            head = self.signer.head_signature(head, body_hash) + head
        data = head + b"\r\n" + _joined(self.body, token)
        return Copy(recipient.address, mid, data, self.envelope_sender(recipient.address))

    def envelope_sender(self, address: str) -> str:
        """The envelope sender of `address`'s copy: where its bounces go."""
        if self.verp is None:
            return self.sender
        return self.verp.sender(self.issue.number, address)

    @property
    def envelope_form(self) -> str:
        """The envelope sender as the dry run shows it."""
        if self.verp is None:
            return self.sender
        return f"{self.sender} (envelope sender {self.verp.form(self.issue.number)}: VERP)"

    def message_id(self, address: str, test: bool = False) -> str:
        """The Message-ID of `address`'s copy: the issue's, with a part of its own."""
        if test:
            key = f"test-{secrets.token_hex(6)}"
        else:
            key = self.secret.message_key(self.issue.number, address)
        local, _, host = self._message_id.partition("@")
        # Message-ID lines within 78 characters: a long host leaves less of the key,
        # never fewer than 12 hex digits (48 bits, unique among any issue's readers),
        # and a very long one gives way to its domain.
        labels = host.split(".")
        while len(f"Message-ID: {local}.{key[:12]}@{host}") > _LINE and len(labels) > 2:
            labels.pop(0)
            host = ".".join(labels)
        room = _LINE - len(f"Message-ID: {local}.@{host}")
        return f"{local}.{key[: max(12, room)]}@{host}"

    @staticmethod
    def to_field(recipient: Recipient) -> bytes:
        """The `To:` header line: the checked address, the display name quoted or
        encoded (a name is one line of printable text by then; see `clean_name`)."""
        name, address = recipient.name, recipient.address
        if not name:
            return f"To: {address}\r\n".encode("ascii")
        if name.isascii():
            return f"To: {formataddr((name, address))}\r\n".encode("ascii")
        encoded = Header(name, "utf-8", header_name="To").encode(linesep="\r\n")
        return f"To: {encoded} <{address}>\r\n".encode("ascii")

    def _date_field(self) -> bytes:
        """The time of sending (spam filters mark a Date days old), once a second."""
        now = int(time.time())
        if self._date[0] != now:
            moment = datetime.fromtimestamp(now, self._zone)
            self._date = (now, f"Date: {format_datetime(moment)}\r\n".encode("ascii"))
        return self._date[1]


def _message_id_field(message_id: str) -> bytes:
    """The Message-ID line, folded before the id when a long host leaves no other way
    to keep within 78 characters."""
    line = f"Message-ID: {message_id}\r\n"
    if len(line) - 2 > _LINE:
        line = f"Message-ID:\r\n {message_id}\r\n"
    return line.encode("ascii")


def envelope_sender(settings: Settings) -> str:
    """The address of `email.from`, which bounces go to; `ContentError` without one."""
    value = settings.email.sender
    address = getaddresses([value])[0][1] if value else ""
    if not address or address_problem(address) is not None:
        raise ContentError(
            SETTINGS_PATH,
            None,
            "email.from must be set to the address the newsletter is sent from "
            '(e.g. "Newsletter <news@example.org>") before sending',
            field="email.from",
            value=value,
        )
    return address


def _render(
    newsletter: Newsletter, root: Path, issue: Issue, marker: str
) -> tuple[bytes, str, str, Budget]:
    """The issue's message as `build` makes email.eml, `marker` in place of `{token}`;
    its text and HTML, and how the HTML met the size budget."""
    settings = newsletter.settings
    url = settings.email.unsubscribe_url
    if url is not None and "{token}" in url:
        email = replace(settings.email, unsubscribe_url=url.replace("{token}", marker))
        settings = replace(settings, email=email)
        newsletter = replace(newsletter, settings=settings)
    renderer = EmailRenderer(newsletter, root)
    fitted = renderer.fit(issue)
    text = render_text(root, fitted.edition, fitted.budget.shortened, renderer.html)
    message = render_message(settings, issue, text, fitted.html)
    return message, text, fitted.html, fitted.budget


def _pieces(message: bytes, marker: bytes) -> tuple[list[_Piece], list[_Piece]]:
    """The message's head cut around the per-copy headers, and head and body around
    each occurrence of `marker`."""
    head, body = message.split(b"\r\n\r\n", 1)
    head_pieces: list[_Piece] = []
    for name, field in header_fields(head + b"\r\n"):
        if name == "subject":
            head_pieces.append(_Slot.TO)
        if name == "date":
            head_pieces.append(_Slot.DATE)
        elif name == "message-id":
            head_pieces.append(_Slot.MESSAGE_ID)
        else:
            head_pieces.extend(_around_marker(field, marker))
    return _merged(head_pieces), _merged(_around_marker(body, marker))


def _merged(pieces: Sequence[_Piece]) -> list[_Piece]:
    merged: list[_Piece] = []
    for piece in pieces:
        if isinstance(piece, bytes) and merged and isinstance(merged[-1], bytes):
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


def _joined(pieces: Sequence[_Piece], token: bytes, values: Mapping[_Slot, bytes] = {}) -> bytes:
    return b"".join(
        piece
        if isinstance(piece, bytes)
        else token[piece]
        if isinstance(piece, slice)
        else values[piece]
        for piece in pieces
    )


def _dot_stuffed(body: Sequence[_Piece]) -> list[_Piece]:
    """The body's pieces with a dot doubled where it starts a line, as DATA wants them:
    once per send. A token has no dot or line break, so only a fixed piece's own lines
    (and the body's first) can start with a dot. Header lines never do."""
    stuffed: list[_Piece] = []
    line_start = True
    for piece in body:
        if isinstance(piece, bytes):
            piece = _LEADING_DOT.sub(b"..", piece)
            if not line_start and piece.startswith(b".."):
                piece = piece[1:]  # the piece goes on a line a token began: not a line start
            line_start = piece.endswith(b"\n")
        else:
            line_start = False
        stuffed.append(piece)
    return stuffed


def _canonical(body: Sequence[_Piece]) -> list[_Piece]:
    """The body's pieces in DKIM's relaxed form: a token has no white space, so each
    fixed piece canonicalises alone, the last one also losing trailing empty lines."""
    pieces = [relaxed_lines(piece) if isinstance(piece, bytes) else piece for piece in body]
    if pieces and isinstance(pieces[-1], bytes):
        pieces[-1] = relaxed_end(pieces[-1])
    else:
        pieces.append(b"\r\n")  # the body ends in a token: its last line gets a CRLF
    return pieces


def _around_marker(data: bytes, marker: bytes) -> list[_Piece]:
    """`data` as fixed bytes and token slices where `marker` was, a soft line break kept
    where quoted-printable put one inside it."""
    pattern = re.compile(
        b"(?:=\r\n)?".join(re.escape(marker[i : i + 1]) for i in range(len(marker)))
    )
    pieces: list[_Piece] = []
    start = 0
    for match in pattern.finditer(data):
        pieces.append(data[start : match.start()])
        found = match.group()
        cut = found.find(_SOFT_BREAK)
        if cut < 0:
            pieces.append(slice(0, len(marker)))
        else:
            pieces.extend((slice(0, cut), _SOFT_BREAK, slice(cut, len(marker))))
        start = match.end()
    pieces.append(data[start:])
    return [piece for piece in pieces if piece != b""]


def _digest(*parts: str) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()
