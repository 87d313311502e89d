"""A small IMAP4rev1 server for the `bounces` tests: implicit TLS (IMAPS) on 127.0.0.1 and
a free port, one user, folders preloaded with messages (bytes).

It implements what imaplib and `mailboxes.Imap` use, no more: CAPABILITY, LOGIN (a wrong
password gets NO), SELECT/EXAMINE, SEARCH and UID SEARCH (ALL only), FETCH and UID FETCH
of BODY.PEEK[] or BODY[], STORE and UID STORE +FLAGS/-FLAGS/FLAGS, EXPUNGE, UID EXPUNGE
(UIDPLUS), CLOSE, NOOP and LOGOUT. It records every command (`Imapd.commands`) and every
message it expunged (`Imapd.expunged`).

`serving(...)` starts it in a thread and stops it on exit; every wait here is bounded.
"""

from __future__ import annotations

import re
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

WAIT_SECONDS = 10.0  # the longest any socket here waits for the other side
UIDVALIDITY = 1715670000
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|\([^)]*\)|[^\s()"]+')


@dataclass
class Message:
    """One message of a folder: its UID, its bytes and its flags."""

    uid: int
    data: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class Imapd:
    """The server's state: the user, the folders, and what the clients did."""

    user: str
    password: str
    folders: dict[str, list[Message]] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)  # "LOGIN", "UID FETCH", ...
    expunged: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def load(self, folder: str, messages: list[bytes], flags: set[str] | None = None) -> None:
        """Add `messages` to `folder` (made if need be), with `flags`."""
        box = self.folders.setdefault(folder, [])
        for data in messages:
            uid = max((m.uid for m in box), default=0) + 1
            box.append(Message(uid, data, set(flags or ())))

    def left(self, folder: str = "INBOX") -> list[bytes]:
        """The messages still in `folder`."""
        return [m.data for m in self.folders.get(folder, [])]


class _Session:
    """One client's connection: read a command line, answer it, until LOGOUT."""

    def __init__(self, server: Imapd, stream: ssl.SSLSocket) -> None:
        self.server = server
        self.stream = stream
        self.reader = stream.makefile("rb")
        self.user: str | None = None
        self.folder: list[Message] | None = None
        self.readonly = False

    def send(self, line: bytes | str) -> None:
        self.stream.sendall((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def run(self) -> None:
        self.send("* OK [CAPABILITY IMAP4rev1 UIDPLUS] test server ready")
        while line := self.reader.readline(65536):
            tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
            words = _TOKEN.findall(rest)
            if not words:
                self.send(tag + b" BAD no command")
                continue
            name = words[0].decode().upper()
            if name == "UID" and len(words) > 1:
                name, words = "UID " + words[1].decode().upper(), words[1:]
            with self.server.lock:
                self.server.commands.append(name)
                answer = self.answer(name, [_unquote(w) for w in words[1:]])
            self.send(tag + b" " + answer.encode())
            if name == "LOGOUT":
                return

    def answer(self, name: str, args: list[bytes]) -> str:
        """Send the untagged responses of one command; return its tagged status."""
        if name == "CAPABILITY":
            self.send("* CAPABILITY IMAP4rev1 UIDPLUS")
        elif name == "NOOP":
            pass
        elif name == "LOGOUT":
            self.send("* BYE logging out")
        elif name == "LOGIN" and len(args) == 2:
            user, password = (a.decode("utf-8", "replace") for a in args)
            if (user, password) != (self.server.user, self.server.password):
                return "NO [AUTHENTICATIONFAILED] Invalid credentials"
            self.user = user
        elif self.user is None:
            return f"BAD {name}: log in first"
        elif name in ("SELECT", "EXAMINE") and len(args) == 1:
            return self.select(args[0].decode(), name)
        elif self.folder is None:
            return f"BAD {name}: select a folder first"
        elif name in ("SEARCH", "UID SEARCH"):
            by_uid = name.startswith("UID")
            found = [str(m.uid if by_uid else n) for n, m in enumerate(self.folder, 1)]
            self.send(" ".join(["* SEARCH", *found]))
        elif name in ("FETCH", "UID FETCH") and len(args) == 2:
            for number, message in self.chosen(args[0], name):
                data = message.data
                if not args[1].upper().startswith(b"(BODY.PEEK[]"):
                    message.flags.add("\\Seen")
                head = f"* {number} FETCH (UID {message.uid} BODY[] {{{len(data)}}}"
                self.send(head.encode() + b"\r\n" + data + b")")
        elif name in ("STORE", "UID STORE") and len(args) == 3 and not self.readonly:
            flags = set(args[2].strip(b"()").decode().split())
            for number, message in self.chosen(args[0], name):
                how = args[1].upper().split(b".")[0]
                if how == b"+FLAGS":
                    message.flags |= flags
                elif how == b"-FLAGS":
                    message.flags -= flags
                else:
                    message.flags = set(flags)
                shown = " ".join(sorted(message.flags))
                self.send(f"* {number} FETCH (UID {message.uid} FLAGS ({shown}))")
        elif name in ("EXPUNGE", "UID EXPUNGE", "CLOSE") and not self.readonly:
            only = {m.uid for _, m in self.chosen(args[0], name)} if args else None
            self.expunge(only, quiet=name == "CLOSE")
            if name == "CLOSE":
                self.folder = None
        elif name == "CLOSE":
            self.folder = None
        else:
            return f"BAD {name}: not understood here"
        return f"OK {name} completed"

    def select(self, folder: str, name: str) -> str:
        if folder.upper() == "INBOX":
            folder = "INBOX"
        self.folder = self.server.folders.get(folder)
        if self.folder is None:
            return f"NO [NONEXISTENT] no folder {folder}"
        self.readonly = name == "EXAMINE"
        next_uid = max((m.uid for m in self.folder), default=0) + 1
        self.send("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)")
        self.send(f"* {len(self.folder)} EXISTS")
        self.send("* 0 RECENT")
        self.send(f"* OK [UIDVALIDITY {UIDVALIDITY}] UIDs valid")
        self.send(f"* OK [UIDNEXT {next_uid}] predicted next UID")
        return f"OK [{'READ-ONLY' if self.readonly else 'READ-WRITE'}] {name} completed"

    def chosen(self, numbers: bytes, name: str) -> Iterator[tuple[int, Message]]:
        """The (sequence number, message) pairs a sequence set (UIDs for UID ...) names."""
        assert self.folder is not None
        by_uid = name.startswith("UID")
        top = max((m.uid for m in self.folder), default=0) if by_uid else len(self.folder)
        wanted: set[int] = set()
        for part in numbers.decode().split(","):
            low, _, high = part.partition(":")
            ends = [top if end == "*" else int(end) for end in (low, high or low)]
            wanted.update(range(min(ends), max(ends) + 1))
        for number, message in enumerate(self.folder, 1):
            if (message.uid if by_uid else number) in wanted:
                yield number, message

    def expunge(self, only: set[int] | None, quiet: bool) -> None:
        assert self.folder is not None
        number = 1
        for message in list(self.folder):
            if "\\Deleted" in message.flags and (only is None or message.uid in only):
                self.folder.remove(message)
                self.server.expunged.append(message.data)
                if not quiet:
                    self.send(f"* {number} EXPUNGE")
            else:
                number += 1


def _unquote(word: bytes) -> bytes:
    if word.startswith(b'"') and word.endswith(b'"') and len(word) > 1:
        return re.sub(rb"\\(.)", rb"\1", word[1:-1])
    return word


@contextmanager
def serving(server: Imapd, context: ssl.SSLContext) -> Iterator[int]:
    """Serve `server` over TLS (`context`) on 127.0.0.1; yield its port; stop on exit."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    sessions: list[threading.Thread] = []

    def handle(connection: socket.socket) -> None:
        connection.settimeout(WAIT_SECONDS)
        try:
            with context.wrap_socket(connection, server_side=True) as stream:
                _Session(server, stream).run()
        except (OSError, ssl.SSLError):
            pass  # a client that does not trust the certificate, or went away
        finally:
            connection.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=handle, args=(connection,), daemon=True)
            sessions.append(thread)
            thread.start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        acceptor.join(WAIT_SECONDS)
        listener.close()
        for thread in sessions:
            thread.join(WAIT_SECONDS)
