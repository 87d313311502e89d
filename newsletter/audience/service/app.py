"""The subscription service: a Starlette application (see docs/audience.md).

- `GET /subscribe` shows the form; `POST /subscribe` applies it and answers the same
  page whatever the address's state, the confirmation email going out after the answer;
- `GET /confirm` and `GET /unsubscribe` show one button and change nothing (mail
  scanners fetch every link of a message); `POST` does it: the page's form, or the
  RFC 8058 one-click body `List-Unsubscribe=One-Click` with the token in the URL.

The database is used from Starlette's thread pool: its calls block.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from newsletter.audience.addresses import address_problem, clean_name
from newsletter.audience.database import Database
from newsletter.audience.service.batch import Batch
from newsletter.audience.service.guards import Guard, RateLimit, TooLarge
from newsletter.audience.service.mail import confirmation_message, deliver, sender_of
from newsletter.audience.service.pages import Pages
from newsletter.audience.signup import (
    Confirm,
    Outcome,
    by_unsubscribe_token,
    confirm,
    confirmable,
    subscribe,
    unsubscribe_all,
)
from newsletter.audience.tokens import CONFIRMATION_DAYS, Tokens
from newsletter.model import Settings
from newsletter.sending.smtp import Server

LOG = logging.getLogger("newsletter.service")
_MAX_FIELD = 1000  # characters of a form field kept (an address is at most 254)


@dataclass(frozen=True, slots=True)
class Service:
    """What the service works with."""

    root: Path
    settings: Settings
    database: Database
    tokens: Tokens
    server: Server | None  # where confirmations go; None: no email is sent
    url: str  # the service's own URL, ending in "/"
    limit: int = 10  # subscriptions a client may make a minute


def application(service: Service) -> Guard:
    """The ASGI application of `service`, inside its guards."""
    pages = Pages(service.root, service.settings, service.url)
    limit = RateLimit(service.limit)
    sender = sender_of(service.settings) if service.server is not None else ""
    leaving: Batch[tuple[str, str], Outcome] = Batch(
        lambda requests: unsubscribe_all(service.database, service.tokens, requests)
    )

    def client(request: Request) -> str:
        return request.client.host if request.client is not None else "-"

    async def form(request: Request) -> FormData:
        try:
            return await request.form(max_files=0, max_fields=20)
        except (TooLarge, ClientDisconnect):
            raise
        except (HTTPException, ValueError, KeyError):
            raise _BadForm from None

    def field(data: FormData, name: str) -> str:
        value = data.get(name)
        return value[:_MAX_FIELD] if isinstance(value, str) else ""

    def send_confirmation(confirm: Confirm) -> None:
        assert service.server is not None
        message = confirmation_message(pages, confirm, service.url)
        problem = deliver(service.server, sender, confirm.address, message)
        if problem is not None:
            LOG.warning("the confirmation to %s was not sent: %s", confirm.address, problem)

    async def subscribe_page(request: Request) -> Response:
        return pages.page("subscribe")

    async def subscribe_post(request: Request) -> Response:
        if not limit.allow(client(request)):
            return pages.problem(429)
        data = await form(request)
        email, name = field(data, "email").strip(), clean_name(field(data, "name"))
        problem = address_problem(email)
        if problem is not None:
            error = "Please give your email address, such as ann@example.org."
            if email:
                error = f"{email} is not an email address that can be written to: {problem}."
            return pages.page("subscribe", 400, error=error, email=email, name=name)
        answer = pages.page("subscribed", days=CONFIRMATION_DAYS)
        if field(data, "website"):  # the honeypot: filled in by robots only
            LOG.info("%s filled in the hidden field: ignored", client(request))
            return answer
        double = service.settings.audience.double_opt_in
        source = f"form {client(request)}"
        due = await run_in_threadpool(
            subscribe, service.database, service.tokens, email, name, source, double
        )
        if due is not None and service.server is not None:
            answer.background = BackgroundTask(send_confirmation, due)
        return answer

    async def confirm_page(request: Request) -> Response:
        token = request.query_params.get("token", "")
        found = await run_in_threadpool(confirmable, service.database, service.tokens, token)
        if found is None:
            return pages.problem(400)
        return pages.page("confirm", email=found.email, token=token)

    async def confirm_post(request: Request) -> Response:
        data = await form(request)
        token = field(data, "token") or request.query_params.get("token", "")
        source = f"form {client(request)}"
        found = await run_in_threadpool(confirmable, service.database, service.tokens, token)
        done = await run_in_threadpool(confirm, service.database, service.tokens, token, source)
        if done is Outcome.INVALID or found is None:
            return pages.problem(400)
        return pages.page("confirmed", email=found.email)

    async def unsubscribe_page(request: Request) -> Response:
        token = request.query_params.get("token", "")
        found = await run_in_threadpool(
            by_unsubscribe_token, service.database, service.tokens, token
        )
        if found is None:
            return pages.problem(400)
        return pages.page("unsubscribe", email=found.email, token=token)

    async def unsubscribe_post(request: Request) -> Response:
        data = await form(request)
        token = request.query_params.get("token", "") or field(data, "token")
        how = "one-click" if field(data, "List-Unsubscribe") == "One-Click" else "form"
        source = f"{how} {client(request)}"
        done = await leaving.submit((token, source))
        if done is Outcome.INVALID:
            return pages.problem(400)
        return pages.page("unsubscribed")

    async def stylesheet(request: Request) -> Response:
        return pages.stylesheet()

    async def problem(request: Request, error: Exception) -> Response:
        if isinstance(error, _BadForm):
            return pages.problem(400, heading="This form cannot be read")
        if isinstance(error, TooLarge):
            return pages.problem(413)
        status = error.status_code if isinstance(error, HTTPException) else 500
        return pages.problem(status)

    app = Starlette(
        routes=[
            Route("/subscribe", subscribe_page, methods=["GET"]),
            Route("/subscribe", subscribe_post, methods=["POST"]),
            Route("/confirm", confirm_page, methods=["GET"]),
            Route("/confirm", confirm_post, methods=["POST"]),
            Route("/unsubscribe", unsubscribe_page, methods=["GET"]),
            Route("/unsubscribe", unsubscribe_post, methods=["POST"]),
            Route("/style.css", stylesheet, methods=["GET"]),
        ],
        exception_handlers={
            HTTPException: problem,
            _BadForm: problem,
            TooLarge: problem,
            Exception: problem,
        },
    )

    async def refused(status: int) -> tuple[bytes, str]:
        return bytes(pages.problem(status).body), "text/html; charset=utf-8"

    return Guard(app, refused)


class _BadForm(Exception):
    """The body is not a form that can be read."""
