"""A real PostgreSQL server for the tests: `initdb` and `pg_ctl` in a temporary folder,
listening on 127.0.0.1 only, on a free port, trusting local TCP connections.

The server binaries are Debian's (`/usr/lib/postgresql/*/bin`, package `postgresql`,
which `.ci/run` installs) or whatever `pg_config --bindir` names. PostgreSQL refuses to
run as root: as root, every server command runs as the `postgres` system user, in a
folder that user owns. The server is started once per session, when a test first asks
for it, and stopped at the session's end; each test gets a database of its own.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.smtpserver import free_port

START_SECONDS = 60.0
_names = itertools.count(1)


def server_binaries() -> Path | None:
    """The folder of `initdb`, `pg_ctl` and `postgres`, or None when they are missing."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False, timeout=30
        ).stdout.strip()
        if bindir and (Path(bindir) / "initdb").exists():
            return Path(bindir)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class PostgresServer:
    """A running server; `database()` makes a fresh database and gives its URL."""

    bin: Path
    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def database(self) -> str:
        """A new, empty database; its URL."""
        name = f"test_{os.getpid()}_{next(_names)}"
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop(self, url: str) -> None:
        """Drop the database of `url` (its connections are ended first)."""
        name = url.rsplit("/", 1)[1]
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def sql(self, statement: str, database: str = "postgres") -> None:
        """Run one statement outside a transaction (CREATE DATABASE needs that)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=10) as db:
            db.execute(statement.encode())

    def stop(self) -> None:
        """Stop the server (fast: open sessions are ended) and remove its folder."""
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            _run(self.bin / "pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres() -> PostgresServer:
    """initdb, then pg_ctl start, in a new temporary folder; `UnavailableError` when the
    server binaries are missing."""
    binaries = server_binaries()
    if binaries is None:
        raise UnavailableError(
            "PostgreSQL server binaries not found (Debian: apt-get install postgresql)"
        )
    folder = Path(tempfile.mkdtemp(prefix="newsletter-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = PostgresServer(binaries, folder, free_port())
    try:
        _run(
            binaries / "initdb", "-D", str(server.data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {server.port} -k {folder} "
            "-c fsync=on -c max_connections=50 -c shared_buffers=32MB"
        )
        _run(
            binaries / "pg_ctl", "start", "-D", str(server.data), "-w", "-t", "60",
            "-l", str(folder / "server.log"), "-o", options,
        )  # fmt: skip
        _wait_until_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


class UnavailableError(Exception):
    """No PostgreSQL server can be started here."""


def _run(*command: str | Path) -> None:
    arguments = [str(part) for part in command]
    if os.geteuid() == 0:
        arguments = ["runuser", "-u", "postgres", "--", *arguments]
    try:
        subprocess.run(
            arguments,
            check=True,
            capture_output=True,
            text=True,
            timeout=START_SECONDS,
            cwd="/",  # the postgres user may not be able to enter the current folder
        )
    except subprocess.CalledProcessError as error:
        raise UnavailableError(f"{' '.join(arguments)} failed: {error.stderr}") from None


def _wait_until_ready(server: PostgresServer) -> None:
    import psycopg

    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            server.sql("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A started server for the block, stopped however the block ends."""
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()
