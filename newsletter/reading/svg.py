"""Whether an SVG image is safe to publish as it is.

An SVG is a document: opened from the site (its own URL, on the site's origin) it runs
its scripts and loads what it refers to, like a page. The build copies an image as it
is, so an SVG that could do either is refused: a `<script>`, an `on...=` event handler,
a `<foreignObject>` (HTML inside), a reference to anything outside the file (an
`href`, a CSS `url()` or `@import`, a style sheet), an animation that sets a link, or an
XML entity. What remains draws shapes and text only. Read with expat, which never
fetches anything, entity by entity refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat

_REFUSED_ELEMENTS = {
    "script": "a <script>",
    "foreignobject": "a <foreignObject> (HTML inside the SVG)",
    "iframe": "an <iframe>",
    "embed": "an <embed>",
    "object": "an <object>",
    "handler": "a <handler> (script)",
    "listener": "a <listener> (script)",
}
_ANIMATIONS = frozenset({"animate", "set", "animatemotion", "animatetransform"})
_LINK_ATTRIBUTES = frozenset({"href", "src"})
_OUTSIDE_CSS = re.compile(r"@import|url\(\s*['\"]?\s*(?!#)", re.I)
# An embedded raster image is part of the file; an embedded SVG could hold a script.
_EMBEDDED_IMAGE = re.compile(r"^data:image/(?:png|jpeg|gif|webp);", re.I)
_WEB_LINK = re.compile(r"^(?:https?:|mailto:)", re.I)
_MAX_FOUND = 5


class _Refused(Exception):
    """Raised from a handler to stop reading."""


@dataclass
class SvgFacts:
    """What reading an SVG found: what makes it unsafe (each with its line), whether
    its root element gives a width and a height, and why it cannot be read at all."""

    unsafe: list[str] = field(default_factory=list)
    sized: bool = False
    broken: str | None = None


def inspect_svg(data: bytes) -> SvgFacts:
    """Everything in the SVG `data` that could run script or load another file."""
    facts = SvgFacts()
    parser = expat.ParserCreate(namespace_separator=" ")
    depth = 0
    styles = 0  # inside a <style> element: its text is CSS

    def found(what: str) -> None:
        if len(facts.unsafe) < _MAX_FOUND:
            facts.unsafe.append(f"{what} (line {parser.CurrentLineNumber})")

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal depth, styles
        depth += 1
        tag = name.rsplit(" ", 1)[-1].lower()
        styles += tag == "style"
        if depth == 1:
            keys = {key.rsplit(" ", 1)[-1] for key in attributes}
            facts.sized = {"width", "height"} <= keys
        if tag in _REFUSED_ELEMENTS:
            found(_REFUSED_ELEMENTS[tag])
        for key, value in attributes.items():
            local = key.rsplit(" ", 1)[-1].lower()
            if local.startswith("on"):
                found(f"an event handler {local}= on <{tag}>")
            elif local in _LINK_ATTRIBUTES and not _allowed_link(tag, value):
                found(f"a reference to {_short(value)!r} (<{tag} {local}=>)")
            elif local == "style" and _OUTSIDE_CSS.search(value):
                found(f"a style that loads another file (<{tag} style=>)")
            elif tag in _ANIMATIONS and local == "attributename" and "href" in value.lower():
                found(f"an animation that sets a link (<{tag} attributeName={value!r}>)")

    def end(name: str) -> None:
        nonlocal depth, styles
        depth -= 1
        styles -= name.rsplit(" ", 1)[-1].lower() == "style"

    def text(data: str) -> None:
        if styles and _OUTSIDE_CSS.search(data):
            found("a style sheet that loads another file (@import or url())")

    def instruction(target: str, data: str) -> None:
        if target.lower() == "xml-stylesheet":
            found("a style sheet from another file (<?xml-stylesheet?>)")

    def entity(name: str, *_: object) -> None:
        found(f"an XML entity declaration ({name})")
        raise _Refused  # read no further: entities can expand without end

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.ProcessingInstructionHandler = instruction
    parser.EntityDeclHandler = entity
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except _Refused:
        pass
    except expat.ExpatError as error:
        if not facts.unsafe:
            facts.broken = f"{expat.ErrorString(error.code)} on line {error.lineno}"
    return facts


def _allowed_link(tag: str, value: str) -> bool:
    """An internal reference (`#id`), an embedded raster image, or a link to click."""
    url = value.strip()
    if url.startswith("#"):
        return True
    if tag == "image" and _EMBEDDED_IMAGE.match(url):
        return True
    return tag == "a" and bool(_WEB_LINK.match(url))


def _short(text: str) -> str:
    return text if len(text) <= 50 else text[:47] + "..."
