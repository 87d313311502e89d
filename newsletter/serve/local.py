"""The preview's links to the published site, made local.

An email holds absolute links (`https://newsletter.example.org/issues/062/images/a.png`),
to a site that is not published yet while the editor previews it. In what the preview
sends (never in the built files), each `src`, `href` or `background` that points into
the site at a file the preview holds points at the preview instead, so images show and
links open the preview's pages. Links to what the preview cannot serve (the
unsubscribe page of the subscription service, other sites) stay as they are.
"""

from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote

_ATTRIBUTE = r"""(\s(?:src|href|background)\s*=\s*)(["']){base}([^"'<>]*)\2"""


def local_links(page: bytes, base_url: str, out: Path) -> bytes:
    """`page` with its links into `base_url` that the preview of `out` can serve made
    root-relative (`/issues/062/images/a.png`)."""
    if not base_url or base_url.encode() not in page:
        return page
    pattern = re.compile(_ATTRIBUTE.format(base=re.escape(base_url)).encode(), re.IGNORECASE)

    def local(match: re.Match[bytes]) -> bytes:
        rest = match[3].decode("utf-8", "replace")
        if not _serves(out, rest):
            return match[0]
        return match[1] + match[2] + b"/" + match[3] + match[2]

    return pattern.sub(local, page)


def _serves(out: Path, rest: str) -> bool:
    """Whether the preview has a file at `rest` (a path with its query and fragment)."""
    path = unquote(html.unescape(rest).split("#", 1)[0])
    if "?" in path:
        return False  # a page that answers a query: the published site's, not a file
    relative = posixpath.normpath("/" + path).lstrip("/")
    file = out / relative if relative not in ("", ".") else out
    if not file.resolve().is_relative_to(out.resolve()):
        return False
    return file.is_file() or (file / "index.html").is_file()
