"""The preview's HTTP side: the built files, each HTML page with the reload script added,
the event stream that tells pages to reload, and the preview's own pages (the email
editions at full and 375 px width).

Only responses change: the script and the problems banner are added to the bytes
sent, and links to the not-yet-published site made local (local.py), never in the
files of the build.
"""

from __future__ import annotations

import mimetypes
import posixpath
import re
import sys
from functools import cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2

from newsletter.layout import OUTPUT_ISSUES, email_files, issue_output, packaged_templates
from newsletter.serve.local import local_links
from newsletter.serve.state import PreviewState

PREFIX = "/__newsletter__/"
_KEEPALIVE_SECONDS = 10.0
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)
_EMAIL_PAGE = re.compile(r"^email/(\d+)/$")
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".eml": "text/plain; charset=utf-8",  # read in the browser rather than downloaded
}


class PreviewHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that knows the preview it serves; on 127.0.0.1 only, as
    the preview is for the editor's own browser."""

    daemon_threads = True

    def __init__(self, preview: PreviewState, port: int) -> None:
        self.preview = preview
        super().__init__(("127.0.0.1", port), PreviewHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One line instead of a traceback; a browser closing a connection is no news."""
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, ConnectionError):
            self.preview.report(f"preview: {type(error).__name__}: {error}")


class PreviewHandler(BaseHTTPRequestHandler):
    """One request: a built file, or one of the preview's own pages under /__newsletter__/."""

    server: PreviewHTTPServer
    server_version = "newsletter-preview"

    def do_GET(self) -> None:
        """Answer a GET."""
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        """Answer a HEAD: the headers of the GET."""
        self._respond(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal shows builds and problems, not every request."""

    def _respond(self, send_body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        if path.startswith(PREFIX):
            self._preview_page(path.removeprefix(PREFIX), send_body)
        else:
            self._file(path, send_body)

    # -- the built files ----------------------------------------------------------

    def _file(self, path: str, send_body: bool) -> None:
        out = self.server.preview.out
        relative = posixpath.normpath("/" + path).lstrip("/")
        file = out / relative if relative not in ("", ".") else out
        if not file.resolve().is_relative_to(out.resolve()):
            self._page(HTTPStatus.NOT_FOUND, "missing.html", send_body, path=path)
            return
        if file.is_dir():
            if not path.endswith("/"):
                self._redirect(path + "/")
                return
            file = file / "index.html"
        try:
            data = file.read_bytes()
        except OSError:
            self._page(HTTPStatus.NOT_FOUND, "missing.html", send_body, path=path)
            return
        kind = _TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0]
        kind = kind or "application/octet-stream"
        if kind.startswith("text/html"):
            data = self._with_script(local_links(data, self.server.preview.base_url, out))
        self._send(HTTPStatus.OK, kind, data, send_body)

    def _with_script(self, page: bytes) -> bytes:
        snippet = render("inject.html", **self._status()).encode("utf-8")
        ends = list(_BODY_END.finditer(page))
        if not ends:
            return page + snippet
        at = ends[-1].start()
        return page[:at] + snippet + page[at:]

    # -- the preview's own pages --------------------------------------------------

    def _preview_page(self, name: str, send_body: bool) -> None:
        if name == "events":
            self._events()
        elif name == "preview.js":
            script = (packaged_templates() / "preview" / "preview.js").read_bytes()
            self._send(HTTPStatus.OK, _TYPES[".js"], script, send_body)
        elif name == "":
            self._page(HTTPStatus.OK, "home.html", send_body, issues=self._emails())
        elif match := _EMAIL_PAGE.match(name):
            number = f"{int(match[1]):03d}"
            html = email_files(issue_output(int(number)))[0]
            exists = (self.server.preview.out / html).is_file()
            self._page(HTTPStatus.OK, "email.html", send_body, number=number, exists=exists)
        elif _EMAIL_PAGE.match(name + "/"):
            self._redirect(PREFIX + name + "/")
        else:
            self._page(HTTPStatus.NOT_FOUND, "missing.html", send_body, path=PREFIX + name)

    def _emails(self) -> list[str]:
        """The issues (folder names, newest first) whose email the build holds."""
        issues = self.server.preview.out / OUTPUT_ISSUES
        found = issues.glob("*/email.html") if issues.is_dir() else []
        return sorted((f.parent.name for f in found), reverse=True)

    def _status(self) -> dict[str, Any]:
        return self.server.preview.status()

    def _page(self, status: HTTPStatus, template: str, send_body: bool, **context: Any) -> None:
        page = render(template, **context, **self._status()).encode("utf-8")
        self._send(status, _TYPES[".html"], self._with_script(page), send_body)

    def _events(self) -> None:
        """Server-sent events: the build version now, then each time it changes."""
        preview = self.server.preview
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        sent: int | None = None
        try:
            self.wfile.write(b"retry: 500\n\n")
            while not preview.stopping.is_set():
                version = preview.wait_for_change(sent, _KEEPALIVE_SECONDS)
                if version != sent:
                    self.wfile.write(f"data: {version}\n\n".encode())
                    sent = version
                else:
                    self.wfile.write(b": still here\n\n")  # notices a closed tab
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    # -- responses ----------------------------------------------------------------

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: HTTPStatus, kind: str, data: bytes, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if send_body:
            self.wfile.write(data)


@cache
def _environment() -> jinja2.Environment:
    folder = packaged_templates() / "preview"
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **context: Any) -> str:
    """One of the preview's own pages (templates/preview/)."""
    return _environment().get_template(template).render(context)
