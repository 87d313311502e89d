"""What the sanitiser will remove from a Markdown body, found without rendering it.

Raw HTML is allowed in Markdown and sanitised when published (newsletter/safehtml.py):
an `<iframe>`, a `<script>`, an `onclick=` or a `javascript:` link simply vanish. The
editor should hear of it, with the line: `check` scans the source as `images.py` does,
outside fenced code and code spans, for tags, attributes and link schemes that the
sanitiser's lists do not keep.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from newsletter.reading.images import prose_text
from newsletter.safehtml import ATTRIBUTES, CONTENT_TAGS, TAGS, URL_SCHEMES

_TAG = re.compile(r"<(?P<name>[A-Za-z][A-Za-z0-9-]*)(?P<attrs>(?:\s[^<>]*)?)/?>")
_ATTRIBUTE = re.compile(
    r"""(?P<name>[^\s"'<>/=]+)(?:\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s>]+)))?"""
)
_URL_ATTRIBUTES = frozenset({"href", "src", "cite", "action", "formaction", "poster"})
_SCHEME = re.compile(r"^\s*(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):")
# [text](url), [ref]: url and <scheme:...> autolinks; images are checked in pages.py.
_MARKDOWN_LINK = re.compile(r"\[(?:[^\]\\]|\\.)*\]\(\s*<?(?P<url>(?:[^\s()<>]|\([^\s()<>]*\))+)")
_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(?P<url>[^\s>]+)", re.MULTILINE)
_AUTOLINK = re.compile(r"<(?P<url>[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>")
_KEPT = ", ".join(sorted(URL_SCHEMES))


@dataclass(frozen=True, slots=True)
class Removal:
    """One thing the sanitiser removes, on `line` of the Markdown text."""

    line: int
    message: str


def removals(markdown: str) -> Iterator[Removal]:
    """Every tag, attribute and link the sanitiser would remove from `markdown`."""
    text = prose_text(markdown)
    found: list[Removal] = []
    for match in _TAG.finditer(text):
        found.extend(_tag(match, _line(text, match.start())))
    definitions = _DEFINITION.finditer(text) if "]:" in text else ()  # none without "]:"
    links = [*_links(text), *definitions]
    for match in links:
        scheme = _unsafe_scheme(match["url"])
        if scheme:
            found.append(
                Removal(
                    _line(text, match.start()),
                    f"the link {_short(match['url'])!r} is published as plain text, not as a "
                    f"link: {scheme}: links are not kept (only {_KEPT})",
                )
            )
    for match in _AUTOLINK.finditer(text):
        scheme = _unsafe_scheme(match["url"])
        if scheme and scheme not in ("http", "https"):
            found.append(
                Removal(
                    _line(text, match.start()),
                    f"the link <{_short(match['url'])}> is published as plain text, not as a "
                    f"link: {scheme}: links are not kept (only {_KEPT})",
                )
            )
    yield from sorted(found, key=lambda r: r.line)


def _links(text: str) -> Iterator[re.Match[str]]:
    """The matches of `_MARKDOWN_LINK` that no `!` comes before (that is an image), each
    search going on from the position after a refused one, as a lookbehind in the pattern
    would: there it made the search 17 times slower, tried at every position."""
    position = 0
    while (match := _MARKDOWN_LINK.search(text, position)) is not None:
        start = match.start()
        if start and text[start - 1] == "!":
            position = start + 1
            continue
        yield match
        position = match.end()


def _tag(match: re.Match[str], line: int) -> Iterator[Removal]:
    name = match["name"].lower()
    if name not in TAGS:
        what = "with all it holds" if name in CONTENT_TAGS else "(its text stays)"
        hint = "; link to the page instead" if name in ("iframe", "embed", "object") else ""
        yield Removal(line, f"raw HTML <{name}> is removed when published {what}{hint}")
        return
    kept = ATTRIBUTES.get(name, set())
    removed = []
    for attribute in _ATTRIBUTE.finditer(match["attrs"]):
        key = attribute["name"].lower()
        value = attribute["dq"] or attribute["sq"] or attribute["bare"] or ""
        if key not in kept:
            removed.append(key)
        elif key in _URL_ATTRIBUTES and not (name == "img" and key == "src"):
            # An image's src is checked with the image (pages.py): only images/ or https.
            scheme = _unsafe_scheme(value)
            if scheme:
                yield Removal(
                    line,
                    f"the {key}={_short(value)!r} of <{name}> is removed when published: "
                    f"{scheme}: links are not kept (only {_KEPT})",
                )
    if removed:
        names = ", ".join(f"{key}=" for key in removed)
        handlers = any(key.startswith("on") for key in removed)
        scripts = " (no script runs in the newsletter)" if handlers else ""
        yield Removal(line, f"raw HTML <{name}>: {names} removed when published{scripts}")


def _unsafe_scheme(url: str) -> str | None:
    """The scheme of `url` when the sanitiser drops it; None for a kept or relative URL."""
    match = _SCHEME.match(url.replace("\t", "").replace("\n", ""))
    if match is None:
        return None
    scheme = match["scheme"].lower()
    return None if scheme in URL_SCHEMES else scheme


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."
