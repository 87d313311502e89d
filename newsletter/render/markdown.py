"""Markdown to safe HTML: markdown-it-py (CommonMark and tables), then nh3.

Raw HTML is allowed in Markdown and then sanitised: `<script>` and `<style>` go with
their content, `on*` attributes and `javascript:`/`data:` URLs go, and iframe, form
and object are not in the allowed tags.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from multiprocessing import get_all_start_methods, get_context
from typing import TYPE_CHECKING

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

if TYPE_CHECKING:
    from newsletter.model import Body

_TAGS = (nh3.ALLOWED_TAGS | {"figure", "figcaption"}) - {"center", "strike", "tt", "acronym"}
_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "a": {"href", "hreflang", "title"},
    "img": {"alt", "height", "src", "width", "title"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "td": {"colspan", "rowspan", "style"},
}
_URL_SCHEMES = {"http", "https", "mailto", "tel", "webcal"}


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"typographer": False}).enable("table")


def render_markdown(text: str) -> str:
    """Sanitised HTML for a Markdown text."""
    return sanitise(_parser().render(text))


def parse_markdown(text: str) -> list[Token]:
    """The tokens of a Markdown text, from the parser `render_markdown` uses."""
    return _parser().parse(text)


def sanitise(html: str) -> str:
    """HTML with everything unsafe removed (see the module docstring)."""
    return str(
        nh3.clean(
            html,
            tags=_TAGS,
            attributes=_ATTRIBUTES,
            url_schemes=_URL_SCHEMES,
            link_rel=None,
            filter_style_properties={"text-align"},
        )
    )


# Below this many bodies a worker pool costs more than it saves.
_PARALLEL_FROM = 64


def render_bodies(bodies: Sequence[Body]) -> None:
    """Render every body's HTML ahead of use, on every core for a large archive.

    The result is exactly what `Body.html` gives one at a time; this only fills its
    cache sooner. Markdown parsing is the largest cost of a big build.
    """
    pending = [body for body in bodies if "html" not in body.__dict__]
    cores = os.cpu_count() or 1
    if len(pending) < _PARALLEL_FROM or cores < 2 or "fork" not in get_all_start_methods():
        for body in pending:
            _ = body.html
        return
    texts = [body.markdown for body in pending]
    with get_context("fork").Pool(cores) as pool:
        rendered = pool.map(render_markdown, texts, chunksize=max(1, len(texts) // (cores * 8)))
    for body, html in zip(pending, rendered, strict=True):
        body.__dict__["html"] = html  # fills the cached_property
