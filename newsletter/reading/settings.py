"""content/newsletter.yaml and calendar/calendar.yaml."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from newsletter.errors import Problems
from newsletter.layout import CALENDAR_PATH, SETTINGS_PATH
from newsletter.model import (
    CalendarSettings,
    Contact,
    EventEntry,
    FeedSettings,
    Origin,
    Person,
    Settings,
)
from newsletter.reading.entries import EVENT_KEYS, read_entry
from newsletter.reading.fields import Fields
from newsletter.reading.files import read_yaml_reporting
from newsletter.reading.mail import read_audience, read_email
from newsletter.reading.yamlfile import YamlMap

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_DURATION = re.compile(
    r"^P(?!$)(?:\d+W|(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?)$"
)


def read_settings(root: Path, problems: Problems) -> Settings | None:
    """The publication settings, or None (with the problems reported) if unusable."""
    file = root / SETTINGS_PATH
    if not file.is_file():
        problems.error(
            SETTINGS_PATH,
            None,
            "missing: every newsletter folder needs content/newsletter.yaml "
            "with at least title, publisher and base_url",
        )
        return None
    data = read_yaml_reporting(root, SETTINGS_PATH, problems)
    if data is None:
        return None
    keys = (
        "title",
        "publisher",
        "base_url",
        "language",
        "timezone",
        "email",
        "contact",
        "staff",
        "feed",
        "audience",
    )
    fields = Fields(data, SETTINGS_PATH, problems, keys)
    title = fields.one_line("title", required=True)
    publisher = fields.one_line("publisher", required=True)
    base_url = _base_url(fields)
    language = fields.one_line("language") or "en"
    if not _LANGUAGE.match(language):
        fields.error(
            "language", f"{language!r} is not a BCP 47 language tag such as en or en-GB", language
        )
    timezone = fields.one_line("timezone") or "UTC"
    if not valid_timezone(timezone):
        fields.error(
            "timezone",
            f"unknown time zone {timezone!r}; use an IANA name like Asia/Bangkok",
            timezone,
        )
        timezone = "UTC"
    email = read_email(fields)
    audience = read_audience(fields)
    if audience.service_url is not None and email.unsubscribe_url is None:
        # The subscription service answers the links: every copy points to it.
        unsubscribe = f"{audience.service_url}unsubscribe?token={{token}}"
        email = replace(email, unsubscribe_url=unsubscribe)
    contact = fields.sub("contact", ("address", "phone", "email", "website"))
    staff = tuple(read_people(fields, "staff", ("name", "role")))
    feed = fields.sub("feed", ("limit",))
    limit = feed.integer("limit") if feed else None
    if feed is not None and limit is not None and limit < 1:
        feed.error("limit", "must be 1 or more", limit)
        limit = None
    if title is None or publisher is None or base_url is None:
        return None
    return Settings(
        title=title,
        publisher=publisher,
        base_url=base_url,
        language=language,
        timezone=timezone,
        email=email,
        audience=audience,
        contact=Contact(
            address=contact.text("address"),
            phone=contact.one_line("phone"),
            email=contact.one_line("email"),
            website=contact.one_line("website"),
        )
        if contact
        else None,
        staff=staff,
        feed=FeedSettings(limit=limit),
        image=_https_url(fields, "image"),
    )


def read_calendar(
    root: Path, settings: Settings | None, problems: Problems
) -> tuple[CalendarSettings, tuple[EventEntry, ...]]:
    """calendar/calendar.yaml (optional): the feed's settings and its standing events."""
    name = settings.title if settings else "Newsletter"
    uid_domain = settings.host if settings else "localhost"
    defaults = CalendarSettings(name=name, uid_domain=uid_domain)
    file = root / CALENDAR_PATH
    if not file.is_file():
        return defaults, ()
    data = read_yaml_reporting(root, CALENDAR_PATH, problems)
    if data is None:
        return defaults, ()
    fields = Fields(
        data, CALENDAR_PATH, problems, ("name", "description", "refresh", "uid_domain", "events")
    )
    refresh = fields.one_line("refresh") or "P1D"
    if not _DURATION.match(refresh):
        fields.error(
            "refresh", f"{refresh!r} is not an ISO 8601 duration such as P1D or PT12H", refresh
        )
        refresh = "P1D"
    timezone = settings.timezone if settings else "UTC"
    entries = [
        read_entry(item, Origin.CALENDAR, None, timezone)
        for item in fields.mappings("events", EVENT_KEYS)
    ]
    calendar = CalendarSettings(
        name=fields.one_line("name") or name,
        description=fields.text("description"),
        refresh=refresh,
        uid_domain=fields.one_line("uid_domain") or uid_domain,
    )
    return calendar, tuple(e for e in entries if e is not None)


def valid_timezone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _base_url(fields: Fields) -> str | None:
    """The https URL the site is served at, its scheme and host in lower case, ending
    in `/`; None (with an error) for one that every page and email could not carry."""
    url = fields.one_line("base_url", required=True)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        fields.error(
            "base_url",
            f"{url!r} must be an absolute https URL where public/ is served, "
            "e.g. https://newsletter.example.org/",
            url,
        )
        return None
    problem = _base_url_problem(url)
    if problem is not None:
        fields.error("base_url", problem, url)
        return None
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        fields.error("base_url", f"{url!r} has a port that is not a number from 1 to 65535", url)
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"https://{host}{port}{path}"


_NO_PART = "the site's address cannot have one; remove it"


def _base_url_problem(url: str) -> str | None:
    """What keeps an https URL from being the site's address, if anything."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        shown = parts._replace(netloc=f"***@{parts.netloc.rsplit('@', 1)[1]}").geturl()
        return (
            f"{shown!r} holds a user name or password, which would appear in every page "
            "and email: write the address without the part before @ (protect a preview "
            "site another way)"
        )
    if any(character.isspace() for character in url):
        return f"{url!r} has a space in it: write the address without spaces (%20 in a path)"
    if parts.query or url.endswith("?"):
        return f"{url!r} has a query (?{parts.query}): {_NO_PART}"
    if parts.fragment or url.endswith("#"):
        return f"{url!r} has a fragment (#{parts.fragment}): {_NO_PART}"
    return None


def _https_url(fields: Fields, key: str) -> str | None:
    url = fields.one_line(key)
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            fields.error(key, f"{url!r} must be an absolute https URL", url)
            return None
    return url


def read_people(fields: Fields, key: str, known: tuple[str, ...]) -> Iterator[Person]:
    """A list of people, each `{name, role?, organisation?}` or just a name."""
    if isinstance(fields.data.get(key), str):
        yield Person(name=fields.data[key].strip())
        return
    items = fields.sequence(key)
    for index, item in enumerate(items or ()):
        label = f"{fields.name(key)}[{index + 1}]"
        if isinstance(item, str):
            yield Person(name=item.strip())
        elif isinstance(item, YamlMap):
            person = Fields(item, fields.path, fields.problems, known, f"{label}.")
            name = person.one_line("name", required=True)
            if name is not None:
                yield Person(name, person.one_line("role"), person.one_line("organisation"))
        else:
            fields.problems.error(
                fields.path,
                items.lines[index] if items else None,
                f"{label}: must be a name or a mapping with `name:`",
                value=item,
            )
