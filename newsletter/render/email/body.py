"""A Markdown body made fit for an email: every link absolute, every image sized.

Mail clients have no page to resolve a relative URL against, Outlook sizes images by
their `width` attribute alone, and phones need `max-width:100%` to keep a wide image
inside a 375 px screen. The HTML here is the sanitised output of `Body.html`, whose
attributes are always double-quoted, so regular expressions read it safely.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from newsletter.model import Body
from newsletter.render.imagesize import file_image_size
from newsletter.render.markdown import BodyHtml

COLUMN_WIDTH = 550  # the 600 px email less the text's padding
_IMG = re.compile(r"<img\b([^>]*)>")
_ATTRIBUTE = re.compile(r'([a-zA-Z_:][-a-zA-Z0-9_:.]*)="([^"]*)"')
_HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")')
_PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p>", re.S)
_TAG = re.compile(r"<[^>]+>")
# width:100% (capped at the image's own width) lets a phone shrink the image: a
# percentage width, unlike a max-width, does not hold a table cell open at min-content.
IMAGE_STYLE = "display:block;width:100%;max-width:{width}px;height:auto;border:0;"


def email_body(body: Body, html_of: BodyHtml, issue_url: str, page_url: str, top: int) -> str:
    """The body's HTML for the email: links and images absolute, images sized."""
    text = html_of.at(body, issue_url, top)
    text = _HREF.sub(lambda m: m[1] + _absolute(m[2], page_url) + m[3], text)
    files = {issue_url + "images/" + image.name: image.file for image in body.images}
    return _IMG.sub(lambda m: _image(m[1], files), text)


def first_paragraph(html_text: str) -> str | None:
    """The inner HTML of the first paragraph that has words (not only an image)."""
    for match in _PARAGRAPH.finditer(html_text):
        if html.unescape(_TAG.sub("", match[1])).strip():
            return match[1].strip()
    return None


def _absolute(href: str, page_url: str) -> str:
    url = html.unescape(href)
    if url.startswith("#"):
        url = page_url + url
    elif url.startswith("//"):
        url = "https:" + url
    elif url.startswith("/"):
        url = urljoin(page_url, url)
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and ("/./" in parts.path or "/../" in parts.path):
        # `html_at` prefixed `../002/` with the issue's URL: resolve the dots
        url = urljoin(f"{parts.scheme}://{parts.netloc}/", url.split(parts.netloc, 1)[1])
    return html.escape(url)


def _image(attributes: str, files: dict[str, Path]) -> str:
    attrs = {name.lower(): html.unescape(value) for name, value in _ATTRIBUTE.findall(attributes)}
    src = attrs.get("src", "")
    alt = attrs.get("alt", "")
    if not src.startswith("https://"):
        # No http or data: image in an email: readers would see a broken or insecure
        # image. Its description stays.
        return html.escape(f"[{alt}]") if alt else ""
    width = _declared_width(attrs.get("width"))
    file = files.get(unquote(src))
    if width is None and file is not None:
        size = file_image_size(file)
        width = size[0] if size else None
    width = min(width or COLUMN_WIDTH, COLUMN_WIDTH)
    kept = "".join(f' {name}="{html.escape(attrs[name])}"' for name in ("title",) if name in attrs)
    return (
        f'<img src="{html.escape(src)}" alt="{html.escape(alt)}" width="{width}"{kept}'
        f' style="{IMAGE_STYLE.format(width=width)}">'
    )


def _declared_width(value: str | None) -> int | None:
    if value is None:
        return None
    digits = value.strip().removesuffix("px")
    return int(digits) if digits.isdigit() and int(digits) > 0 else None
