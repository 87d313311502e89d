"""DKIM signatures (RFC 6376, rsa-sha256, relaxed/relaxed) for each copy `send` makes.

The signature covers what receiving systems check: From, To, Subject, Date,
Message-ID, the MIME headers, List-Id, and List-Unsubscribe with
List-Unsubscribe-Post, which RFC 8058 requires to be signed for one-click unsubscribe.
From, Subject and the List-Unsubscribe pair are signed once more than they occur, so a
header of that name added on the way breaks the signature instead of being trusted.

dkimpy (the reference in Python, and the verifier of the tests) signs in pure-Python
RSA, about 8 ms a copy here, which alone would halve a send's throughput; the
`cryptography` package signs in well under a millisecond. So the few lines of
canonicalisation are written here and held to dkimpy's verifier by the tests.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import stat
import time
from dataclasses import dataclass
from email.utils import getaddresses
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.errors import ContentError, Problems
from newsletter.layout import DEFAULT_OUTPUT, SETTINGS_PATH, SOURCE_FOLDERS
from newsletter.model import DkimSettings, Settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

SIGNED = (
    *("from", "to", "subject", "date", "message-id", "reply-to", "feedback-id"),
    *("list-id", "list-unsubscribe", "list-unsubscribe-post"),
    *("mime-version", "content-type"),
)
OVERSIGNED = ("from", "subject", "list-unsubscribe", "list-unsubscribe-post")
_WSP = re.compile(rb"[ \t]+")
_FIELD = "email.dkim"


@dataclass(frozen=True, slots=True)
class Signer:
    """Signs messages for one domain and selector with one private key."""

    key: RSAPrivateKey
    domain: str
    selector: str

    def signature(self, message: bytes) -> bytes:
        """The `DKIM-Signature:` header (CRLF lines) to put before `message`'s headers."""
        head, _, body = message.partition(b"\r\n\r\n")
        return self.head_signature(head + b"\r\n", hashlib.sha256(relaxed_body(body)).digest())

    def head_signature(self, head: bytes, body_hash: bytes) -> bytes:
        """The same for a message's header block (each line ending in CRLF) and the
        SHA-256 of its canonical body, which `Copies` computes from parts made once."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        fields = header_fields(head)
        present = {name for name, _ in fields}
        names = [name for name in SIGNED if name in present]
        names += [name for name in OVERSIGNED if name in present]
        tags = (
            f"v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n d={self.domain}; s={self.selector};\r\n"
            f" t={int(time.time())};\r\n h={_folded(names)};\r\n"
            f" bh={base64.b64encode(body_hash).decode()};\r\n b="
        )
        header = f"DKIM-Signature: {tags}".encode("ascii")
        signed = b"".join(_relaxed_header(field) for field in _chosen(fields, names))
        signed += _relaxed_header(header).removesuffix(b"\r\n")
        value = base64.b64encode(self.key.sign(signed, padding.PKCS1v15(), hashes.SHA256()))
        folded = b"\r\n ".join(value[i : i + 72] for i in range(0, len(value), 72))
        return header + folded + b"\r\n"


def _folded(names: list[str]) -> str:
    """The h= list, folded after a colon before a line passes 76 characters."""
    lines = [""]
    for name in names:
        if len(lines[-1]) + len(name) + 3 > 76:
            lines.append("  ")
        lines[-1] += name + ":"
    return "\r\n".join(lines)[:-1]


def signer(root: Path, settings: Settings) -> Signer | None:
    """The signer of `email.dkim`, None when it is not set; `ContentError` naming the key
    file when it cannot be used (see `load_key`)."""
    dkim = settings.email.dkim
    if dkim is None:
        return None
    return Signer(load_key(root, dkim), signing_domain(settings, dkim), dkim.selector)


def signing_domain(settings: Settings, dkim: DkimSettings) -> str:
    """`email.dkim.domain`, else the domain of `email.from`."""
    if dkim.domain:
        return dkim.domain.lower()
    address = getaddresses([settings.email.sender or ""])[0][1]
    domain = address.rpartition("@")[2].lower()
    if not domain:
        raise ContentError(
            SETTINGS_PATH, None, "email.dkim needs email.from or email.dkim.domain", _FIELD
        )
    return domain


def load_key(root: Path, dkim: DkimSettings) -> RSAPrivateKey:
    """The private key of `email.dkim.key_file`. Refused, with what to do: a file that
    others can read, one inside the folders that are published or committed, one that
    cannot be read, or that is not an RSA private key in PEM."""
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    file = Path(os.path.expanduser(dkim.key_file))
    file = file if file.is_absolute() else root / file
    where = f"{_FIELD}.key_file {dkim.key_file!r}"
    folders = (*SOURCE_FOLDERS, DEFAULT_OUTPUT)
    inside = [name for name in folders if _inside(file, root / name)]
    if inside:
        raise _key_error(
            f"{where} is inside {inside[0]}/, which is published or committed: keep the "
            "key outside content/, calendar/, templates/ and public/ (e.g. ~/.config/newsletter/)"
        )
    try:
        mode = file.stat().st_mode
        data = file.read_bytes()
    except OSError as error:
        raise _key_error(f"{where} cannot be read: {error.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise _key_error(f"{where} can be read by others than you: chmod 600 {file}")
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise _key_error(
            f"{where} is not a PEM private key without a passphrase ({error})"
        ) from None
    if not isinstance(key, RSAPrivateKey):
        raise _key_error(f"{where} is not an RSA key (rsa-sha256 is what every receiver checks)")
    if key.key_size < 1024:
        raise _key_error(f"{where} is a {key.key_size}-bit key; receivers want 2048 bits")
    return key


def public_key_value(key: RSAPrivateKey) -> str:
    """The p= value of the DNS record that publishes `key`'s public half."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    der = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode("ascii")


def check_dkim(root: Path, settings: Settings, problems: Problems) -> None:
    """For `check`: a key that cannot be used, or that does not match the DNS record
    given as `email.dkim.public_key`."""
    dkim = settings.email.dkim
    if dkim is None:
        return
    try:
        key = load_key(root, dkim)
        domain = signing_domain(settings, dkim)
    except ContentError as error:
        problem = error.problem
        problems.error(problem.path, problem.line, problem.message, problem.field)
        return
    if dkim.public_key and dkim.public_key != public_key_value(key):
        problems.error(
            SETTINGS_PATH,
            None,
            f"{_FIELD}.public_key does not match the private key in {dkim.key_file}: "
            f"receivers would reject every signature. Publish the key's own record at "
            f"{dkim.selector}._domainkey.{domain} (docs/sending.md shows how to print it)",
            f"{_FIELD}.public_key",
        )


def _key_error(message: str) -> ContentError:
    return ContentError(SETTINGS_PATH, None, message, f"{_FIELD}.key_file")


def _inside(file: Path, folder: Path) -> bool:
    return file.resolve().is_relative_to(folder.resolve())


def header_fields(head: bytes) -> list[tuple[str, bytes]]:
    """Each header field of `head` (CRLF lines, the last one ended) as (lower-case name,
    its lines)."""
    fields: list[tuple[str, bytes]] = []
    for line in head.split(b"\r\n")[:-1]:
        if line[:1] in (b" ", b"\t") and fields:
            name, lines = fields[-1]
            fields[-1] = (name, lines + line + b"\r\n")
        else:
            name = line.split(b":", 1)[0].strip().lower().decode("ascii", "replace")
            fields.append((name, line + b"\r\n"))
    return fields


def _chosen(fields: list[tuple[str, bytes]], names: list[str]) -> list[bytes]:
    """The field each name of h= signs: the last one not signed yet, from the bottom up
    (RFC 6376 5.4.2); a name with none left signs nothing."""
    used: set[int] = set()
    chosen = []
    for name in names:
        for index in range(len(fields) - 1, -1, -1):
            if index not in used and fields[index][0] == name:
                used.add(index)
                chosen.append(fields[index][1])
                break
    return chosen


def _relaxed_header(field: bytes) -> bytes:
    """RFC 6376 3.4.2: the name in lower case, the value unfolded, runs of white space
    as one space, none around the colon or at the end."""
    name, _, value = field.partition(b":")
    value = _WSP.sub(b" ", value.replace(b"\r\n", b"")).strip(b" ")
    return name.strip().lower() + b":" + value + b"\r\n"


def relaxed_body(body: bytes) -> bytes:
    """RFC 6376 3.4.4: runs of white space as one space, none at line ends, no empty
    lines at the end; a body that is not empty ends in CRLF."""
    return relaxed_end(relaxed_lines(body + b"\r\n"))


def relaxed_lines(part: bytes) -> bytes:
    """A part of a body canonicalised but for its end: its runs of white space as one
    space, none before a CRLF. Parts cut between characters that are not white space
    canonicalise one by one, so the fixed pieces of a copy are done once per send."""
    # bytes.replace, not a regular expression: 40 times faster on an HTML part, whose
    # every single space a regular expression would match and write back.
    part = part.replace(b"\t", b" ")
    while b"  " in part:
        part = part.replace(b"  ", b" ")
    while b" \r\n" in part:
        part = part.replace(b" \r\n", b"\r\n")
    return part


def relaxed_end(last: bytes) -> bytes:
    """The last part of a canonical body: no empty lines at the end, a final CRLF."""
    last = last.rstrip(b"\r\n")  # the message's lines all end in CRLF: no lone CR or LF
    return last + b"\r\n" if last else b""
