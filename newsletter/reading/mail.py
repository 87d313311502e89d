"""The blocks of content/newsletter.yaml about mail: `email:` (sender, unsubscribe links,
Feedback-ID, DKIM) and `audience:` (the subscription service and bounces)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from newsletter.model import AudienceSettings, DkimSettings, EmailSettings
from newsletter.reading.fields import Fields

_ADDRESS = re.compile(r"^(?:[^<>@]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$")
_FEEDBACK_ID = re.compile(r"^[A-Za-z0-9._-]+(?::[A-Za-z0-9._-]+){0,2}$")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DNS_LABELS = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]{40,}={0,2}$")
_PLAIN_ADDRESS = re.compile(r"^[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+$")


def read_email(fields: Fields) -> EmailSettings:
    """The `email:` block: the sender, unsubscribe links, Feedback-ID, DKIM."""
    keys = (
        *("from", "reply_to", "list_id", "unsubscribe_url", "unsubscribe_mailto"),
        *("feedback_id", "dkim"),
    )
    email = fields.sub("email", keys)
    if email is None:
        return EmailSettings()
    for key in ("from", "reply_to", "unsubscribe_mailto"):
        value = email.one_line(key)
        if value is not None and not _ADDRESS.match(value):
            email.error(key, f"{value!r} is not an email address", value)
    unsubscribe = email.one_line("unsubscribe_url")
    if unsubscribe is not None:
        parts = urlsplit(unsubscribe)
        if parts.scheme != "https" or not parts.hostname:
            email.error(
                "unsubscribe_url", f"{unsubscribe!r} must be an absolute https URL", unsubscribe
            )
        elif "{token}" not in unsubscribe:
            email.warning(
                "unsubscribe_url",
                "has no {token} placeholder: every reader gets the same link",
                unsubscribe,
            )
    return EmailSettings(
        sender=email.one_line("from"),
        reply_to=email.one_line("reply_to"),
        list_id=email.one_line("list_id"),
        unsubscribe_url=unsubscribe,
        unsubscribe_mailto=email.one_line("unsubscribe_mailto"),
        feedback_id=_feedback_id(email),
        dkim=_dkim(email),
    )


def _feedback_id(email: Fields) -> str | None:
    value = email.one_line("feedback_id")
    if value is not None and not _FEEDBACK_ID.match(value):
        email.error(
            "feedback_id",
            f"{value!r} must be one to three identifiers separated by colons, ending with "
            "your sender id (letters, digits, . _ -), e.g. newsletter:rocb-ap; the issue "
            "number is put first",
        )
        return None
    return value


def _dkim(email: Fields) -> DkimSettings | None:
    dkim = email.sub("dkim", ("selector", "key_file", "domain", "public_key"))
    if dkim is None:
        return None
    selector = dkim.one_line("selector", required=True)
    key_file = dkim.one_line("key_file", required=True)
    domain = dkim.one_line("domain")
    if selector is not None and not _DNS_LABELS.match(selector):
        dkim.error("selector", f"{selector!r} is not a DNS name such as news2026")
    if domain is not None and not _DNS_LABELS.match(domain):
        dkim.error("domain", f"{domain!r} is not a domain name such as example.org")
    public_key = dkim.text("public_key")
    if public_key is not None:
        public_key = public_key_value(public_key)
        if public_key is None:
            dkim.error(
                "public_key",
                "must be the p= value of the DNS record (base64), or the whole record "
                '"v=DKIM1; k=rsa; p=..."',
            )
    if selector is None or key_file is None:
        return None
    return DkimSettings(selector, key_file, domain, public_key)


def public_key_value(record: str) -> str | None:
    """The base64 key of a DKIM DNS record ("v=DKIM1; k=rsa; p=MIIB...", quoted or in
    pieces as DNS tools print it), or of a bare p= value; None when there is none."""
    text = "".join(part.strip().strip('"') for part in record.split())
    if "=" in text.rstrip("="):
        tags = dict(tag.split("=", 1) for tag in text.split(";") if "=" in tag)
        text = tags.get("p", "")
    return text if _BASE64.match(text) else None


def read_audience(fields: Fields) -> AudienceSettings:
    """The `audience:` block: where the subscription service runs, double opt-in, and
    the VERP bounce address."""
    audience = fields.sub("audience", ("service_url", "double_opt_in", "bounce_address"))
    if audience is None:
        return AudienceSettings()
    service_url = audience.one_line("service_url")
    if service_url is not None:
        parts = urlsplit(service_url)
        # http only on this machine: a service tried out, or tested, before it goes live.
        local = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
        scheme = parts.scheme == "https" or local
        if not scheme or not parts.hostname or parts.query or parts.fragment:
            audience.error(
                "service_url",
                f"{service_url!r} must be the https URL where `newsletter subscribers serve` "
                "is reachable, e.g. https://lists.example.org/",
                service_url,
            )
            service_url = None
        elif not service_url.endswith("/"):
            service_url += "/"
    double_opt_in = audience.boolean("double_opt_in")
    bounce_address = audience.one_line("bounce_address")
    if bounce_address is not None and not _PLAIN_ADDRESS.match(bounce_address):
        audience.error(
            "bounce_address",
            f"{bounce_address!r} must be a plain address such as bounces@example.org",
            bounce_address,
        )
        bounce_address = None
    return AudienceSettings(
        service_url=service_url,
        double_opt_in=True if double_opt_in is None else double_opt_in,
        bounce_address=bounce_address,
    )
