"""The subscription service as the tests meet it: a process (`python -m newsletter
subscribers serve`) on 127.0.0.1, driven over HTTP the way browsers and Gmail do, with
no cookie jar. Every start and every wait is bounded; the process is stopped however the
block ends."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from html.parser import HTMLParser
from pathlib import Path

import httpx

from tests.conftest import Folder, make_folder
from tests.sendtools import SEND_SETTINGS
from tests.smtpserver import Delivery, free_port

START_SECONDS = 30.0
REPO = Path(__file__).resolve().parent.parent
ONE_CLICK = {"Content-Type": "application/x-www-form-urlencoded"}
ONE_CLICK_BODY = b"List-Unsubscribe=One-Click"


def service_folder(root: Path, port: int, double_opt_in: bool = True) -> Folder:
    """The minimal newsletter for `send`, with the service at http://127.0.0.1:PORT/ and
    no unsubscribe URL of its own (so the service's is the default)."""
    settings = SEND_SETTINGS.replace(
        '  unsubscribe_url: "https://news.example.org/unsubscribe?t={token}"\n', ""
    )
    settings += (
        f"audience:\n  service_url: http://127.0.0.1:{port}/\n"
        f"  double_opt_in: {'true' if double_opt_in else 'false'}\n"
    )
    return make_folder(root, {"content/newsletter.yaml": settings})


@dataclass
class Running:
    """A started service: its URL and its process."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path.lstrip("/"), timeout=10)

    def post(
        self, path: str, data: dict[str, str] | None = None, **options: object
    ) -> httpx.Response:
        return httpx.post(self.url + path.lstrip("/"), data=data, timeout=10, **options)  # type: ignore[arg-type]

    def one_click(self, url: str) -> httpx.Response:
        """POST `url` exactly as Gmail does: the form-encoded one-click body, no cookie."""
        return httpx.post(url, content=ONE_CLICK_BODY, headers=ONE_CLICK, timeout=10)

    def log_text(self) -> str:
        return self.log.read_text("utf-8", "replace")


@contextmanager
def running_service(
    root: Path, port: int, smtp_port: int | None, database: str, *options: str
) -> Iterator[Running]:
    """The service of the newsletter at `root` on 127.0.0.1:`port`, for the block."""
    command = [sys.executable, "-m", "newsletter", "--root", str(root), "subscribers", "serve"]
    command += ["--port", str(port), "--database", database, *options]
    if smtp_port is not None:
        command += ["--smtp", f"127.0.0.1:{smtp_port}"]
    log = root / "service.log"
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=environment, cwd=root
        )
    try:
        _wait_for(port, process, log)
        yield Running(f"http://127.0.0.1:{port}/", process, log)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with {process.returncode}: {log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"the service did not listen on {port}: {log.read_text()}")


def ports() -> tuple[int, int]:
    """Two free ports on 127.0.0.1: the service's and the SMTP server's."""
    first = free_port()
    second = free_port()
    while second == first:
        second = free_port()
    return first, second


def body_text(delivery: Delivery) -> str:
    """The text of a delivered message."""
    message = message_from_bytes(delivery.data, policy=policy.default)
    part = message.get_body(("plain",))  # type: ignore[attr-defined]
    assert part is not None
    return str(part.get_content())


def confirmation_link(delivery: Delivery) -> str:
    """The /confirm link of a confirmation email."""
    found = re.search(r"http://127\.0\.0\.1:\d+/confirm\?token=\S+", body_text(delivery))
    assert found is not None, body_text(delivery)
    return found.group()


class Forms(HTMLParser):
    """The forms of a page: action, method and fields (name: value), as a browser sends
    them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: Sequence[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append((values.get("action", ""), values.get("method", "get"), {}))
        elif tag in ("input", "button") and self.forms and "name" in values:
            self.forms[-1][2][values["name"]] = values.get("value", "")


def forms_of(html: str) -> list[tuple[str, str, dict[str, str]]]:
    """The forms of `html`."""
    parser = Forms()
    parser.feed(html)
    return parser.forms
