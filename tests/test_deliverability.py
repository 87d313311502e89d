"""What receiving mail systems check in each copy `send` delivers, read from the raw
bytes aiosmtpd received (never through `email.policy.default`, which silently decodes
an encoded-word that Gmail would not): the one-click List-Unsubscribe header for any
URL length, DKIM signatures held to dkimpy's verifier, Message-ID, Reply-To and
Feedback-ID, and the refusal to send an email Gmail would clip."""

from __future__ import annotations

import base64
import io
import quopri
import re
from collections.abc import Callable
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from newsletter.errors import ContentError
from newsletter.layout import SECRET_PATH
from newsletter.sending.request import Request
from newsletter.sending.run import send
from newsletter.sending.secret import load_secret
from newsletter.sending.smtp import Server
from newsletter.site import check
from tests.conftest import ARTICLE, ISSUE, SCHEDULE, Folder, Run
from tests.sendtools import FAST, SEND_SETTINGS, send_folder, write_list
from tests.smtpserver import Delivery, Recorder, serving

# A fixed secret, so the tokens are known: several hold "_" or "-", which an encoded-word
# would turn into a space or split.
SECRET = "5f" * 32 + "\n"
READERS = [(f"reader{n:02d}@example.org", f"Reader Nº{n}") for n in range(24)]
MAILTO = b"<mailto:leave@example.org?subject=unsubscribe>"
SELECTOR = "news2026"


def settings(url: str = "https://news.example.org/unsubscribe?t={token}", extra: str = "") -> str:
    text = SEND_SETTINGS.replace("https://news.example.org/unsubscribe?t={token}", url)
    return text + extra


def url_of_length(length: int) -> str:
    """An unsubscribe URL template that is `length` characters once the token is in."""
    fixed = len("https://n.io/") + len("?t=") + 22
    assert length >= fixed
    return "https://n.io/" + "u" * (length - fixed) + "?t={token}"


def deliver(
    folder: Folder, readers: list[tuple[str, str]] = READERS, **request: object
) -> list[Delivery]:
    folder.write(SECRET_PATH, SECRET).chmod(0o600)
    recipients = write_list(folder, [list(reader) for reader in readers])
    recorder = Recorder()
    with serving(recorder) as port:
        summary = send(
            folder.root,
            Request(1, recipients, Server("127.0.0.1", port), **request),  # type: ignore[arg-type]
            lambda line: None,
            io.StringIO(),
            FAST,
        )
    assert summary.exit_code == 0, summary.lines
    return recorder.deliveries


def raw_header(data: bytes, name: bytes) -> list[bytes]:
    """Every field `name` of the message's head, byte for byte with its folding."""
    head = data.split(b"\r\n\r\n", 1)[0] + b"\r\n"
    fields: list[bytes] = []
    for line in head.split(b"\r\n")[:-1]:
        if line[:1] in (b" ", b"\t"):
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    return [f + b"\r\n" for f in fields if f.lower().startswith(name.lower() + b":")]


def parts(data: bytes) -> list[bytes]:
    """The decoded bodies of the text and HTML parts."""
    body = data.split(b"\r\n\r\n", 1)[1]
    boundary = re.search(rb'boundary="([^"]+)"', data).group(1)  # type: ignore[union-attr]
    chunks = body.split(b"--" + boundary)[1:-1]
    return [quopri.decodestring(chunk.split(b"\r\n\r\n", 1)[1]) for chunk in chunks]


@pytest.mark.parametrize("length", [40, 76, 100, 150, 250])
def test_list_unsubscribe_is_written_as_bytes_for_any_url_length(
    tmp_path: Path, length: int
) -> None:
    folder = send_folder(tmp_path / "news")
    template = url_of_length(length)
    folder.write("content/newsletter.yaml", settings(template))
    deliveries = deliver(folder)
    secret = load_secret(folder.root)
    tokens = []
    for delivery in deliveries:
        (address,) = delivery.recipients
        token = secret.token(address)
        tokens.append(token)
        url = template.replace("{token}", token).encode("ascii")
        assert len(url) == length
        assert raw_header(delivery.data, b"List-Unsubscribe") == [
            b"List-Unsubscribe: <" + url + b">,\r\n " + MAILTO + b"\r\n"
        ]
        assert b"=?" not in delivery.data.split(b"\r\n\r\n", 1)[0].split(b"List-Id")[1]
        assert raw_header(delivery.data, b"List-Unsubscribe-Post") == [
            b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        ]
        text, html = parts(delivery.data)
        prefix = template.split("{token}")[0].encode()
        found = set(re.findall(re.escape(prefix) + rb"([A-Za-z0-9_-]+)", text + html))
        assert found == {token.encode()}, address  # the body's links: the header's token
    assert len(set(tokens)) == len(READERS)
    assert any("_" in t or "-" in t for t in tokens)


# --- DKIM -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def dns_value(key: rsa.RSAPrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def dns(key: rsa.RSAPrivateKey, domain: str = "example.org") -> Callable[..., bytes | None]:
    """dkimpy's DNS lookup hook, answering for the selector's record only."""
    record = f"v=DKIM1; k=rsa; p={dns_value(key)}".encode()

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name == f"{SELECTOR}._domainkey.{domain}.".encode() else None

    return lookup


def dkim_folder(tmp_path: Path, key: rsa.RSAPrivateKey, block: str = "") -> Folder:
    folder = send_folder(tmp_path / "news")
    key_file = tmp_path / "keys" / "dkim.pem"
    key_file.parent.mkdir(exist_ok=True)
    key_file.write_bytes(pem(key))
    key_file.chmod(0o600)
    block = block or f"    key_file: {key_file}\n"
    extra = f"  feedback_id: newsletter:rocb-ap\n  dkim:\n    selector: {SELECTOR}\n{block}"
    folder.write("content/newsletter.yaml", settings(url_of_length(150), extra))
    return folder


def test_every_copy_is_signed_and_verifies(tmp_path: Path, key: rsa.RSAPrivateKey) -> None:
    folder = dkim_folder(tmp_path, key)
    deliveries = deliver(folder, READERS[:8])
    lookup = dns(key)
    for delivery in deliveries:
        data = delivery.data
        assert data.startswith(b"DKIM-Signature: ")
        assert dkim.verify(data, dnsfunc=lookup), delivery.recipients
        (signature,) = raw_header(data, b"DKIM-Signature")
        tags = dict(
            tag.strip().split("=", 1)
            for tag in re.sub(r"\s+", "", signature.decode()[16:]).split(";")
            if tag
        )
        assert tags["c"] == "relaxed/relaxed" and tags["d"] == "example.org"
        signed = tags["h"].split(":")
        for name in (
            *("from", "to", "subject", "date", "message-id", "mime-version", "content-type"),
            *("list-id", "list-unsubscribe", "list-unsubscribe-post", "feedback-id"),
        ):
            assert name in signed, name
        assert max(len(line) for line in signature.split(b"\r\n")) <= 78
        # Changing what RFC 8058 requires to be signed breaks the signature.
        tampered = data.replace(
            b"List-Unsubscribe: <https://n.io/", b"List-Unsubscribe: <https://x.io/"
        )
        assert tampered != data and not dkim.verify(tampered, dnsfunc=lookup)
        added = data.replace(
            b"\r\nSubject:", b"\r\nList-Unsubscribe: <https://evil.example/>\r\nSubject:", 1
        )
        assert not dkim.verify(added, dnsfunc=lookup)  # signed once more than present


def test_a_key_of_another_domain_does_not_verify(tmp_path: Path, key: rsa.RSAPrivateKey) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (delivery,) = deliver(dkim_folder(tmp_path, key), READERS[:1])
    assert not dkim.verify(delivery.data, dnsfunc=dns(other))


def test_signing_domain_can_be_set(tmp_path: Path, key: rsa.RSAPrivateKey) -> None:
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(pem(key))
    key_file.chmod(0o600)
    folder = dkim_folder(tmp_path, key, f"    key_file: {key_file}\n    domain: mail.example.net\n")
    (delivery,) = deliver(folder, READERS[:1])
    assert b"d=mail.example.net;" in raw_header(delivery.data, b"DKIM-Signature")[0]
    assert dkim.verify(delivery.data, dnsfunc=dns(key, "mail.example.net"))


def test_a_relative_key_file_is_read_from_the_root(tmp_path: Path, key: rsa.RSAPrivateKey) -> None:
    folder = dkim_folder(tmp_path, key, "    key_file: keys/dkim.pem\n")
    folder.write("keys/dkim.pem", pem(key)).chmod(0o600)
    (delivery,) = deliver(folder, READERS[:1])
    assert dkim.verify(delivery.data, dnsfunc=dns(key))


def dkim_errors(folder: Folder) -> list[str]:
    return [str(p) for p in check(folder.root).errors if "email.dkim" in p.message]


def test_check_reports_a_key_others_can_read(
    tmp_path: Path, key: rsa.RSAPrivateKey, run_cli: Callable[..., Run]
) -> None:
    folder = dkim_folder(tmp_path, key)
    (tmp_path / "keys" / "dkim.pem").chmod(0o644)
    (error,) = dkim_errors(folder)
    assert error.startswith("content/newsletter.yaml: email.dkim.key_file")
    assert "can be read by others than you: chmod 600" in error
    result = run_cli(
        "send",
        "1",
        "--root",
        str(folder.root),
        "--dry-run",
        "--recipients",
        str(write_list(folder, ["a@example.org"])),
    )
    assert result.code == 1 and "chmod 600" in result.output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot be read: No such file or directory"),
        (b"not a key\n", "is not a PEM private key"),
    ],
)
def test_check_reports_a_key_that_cannot_be_used(
    tmp_path: Path, key: rsa.RSAPrivateKey, content: bytes | None, expected: str
) -> None:
    folder = dkim_folder(tmp_path, key)
    file = tmp_path / "keys" / "dkim.pem"
    if content is None:
        file.unlink()
    else:
        file.write_bytes(content)
    (error,) = dkim_errors(folder)
    assert expected in error


def test_a_key_inside_the_content_is_refused(tmp_path: Path, key: rsa.RSAPrivateKey) -> None:
    folder = dkim_folder(tmp_path, key, "    key_file: content/dkim.pem\n")
    folder.write("content/dkim.pem", pem(key)).chmod(0o600)
    (error,) = dkim_errors(folder)
    assert "is inside content/, which is published or committed" in error


def test_check_compares_the_key_with_its_dns_record(tmp_path: Path, key: rsa.RSAPrivateKey) -> None:
    key_file = tmp_path / "keys" / "dkim.pem"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for record, errors in ((dns_value(key), 0), (dns_value(other), 1)):
        quoted = f'"v=DKIM1; k=rsa; " "p={record}"'
        block = f"    key_file: {key_file}\n    public_key: '{quoted}'\n"
        folder = dkim_folder(tmp_path, key, block)
        found = dkim_errors(folder)
        assert len(found) == errors, found
    assert "does not match the private key" in found[0]
    assert f"{SELECTOR}._domainkey.example.org" in found[0]


def test_bad_dkim_settings_are_errors_with_their_key(tmp_path: Path) -> None:
    folder = send_folder(tmp_path / "news")
    extra = (
        "  feedback_id: 'a:b:c:d:e'\n  dkim:\n    selector: 'not a selector'\n    public_key: xyz\n"
    )
    folder.write("content/newsletter.yaml", settings(extra=extra))
    messages = [str(p) for p in check(folder.root).errors]
    assert any("email.feedback_id" in m and "one to three identifiers" in m for m in messages)
    assert any("email.dkim.selector" in m and "not a DNS name" in m for m in messages)
    assert any("email.dkim.key_file" in m for m in messages)  # required
    assert any("email.dkim.public_key" in m and "p= value" in m for m in messages)


# --- the other headers ----------------------------------------------------------------


def test_feedback_id_message_id_and_reply_to(tmp_path: Path, key: rsa.RSAPrivateKey) -> None:
    folder = dkim_folder(tmp_path, key)
    deliveries = deliver(folder, READERS[:4])
    for delivery in deliveries:
        assert raw_header(delivery.data, b"Feedback-ID") == [
            b"Feedback-ID: 001:newsletter:rocb-ap\r\n"
        ]
        # Reply-To differs from From in SEND_SETTINGS: it stays.
        assert raw_header(delivery.data, b"Reply-To") == [b"Reply-To: editor@example.org\r\n"]
        (line,) = raw_header(delivery.data, b"Message-ID")
        assert len(line) - 2 <= 78


def test_no_reply_to_when_it_is_from(tmp_path: Path) -> None:
    folder = send_folder(tmp_path / "news")
    folder.write(
        "content/newsletter.yaml", settings().replace("editor@example.org", "NEWS@example.org")
    )
    (delivery,) = deliver(folder, READERS[:1])
    assert raw_header(delivery.data, b"Reply-To") == []


@pytest.mark.parametrize(
    "host", ["news.example.org", "newsletter.regional-office-for-capacity-building.example.org"]
)
def test_message_id_lines_keep_within_78(tmp_path: Path, host: str) -> None:
    folder = send_folder(tmp_path / "news")
    text = settings().replace("base_url: https://news.example.org/", f"base_url: https://{host}/")
    folder.write("content/newsletter.yaml", text)
    deliveries = deliver(folder, READERS[:6])
    ids = set()
    for delivery in deliveries:
        (field,) = raw_header(delivery.data, b"Message-ID")
        assert all(len(line) <= 78 for line in field.split(b"\r\n"))
        found = re.fullmatch(rb"Message-ID:\s+(<[^>\s]+@([^>\s]+)>)\r\n", field)
        assert found is not None, field
        assert host.endswith(found[2].decode())  # the host, or its domain when too long
        ids.add(found[1])
    assert len(ids) == 6


# --- the size budget ------------------------------------------------------------------


def long_schedule(count: int) -> str:
    lines = ["title: Schedule\nevents:\n"]
    for n in range(count):
        lines.append(
            f"  - id: workshop-{n:03d}-2019\n"
            f"    title: Regional workshop number {n} on customs valuation and rules of origin\n"
            f"    dates: {1 + n % 28} Nov. 2019\n"
            f"    venue: Conference Centre {n}, Bangkok, Thailand\n"
        )
    return "".join(lines)


def test_send_refuses_an_email_gmail_would_clip(
    tmp_path: Path, run_cli: Callable[..., Run]
) -> None:
    folder = send_folder(tmp_path / "news")
    folder.write(SCHEDULE, long_schedule(500))
    recipients = write_list(folder, ["ann@example.org"])
    recorder = Recorder()
    with serving(recorder) as port:
        result = run_cli(
            "send",
            "1",
            "--root",
            str(folder.root),
            "--recipients",
            str(recipients),
            "--smtp",
            f"127.0.0.1:{port}",
        )
        assert result.code == 1, result.output
        assert re.search(r"the email of issue 1 is [\d,]{7,} bytes as sent", result.output)
        assert "over the 90,000-byte budget" in result.output
        assert recorder.deliveries == []
        test = run_cli(
            "send",
            "1",
            "--root",
            str(folder.root),
            "--test",
            "editor@example.org",
            "--smtp",
            f"127.0.0.1:{port}",
        )
        assert test.code == 0, test.output
        assert len(recorder.deliveries) == 1  # the editor can see what is too long
    with pytest.raises(ContentError):
        send(
            folder.root,
            Request(1, recipients, Server("127.0.0.1", 1), dry_run=True),
            lambda line: None,
            io.StringIO(),
            FAST,
        )
    assert f"{ISSUE}/issue.yaml" in str(check(folder.root).warnings)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\r\n",
        b"\r\n\r\n",
        b"one line",
        b"a  b \t c  \r\n\r\n\r\n",
        b"x \r\n y\r\n\t\r\n",
        b"=3D  soft=\r\nbreak \r\nend",
        " ünïcode  text \r\n".encode(),
    ],
)
def test_body_canonicalisation_is_dkimpys(body: bytes) -> None:
    from dkim.canonicalization import Relaxed

    from newsletter.sending.dkim import relaxed_body

    assert relaxed_body(body) == Relaxed.canonicalize_body(body)


def test_the_text_part_is_sent_format_flowed(tmp_path: Path) -> None:
    (delivery,) = deliver(send_folder(tmp_path / "news"), READERS[:1])
    assert (
        b'Content-Type: text/plain; charset="utf-8"; format=flowed; delsp=no\r\n' in delivery.data
    )
    assert b'Content-Type: text/html; charset="utf-8"\r\n' in delivery.data
    # Every line within 78 but List-Unsubscribe's, which is folded between its URLs only.
    lines = delivery.data.split(b"\r\n")
    assert max(len(line) for line in lines if not line.startswith(b"List-Unsubscribe:")) <= 78


def test_dots_that_start_a_line_arrive_as_written(tmp_path: Path, key: rsa.RSAPrivateKey) -> None:
    # DATA doubles a dot that starts a line and the server takes it off again; what is
    # signed is the message before that, so a wrong stuffing breaks the signature.
    folder = dkim_folder(tmp_path, key)
    text = (tmp_path / "news/content/newsletter.yaml").read_text()
    template = "https://n.io/u?t={token}"
    folder.write("content/newsletter.yaml", text.replace(url_of_length(150), template + ".x"))
    folder.write(ARTICLE, "---\ntitle: Dots\n---\n.one\n\n..two\n\nand . three\n")
    deliveries = deliver(folder, READERS[:3])
    secret = load_secret(folder.root)
    for delivery in deliveries:
        assert dkim.verify(delivery.data, dnsfunc=dns(key))
        text_part = parts(delivery.data)[0]
        assert b"\n.one" in text_part and b"\n..two" in text_part
        token = secret.token(delivery.recipients[0]).encode()
        assert b"?t=" + token + b".x" in text_part
