"""One message of the bounce mailbox, read: what it reports, about which addresses, and
which copy of ours it is about. Pure: no database, no mailbox.

The readers, strictest first:

- a DSN (RFC 3464, `multipart/report; report-type=delivery-status`): each recipient's
  `Action` and `Status`: `failed` with 5.x.x is a hard bounce; `delayed`, or 4.x.x, soft;
- a complaint (ARF, RFC 5965, `report-type=feedback-report`): `Feedback-Type: abuse`;
- an Amazon SES notification forwarded by mail (its JSON body);
- Mailman's `flufl.bounce` detectors, for the many servers that write bounces their own
  way (qmail, Yahoo, Exim's plain text...), only when none of the above applies;
- auto-replies (RFC 3834 `Auto-Submitted`, `Precedence`, vacation subjects): ignored.

Besides the addresses a report names, it keeps what names our copy: a VERP token in the
headers the bounce was delivered with, and the Message-ID of the original message it
quotes, since a report may rewrite the address or hide it.
"""

from __future__ import annotations

import email
import hashlib
import json
import re
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses, parseaddr
from enum import StrEnum
from typing import Any

from newsletter.audience.addresses import address_problem

_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
# Where a delivered bounce keeps the address it was delivered to: a VERP address.
_ENVELOPE_HEADERS = ("delivered-to", "x-original-to", "envelope-to", "x-envelope-to", "to")
_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-auto-reply")
_AUTO_PRECEDENCE = ("auto_reply", "bulk", "junk", "list")
_VACATION = re.compile(
    r"out of (the )?office|automatic reply|auto(matic)?[ -]?(reply|response)|autoreply|"
    r"vacation|away from (the )?office|abwesenheit|réponse automatique|absence|"
    r"respuesta automática|fuera de la oficina|risposta automatica",
    re.IGNORECASE,
)


class Kind(StrEnum):
    """What a report says about one address."""

    HARD = "hard bounce"
    SOFT = "soft bounce"
    COMPLAINT = "complaint"


@dataclass(frozen=True, slots=True)
class Failure:
    """One address a report is about."""

    address: str  # as the report names it; "" when it hides it
    kind: Kind
    status: str  # the status code ("5.1.1", "abuse"), or "" when the report gives none


@dataclass(frozen=True, slots=True)
class Report:
    """What one message says."""

    digest: str  # SHA-256 of its bytes, hex: how it is remembered
    message_id: str  # its own Message-ID, or ""
    reader: str  # how it was read: "RFC 3464 DSN", "ARF", "flufl.bounce", ...
    failures: tuple[Failure, ...] = ()
    tokens: tuple[tuple[int, str], ...] = ()  # VERP (issue, MAC) of the copy it returns
    originals: tuple[str, ...] = ()  # the Message-IDs of the messages it is about
    ignored: str = ""  # why it calls for nothing (an auto-reply...), when it does not

    @property
    def source(self) -> str:
        """How the history names it."""
        return f"bounce {self.message_id or 'sha256:' + self.digest[:16]}"


class UnreadableMessage(ValueError):
    """A message that is not mail at all."""


def read_report(data: bytes, verp: re.Pattern[str] | None) -> Report:
    """The report in the message `data`; `verp` finds our VERP addresses (None: no
    bounce address is set). `UnreadableMessage` when `data` is no mail message."""
    digest = hashlib.sha256(data).hexdigest()
    message = email.message_from_bytes(data)
    if not data.strip() or not message.keys():
        raise UnreadableMessage("it has no header lines: not a mail message")
    message_id = _text(message.get("Message-ID")).strip()
    tokens = _tokens(message, verp)
    found = Report(digest, message_id, "", tokens=tokens)
    if message.get_content_type() == "multipart/report":
        kind = message.get_param("report-type", "")
        report_type = kind.lower() if isinstance(kind, str) else ""
        if report_type == "delivery-status":
            return _dsn(message, found, verp)
        if report_type == "feedback-report":
            return _feedback(message, found, verp)
    ses = _ses(message, found, verp)
    if ses is not None:
        return ses
    if _VACATION.search(_text(message.get("Subject"))):
        return _replace(found, reader="auto-reply", ignored="an auto-reply (its subject)")
    failures = _detected(message)
    if failures:
        return _replace(found, reader="flufl.bounce", failures=failures)
    automatic = _automatic(message)
    if automatic:
        return _replace(found, reader="auto-reply", ignored=f"an auto-reply ({automatic})")
    if tokens:
        # A return to a VERP address that no reader understands is still a return of
        # that copy; soft, so that one odd message never ends a subscription.
        return _replace(found, reader="VERP return", failures=(Failure("", Kind.SOFT, ""),))
    return _replace(found, reader="unrecognised", ignored="not a bounce or a complaint")


def _dsn(message: Message, found: Report, verp: re.Pattern[str] | None) -> Report:
    failures: list[Failure] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks[1:] if isinstance(blocks, list) else ():
            failure = _recipient_block(block) if isinstance(block, Message) else None
            if failure is not None:
                failures.append(failure)
    originals, tokens = _quoted(message, verp)
    report = _replace(
        found,
        reader="RFC 3464 DSN",
        failures=tuple(failures),
        originals=originals,
        tokens=found.tokens + tokens,
    )
    if not failures:
        return _replace(report, ignored="a delivery report of no failure (delivered or relayed)")
    return report


def _recipient_block(block: Message) -> Failure | None:
    """A recipient's fields of a DSN, as a failure; None when it was delivered."""
    action = _text(block.get("Action")).strip().lower()
    match = _STATUS.search(_text(block.get("Status")))
    status = match.group(0) if match else ""
    if action.startswith(("failed", "error")):  # some servers write "error"
        kind = Kind.SOFT if status.startswith("4") else Kind.HARD
    elif action.startswith("delayed"):
        kind = Kind.SOFT
    else:
        return None
    for field in ("Original-Recipient", "Final-Recipient", "X-Actual-Recipient"):
        value = _text(block.get(field))
        _, _, address = value.partition(";")
        address = parseaddr(address.strip())[1] or address.strip()
        if address and address_problem(address) is None:
            return Failure(address, kind, status)
    return Failure("", kind, status)


def _feedback(message: Message, found: Report, verp: re.Pattern[str] | None) -> Report:
    fields = _feedback_fields(message)
    originals, tokens = _quoted(message, verp)
    tokens += _tokens(fields, verp, ("original-mail-from",)) if fields is not None else ()
    report = _replace(found, reader="ARF", originals=originals, tokens=found.tokens + tokens)
    kind = _text(fields.get("Feedback-Type")).strip().lower() if fields is not None else ""
    if kind != "abuse":
        return _replace(report, ignored=f"a feedback report of type {kind or 'none'!r}")
    recipients = (
        [
            address
            for _, address in getaddresses(
                [_text(v) for v in fields.get_all("Original-Rcpt-To", [])]
            )
            if address and address_problem(address) is None
        ]
        if fields is not None
        else []
    )
    failures = tuple(Failure(a, Kind.COMPLAINT, "abuse") for a in recipients)
    return _replace(report, failures=failures or (Failure("", Kind.COMPLAINT, "abuse"),))


def _feedback_fields(message: Message) -> Message | None:
    for part in message.walk():
        if part.get_content_type() != "message/feedback-report":
            continue
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            return payload[0]
        if isinstance(payload, str):  # the fields as text, when parsed as a leaf
            return email.message_from_string(payload.lstrip("\r\n"))
    return None


def _ses(message: Message, found: Report, verp: re.Pattern[str] | None) -> Report | None:
    """An Amazon SES bounce or complaint notification, forwarded as mail (its JSON)."""
    for part in message.walk():
        if part.get_content_maintype() != "text":
            continue
        text = _body(part).strip()
        if not text.startswith("{") or '"notificationType"' not in text:
            continue
        try:
            notice = json.loads(text)
        except ValueError:
            return None
        if not isinstance(notice, dict):
            return None
        return _ses_notice(notice, found, verp)
    return None


def _ses_notice(notice: dict[str, Any], found: Report, verp: re.Pattern[str] | None) -> Report:
    kind = str(notice.get("notificationType", ""))
    mail = notice.get("mail") if isinstance(notice.get("mail"), dict) else {}
    assert isinstance(mail, dict)
    common = mail.get("commonHeaders") if isinstance(mail.get("commonHeaders"), dict) else {}
    assert isinstance(common, dict)
    originals = tuple(str(v) for v in (common.get("messageId"),) if v)
    source = str(mail.get("source", ""))
    tokens = found.tokens + (_find_tokens(source, verp) if verp is not None else ())
    report = _replace(found, reader="Amazon SES", originals=originals, tokens=tokens)
    failures: list[Failure] = []
    if kind == "Bounce":
        bounce = notice.get("bounce") if isinstance(notice.get("bounce"), dict) else {}
        assert isinstance(bounce, dict)
        hard = bounce.get("bounceType") == "Permanent"
        for entry in bounce.get("bouncedRecipients") or []:
            if isinstance(entry, dict):
                status = str(entry.get("status") or ("5.0.0" if hard else "4.0.0"))
                failure_kind = Kind.HARD if hard and status.startswith("5") else Kind.SOFT
                failures.append(Failure(str(entry.get("emailAddress", "")), failure_kind, status))
    elif kind == "Complaint":
        complaint = notice.get("complaint") if isinstance(notice.get("complaint"), dict) else {}
        assert isinstance(complaint, dict)
        for entry in complaint.get("complainedRecipients") or []:
            if isinstance(entry, dict):
                address = str(entry.get("emailAddress", ""))
                failures.append(Failure(address, Kind.COMPLAINT, "abuse"))
    else:
        return _replace(report, ignored=f"an SES notification of type {kind!r}")
    cleaned = tuple(
        f if f.address and address_problem(f.address) is None else Failure("", f.kind, f.status)
        for f in failures
    )
    return _replace(report, failures=cleaned or (Failure("", Kind.HARD, ""),))


def _detected(message: Message) -> tuple[Failure, ...]:
    """The failures Mailman's detectors find in a bounce of no standard form."""
    from flufl.bounce import all_failures

    try:
        temporary, permanent = all_failures(message)
    except Exception:  # a third-party heuristic on hostile input must not stop the mailbox
        return ()
    text = _all_text(message)
    codes = [m.group(0) for m in _STATUS.finditer(text)]
    hard_code = next((c for c in codes if c.startswith("5")), "")
    soft_code = next((c for c in codes if c.startswith("4")), "")
    failures = [Failure(a.decode("ascii", "replace"), Kind.HARD, hard_code) for a in permanent]
    failures += [
        Failure(a.decode("ascii", "replace"), Kind.SOFT, soft_code)
        for a in temporary
        if a not in permanent
    ]
    return tuple(
        sorted(
            (f for f in failures if address_problem(f.address) is None),
            key=lambda f: f.address,
        )
    )


def _automatic(message: Message) -> str:
    """Why `message` is an automatic reply (RFC 3834 and common practice), or ""."""
    submitted = _text(message.get("Auto-Submitted")).strip().lower()
    if submitted and not submitted.startswith("no"):
        return f"Auto-Submitted: {submitted}"
    precedence = _text(message.get("Precedence")).strip().lower()
    if precedence in _AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in _AUTO_HEADERS:
        if message.get(name) is not None:
            return name
    return ""


def _quoted(
    message: Message, verp: re.Pattern[str] | None
) -> tuple[tuple[str, ...], tuple[tuple[int, str], ...]]:
    """The Message-IDs and VERP tokens of the original message a report quotes."""
    originals: list[str] = []
    tokens: tuple[tuple[int, str], ...] = ()
    for part in message.walk():
        kind = part.get_content_type()
        headers: Message | None = None
        if kind == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                headers = payload[0]
        elif kind == "text/rfc822-headers":
            headers = email.message_from_string(_body(part).lstrip("\r\n"))
        if headers is None:
            continue
        original = _text(headers.get("Message-ID")).strip()
        if original:
            originals.append(original)
        tokens += _tokens(headers, verp, ("return-path",))
    return tuple(originals), tokens


def _tokens(
    message: Message, verp: re.Pattern[str] | None, names: tuple[str, ...] = _ENVELOPE_HEADERS
) -> tuple[tuple[int, str], ...]:
    if verp is None:
        return ()
    found: tuple[tuple[int, str], ...] = ()
    for name in names:
        for value in message.get_all(name, []):
            found += _find_tokens(_text(value), verp)
    return found


def _find_tokens(text: str, verp: re.Pattern[str]) -> tuple[tuple[int, str], ...]:
    return tuple((int(m.group(1)), m.group(2).lower()) for m in verp.finditer(text))


def _body(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        charset = part.get_content_charset() or "utf-8"
        try:
            return payload.decode(charset, "replace")
        except LookupError:
            return payload.decode("utf-8", "replace")
    return ""


def _all_text(message: Message) -> str:
    return "\n".join(_body(p) for p in message.walk() if p.get_content_maintype() == "text")


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _replace(report: Report, **changes: Any) -> Report:
    from dataclasses import replace

    return replace(report, **changes)
