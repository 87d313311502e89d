"""Shared helpers: a minimal valid newsletter folder, and running the CLI."""

from __future__ import annotations

import functools
import importlib.util
import shutil
import signal
import struct
import sys
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

from newsletter.cli import main
from newsletter.errors import Problems
from newsletter.model import Newsletter
from newsletter.site import check
from tests.checkout import CheckoutGuard
from tests.postgres import PostgresServer, UnavailableError, start_postgres

if TYPE_CHECKING:
    from tests.golden import BuiltSample

REPO = Path(__file__).resolve().parent.parent  # the repository root is a sample newsletter

# A shell starts a command in the background with SIGINT ignored, which the commands the
# tests start would inherit: the tests that press Ctrl-C need Python's own handler.
signal.signal(signal.SIGINT, signal.default_int_handler)


@functools.cache
def _bench_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_build", REPO / "bench" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def generate_archive(root: Path, issues: int) -> None:
    """A large archive at `root`, made from the sample as bench/build.py makes its own."""
    _bench_build().generate_archive(REPO, root, issues)


@pytest.fixture(scope="session", autouse=True)
def _checkout_guard() -> Iterator[CheckoutGuard]:
    """The checkout's fingerprint, taken before any other fixture of the session."""
    guard = CheckoutGuard(REPO)
    yield guard
    guard.check("the teardown of the session's fixtures")


@pytest.fixture(autouse=True)
def _checkout_unchanged(
    _checkout_guard: CheckoutGuard, request: pytest.FixtureRequest
) -> Iterator[None]:
    """Fail the test that wrote into the checkout (see tests/checkout.py)."""
    yield
    # Module-scoped fixtures are torn down after this: their writes are blamed on the next test.
    _checkout_guard.check(f"{request.node.nodeid} (or a fixture it uses)")


def tiny_png() -> bytes:
    """A valid 1x1 PNG, so image handling sees a real file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


ISSUE = "content/issues/001"
SETTINGS = "content/newsletter.yaml"
ISSUE_YAML = f"{ISSUE}/issue.yaml"
ARTICLE = f"{ISSUE}/articles/first-article.md"
REPORT = f"{ISSUE}/reports/first-report.md"
SCHEDULE = f"{ISSUE}/schedule.yaml"

MINIMAL: dict[str, str | bytes] = {
    SETTINGS: (
        "title: Test Newsletter\npublisher: Test Publisher\nbase_url: https://news.example.org/\n"
        "email:\n  from: Test Publisher <news@example.org>\n"
    ),
    ISSUE_YAML: "number: 1\ndate: 2019-01-15\n",
    ARTICLE: (
        "---\n"
        "title: First article\n"
        "summary: A short summary.\n"
        "---\n"
        "Body text of the article.\n"
        "\n"
        "![A green square](images/photo.png)\n"
    ),
    f"{ISSUE}/images/photo.png": tiny_png(),
    REPORT: (
        "---\n"
        "title: First report\n"
        "dates: 2-6 July 2018\n"
        "venue: Brussels, Belgium\n"
        "event: first-report-2018\n"
        "---\n"
        "What happened at the meeting.\n"
    ),
    SCHEDULE: (
        "title: Schedule\n"
        "events:\n"
        "  - id: event-one-2019\n"
        "    title: Event one\n"
        "    dates: 24-25 Oct. 2019\n"
        "    venue: Bangkok, Thailand\n"
        "  - id: event-two-2019\n"
        "    title: Event two\n"
        "    dates: 4-8 Nov. 2019\n"
        "    venue: Suva, Fiji\n"
    ),
}


@dataclass
class Folder:
    """A newsletter folder on disk; paths are relative to its root, as in messages."""

    root: Path

    def path(self, name: str) -> Path:
        return self.root / name

    def write(self, name: str, content: str | bytes) -> Path:
        file = self.root / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return file

    def remove(self, name: str) -> None:
        file = self.root / name
        if file.is_dir():
            shutil.rmtree(file)
        else:
            file.unlink()

    def check(self) -> Problems:
        return check(self.root)


def make_folder(root: Path, overrides: Mapping[str, str | bytes | None] | None = None) -> Folder:
    """The minimal valid folder at `root`; an override of None leaves that file out."""
    files: dict[str, str | bytes | None] = {**MINIMAL, **(overrides or {})}
    folder = Folder(root)
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if content is not None:
            folder.write(name, content)
    return folder


@pytest.fixture
def folder(tmp_path: Path) -> Folder:
    """A minimal valid newsletter folder that a test changes file by file."""
    return make_folder(tmp_path / "news")


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return self.out + self.err


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run `newsletter ARGS...` in-process; returns the exit code and what it printed."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        captured = capsys.readouterr()
        code = exited.value.code
        if code is None:
            code = 0
        assert isinstance(code, int), f"exit code {code!r} is not a number"
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> BuiltSample:
    """A copy of the repository's sample newsletter, built once for the whole session.

    The copy, not the checkout: a build writes calendar/published.yaml and
    .newsletter-cache/ into the folder it builds. Tests read it and never change it; a
    test that needs to change a build makes its own (a module may define its own `site`
    fixture for that).
    """
    from tests.golden import build_sample

    return build_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="session")
def site(built_sample: BuiltSample) -> Path:
    """The output folder of the session's build of the sample."""
    return built_sample.out


@pytest.fixture(scope="session")
def sample(built_sample: BuiltSample) -> Newsletter:
    """The model of the session's copy of the sample, read once for the whole session."""
    from newsletter.site import load

    newsletter, _ = load(built_sample.root)
    return newsletter


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the session (tests/postgres.py). Where none can be
    started the tests that need it fail, saying why: they are never skipped (.ci/run
    installs Debian's postgresql)."""
    try:
        server = start_postgres()
    except UnavailableError as error:
        pytest.fail(f"{error} (.ci/run installs Debian's postgresql)")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty subscribers database: an SQLite file, then a PostgreSQL
    database, so that every test using it runs against both."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'subscribers.sqlite'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    with server.fresh_database() as url:
        yield url


@pytest.fixture
def postgres_url(postgres: PostgresServer) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (for the tests of PostgreSQL alone)."""
    with postgres.fresh_database() as url:
        yield url
