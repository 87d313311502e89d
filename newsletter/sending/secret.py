"""The send secret (`content/.send-secret`) and what is derived from it per recipient.

The unsubscribe link carries a token, never the address: the first 16 bytes of
HMAC-SHA256(secret, "unsubscribe:" + the address in lower case), base64url without
padding (22 characters). Whoever holds the secret and the list can tell whose token it
is; nobody else can make or read one. The secret is made on first use, 64 hex digits
in a file only its owner may read; it must never be published or committed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from newsletter.errors import ContentError
from newsletter.layout import SECRET_PATH
from newsletter.writer import atomic_write

TOKEN_LENGTH = 22
_MIN_LENGTH = 32


@dataclass(frozen=True, slots=True)
class Secret:
    """The key of the tokens and per-recipient Message-IDs."""

    key: bytes
    shared: bool = False  # the file can be read by others than its owner

    def token(self, address: str) -> str:
        """The unsubscribe token of `address` (see the module docstring)."""
        digest = self._mac(b"unsubscribe:", address)[:16]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def message_key(self, issue: int, address: str) -> str:
        """The per-recipient part of a copy's Message-ID: the same on every attempt, so a
        copy resent after an unknown outcome has the Message-ID of the first one."""
        return self._mac(f"message-id:{issue}:".encode(), address).hex()[:20]

    def _mac(self, purpose: bytes, address: str) -> bytes:
        message = purpose + address.lower().encode("utf-8")
        return hmac.new(self.key, message, hashlib.sha256).digest()


def load_secret(root: Path) -> Secret:
    """The secret of the newsletter at `root`, created (mode 0600) when there is none."""
    file = root / SECRET_PATH
    if not file.exists():
        _create(file)
    secret = read_secret(root)
    assert secret is not None, "just created"
    return secret


def read_secret(root: Path) -> Secret | None:
    """The secret of the newsletter at `root`, or None when it has none yet."""
    file = root / SECRET_PATH
    try:
        text = file.read_text("ascii").strip()
        mode = file.stat().st_mode
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "it is not ASCII text"
        raise ContentError(SECRET_PATH, None, f"cannot be read: {reason}") from None
    if len(text) < _MIN_LENGTH:
        raise ContentError(
            SECRET_PATH,
            None,
            f"is too short ({len(text)} characters; at least {_MIN_LENGTH}): delete it and "
            "a new one is made, which changes every reader's unsubscribe token",
        )
    return Secret(text.encode("ascii"), shared=bool(mode & (stat.S_IRWXG | stat.S_IRWXO)))


def _create(file: Path) -> None:
    """Write the secret beside `file`, then link it into place: another `send` started at
    the same moment finds either no file or the whole one, and only one secret wins."""
    try:
        atomic_write(file, f"{secrets.token_hex(32)}\n".encode(), mode=0o600, exclusive=True)
    except FileExistsError:
        pass  # another `send` made it first: use that one
    except OSError as error:
        raise ContentError(SECRET_PATH, None, f"cannot be created: {error.strerror}") from None
