"""The tokens of the subscription service's links, one kind per purpose.

- **Unsubscribe** tokens are the ones `send` has always put in every copy
  (`sending.secret.Secret.token`: an HMAC of the address): they never expire, so the
  links in issues sent years ago keep working. An HMAC cannot be inverted, so the
  database keeps a hash of each subscriber's token (`subscriber_link.unsubscribe_key`)
  and the service finds the subscriber by it.
- **Confirmation** tokens name the subscriber's id and the time they were issued, with
  an HMAC of both and of the address under another purpose: one cannot be made from an
  unsubscribe token, nor without the secret, and it expires after 7 days.

Nothing here touches the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from newsletter.audience.addresses import address_key
from newsletter.sending.secret import Secret

CONFIRMATION_DAYS = 7
_CONFIRMATION_SECONDS = CONFIRMATION_DAYS * 24 * 3600
_UNSUBSCRIBE = re.compile(r"[A-Za-z0-9_-]{22}")
_CONFIRMATION = re.compile(r"([1-9][0-9]{0,17})\.([1-9][0-9]{0,11})\.([A-Za-z0-9_-]{22})")


@dataclass(frozen=True, slots=True)
class Confirmation:
    """A well-formed confirmation token, not yet checked against an address."""

    subscriber_id: int
    issued: int  # seconds since the epoch
    mac: str


class Tokens:
    """The tokens made with one newsletter's secret."""

    def __init__(self, secret: Secret) -> None:
        self._secret = secret

    def unsubscribe(self, address: str) -> str:
        """The unsubscribe token of `address`: the one in every copy `send` makes."""
        return self._secret.token(address)

    @staticmethod
    def unsubscribe_key(token: str) -> str | None:
        """What the database knows an unsubscribe token by; None for a token that cannot
        be one."""
        if _UNSUBSCRIBE.fullmatch(token) is None:
            return None
        return hashlib.sha256(b"unsubscribe-key:" + token.encode("ascii")).hexdigest()

    def confirmation(self, subscriber_id: int, address: str, issued: int) -> str:
        """The confirmation token of subscriber `subscriber_id` (at `address`), issued at
        `issued` (seconds since the epoch)."""
        return f"{subscriber_id}.{issued}.{self._confirmation_mac(subscriber_id, address, issued)}"

    @staticmethod
    def read_confirmation(token: str) -> Confirmation | None:
        """The parts of a confirmation token, or None for one that cannot be one."""
        match = _CONFIRMATION.fullmatch(token)
        if match is None:
            return None
        return Confirmation(int(match[1]), int(match[2]), match[3])

    def confirms(self, confirmation: Confirmation, address: str, now: int) -> bool:
        """Whether `confirmation` was made with the secret for `address`, and has not
        expired at `now`."""
        expected = self._confirmation_mac(confirmation.subscriber_id, address, confirmation.issued)
        fresh = (
            confirmation.issued <= now + 60 and now - confirmation.issued < _CONFIRMATION_SECONDS
        )
        return hmac.compare_digest(expected, confirmation.mac) and fresh

    def _confirmation_mac(self, subscriber_id: int, address: str, issued: int) -> str:
        message = f"confirm:{subscriber_id}:{issued}:{address_key(address)}".encode()
        digest = hmac.new(self._secret.key, message, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
