"""`newsletter serve` on a copy of the sample: pages over HTTP, edits arriving, errors shown,
the email preview, and headless Chromium reloading a page by itself.

Every wait is bounded in time and in count; every server is stopped by its test.
"""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from newsletter.serve.server import PreviewServer
from tests.conftest import Run
from tests.devtools import Browser
from tests.sample import copy_sample

ARTICLE = "content/issues/062/articles/environmental-crime.md"
ARTICLE_PAGE = "issues/062/environmental-crime/"
SCRIPT = '<script src="/__newsletter__/preview.js" data-version="'
WAIT_SECONDS = 15.0
POLL_SECONDS = 0.05


@dataclass
class Running:
    root: Path
    server: PreviewServer
    lines: list[str] = field(default_factory=list)

    def get(self, path: str) -> tuple[int, str, str]:
        """Status, content type and text of a page of the preview."""
        return fetch(self.server.url + path)

    def edit(self, name: str, change: Callable[[str], str]) -> None:
        file = self.root / name
        file.write_text(change(file.read_text(encoding="utf-8")), encoding="utf-8")


def fetch(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read().decode("utf-8")
            return response.status, response.headers["Content-Type"], body
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode("utf-8")


def wait_until(condition: Callable[[], bool], what: str) -> float:
    """Poll `condition` until it holds; returns the seconds it took."""
    start = time.monotonic()
    for _ in range(int(WAIT_SECONDS / POLL_SECONDS)):
        if condition():
            return time.monotonic() - start
        time.sleep(POLL_SECONDS)
    pytest.fail(f"not within {WAIT_SECONDS} s: {what}")


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[Running]:
    root = copy_sample(tmp_path / "news")
    lines: list[str] = []
    server = PreviewServer(root, 0, lines.append)
    server.start()
    try:
        yield Running(root, server, lines)
    finally:
        server.stop()


def test_serves_the_build_on_loopback_with_the_reload_script(preview: Running) -> None:
    assert preview.server.address[0] == "127.0.0.1"
    status, kind, page = preview.get("")
    assert (status, kind) == (200, "text/html; charset=utf-8")
    assert SCRIPT + "1" in page and page.index(SCRIPT) < page.rindex("</body>")
    status, _, issue = preview.get("issues/062/")
    assert status == 200 and "Essay on Combating Environmental Crime" in issue
    _, kind, css = preview.get("style.css")
    assert kind.startswith("text/css") and "__newsletter__" not in css
    built = [p for p in preview.server.out.rglob("*") if p.is_file()]
    assert len(built) > 20
    assert not [p for p in built if b"__newsletter__" in p.read_bytes()]


def test_an_edit_arrives(preview: Running) -> None:
    preview.edit(ARTICLE, lambda text: text + "\nA sentence added in the preview test.\n")
    wait_until(
        lambda: "A sentence added in the preview test." in preview.get(ARTICLE_PAGE)[2],
        "the edited article",
    )
    # The files are written before the terminal hears of it.
    wait_until(lambda: any(line.startswith("Rebuilt in ") for line in preview.lines), "report")


def test_a_preview_never_records_a_publication(preview: Running) -> None:
    record = preview.root / "calendar/published.yaml"
    before = record.read_bytes() if record.exists() else None
    preview.edit(
        "content/issues/062/schedule.yaml",
        lambda text: text.replace("24-25 Oct. 2018", "23-25 Oct. 2018"),
    )
    wait_until(
        lambda: "DTSTART;VALUE=DATE:20181023" in preview.get("calendar.ics")[2], "the moved event"
    )
    # Each file is replaced whole, one after another (calendar.ics before events/): wait
    # for the event's own file too.
    own = "events/16th-meeting-of-heads-of-the-wco-a-p-regional-training-centers-2018.ics"
    wait_until(lambda: "DTSTART;VALUE=DATE:20181023" in preview.get(own)[2], "its own file")
    assert "SEQUENCE:1" in preview.get(own)[2]
    assert (record.read_bytes() if record.exists() else None) == before


def test_a_content_error_is_shown_and_the_last_good_build_stays(preview: Running) -> None:
    preview.edit(ARTICLE, lambda text: text.replace("title:", "title: [unclosed", 1))
    problem = f"{ARTICLE}:3: invalid YAML"
    wait_until(lambda: problem in preview.get(ARTICLE_PAGE)[2], "the problem in the page")
    status, _, page = preview.get(ARTICLE_PAGE)
    assert status == 200 and "Essay on Combating Environmental Crime" in page
    assert 'id="newsletter-preview-problems"' in page
    assert any(line.startswith(problem) for line in preview.lines)
    wait_until(
        lambda: "Not rebuilt: the preview keeps showing the last good build." in preview.lines,
        "the terminal told",
    )
    preview.edit(ARTICLE, lambda text: text.replace("title: [unclosed", "title:", 1))
    wait_until(lambda: problem not in preview.get(ARTICLE_PAGE)[2], "the problem gone")


def test_a_preview_that_starts_broken_builds_once_fixed(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "news")
    settings = root / "content/newsletter.yaml"
    good = settings.read_text()
    settings.write_text(good.replace("base_url: https://", "base_url: http://"))
    lines: list[str] = []
    with PreviewServer(root, 0, lines.append) as server:
        status, _, page = fetch(server.url)
        assert status == 404 and "Nothing could be built yet." in page
        assert "content/newsletter.yaml:3: base_url:" in page
        assert "Nothing built yet: the preview builds again when you save a fix." in lines
        settings.write_text(good)
        wait_until(lambda: fetch(server.url)[0] == 200, "the first good build")
    assert not server.out.exists()


def test_the_event_stream_announces_each_build(preview: Running) -> None:
    connection = http.client.HTTPConnection(*preview.server.address, timeout=WAIT_SECONDS)
    try:
        connection.request("GET", "/__newsletter__/events")
        response = connection.getresponse()
        assert response.headers["Content-Type"] == "text/event-stream"

        def next_data() -> str:
            for _ in range(20):
                line = response.fp.readline().decode().strip()
                if line.startswith("data: "):
                    return line.removeprefix("data: ")
            pytest.fail("no data line in the event stream")

        first = next_data()
        preview.edit(ARTICLE, lambda text: text + "\nStreamed.\n")
        assert int(next_data()) == int(first) + 1
    finally:
        connection.close()


def test_the_email_preview_pages(preview: Running) -> None:
    _, _, home = preview.get("__newsletter__/")
    assert '<a href="/__newsletter__/email/062/">Issue 62</a>' in home
    status, _, page = preview.get("__newsletter__/email/62")
    assert status == 200  # redirected to .../email/62/
    assert '<iframe src="/issues/062/email.html"' in page
    assert 'data-width="phone"' in page and ".frame.phone { width: 375px; }" in page
    status, kind, email = preview.get("issues/062/email.html")
    assert (status, kind) == (200, "text/html; charset=utf-8")
    assert SCRIPT in email
    assert b"__newsletter__" not in (preview.server.out / "issues/062/email.html").read_bytes()


class _Images(HTMLParser):
    """The `src` of every <img>, and every `href`, of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "img" and found.get("src"):
            self.images.append(str(found["src"]))
        if found.get("href"):
            self.links.append(str(found["href"]))


def test_the_email_preview_shows_its_images_from_the_preview(preview: Running) -> None:
    _, _, home = preview.get("__newsletter__/")
    numbers = re.findall(r'href="/__newsletter__/email/(\d+)/"', home)
    assert len(numbers) >= 2
    images = []
    for number in numbers:
        _, _, page = preview.get(f"__newsletter__/email/{number}/")
        frame = re.search(r'<iframe src="([^"]+)"', page)
        assert frame is not None
        email_url = urljoin(preview.server.url, frame[1])
        status, _, email = fetch(email_url)
        assert status == 200
        parsed = _Images()
        parsed.feed(email)
        assert parsed.images or number != "061", "the sample's issue 61 shows a photo"
        for src in parsed.images:
            url = urljoin(email_url, src)
            assert url.startswith(preview.server.url), src
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200 and response.headers["Content-Type"] == "image/png"
                built = preview.server.out / urlsplit(url).path.lstrip("/")
                assert response.read() == built.read_bytes()
            images.append(src)
        assert f"/issues/{number}/" in parsed.links  # the web edition, in the preview
        assert "https://newsletter.example.org/unsubscribe?token={token}" in parsed.links
        on_disk = (preview.server.out / f"issues/{number}/email.html").read_text("utf-8")
        assert 'src="/issues/' not in on_disk and "https://newsletter.example.org/" in on_disk
    assert images


def test_pages_that_are_not_there(preview: Running) -> None:
    status, _, page = preview.get("issues/099/")
    assert status == 404 and "/issues/099/" in page and SCRIPT in page
    for path in ("/../content/newsletter.yaml", "/%2e%2e/%2e%2e/etc/passwd", "/__newsletter__/x"):
        connection = http.client.HTTPConnection(*preview.server.address, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            assert response.status == 404, path
            assert b"base_url" not in response.read()
        finally:
            connection.close()


def test_a_port_in_use_is_a_usage_error(
    tmp_path: Path, run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_sample(tmp_path / "news")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port), "--root", str(root))
    assert result.code == 2
    assert f"cannot serve on 127.0.0.1:{port}" in result.err
    assert "Traceback" not in result.output
    assert not list(tmp_path.glob("newsletter-preview-*"))


def test_serve_refuses_a_missing_folder(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    result = run_cli("serve", "--root", str(tmp_path / "nowhere"))
    assert result.code == 2 and "does not exist" in result.err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_serve_command_runs_until_interrupted(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "news")
    temp = tmp_path / "tmp"
    temp.mkdir()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "newsletter", "serve", "--port", str(port), "--root", str(root)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(temp)},
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or ()])
    reader.start()
    try:
        seen = []
        while not any("Press Ctrl-C to stop" in line for line in seen):
            seen.append(lines.get(timeout=60))
        assert f"http://127.0.0.1:{port}/" in "".join(seen)
        assert fetch(f"http://127.0.0.1:{port}/issues/062/")[0] == 200
        assert list(temp.glob("newsletter-preview-*"))
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        reader.join(timeout=10)
    errors = process.stderr.read() if process.stderr else ""
    assert "Traceback" not in errors
    assert "Stopped." in "".join(seen) + "".join(lines.queue)
    assert not list(temp.glob("newsletter-preview-*"))


def test_chromium_reloads_the_page_by_itself(preview: Running, tmp_path: Path) -> None:
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(preview.server.url + ARTICLE_PAGE)
        scripts = "document.querySelectorAll('script[src=\"/__newsletter__/preview.js\"]').length"
        assert browser.evaluate(scripts) == 1
        assert browser.evaluate("!!document.getElementById('newsletter-preview-badge')")
        time.sleep(0.3)  # the page opens its event stream
        browser.events.clear()
        marker = "Reloaded by itself in the browser."
        started = time.monotonic()
        preview.edit(ARTICLE, lambda text: text + f"\n{marker}\n")
        loaded = browser.wait_for("Page.loadEventFired", timeout=WAIT_SECONDS)
        assert marker in browser.evaluate("document.body.innerText")
        assert loaded - started < 5.0  # measured on the sample: about 0.3 s

        browser.open(preview.server.url + "__newsletter__/email/062/")
        email = "document.querySelector('#frame iframe').contentDocument.documentElement"
        browser.evaluate("document.querySelector('button[data-width=phone]').click()")
        wait_until(lambda: browser.evaluate(email + ".clientWidth") == 375, "the 375 px view")
        assert browser.evaluate(email + ".scrollHeight") > 1000  # the whole email, unclipped
    finally:
        browser.close()
