"""`newsletter subscribers serve`: read the settings, open the database, give every
subscriber their unsubscribe token's hash, and serve the application with uvicorn until
stopped (SIGINT or SIGTERM)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from newsletter.audience.commands import opened
from newsletter.audience.service.app import Service, application
from newsletter.audience.signup import fill_links
from newsletter.audience.tokens import Tokens
from newsletter.errors import ContentErrors, Problems, UsageError
from newsletter.layout import check_root
from newsletter.model import Settings
from newsletter.reading.settings import read_settings
from newsletter.sending.secret import load_secret
from newsletter.sending.smtp import Server

Say = Callable[[str], None]


def serve(
    root: Path,
    url: str | None,
    host: str,
    port: int,
    server: Server | None,
    limit: int,
    say: Say,
    warn: Say,
) -> None:
    """Run the subscription service of the newsletter at `root` on `host:port`."""
    import uvicorn

    root = check_root(root)
    settings = _settings(root)
    audience = settings.audience
    if server is None and audience.double_opt_in:
        raise UsageError(
            "--smtp HOST:PORT is needed: with double opt-in (audience.double_opt_in, on by "
            "default) every subscription gets a confirmation email"
        )
    service_url = audience.service_url
    if service_url is None:
        service_url = f"http://{host}:{port}/"
        warn(
            f"warning: audience.service_url is not set in content/newsletter.yaml: links "
            f"point to {service_url}, which only this machine can reach"
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    with opened(root, url, warn) as database:
        tokens = Tokens(load_secret(root))
        filled = fill_links(database, tokens)
        service = Service(root, settings, database, tokens, server, service_url, limit)
        say(
            f"Serving the subscription service of {settings.title} on http://{host}:{port}/ "
            f"({database.label}; {filled:,} new unsubscribe tokens), as {service_url}"
        )
        uvicorn.run(
            application(service),
            host=host,
            port=port,
            access_log=False,  # the service logs one line per request itself
            log_level="warning",
            server_header=False,
            proxy_headers=True,  # the client's address from a proxy on this machine
        )


def _settings(root: Path) -> Settings:
    """content/newsletter.yaml; `ContentErrors` with every problem when it has errors."""
    problems = Problems()
    settings = read_settings(root, problems)
    if settings is None or problems.errors:
        raise ContentErrors(problems)
    return settings
