"""Finding the images a Markdown body refers to, without rendering it.

`check` must stay fast, so it scans the source for `![alt](src)`, reference images
and `<img>` tags outside fenced code and code spans instead of loading a Markdown
parser (indented code is not told apart from list continuations).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+).*?\1")
_INLINE_IMAGE = re.compile(r"!\[(?P<alt>(?:[^\]\\]|\\.)*)\]\(\s*(?P<src><[^>]*>|[^\s)]+)")
_REF_IMAGE = re.compile(r"!\[(?P<alt>(?:[^\]\\]|\\.)*)\]\[(?P<ref>[^\]]*)\]")
_REF_DEFINITION = re.compile(r"^ {0,3}\[(?P<ref>[^\]]+)\]:\s*(?P<src><[^>]*>|\S+)")
_HTML_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_HTML_ATTR = re.compile(
    r"""\b(?P<name>src|alt)\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s>]+))""",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ImageReference:
    src: str
    alt: str
    line: int  # 1-based, in the Markdown text


def find_images(markdown: str) -> Iterator[ImageReference]:
    """Every image the Markdown shows, with the line it is on."""
    lines = prose_lines(markdown)
    definitions = {}
    for _, line in lines:
        definition = _REF_DEFINITION.match(line)
        if definition:
            definitions[definition["ref"].strip().lower()] = definition["src"].strip("<>")
    for number, line in lines:
        for match in _INLINE_IMAGE.finditer(line):
            yield ImageReference(match["src"].strip("<>"), _unescape(match["alt"]), number)
        for match in _REF_IMAGE.finditer(line):
            ref = (match["ref"] or match["alt"]).strip().lower()
            if ref in definitions:
                yield ImageReference(definitions[ref], _unescape(match["alt"]), number)
        for tag in _HTML_IMG.finditer(line):
            attrs = {
                m["name"].lower(): m["dq"] or m["sq"] or m["bare"] or ""
                for m in _HTML_ATTR.finditer(tag.group())
            }
            if "src" in attrs:
                yield ImageReference(attrs["src"], attrs.get("alt", ""), number)


@lru_cache(maxsize=4)  # each body is scanned for its images, then for its raw HTML
def prose_lines(markdown: str) -> tuple[tuple[int, str], ...]:
    """Numbered lines outside fenced code, with code spans blanked."""
    if not _has_code(markdown):  # every line as it is
        return tuple(enumerate(markdown.split("\n"), start=1))
    result = []
    fence: str | None = None
    for number, line in enumerate(markdown.split("\n"), start=1):
        opening = _FENCE.match(line) if "```" in line or "~~~" in line else None
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        result.append((number, _CODE_SPAN.sub("", line) if "`" in line else line))
    return tuple(result)


def prose_text(markdown: str) -> str:
    """The Markdown with fenced code and code spans blanked, each line where it was."""
    if not _has_code(markdown):
        return markdown
    numbered = dict(prose_lines(markdown))
    last = max(numbered, default=0)
    return "\n".join(numbered.get(n, "") for n in range(1, last + 1))


def _has_code(markdown: str) -> bool:
    return "`" in markdown or "~~~" in markdown


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text).strip()
