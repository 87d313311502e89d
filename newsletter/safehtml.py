"""What raw HTML in Markdown keeps once sanitised: the tags, their attributes and the
link schemes. `render.markdown` sanitises with them (nh3); `reading.rawhtml` tells the
editor what they remove, without rendering, so both read the same lists."""

from __future__ import annotations

import nh3

TAGS = (nh3.ALLOWED_TAGS | {"figure", "figcaption"}) - {"center", "strike", "tt", "acronym"}
ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "a": {"href", "hreflang", "title"},
    "img": {"alt", "height", "src", "width", "title"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "td": {"colspan", "rowspan", "style"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel", "webcal"}
# Removed with everything inside them (nh3's default), not only the tags.
CONTENT_TAGS = frozenset({"script", "style"})
