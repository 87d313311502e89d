"""Slugs: the URL- and id-safe form of a title."""

from __future__ import annotations

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str) -> str:
    """`8th ASEM Customs Directors-General Meeting` -> `8th-asem-customs-directors-general-meeting`.

    Accents are dropped (`Café` -> `cafe`); text with no ASCII letter or digit at all
    gives an empty string, which callers replace with a name of their own.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALNUM.sub("-", ascii_text.lower()).strip("-")


def default_event_id(title: str, year: int | None) -> str:
    """The id an event gets when the editor writes none: slug of the title, `-`, the year
    (the slug alone while its dates, and so its year, are to be announced)."""
    slug = slugify(title) or "event"
    return slug if year is None else f"{slug}-{year}"


# A page's file name is the last part of its URL: long enough for a headline, short
# enough for a URL to read, and far below the 255 bytes a file name may have.
MAX_PAGE_SLUG = 80


def page_slug(title: str, limit: int = MAX_PAGE_SLUG) -> str:
    """The file name (without `.md`) `add` gives a page titled `title`: its slug, cut
    after the last whole word that fits in `limit` characters."""
    slug = slugify(title)
    if len(slug) <= limit:
        return slug
    cut = slug[: limit + 1].rsplit("-", 1)[0] if "-" in slug[: limit + 1] else slug[:limit]
    return cut.strip("-")
