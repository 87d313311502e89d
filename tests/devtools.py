"""Headless Chromium driven over the DevTools protocol, to watch a page reload by itself.

One browser per use, a fresh profile in a temporary folder, no network beyond
127.0.0.1, every wait bounded; `close()` ends the browser.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections import deque
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

from tests.browser import HEADLESS, chromium

FLAGS = (*HEADLESS, "--remote-debugging-port=0")
START_SECONDS = 30.0


class Browser:
    """One page of a headless Chromium: navigate, evaluate, wait for events."""

    def __init__(self, profile: Path) -> None:
        self.process = subprocess.Popen(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._closing = ExitStack()
        try:
            port = self._port(profile / "DevToolsActivePort")
            url = self._page_socket(port)
            self.socket = self._closing.enter_context(connect(url, max_size=None, open_timeout=10))
        except BaseException:
            self._end()
            raise
        self.events: deque[dict[str, Any]] = deque()
        self._next_id = 0

    def _port(self, file: Path) -> int:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.process.returncode}")
            text = file.read_text() if file.exists() else ""
            if "\n" in text:
                return int(text.split("\n")[0])
            time.sleep(0.05)
        raise TimeoutError("chromium did not open its DevTools port")

    def _page_socket(self, port: int) -> str:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                pages = [t for t in json.load(r) if t.get("type") == "page"]
            if pages:
                return str(pages[0]["webSocketDebuggerUrl"])
            time.sleep(0.05)
        raise TimeoutError("chromium has no page")

    def call(self, method: str, timeout: float = 10.0, **params: Any) -> dict[str, Any]:
        """Send one command and return its result; events seen meanwhile are kept."""
        self._next_id += 1
        self.socket.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 10.0) -> float:
        """Wait for `event`; returns time.monotonic() when it arrived."""
        deadline = time.monotonic() + timeout
        while True:
            while self.events:
                if self.events.popleft().get("method") == event:
                    return time.monotonic()
            message = self._receive(deadline)
            if message.get("method") == event:
                return time.monotonic()

    def _receive(self, deadline: float) -> dict[str, Any]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("chromium did not answer in time")
        data: dict[str, Any] = json.loads(self.socket.recv(timeout=left))
        return data

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def emulate(self, width: int, color_scheme: str = "light", height: int = 900) -> None:
        """Lay pages out `width` px wide (no scrollbar taking a part of it), with
        `prefers-color-scheme: color_scheme`."""
        self.call("Emulation.setScrollbarsHidden", hidden=True)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.call(
            "Emulation.setEmulatedMedia",
            features=[{"name": "prefers-color-scheme", "value": color_scheme}],
        )

    def open(self, url: str) -> None:
        """Navigate and wait until the page has loaded."""
        self.call("Page.enable")
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired", timeout=30)

    def close(self) -> None:
        try:
            self._closing.close()
        finally:
            self._end()

    def _end(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
