"""What stands between the internet and the service's pages: a cap on the size of a
request's body (413), a per-client limit of subscriptions (429), one log line per
request, and a last answer (500) for anything unforeseen, so that the service never
stops on bad input.

The log names the client, the method, the path without its query (which holds a
token: a credential) and the answer.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

MAX_BODY = 64 * 1024  # bytes of a request's body
LOG = logging.getLogger("newsletter.service")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Answer = Callable[[int], Awaitable[tuple[bytes, str]]]


class TooLarge(Exception):
    """The body went past `MAX_BODY` while it was read."""


class Guard:
    """ASGI middleware around the service: the size cap, the log line, the last answer.
    `answer(status)` gives the body and type of the page for a refused request."""

    def __init__(self, app: ASGIApp, answer: Answer) -> None:
        self.app = app
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [0]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            if _declared_length(scope) > MAX_BODY:
                await self._refuse(413, sending)
            else:
                await self.app(scope, _capped(receive), sending)
        except TooLarge:
            if not status[0]:
                await self._refuse(413, sending)
        except Exception:
            LOG.exception("error while answering %s %s", scope["method"], scope["path"])
            if not status[0]:
                await self._refuse(500, sending)
        client = scope.get("client") or ("-", 0)
        LOG.info(
            "%s %s %s %d %.1fms",
            client[0],
            scope["method"],
            scope["path"],
            status[0],
            (time.perf_counter() - started) * 1000,
        )

    async def _refuse(self, status: int, send: Send) -> None:
        body, kind = await self.answer(status)
        headers = [
            (b"content-type", kind.encode("latin-1")),
            (b"content-length", str(len(body)).encode("ascii")),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return MAX_BODY + 1  # not a length: refused like a long body
    return 0


def _capped(receive: Receive) -> Receive:
    """`receive`, raising `TooLarge` once the body passes `MAX_BODY` (a chunked body
    declares no length)."""
    seen = 0

    async def capped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > MAX_BODY:
                raise TooLarge
        return message

    return capped


class RateLimit:
    """At most `limit` events per client in any `window` seconds (a sliding window)."""

    def __init__(self, limit: int, window: float = 60.0, clients: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.clients = clients  # past this many clients, the idle ones are dropped
        self._seen: dict[str, deque[float]] = {}

    def allow(self, client: str, at: float | None = None) -> bool:
        """Whether `client` may have one more event now (counted when allowed)."""
        moment = time.monotonic() if at is None else at
        times = self._seen.setdefault(client, deque())
        while times and times[0] <= moment - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(moment)
        if len(self._seen) > self.clients:
            self._forget_idle(moment)
        return True

    def _forget_idle(self, moment: float) -> None:
        for client in [c for c, t in self._seen.items() if not t or t[-1] <= moment - self.window]:
            del self._seen[client]
