"""`newsletter serve`: build into a preview folder, serve it on 127.0.0.1, rebuild on change.

The preview is built into a temporary folder, never the editor's public/. A watcher
(watchfiles) sees content/, calendar/ and templates/ change and builds again, with the
pieces of the last build kept in memory: only what the change reaches is rendered
(newsletter/pieces.py). Open pages hold an event stream (`/__newsletter__/events`) and
reload when a build changed something. A build that fails keeps the last good one
online and shows its problems on every page and in the terminal.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from newsletter.errors import ContentErrors, NewsletterError, Severity, UsageError
from newsletter.layout import (
    RECORD_PATH,
    REVISIONS_PATH,
    SOURCE_FOLDERS,
    TEMP_SUFFIX,
    check_root,
)
from newsletter.render.calendar import VEvents
from newsletter.serve.handler import PreviewHTTPServer
from newsletter.serve.state import PreviewState, Report
from newsletter.store import Store

# Written by `build` itself (the calendar's published record, the feeds' revisions):
# output, not an edit.
_BUILD_WRITES = (RECORD_PATH, REVISIONS_PATH)
_WATCHER_START_SECONDS = 10.0


class PreviewServer:
    """The preview of the newsletter at `root` on http://127.0.0.1:`port`/ (0: any port)."""

    def __init__(self, root: Path, port: int = 8000, report: Report = print) -> None:
        self.root = check_root(root)
        self.port = port
        self.report = report
        self.state = PreviewState(Path(tempfile.mkdtemp(prefix="newsletter-preview-")), report)
        self.stopping = self.state.stopping
        self.vevents = VEvents()  # kept from build to build: unchanged events cost nothing
        self.store = Store(self.root, remember=True)  # and every piece, in memory too
        self._threads: list[threading.Thread] = []
        self._watching = threading.Event()  # the watcher sees changes from now on
        self._building = threading.Lock()
        self._httpd: PreviewHTTPServer | None = None

    @property
    def out(self) -> Path:
        """The preview folder the builds go to."""
        return self.state.out

    @property
    def url(self) -> str:
        """The preview's front page."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def address(self) -> tuple[str, int]:
        """The address the server listens on (after `start`)."""
        assert self._httpd is not None, "start() the preview first"
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        """Listen, build once, then serve and watch in background threads."""
        try:
            self._httpd = PreviewHTTPServer(self.state, self.port)
        except OSError as error:
            self.close()
            raise UsageError(
                f"cannot serve on 127.0.0.1:{self.port}: {error.strerror}; "
                "choose another port with --port"
            ) from None
        self.port = self.address[1]
        before = self._snapshot()
        self.rebuild(first=True)
        for target in (self._httpd.serve_forever, self._watch):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        self._watching.wait(_WATCHER_START_SECONDS)
        if self._snapshot() != before:
            self.rebuild()  # saved while the first build ran, before the watcher saw it

    def _snapshot(self) -> dict[str, int]:
        """The modification time of every watched file but the build's own."""
        times = {}
        for name in SOURCE_FOLDERS:
            for file in (self.root / name).rglob("*"):
                relative = file.relative_to(self.root).as_posix()
                with contextlib.suppress(OSError):  # gone since the listing
                    if file.is_file() and relative not in _BUILD_WRITES:
                        times[relative] = file.stat().st_mtime_ns
        return times

    def stop(self) -> None:
        """Stop serving and watching; remove the preview folder."""
        self.state.stop()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self.close()

    def close(self) -> None:
        """Remove the preview folder."""
        shutil.rmtree(self.out, ignore_errors=True)

    def __enter__(self) -> PreviewServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- building -----------------------------------------------------------------

    def rebuild(self, first: bool = False) -> None:
        """Build into the preview folder; on errors keep the last good build and show them."""
        from newsletter.site import build

        with self._building:
            self._build(build, first)

    def _build(self, build: Callable[..., Any], first: bool) -> None:
        started = time.perf_counter()
        try:
            result = build(
                self.root, self.out, preview=True, vevents=self.vevents, store=self.store
            )
        except ContentErrors as error:
            self._failed([str(p) for p in error.problems.sorted() if p.severity is Severity.ERROR])
            return
        except NewsletterError as error:
            self._failed([str(error)])
            return
        except Exception as error:  # a renderer's bug must not end the editor's preview
            self._failed([f"internal error while building: {type(error).__name__}: {error}"])
            return
        self.state.base_url = self._base_url()
        changed = result.write.written + result.write.removed
        elapsed = (time.perf_counter() - started) * 1000
        if first:
            for problem in result.problems.sorted():
                self.report(str(problem))
            self.report(f"Built {result.files} files in {elapsed:.0f} ms.")
        else:
            self.report(f"Rebuilt in {elapsed:.0f} ms: {changed} files changed.")
        self.state.succeeded(bool(changed) or first)

    def _base_url(self) -> str:
        """The built site's base URL (the settings were valid: the build succeeded)."""
        from newsletter.errors import Problems
        from newsletter.reading.settings import read_settings

        settings = read_settings(self.root, Problems())
        return settings.base_url if settings is not None else ""

    def _failed(self, problems: list[str]) -> None:
        for line in problems:
            self.report(line)
        if self.state.failed(problems):
            self.report("Not rebuilt: the preview keeps showing the last good build.")
        else:
            self.report("Nothing built yet: the preview builds again when you save a fix.")

    # -- watching -----------------------------------------------------------------

    def _watch(self) -> None:
        import watchfiles

        paths = [self.root / name for name in SOURCE_FOLDERS if (self.root / name).is_dir()]
        if not paths:
            self._watching.set()
            return
        # A short timeout makes the first (empty) yield say that the watcher is ready.
        for changes in watchfiles.watch(
            *paths,
            watch_filter=_Filter(self.root),
            debounce=400,
            step=20,
            rust_timeout=100,
            yield_on_timeout=True,
            stop_event=self.stopping,
            raise_interrupt=False,
        ):
            self._watching.set()
            if self.stopping.is_set():
                return
            if changes:
                self.rebuild()


class _Filter:
    """watchfiles' default filter (editor swap files, .git, ...), less the build's writes."""

    def __init__(self, root: Path) -> None:
        import watchfiles

        self.root = root
        self.default = watchfiles.DefaultFilter()

    def __call__(self, change: Any, path: str) -> bool:
        if not self.default(change, path) or path.endswith(TEMP_SUFFIX):
            return False
        if Path(path).name.startswith(".send"):
            return False  # `send`'s journal and secret: no output depends on them
        relative = Path(path).relative_to(self.root).as_posix()
        return relative not in _BUILD_WRITES


def serve(root: Path, port: int = 8000, report: Report = print) -> None:
    """Serve the preview until Ctrl-C (or SIGTERM); the preview folder is removed then."""
    server = PreviewServer(root, port, report)
    with _stop_on_sigterm():
        try:
            server.start()
            report(f"Serving a preview of {server.root} (built in {server.out})")
            report(f"  {server.url}  the site")
            report(f"  {server.url}__newsletter__/  the email editions, at full and 375 px width")
            watched = ", ".join(f"{n}/" for n in SOURCE_FOLDERS if (server.root / n).is_dir())
            report(f"Watching {watched} for changes. Press Ctrl-C to stop.")
            while not server.stopping.wait(3600):
                pass
        except KeyboardInterrupt:
            report("Stopped.")
        finally:
            server.stop()


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """SIGTERM stops the preview like Ctrl-C, so the preview folder is cleaned up."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
