"""A real SMTP server for the send tests: aiosmtpd on 127.0.0.1, with a handler that
records every delivery and answers 4xx or 5xx per recipient when told to.

Every server is stopped by the `serving` context manager that started it; every wait
here is bounded.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

HOLD_SECONDS = 30.0


@dataclass(frozen=True)
class Delivery:
    """One message the server accepted."""

    sender: str
    recipients: tuple[str, ...]
    data: bytes
    peer: str  # the client's address and port: one per connection


@dataclass
class Recorder:
    """The handler: records deliveries; refuses, delays, holds or drops as told.

    - `refuse_rcpt[address]`: the reply to RCPT for that address (e.g. "550 ...");
    - `refuse_data[address]`: the reply to the final dot of a message to it;
    - `busy_rcpt[address]` / `busy_data[address]`: how many times to answer 451 first;
    - `hold`: an address whose message is recorded, then answered only when `release`
      is set (or after HOLD_SECONDS): the client waits for an answer after the dot;
    - `drop_every`: close the connection at every n-th MAIL.
    """

    refuse_rcpt: dict[str, str] = field(default_factory=dict)
    refuse_data: dict[str, str] = field(default_factory=dict)
    busy_rcpt: Counter[str] = field(default_factory=Counter)
    busy_data: Counter[str] = field(default_factory=Counter)
    hold: str | None = None
    drop_every: int | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    rcpt_seen: Counter[str] = field(default_factory=Counter)
    mails: int = 0
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    logins: list[tuple[str, str]] = field(default_factory=list)

    @property
    def received(self) -> Counter[str]:
        """How many copies each address got."""
        return Counter(address for d in self.deliveries for address in d.recipients)

    @property
    def connections(self) -> int:
        """Connections that delivered at least one message."""
        return len({d.peer for d in self.deliveries})

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.mails += 1
        if self.drop_every and self.mails % self.drop_every == 0:
            assert server.transport is not None
            server.transport.close()
            return "421 4.3.2 closing"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.rcpt_seen[address] += 1
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        if self.busy_rcpt[address] > 0:
            self.busy_rcpt[address] -= 1
            return "451 4.3.0 busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        recipients = tuple(envelope.rcpt_tos)
        for address in recipients:
            if address in self.refuse_data:
                return self.refuse_data[address]
            if self.busy_data[address] > 0:
                self.busy_data[address] -= 1
                return "451 4.3.0 cannot take it now"
        data = envelope.original_content or b""
        peer = str(session.peer)
        self.deliveries.append(Delivery(str(envelope.mail_from), recipients, data, peer))
        if self.hold in recipients:
            self.held.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, HOLD_SECONDS)
        return "250 2.0.0 queued"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(handler: Recorder, port: int | None = None, **options: Any) -> Controller:
    """aiosmtpd with `handler` on 127.0.0.1 (`options` go to its Controller), started;
    the caller stops it (`stop_server`)."""
    controller = Controller(handler, hostname="127.0.0.1", port=port or free_port(), **options)
    controller.start()
    return controller


def stop_server(controller: Controller, handler: Recorder) -> None:
    """Stop the server (again: it may be stopped already) and free a held message."""
    if not controller.loop.is_closed():
        controller.stop()
    handler.release.set()


@contextmanager
def serving(handler: Recorder, port: int | None = None, **options: Any) -> Iterator[int]:
    """A started server for the block; yields its port and stops it however the block
    ends."""
    controller = start_server(handler, port, **options)
    try:
        yield controller.port
    finally:
        stop_server(controller, handler)
