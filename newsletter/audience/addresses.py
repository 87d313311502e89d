"""What an address must be for `send` to mail it, and a name made safe for `To`.

An address is a plain `local@domain.tld` in ASCII (internationalised addresses need
SMTPUTF8, which `send` does not use); it is compared without regard to case, through its
`key`. A display name is one line of printable text.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME = 100  # characters of a display name kept in `To`

# A dot-atom local part and a host name of two labels or more (RFC 5321 Mailbox,
# without quoted local parts or address literals, which lists do not carry).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"({_ATOM}(?:\.{_ATOM})*)@({_LABEL}(?:\.{_LABEL})+)")
_NAMED = re.compile(r"<[^<>]*@[^<>]*>")


def address_problem(address: str) -> str | None:
    """Why `address` cannot be sent to, or None when it can."""
    if not address:
        return "no address in the email column"
    if not address.isascii():
        return f"{address!r} has non-ASCII characters (SMTPUTF8 is not supported)"
    if _NAMED.search(address):
        return f"{address!r} is not a bare address: put the name in a 'name' column"
    match = _ADDRESS.fullmatch(address)
    if match is None:
        return f"{address!r} is not an email address"
    if len(match[1]) > 64 or len(address) > 254:
        return f"{address!r} is too long for an email address"
    if match[2].rsplit(".", 1)[1].isdigit():
        return f"{address!r} does not end in a domain name"
    return None


def address_key(address: str) -> str:
    """The address as the database and the journals know it: lower-cased."""
    return address.lower()


def clean_name(name: str) -> str:
    """A display name on one line: control characters and line breaks become spaces,
    runs of spaces one space, at most `MAX_NAME` characters."""
    printable = "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in name
    )
    return " ".join(printable.split())[:MAX_NAME].strip()
