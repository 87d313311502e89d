"""The mailboxes `bounces` reads: an mbox file, a Maildir folder, or an IMAP folder over
TLS (`imaps://user@host[:port]/FOLDER`, the password in NEWSLETTER_IMAP_PASSWORD).

Each gives its messages one at a time as (key, bytes), or an error for one it cannot
read, and deletes only the keys it is told to, at the end (`close`). IMAP messages are
fetched with BODY.PEEK, so reading one does not mark it seen, and deleted with UID
EXPUNGE where the server has it (UIDPLUS), so that no other message marked deleted goes.
"""

from __future__ import annotations

import contextlib
import imaplib
import mailbox
import re
import ssl
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from newsletter.errors import UsageError

PASSWORD_VARIABLE = "NEWSLETTER_IMAP_PASSWORD"
_TIMEOUT = 30.0  # seconds an IMAP server may take to answer
_FETCH = 100  # messages an IMAP FETCH asks for at once
_FORMS = "an mbox file, a Maildir folder or imaps://user@host[:port]/FOLDER"


class Mailbox(Protocol):
    """A source of messages."""

    label: str

    def messages(self) -> Iterator[tuple[str, bytes | OSError]]:
        """Each message's key and bytes, or the error that kept it from being read."""

    def delete(self, key: str) -> None:
        """Mark the message `key` for deletion (done by `close`)."""

    def close(self) -> None:
        """Delete what was marked, and let go of the mailbox."""


def open_mailbox(source: str, environ: Mapping[str, str], cafile: Path | None = None) -> Mailbox:
    """The mailbox `source` names; `UsageError` when it names none or cannot be opened."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", source, re.IGNORECASE):
        return Imap.connect(source, environ, cafile)
    path = Path(source)
    if path.is_dir():
        if not (path / "cur").is_dir() or not (path / "new").is_dir():
            raise UsageError(f"{source}: a folder but not a Maildir (no cur/ and new/): {_FORMS}")
        return FileMailbox(source, mailbox.Maildir(path, factory=None, create=False))
    if path.is_file():
        return FileMailbox(source, mailbox.mbox(path, factory=None, create=False))
    raise UsageError(f"{source}: no such file or folder; a source is {_FORMS}")


class FileMailbox:
    """An mbox file or a Maildir folder (the standard library's `mailbox`)."""

    def __init__(self, label: str, box: mailbox.Mailbox[mailbox.Message]) -> None:
        self.label = label
        self.box = box
        self._doomed: list[str] = []
        self._keys: dict[str, str] = {}  # an mbox's keys are numbers, a Maildir's names

    def messages(self) -> Iterator[tuple[str, bytes | OSError]]:
        for key in list(self.box.keys()):
            self._keys[str(key)] = key  # typeshed types them str; an mbox gives ints
            try:
                yield str(key), self.box.get_bytes(key)
            except KeyError:
                continue  # taken away by another program meanwhile
            except OSError as error:
                yield str(key), error

    def delete(self, key: str) -> None:
        self._doomed.append(key)

    def close(self) -> None:
        try:
            if self._doomed:
                self.box.lock()
                try:
                    for key in self._doomed:
                        self.box.discard(self._keys[key])
                    self.box.flush()
                finally:
                    self.box.unlock()
        finally:
            self.box.close()


class Imap:
    """One folder of an IMAP server, over TLS."""

    def __init__(self, label: str, client: imaplib.IMAP4_SSL) -> None:
        self.label = label
        self.client = client
        self._doomed: list[str] = []

    @classmethod
    def connect(cls, url: str, environ: Mapping[str, str], cafile: Path | None) -> Imap:
        """Log in to the server `url` names and select its folder."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "imaps":
            raise UsageError(f"{url}: only imaps:// (IMAP over TLS) is read; a source is {_FORMS}")
        if not parts.hostname or not parts.username:
            raise UsageError(f"{url}: the user and the host are needed: {_FORMS}")
        password = environ.get(PASSWORD_VARIABLE)
        if not password:
            raise UsageError(f"{url}: set {PASSWORD_VARIABLE} to the password of the mailbox")
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        label = f"imaps://{parts.username}@{parts.hostname}:{parts.port or 993}/{folder}"
        context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
        try:
            client = imaplib.IMAP4_SSL(
                parts.hostname, parts.port or 993, ssl_context=context, timeout=_TIMEOUT
            )
        except ssl.SSLCertVerificationError as error:
            raise UsageError(
                f"{label}: the certificate of {parts.hostname} does not verify "
                f"({error.verify_message}); give the CA that signed it with --cafile"
            ) from None
        except (OSError, ssl.SSLError) as error:
            raise UsageError(f"{label}: cannot connect: {_reason(error)}") from None
        user = unquote(parts.username)
        try:
            try:
                client.login(user, password)
            except imaplib.IMAP4.error as error:
                raise UsageError(
                    f"{label}: the server refused the login as {user} "
                    f"(check {PASSWORD_VARIABLE}): {_reason(error)}"
                ) from None
            kind, _ = client.select(_quoted(folder))
            if kind != "OK":
                raise UsageError(f"{label}: the server has no folder {folder!r}")
        except (imaplib.IMAP4.error, OSError, UnicodeError, UsageError) as error:
            _log_out(client)
            if isinstance(error, UsageError):
                raise
            raise UsageError(f"{label}: {_reason(error)}") from None
        return cls(label, client)

    def messages(self) -> Iterator[tuple[str, bytes | OSError]]:
        try:
            kind, data = self.client.uid("SEARCH", "ALL")
        except (imaplib.IMAP4.error, OSError) as error:
            raise UsageError(f"{self.label}: cannot list the messages: {_reason(error)}") from None
        uids = data[0].split() if kind == "OK" and data and data[0] else []
        for start in range(0, len(uids), _FETCH):
            batch = [u.decode("ascii") for u in uids[start : start + _FETCH]]
            yield from self._fetch(batch)

    def _fetch(self, uids: list[str]) -> Iterator[tuple[str, bytes | OSError]]:
        try:
            kind, data = self.client.uid("FETCH", ",".join(uids), "(BODY.PEEK[])")
        except (imaplib.IMAP4.error, OSError) as error:
            for uid in uids:
                yield uid, OSError(f"the server did not give it: {_reason(error)}")
            return
        got: dict[str, bytes] = {}
        for item in data if kind == "OK" else []:
            if isinstance(item, tuple) and len(item) == 2:
                match = re.search(rb"UID (\d+)", item[0])
                if match is not None:
                    got[match.group(1).decode("ascii")] = item[1]
        for uid in uids:
            yield uid, got[uid] if uid in got else OSError("the server did not give it")

    def delete(self, key: str) -> None:
        self._doomed.append(key)

    def close(self) -> None:
        """Mark the messages read `\\Deleted` and expunge them: with UID EXPUNGE (UIDPLUS)
        only them; a server without UIDPLUS expunges every message marked deleted."""
        try:
            if self._doomed:
                uids = ",".join(self._doomed)
                kind, data = self.client.uid("STORE", uids, "+FLAGS", r"(\Deleted)")
                if kind != "OK":
                    raise imaplib.IMAP4.error(_reason(data[0] if data else kind))
                if "UIDPLUS" in self.client.capabilities:
                    self.client.uid("EXPUNGE", uids)
                else:
                    self.client.expunge()
            self.client.logout()
        except (imaplib.IMAP4.error, OSError) as error:
            _log_out(self.client)
            raise UsageError(
                f"{self.label}: could not delete the messages read (they stay, and are not "
                f"counted again): {_reason(error)}"
            ) from None


def _log_out(client: imaplib.IMAP4) -> None:
    """Log out if the server still listens; `logout` closes the connection in any case."""
    with contextlib.suppress(imaplib.IMAP4.error, OSError):
        client.logout()


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _reason(error: BaseException | bytes | str) -> str:
    if isinstance(error, bytes):
        return error.decode("utf-8", "replace")
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    text = str(error)
    return text[2:-1] if text.startswith("b'") else text or type(error).__name__
