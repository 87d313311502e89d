"""Markdown to safe HTML: markdown-it-py (CommonMark and tables), then nh3.

Raw HTML is allowed in Markdown and then sanitised: `<script>` and `<style>` go with
their content, `on*` attributes and `javascript:`/`data:` URLs go, and iframe, form
and object are not in the allowed tags.
"""

from __future__ import annotations

from functools import cache

import nh3
from markdown_it import MarkdownIt

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
