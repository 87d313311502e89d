"""The confirmation email of a subscription, sent over SMTP with `send`'s options.

The address and the name come from the form: the address is checked to be a plain
address before it gets here and goes to SMTP apart from the message; the name is one
line of text (`clean_name`), encoded by the email package, so neither can add a
recipient or a header.
"""

from __future__ import annotations

import re
import secrets
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, getaddresses

from newsletter.audience.service.pages import Pages
from newsletter.audience.signup import Confirm
from newsletter.audience.tokens import CONFIRMATION_DAYS
from newsletter.errors import ContentError
from newsletter.layout import SETTINGS_PATH
from newsletter.model import Settings
from newsletter.sending.smtp import Connection, Delivered, Server

_LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)


def sender_of(settings: Settings) -> str:
    """The address confirmations come from (`email.from`); `ContentError` without one."""
    value = settings.email.sender or ""
    address = getaddresses([value])[0][1] if value else ""
    if "@" not in address:
        raise ContentError(
            SETTINGS_PATH,
            None,
            'email.from must be set (e.g. "Newsletter <news@example.org>"): confirmation '
            "emails come from it",
            field="email.from",
            value=value,
        )
    return address


def confirmation_message(pages: Pages, confirm: Confirm, service: str) -> bytes:
    """The confirmation email of `confirm`, as bytes with CRLF line ends."""
    settings = pages.settings
    link = f"{service}confirm?token={confirm.token}"
    message = EmailMessage(policy=SMTP)
    message["From"] = settings.email.sender or ""
    message["To"] = confirm.address
    message["Subject"] = f"Confirm your subscription to {settings.title}"
    message["Date"] = formatdate(localtime=False)
    domain = sender_of(settings).rpartition("@")[2]
    message["Message-ID"] = f"<confirm.{secrets.token_hex(12)}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to it
    text = pages.text(
        "service/confirmation.txt", name=confirm.name, link=link, days=CONFIRMATION_DAYS
    )
    message.set_content(text, cte="quoted-printable")
    return message.as_bytes()


def deliver(server: Server, sender: str, recipient: str, data: bytes) -> str | None:
    """Hand `data` to `server` for `recipient`; None when it took it, else why not."""
    connection = Connection(server)
    try:
        connection.open()
        outcome = connection.deliver(sender, recipient, _LEADING_DOT.sub(b"..", data), lambda: True)
    except Exception as error:
        return str(error) or type(error).__name__
    finally:
        connection.close()
    if isinstance(outcome, Delivered):
        return None
    return str(outcome)
