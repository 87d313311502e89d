"""The whole loop on SQLite and PostgreSQL: a reader subscribes through the service,
confirms by the emailed link, gets issue 1 from `send`, leaves by the copy's one-click
List-Unsubscribe, and the next `send` skips them."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.audiencetools import Subscribers
from tests.conftest import ARTICLE, Folder, Run
from tests.sendtools import parse
from tests.servicetools import confirmation_link, forms_of, ports, running_service, service_folder
from tests.smtpserver import Recorder, serving

WAIT_SECONDS = 10.0


def second_issue(folder: Folder) -> None:
    folder.write("content/issues/002/issue.yaml", "number: 2\ndate: 2019-02-15\n")
    article = folder.path(ARTICLE).read_text()
    folder.write("content/issues/002/articles/second-article.md", article.split("![")[0])


def wait_for(recorder: Recorder, count: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while len(recorder.deliveries) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(recorder.deliveries) == count


def test_subscribe_confirm_send_one_click_and_the_next_send_skips(
    run_cli: Callable[..., Run], database_url: str, tmp_path: Path
) -> None:
    port, smtp_port = ports()
    folder = service_folder(tmp_path / "news", port)
    second_issue(folder)
    subscribers = Subscribers(run_cli, folder, database_url)
    assert subscribers("add", "stays@example.org").code == 0
    recorder = Recorder()
    with (
        serving(recorder, smtp_port),
        running_service(folder.root, port, smtp_port, database_url) as svc,
    ):
        assert svc.post("/subscribe", {"email": "leaves@example.org"}).status_code == 200
        wait_for(recorder, 1)
        page = httpx.get(confirmation_link(recorder.deliveries[0]), timeout=10)
        [(action, _, fields)] = forms_of(page.text)
        assert httpx.post(action, data=fields, timeout=10).status_code == 200

        def send(issue: str) -> Run:
            smtp = f"127.0.0.1:{smtp_port}"
            options = ("--database", database_url, "--root", str(folder.root))
            return run_cli("send", issue, "--smtp", smtp, *options)

        sent = send("1")
        assert sent.code == 0, sent.output
        copies = {d.recipients[0]: parse(d.data) for d in recorder.deliveries[1:]}
        assert set(copies) == {"stays@example.org", "leaves@example.org"}
        header = str(copies["leaves@example.org"]["List-Unsubscribe"])
        link = re.search(r"<(http://127\.0\.0\.1:\d+/unsubscribe\?token=[^>]+)>", header)
        assert link is not None, header
        body = copies["leaves@example.org"].get_body(("plain",))
        assert body is not None and link[1] in str(body.get_content())  # type: ignore[attr-defined]
        answer = httpx.post(
            link[1],
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=10,
        )
        assert answer.status_code == 200
        assert subscribers.statuses()["leaves@example.org"] == "unsubscribed"

        before = len(recorder.deliveries)
        assert send("2").code == 0
        assert [d.recipients for d in recorder.deliveries[before:]] == [("stays@example.org",)]


def test_without_double_opt_in_a_subscription_is_active_at_once_but_not_a_comeback(
    run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    port, smtp_port = ports()
    folder = service_folder(tmp_path / "news", port, double_opt_in=False)
    database = f"sqlite:///{tmp_path / 'list.sqlite'}"
    subscribers = Subscribers(run_cli, folder, database)
    assert subscribers("remove", "left@example.org").code == 0
    recorder = Recorder()
    with (
        serving(recorder, smtp_port),
        running_service(folder.root, port, smtp_port, database) as svc,
    ):
        assert svc.post("/subscribe", {"email": "new@example.org"}).status_code == 200
        assert svc.post("/subscribe", {"email": "left@example.org"}).status_code == 200
        # Only the person can bring back an address that left: it gets a confirmation.
        wait_for(recorder, 1)
        assert recorder.deliveries[0].recipients == ("left@example.org",)
        assert subscribers.statuses() == {
            "new@example.org": "active",
            "left@example.org": "unsubscribed",
        }
        page = httpx.get(confirmation_link(recorder.deliveries[0]), timeout=10)
        [(action, _, fields)] = forms_of(page.text)
        assert httpx.post(action, data=fields, timeout=10).status_code == 200
    assert subscribers.statuses()["left@example.org"] == "active"
