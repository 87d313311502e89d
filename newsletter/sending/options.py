"""The options of `newsletter send` made into a `Request`, each misuse a `UsageError`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from newsletter.errors import UsageError
from newsletter.sending.request import Request
from newsletter.sending.smtp import Security, Server, parse_server

PASSWORD_VARIABLE = "NEWSLETTER_SMTP_PASSWORD"
_PART = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


def make_request(
    issue: int,
    *,
    recipients: Path | None,
    smtp: str | None,
    user: str | None,
    starttls: bool,
    ssl: bool,
    cafile: Path | None,
    rate: int | None,
    dry_run: bool,
    test: str | None,
    resend_unknown: bool,
    part: str | None,
    environ: Mapping[str, str],
    database: str | None = None,
) -> Request:
    """The request the options make; the password is read from `environ` only."""
    if dry_run and test is not None:
        raise UsageError("--dry-run and --test exclude each other")
    server = smtp_server(smtp, user, starttls, ssl, cafile, environ, dry_run)
    if server is None and not dry_run:
        raise UsageError("--smtp HOST:PORT is needed to send (the server to hand the mail to)")
    return Request(
        issue=issue,
        recipients=recipients,
        server=server,
        rate=rate,
        dry_run=dry_run,
        test=test,
        resend_unknown=resend_unknown,
        part=_part(part) if part is not None else None,
        database=database,
    )


def smtp_server(
    smtp: str | None,
    user: str | None,
    starttls: bool,
    ssl: bool,
    cafile: Path | None,
    environ: Mapping[str, str],
    dry_run: bool = False,
) -> Server | None:
    """The SMTP server the options name (None without --smtp); the password is read
    from `environ` only."""
    if starttls and ssl:
        raise UsageError("--starttls and --ssl exclude each other: choose the one the server uses")
    security = Security.STARTTLS if starttls else Security.SSL if ssl else Security.NONE
    if cafile is not None and security is Security.NONE:
        raise UsageError("--cafile is for --starttls or --ssl")
    if smtp is None:
        return None
    host, port = parse_server(smtp, security)
    password = environ.get(PASSWORD_VARIABLE) if user is not None else None
    server = Server(host, port, security, user, password, cafile)
    if user is not None and not dry_run:
        if not password:
            raise UsageError(f"--user {user!r} needs the password in {PASSWORD_VARIABLE}")
        if security is Security.NONE and not server.loopback:
            raise UsageError("--user would send the password unencrypted: add --starttls or --ssl")
    return server


def _part(text: str) -> tuple[int, int]:
    match = _PART.fullmatch(text)
    if match is None or not 1 <= int(match[1]) <= int(match[2]):
        raise UsageError(f"--part {text!r} is not K/N with 1 <= K <= N (e.g. 2/4)")
    return int(match[1]), int(match[2])
