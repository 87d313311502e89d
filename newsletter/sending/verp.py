"""VERP: each copy's envelope sender names its copy, so that a bounce says whose it is
even when the remote server writes a report nobody can parse.

With `audience.bounce_address: bounces@example.org`, the copy of issue 62 for a reader
goes out from `bounces+62-k3jh5gf7ds9amq2w@example.org`: the issue, a dash and 16
characters of HMAC-SHA256(the send secret, "verp:62:" + the address in lower case), in
base32 lower case (80 bits; letters and digits only, since some servers lower-case a
local part). The token never holds the address, even encrypted: `bounces` finds whose
it is by making the token of every address the issue's journal holds, which only the
holder of the secret can do, and a token that matches none is forged or not ours.

The mail server of the bounce domain must deliver `bounces+anything@` to `bounces@`
(Postfix: `recipient_delimiter = +`; see docs/audience.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from newsletter.sending.secret import Secret

_MAC_BYTES = 10  # 16 base32 characters
TOKEN_PATTERN = r"([0-9]{1,6})-([a-z2-7]{16})"


@dataclass(frozen=True, slots=True)
class Verp:
    """The envelope senders of one newsletter: `bounce_address` with a token per copy."""

    secret: Secret
    bounce_address: str

    def sender(self, issue: int, address: str) -> str:
        """The envelope sender of issue `issue`'s copy for `address`."""
        local, _, domain = self.bounce_address.rpartition("@")
        return f"{local}+{self.token(issue, address)}@{domain}"

    def token(self, issue: int, address: str) -> str:
        """The token of issue `issue`'s copy for `address` (see the module docstring)."""
        message = f"verp:{issue}:{address.lower()}".encode()
        digest = hmac.new(self.secret.key, message, hashlib.sha256).digest()[:_MAC_BYTES]
        return f"{issue}-{base64.b32encode(digest).decode('ascii').lower()}"

    def form(self, issue: int) -> str:
        """How the envelope senders of issue `issue` look, for `send --dry-run`."""
        local, _, domain = self.bounce_address.rpartition("@")
        return f"{local}+{issue}-TOKEN@{domain}"


def token_finder(bounce_address: str) -> re.Pattern[str]:
    """A pattern that finds a VERP address of `bounce_address` in a header's text; its
    groups are the issue and the MAC."""
    local, _, domain = bounce_address.rpartition("@")
    return re.compile(
        rf"(?<![\w.+-]){re.escape(local)}\+{TOKEN_PATTERN}@{re.escape(domain)}(?![\w-])",
        re.IGNORECASE,
    )
