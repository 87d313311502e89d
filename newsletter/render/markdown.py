"""Markdown to safe HTML: markdown-it-py (CommonMark and tables), then nh3.

Raw HTML is allowed in Markdown and then sanitised: `<script>` and `<style>` go with
their content, `on*` attributes and `javascript:`/`data:` URLs go, and iframe, form
and object are not in the allowed tags (newsletter/safehtml.py). `check` warns about
each thing removed (reading/rawhtml.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache, partial
from typing import TYPE_CHECKING

from newsletter.model import Body
from newsletter.safehtml import ATTRIBUTES, TAGS, URL_SCHEMES

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token


@cache
def _parser() -> MarkdownIt:
    # Loaded here: a build whose bodies are all in the cache never parses Markdown.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"typographer": False}).enable("table")


def warm_up() -> None:
    """Load the Markdown parser and the sanitiser now (see `pieces.prepare_renderers`)."""
    import nh3  # noqa: F401

    _parser()


def render_markdown(text: str) -> str:
    """Sanitised HTML for a Markdown text."""
    return render_tokens(parse_markdown(text))


def parse_markdown(text: str) -> list[Token]:
    """The tokens of a Markdown text, from the parser `render_markdown` uses."""
    return _parser().parse(text, {})


def render_tokens(tokens: list[Token]) -> str:
    """Sanitised HTML of a Markdown text's tokens (`parse_markdown`), which stay fit for
    the text edition: the renderer only ever adds an image's `alt` attribute."""
    parser = _parser()
    return sanitise(parser.renderer.render(tokens, parser.options, {}))


def sanitise(html: str) -> str:
    """HTML with everything unsafe removed (see the module docstring)."""
    import nh3

    return str(
        nh3.clean(
            html,
            tags=TAGS,
            attributes=ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel=None,
            filter_style_properties={"text-align"},
        )
    )


# Below this many bodies, or this many cores, a worker pool costs more than it saves.
# On two cores parsing every body here is faster at any size: the text edition then
# reuses the tokens instead of parsing each body again in the email workers (200
# issues: 0.34 s of 0.71 s of text), and a pool's tokens cost more to send back than
# to parse again.
_PARALLEL_FROM = 64
_PARALLEL_CORES = 4
_HEADING = re.compile(r"<h([1-6])[\s>]")
_HEADING_TAG = re.compile(r"<(/?)h([1-6])([\s>])")
# `\b` before the name is checked by `_prefixed`: in the pattern it made the search three
# times slower, trying every position of the page.
_RELATIVE_URL = re.compile(r'(?P<attr>src|href)="(?![a-zA-Z][a-zA-Z0-9+.-]*:|#|/)')


def _prefixed(prefix: str, match: re.Match[str]) -> str:
    """A relative URL's attribute with `prefix` before the URL; as it was when the name
    is the end of a longer one (`data-src`'s is not: `-` ends a word)."""
    if _in_longer_name(match):
        return match[0]
    return f'{match["attr"]}="{prefix}'


def _in_longer_name(match: re.Match[str]) -> bool:
    start = match.start()
    before = match.string[start - 1] if start else ""
    return before.isalnum() or before == "_"  # what `\w` matches


class BodyHtml:
    """Each body's sanitised HTML, rendered once: what the web pages, feeds, emails and
    `send` are given. A body not rendered ahead (`render_bodies`) is rendered on first use.
    The tokens of each body rendered here are kept for the text edition (`tokens`), so
    a body is parsed once for its HTML and its text.

    Relative URLs in the HTML (images, links) are relative to the issue's folder; `at`
    rebases them for a page elsewhere or makes them absolute.
    """

    def __init__(self, rendered: Mapping[Body, str] | None = None) -> None:
        self._html: dict[Body, str] = dict(rendered or {})
        self._tokens: dict[str, list[Token]] = {}
        self._parts: dict[tuple[str, int], list[str]] = {}  # see `at`

    def __getitem__(self, body: Body) -> str:
        html = self._html.get(body)
        if html is None:
            html = self._html[body] = render_tokens(self.tokens(body.markdown))
        return html

    def tokens(self, markdown: str) -> list[Token]:
        """The tokens of a Markdown text, parsed once here whatever asks for them."""
        tokens = self._tokens.get(markdown)
        if tokens is None:
            tokens = self._tokens[markdown] = parse_markdown(markdown)
        return tokens

    def __contains__(self, body: Body) -> bool:
        return body in self._html

    def update(self, rendered: Mapping[Body, str]) -> None:
        """Take HTML rendered elsewhere (a worker process, the build's cache)."""
        self._html.update(rendered)

    def at(self, body: Body, prefix: str, top: int = 2) -> str:
        """The HTML for a page elsewhere: every relative URL prefixed (e.g. `../` or an
        absolute issue URL), and headings shifted so the body's highest is `<h{top}>`,
        which keeps the page's heading levels in order under its own titles."""
        html = self[body]
        if "<" in prefix:  # never a URL: it could make a heading tag of its own
            html = _RELATIVE_URL.sub(partial(_prefixed, prefix), html)
            return _shifted(html, _shift(html, top))
        # Cut once at each relative URL (a body is shown on its page and in the email,
        # each with its own prefix): the prefix then goes in by one join.
        parts = self._parts.get((html, top))
        if parts is None:
            shift = _shift(html, top)  # a prefix without "<" leaves the headings as they are
            parts = self._parts[(html, top)] = [_shifted(part, shift) for part in _cut(html)]
        return prefix.join(parts)


def _cut(html: str) -> list[str]:
    """`html` cut where `_prefixed` puts a prefix before a relative URL (never inside a
    heading's tag: a cut follows `="`)."""
    parts, start = [], 0
    for match in _RELATIVE_URL.finditer(html):
        if not _in_longer_name(match):
            parts.append(html[start : match.end()])
            start = match.end()
    parts.append(html[start:])
    return parts


def _shift(html: str, top: int) -> int:
    """How many levels the headings of `html` move for its highest to be `<h{top}>`."""
    levels = [int(level) for level in _HEADING.findall(html)]
    return top - min(levels) if levels else 0


def _shifted(html: str, shift: int) -> str:
    """`html` with its headings `shift` levels down (up, when negative), within h1–h6."""
    if not shift:
        return html
    return _HEADING_TAG.sub(lambda m: f"<{m[1]}h{min(6, max(1, int(m[2]) + shift))}{m[3]}", html)


def render_bodies(bodies: Iterable[Body]) -> BodyHtml:
    """Every body's HTML, on every core for a large archive: Markdown parsing is the
    largest cost of a big build. The same HTML as `BodyHtml` renders one at a time."""
    from newsletter.pools import cores_for, forked_pool

    pending = list(dict.fromkeys(bodies))
    cores = cores_for(len(pending), _PARALLEL_FROM)
    if cores < _PARALLEL_CORES:
        html = BodyHtml()
        for body in pending:
            html[body]  # rendered now, its tokens kept for the text edition
        return html
    texts = [body.markdown for body in pending]
    with forked_pool(cores) as pool:
        rendered = pool.map(render_markdown, texts, chunksize=max(1, len(texts) // (cores * 8)))
    return BodyHtml(dict(zip(pending, rendered, strict=True)))
