"""The subscription service as a process on 127.0.0.1, driven over HTTP: subscribe,
the confirmation mail caught by aiosmtpd and its link followed as a browser follows it,
one-click unsubscribes as Gmail sends them, and the hostile requests."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from newsletter.sending.secret import load_secret
from tests.audiencetools import Subscribers
from tests.conftest import Folder, Run
from tests.servicetools import (
    ONE_CLICK,
    confirmation_link,
    forms_of,
    ports,
    running_service,
    service_folder,
)
from tests.smtpserver import Recorder, serving

WAIT_SECONDS = 10.0


@pytest.fixture
def news(tmp_path: Path) -> Iterator[tuple[Folder, int]]:
    port, smtp = ports()
    yield service_folder(tmp_path / "news", port), smtp


def wait_for_mail(recorder: Recorder, count: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while len(recorder.deliveries) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(recorder.deliveries) >= count, "no confirmation email came"


def follow(link: str) -> httpx.Response:
    """What a browser does with a link: GET it, then submit the page's one form."""
    page = httpx.get(link, timeout=10)
    assert page.status_code == 200, page.text
    [(action, method, fields)] = forms_of(page.text)
    assert method == "post"
    return httpx.post(action, data=fields, timeout=10)


def service_url(folder: Folder) -> str:
    text = folder.path("content/newsletter.yaml").read_text()
    return text.split("service_url: ")[1].split()[0]


def test_subscribe_confirm_and_one_click_unsubscribe(
    run_cli: Callable[..., Run], news: tuple[Folder, int], tmp_path: Path
) -> None:
    folder, smtp_port = news
    database = f"sqlite:///{tmp_path / 'list.sqlite'}"
    subscribers = Subscribers(run_cli, folder, database)
    recorder = Recorder()
    port = int(service_url(folder).rsplit(":", 1)[1].strip("/"))
    with (
        serving(recorder, smtp_port),
        running_service(folder.root, port, smtp_port, database) as svc,
    ):
        form = svc.get("/subscribe")
        assert form.status_code == 200 and "set-cookie" not in form.headers
        assert "<script" not in form.text and 'name="email"' in form.text
        answer = svc.post("/subscribe", {"email": "Ann@Example.org", "name": "Ann\r\nBcc: x <b>"})
        assert answer.status_code == 200 and "set-cookie" not in answer.headers
        wait_for_mail(recorder, 1)
        assert subscribers.statuses() == {"Ann@Example.org": "pending"}
        assert subscribers.listed()[0]["name"] == "Ann Bcc: x <b>"  # one line of text
        [mail] = recorder.deliveries
        assert mail.recipients == ("Ann@Example.org",)
        assert b"\nBcc:" not in mail.data
        link = confirmation_link(mail)

        # The same answer, and no second email within 10 minutes, whatever the state.
        again = svc.post("/subscribe", {"email": "ann@example.org"})
        assert again.text == answer.text
        # A scanner's GET changes nothing.
        for _ in range(3):
            assert httpx.get(link, timeout=10).status_code == 200
        assert subscribers.statuses() == {"Ann@Example.org": "pending"}
        confirmed = follow(link)
        assert confirmed.status_code == 200 and "subscribed" in confirmed.text
        assert subscribers.statuses() == {"Ann@Example.org": "active"}
        assert svc.post("/subscribe", {"email": "ann@example.org"}).text == answer.text
        time.sleep(0.3)
        assert len(recorder.deliveries) == 1

        # The unsubscribe token `send` puts in every copy, one-click as Gmail posts it.
        token = load_secret(folder.root).token("ann@example.org")
        unsubscribe = f"{svc.url}unsubscribe?token={token}"
        # An unsubscribe token never confirms, nor a confirmation token unsubscribes.
        assert svc.get(f"/confirm?token={token}").status_code == 400
        confirm_token = link.split("token=")[1]
        assert svc.one_click(f"{svc.url}unsubscribe?token={confirm_token}").status_code == 400
        assert svc.get(f"/unsubscribe?token={token}").status_code == 200  # changes nothing
        assert subscribers.statuses() == {"Ann@Example.org": "active"}
        first = svc.one_click(unsubscribe)
        assert first.status_code == 200 and not first.is_redirect
        assert subscribers.statuses() == {"Ann@Example.org": "unsubscribed"}
        assert svc.one_click(unsubscribe).text == first.text  # a repeat: the same answer
        history = subscribers.shown("ann@example.org")["history"]
        assert [c["source"] for c in history][-1] == "one-click 127.0.0.1"
        # The old confirmation link does not undo the unsubscription.
        assert svc.post("/confirm", {"token": confirm_token}).status_code == 400
        assert subscribers.statuses() == {"Ann@Example.org": "unsubscribed"}
        log = svc.log_text()
    assert log.count(" POST /unsubscribe ") == 3
    assert token not in log  # tokens are credentials: never logged


def test_an_imported_reader_leaves_by_the_link_of_an_old_copy_also_in_multipart(
    run_cli: Callable[..., Run], news: tuple[Folder, int], tmp_path: Path
) -> None:
    folder, smtp_port = news  # nobody subscribes: no email goes to it
    database = f"sqlite:///{tmp_path / 'list.sqlite'}"
    subscribers = Subscribers(run_cli, folder, database)
    port = int(service_url(folder).rsplit(":", 1)[1].strip("/"))
    secret = load_secret(folder.root)
    with running_service(folder.root, port, smtp_port, database) as svc:
        assert subscribers("add", "bob@example.org").code == 0  # after the service started
        assert subscribers("add", "cy@example.org").code == 0
        url = f"{svc.url}unsubscribe?token={secret.token('bob@example.org')}"
        multipart = httpx.post(url, files={"List-Unsubscribe": (None, "One-Click")}, timeout=10)
        assert multipart.status_code == 200
        page = httpx.get(f"{svc.url}unsubscribe?token={secret.token('cy@example.org')}")
        assert page.status_code == 200 and "cy@example.org" in page.text
        assert subscribers.statuses()["cy@example.org"] == "active"
        [(action, _, fields)] = forms_of(page.text)
        assert httpx.post(action, data=fields, timeout=10).status_code == 200
    assert subscribers.statuses() == {
        "bob@example.org": "unsubscribed",
        "cy@example.org": "unsubscribed",
    }


def test_hostile_requests_get_a_clear_answer_and_change_nothing(
    run_cli: Callable[..., Run], news: tuple[Folder, int], tmp_path: Path
) -> None:
    folder, smtp_port = news
    database = f"sqlite:///{tmp_path / 'list.sqlite'}"
    subscribers = Subscribers(run_cli, folder, database)
    assert subscribers("add", "dee@example.org").code == 0
    good = load_secret(folder.root).token("dee@example.org")
    recorder = Recorder()
    port = int(service_url(folder).rsplit(":", 1)[1].strip("/"))
    with (
        serving(recorder, smtp_port),
        running_service(folder.root, port, smtp_port, database) as svc,
    ):
        large = svc.post("/subscribe", content=b"email=" + b"a" * 70_000, headers=ONE_CLICK)
        assert large.status_code == 413
        chunked = httpx.post(
            f"{svc.url}subscribe", content=iter([b"email="] + [b"a" * 8192] * 10), headers=ONE_CLICK
        )
        assert chunked.status_code == 413
        bad = svc.post("/subscribe", {"email": "<script>alert(1)</script>@x", "name": "n"})
        assert bad.status_code == 400 and "<script>" not in bad.text
        assert "&lt;script&gt;" in bad.text and 'name="email"' in bad.text
        assert svc.post("/subscribe", {"email": ""}).status_code == 400
        garbled = svc.post(
            "/subscribe",
            content=b"--x\r\nbroken",
            headers={"Content-Type": "multipart/form-data; boundary=x"},
        )
        assert garbled.status_code == 400
        trap = svc.post("/subscribe", {"email": "bot@example.org", "website": "http://spam"})
        assert trap.status_code == 200
        for forged in (
            good[:-1] + ("A" if good[-1] != "A" else "B"),
            good[:10],
            "<b>x</b>",
            "%00",
            "1.2.x",
        ):
            one_click = svc.one_click(f"{svc.url}unsubscribe?token={forged}")
            assert one_click.status_code == 400 and "<b>x</b>" not in one_click.text
            assert svc.get(f"/unsubscribe?token={forged}").status_code == 400
            assert svc.get(f"/confirm?token={forged}").status_code == 400
            assert svc.post("/confirm", {"token": forged}).status_code == 400
        forged_confirm = svc.post("/confirm", {"token": "1.1700000000.AAAAAAAAAAAAAAAAAAAAAA"})
        assert forged_confirm.status_code == 400
        assert svc.post("/unsubscribe", {"List-Unsubscribe": "One-Click"}).status_code == 400
        assert svc.get("/nothing-here").status_code == 404
        assert svc.process.poll() is None  # still running
        assert subscribers.statuses() == {"dee@example.org": "active"}
        # The per-client limit: 10 a minute, then 429 (the trap and the bad ones count).
        answers = [
            svc.post("/subscribe", {"email": f"r{n}@example.org"}).status_code for n in range(12)
        ]
        assert answers.count(429) >= 2 and 429 not in answers[:4]
        other = svc.post(
            "/subscribe", {"email": "far@example.org"}, headers={"X-Forwarded-For": "203.0.113.9"}
        )
        assert other.status_code == 200  # another client behind the proxy has its own count
        log = svc.log_text()
    assert "bot@example.org" not in subscribers.statuses()
    requests = [
        line for line in log.splitlines() if " 127.0.0.1 " in line or " 203.0.113.9 " in line
    ]
    assert len(requests) >= 40
    assert "Traceback" not in log
