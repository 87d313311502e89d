"""One SMTP connection, which carries message after message.

A message goes as smtplib's own `sendmail` would send it (MAIL, RCPT, DATA, the
content), except that the final dot waits for `hand_over` to record, durably, that the
message is being handed over: until that dot the server keeps nothing, after it the
server may have the message whatever happens to the connection. A connection lost
after the dot, before the answer, leaves the outcome unknown (`Lost(handed_over=True)`).

The password comes only from the caller (the environment), goes only to `login`, and
is never part of a message or a repr. `--starttls` and `--ssl` verify the server's
certificate and name against the system's CAs (or `cafile`).
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from newsletter.errors import UsageError


class Security(StrEnum):
    """How the connection is protected: not at all, STARTTLS, or TLS from the start."""

    NONE = "none"
    STARTTLS = "starttls"
    SSL = "ssl"


_DEFAULT_PORTS = {Security.NONE: 25, Security.STARTTLS: 587, Security.SSL: 465}
_LOOPBACK = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True, slots=True)
class Server:
    """Where and how to connect: `--smtp`, `--starttls`/`--ssl`, `--user`, the password."""

    host: str
    port: int
    security: Security = Security.NONE
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: Path | None = None
    timeout: float = 60.0

    @property
    def label(self) -> str:
        """`host:port` (`[v6]:port`), for messages."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def loopback(self) -> bool:
        """Whether the server is on this machine (a password may then go unencrypted)."""
        return self.host in _LOOPBACK or self.host.startswith("127.")


def parse_server(text: str, security: Security) -> tuple[str, int]:
    """`HOST:PORT`, `[IPv6]:PORT` or `HOST` (the port of `security`: 25, 587, 465)."""
    value = text.strip()
    host, port = value, ""
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest.removeprefix(":") if rest.startswith(":") else rest
    elif value.count(":") == 1:
        host, port = value.split(":")
    elif ":" in value:  # host:port:more, or an IPv6 address whose port cannot be told apart
        raise UsageError(
            f"--smtp {text!r} is not HOST:PORT (e.g. smtp.example.org:587); write an IPv6 "
            "address in brackets: [2001:db8::1]:587"
        )
    bad_port = bool(port) and not (port.isdigit() and 0 < int(port) < 65536)
    if not host or bad_port or " " in host:
        raise UsageError(f"--smtp {text!r} is not HOST:PORT (e.g. smtp.example.org:587)")
    return host, int(port) if port else _DEFAULT_PORTS[security]


@dataclass(frozen=True, slots=True)
class Reply:
    """An SMTP reply: its code and its text."""

    code: int
    text: str

    @property
    def permanent(self) -> bool:
        """5xx: trying again cannot help."""
        return self.code >= 500

    def __str__(self) -> str:
        return f"{self.code} {self.text}".strip()


@dataclass(frozen=True, slots=True)
class Delivered:
    """The server took the message: 2xx after the final dot."""

    reply: Reply


@dataclass(frozen=True, slots=True)
class Refused:
    """The server said no at `stage` (MAIL, RCPT, DATA or the final dot)."""

    reply: Reply
    stage: str
    handed_over: bool


@dataclass(frozen=True, slots=True)
class Lost:
    """The connection broke; after the hand-over the outcome is unknown."""

    reason: str
    handed_over: bool


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """`hand_over` said no (another process has the recipient): not finished, not sent."""


Outcome = Delivered | Refused | Lost | Withdrawn


class ConnectError(Exception):
    """No usable connection; `permanent` when trying again cannot help (a refused login,
    a certificate that does not verify, no STARTTLS)."""

    def __init__(self, message: str, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Connection:
    """An SMTP session with `server`, opened by `open`, reopened after `close`."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self._smtp: smtplib.SMTP | None = None

    @property
    def is_open(self) -> bool:
        """Whether a session is open (a lost one is closed at once)."""
        return self._smtp is not None

    def open(self) -> None:
        """Connect, secure and log in; `ConnectError` says why not."""
        server = self.server
        where = server.label
        try:
            smtp = self._connect()
        except ssl.SSLCertVerificationError as error:
            raise ConnectError(_certificate_problem(where, error), permanent=True) from None
        except (OSError, smtplib.SMTPException) as error:
            raise ConnectError(f"cannot connect to {where}: {_reason(error)}", False) from None
        try:
            self._secure_and_login(smtp)
        except BaseException:
            _close_quietly(smtp)
            raise
        if smtp.sock is not None:
            # The final dot is a 3-byte write after the content: without this, Nagle's
            # algorithm can hold it back until the server acknowledges the content.
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._smtp = smtp

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        if server.security is Security.SSL:
            return smtplib.SMTP_SSL(
                server.host, server.port, timeout=server.timeout, context=self._tls()
            )
        return smtplib.SMTP(server.host, server.port, timeout=server.timeout)

    def _secure_and_login(self, smtp: smtplib.SMTP) -> None:
        server = self.server
        where = server.label
        try:
            smtp.ehlo()
            if server.security is Security.STARTTLS:
                if not smtp.has_extn("starttls"):
                    raise ConnectError(f"{where} does not offer STARTTLS", permanent=True)
                smtp.starttls(context=self._tls())
                smtp.ehlo()
            if server.user is not None:
                smtp.login(server.user, server.password or "")
        except ssl.SSLCertVerificationError as error:
            raise ConnectError(_certificate_problem(where, error), permanent=True) from None
        except smtplib.SMTPAuthenticationError as error:
            reply = Reply(error.smtp_code, _text(error.smtp_error))
            message = f"{where} refused the login of {server.user!r}: {reply}"
            raise ConnectError(message, permanent=True) from None
        except smtplib.SMTPNotSupportedError:
            message = f"{where} does not offer a login (AUTH) to --user {server.user!r}"
            raise ConnectError(message, permanent=True) from None
        except smtplib.SMTPResponseException as error:
            reply = Reply(error.smtp_code, _text(error.smtp_error))
            raise ConnectError(f"{where} answered {reply}", reply.permanent) from None
        except (OSError, smtplib.SMTPException) as error:
            raise ConnectError(f"lost the connection to {where}: {_reason(error)}", False) from None

    def _tls(self) -> ssl.SSLContext:
        cafile = self.server.cafile
        return ssl.create_default_context(cafile=str(cafile) if cafile else None)

    def deliver(
        self, sender: str, recipient: str, data: bytes, hand_over: Callable[[], bool]
    ) -> Outcome:
        """Send one message (`data` dot-stuffed, ending in CRLF) to `recipient`; the final
        dot only when `hand_over()` says yes."""
        smtp = self._smtp
        assert smtp is not None, "open() first"
        handed_over = False
        try:
            for stage, command in (("MAIL", f"FROM:<{sender}>"), ("RCPT", f"TO:<{recipient}>")):
                smtp.putcmd(stage.lower(), command)
                reply = _reply(smtp)
                if reply.code not in (250, 251):
                    return self._refused(reply, stage)
            smtp.putcmd("data")
            reply = _reply(smtp)
            if reply.code != 354:
                return self._refused(reply, "DATA")
            smtp.send(data)
            try:
                handed_over = hand_over()
            except BaseException:
                self.close(polite=False)  # the message must not be finished
                raise
            if not handed_over:
                self.close(polite=False)
                return Withdrawn()
            smtp.send(b".\r\n")
            reply = _reply(smtp)
        except (OSError, smtplib.SMTPException) as error:
            self.close(polite=False)
            return Lost(_reason(error), handed_over)
        if reply.code == 421:
            self.close(polite=False)
        if 200 <= reply.code < 300:
            return Delivered(reply)
        return Refused(reply, "the final dot", handed_over=True)

    def _refused(self, reply: Reply, stage: str) -> Refused:
        """A refusal before the content: the transaction is reset for the next message."""
        if reply.code == 421:
            self.close(polite=False)
        else:
            try:
                assert self._smtp is not None
                self._smtp.rset()
            except (OSError, smtplib.SMTPException):
                self.close(polite=False)
        return Refused(reply, stage, handed_over=False)

    def close(self, polite: bool = True) -> None:
        """End the session (with QUIT when `polite`); `open` starts a new one."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        if polite:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()
        _close_quietly(smtp)


def _reply(smtp: smtplib.SMTP) -> Reply:
    code, text = smtp.getreply()
    return Reply(code, _text(text))


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return " ".join(text.split())


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return str(Reply(error.smtp_code, _text(error.smtp_error)))
    if isinstance(error, socket.timeout | TimeoutError):
        return "no answer in time"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _certificate_problem(where: str, error: ssl.SSLCertVerificationError) -> str:
    return (
        f"the certificate of {where} does not verify ({error.verify_message}); "
        "give the CA that signed it with --cafile"
    )


def _close_quietly(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        smtp.close()
