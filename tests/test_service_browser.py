"""Headless Chromium fills in the subscribe form of a built issue page and presses its
button: the form posts to the running service, which answers and sends the
confirmation."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tests.audiencetools import Subscribers
from tests.conftest import Run
from tests.devtools import Browser
from tests.servicetools import ports, running_service, service_folder
from tests.smtpserver import Recorder, serving


def click(browser: Browser, selector: str) -> None:
    """Press the mouse on the middle of the element, as a person would."""
    box = browser.evaluate(
        f"(() => {{ const r = document.querySelector({selector!r}).getBoundingClientRect();"
        " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
    )
    for kind in ("mousePressed", "mouseReleased"):
        browser.call(
            "Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1
        )


def type_into(browser: Browser, selector: str, text: str) -> None:
    browser.evaluate(f"document.querySelector({selector!r}).focus()")
    browser.call("Input.insertText", text=text)


def test_chromium_subscribes_from_a_built_issue_page(
    run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    port, smtp_port = ports()
    folder = service_folder(tmp_path / "news", port)
    built = run_cli("build", "--root", str(folder.root))
    assert built.code == 0, built.output
    [page] = list(folder.path("public/issues").glob("*/index.html"))
    html = page.read_text()
    assert f'action="http://127.0.0.1:{port}/subscribe"' in html
    assert "unsubscribe" in html.lower()  # the footer says how to leave
    database = f"sqlite:///{tmp_path / 'list.sqlite'}"
    recorder = Recorder()
    browser = Browser(tmp_path / "profile")
    try:
        with (
            serving(recorder, smtp_port),
            running_service(folder.root, port, smtp_port, database) as svc,
        ):
            browser.open(page.as_uri())
            type_into(browser, "#subscribe-email", "chrome@example.org")
            type_into(browser, "#subscribe-name", "Chrome Reader")
            browser.call("Page.enable")
            browser.events.clear()
            click(browser, ".subscribe-form button")
            browser.wait_for("Page.loadEventFired", timeout=30)
            assert browser.evaluate("location.href") == f"{svc.url}subscribe"
            assert "Check your inbox" in browser.evaluate("document.body.innerText")
            deadline = time.monotonic() + 10
            while not recorder.deliveries and time.monotonic() < deadline:
                time.sleep(0.02)
            assert [d.recipients for d in recorder.deliveries] == [("chrome@example.org",)]
            assert browser.evaluate("document.cookie") == ""
    finally:
        browser.close()
    listed = Subscribers(run_cli, folder, database).listed()
    assert [(r["email"], r["name"], r["status"]) for r in listed] == [
        ("chrome@example.org", "Chrome Reader", "pending")
    ]
