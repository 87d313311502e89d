"""`--starttls` and `--ssl` against aiosmtpd with a certificate from a throwaway CA
(trustme): delivered when the CA is trusted (`--cafile`), refused when it is not."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from tests.conftest import Folder, Run
from tests.sendtools import addresses, send_folder, write_list
from tests.smtpserver import Recorder, serving

RunCli = Callable[..., Run]


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server_context(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def cafile(authority: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return path


def send_to(run_cli: RunCli, news: Folder, port: int, recipients: Path, *options: str) -> Run:
    return run_cli(
        "send", "1", "--recipients", str(recipients), "--smtp", f"127.0.0.1:{port}",
        "--root", str(news.root), *options,
    )  # fmt: skip


def test_starttls_verifies_the_certificate(
    tmp_path: Path, run_cli: RunCli, server_context: ssl.SSLContext, cafile: Path
) -> None:
    news = send_folder(tmp_path / "news")
    people = addresses(3)
    recipients = write_list(news, people)
    recorder = Recorder()
    options = {"tls_context": server_context, "require_starttls": True}
    with serving(recorder, **options) as port:
        untrusted = send_to(run_cli, news, port, recipients, "--starttls")
        trusted = send_to(run_cli, news, port, recipients, "--starttls", "--cafile", str(cafile))
    assert untrusted.code == 1
    assert "the certificate of 127.0.0.1" in untrusted.err
    assert "does not verify" in untrusted.err and "nothing was sent" in untrusted.err
    assert trusted.code == 0, trusted.output
    assert recorder.received == dict.fromkeys(people, 1)


def test_ssl_verifies_the_certificate(
    tmp_path: Path, run_cli: RunCli, server_context: ssl.SSLContext, cafile: Path
) -> None:
    news = send_folder(tmp_path / "news")
    people = addresses(2)
    recipients = write_list(news, people)
    recorder = Recorder()
    with serving(recorder, ssl_context=server_context) as port:
        untrusted = send_to(run_cli, news, port, recipients, "--ssl")
        trusted = send_to(run_cli, news, port, recipients, "--ssl", "--cafile", str(cafile))
    assert untrusted.code == 1
    assert "does not verify" in untrusted.err
    assert "Traceback" not in untrusted.output
    assert trusted.code == 0, trusted.output
    assert recorder.received == dict.fromkeys(people, 1)


def test_starttls_refused_when_the_server_does_not_offer_it(
    tmp_path: Path, run_cli: RunCli, cafile: Path
) -> None:
    news = send_folder(tmp_path / "news")
    recipients = write_list(news, addresses(2))
    recorder = Recorder()
    with serving(recorder) as port:
        result = send_to(run_cli, news, port, recipients, "--starttls", "--cafile", str(cafile))
    assert result.code == 1
    assert "does not offer STARTTLS" in result.err
    assert recorder.mails == 0
