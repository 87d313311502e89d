"""Markdown as plain text for the text edition: one line per paragraph (the edition is
sent format=flowed, see `flowed`), lists and quotes marked, tables as one block per
row, links as numbered references `[3]`.

Written from the Markdown's syntax tree (the tokens of the parser the HTML is written
with, nested as markdown-it-py's `SyntaxTreeNode` nests them), never from the HTML. Raw
HTML in the Markdown gives its text only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from html.parser import HTMLParser
from itertools import zip_longest
from urllib.parse import urljoin

from markdown_it.token import Token

from newsletter.render.email.flowed import WIDTH, display_width, flow
from newsletter.render.markdown import parse_markdown

_GLUE = "\u00a0"  # no-break space: `flow` keeps a reference mark with its word
_SPACES = re.compile(r"[ \t\r\f\v]+")  # white space between words: not the glue
_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:.*$", re.M)  # link reference definitions


class References:
    """Numbered links, numbered through the whole email, listed after each section."""

    def __init__(self) -> None:
        self.count = 0
        self.pending: list[tuple[int, str]] = []

    def add(self, url: str) -> int:
        """The number for `url`: the pending one when the section already cites it."""
        for number, pending in self.pending:
            if pending == url:
                return number
        self.count += 1
        self.pending.append((self.count, url))
        return self.count

    def flush(self) -> list[str]:
        """`[n] url` lines for the section just written, and a fresh start for the next."""
        lines = [f"[{number}] {url}" for number, url in self.pending]
        self.pending = []
        return lines


def lines(text: str, indent: str = "", first: str | None = None) -> list[str]:
    """The hard lines of `text`, each a paragraph with its runs of white space made one
    space; `first` (default: `indent`) opens the first line and `indent` the others.
    Lines without words are left out. `flowed.flow` wraps them when the text is sent.
    """
    result: list[str] = []
    prefix = indent if first is None else first
    for hard_line in text.split("\n"):
        words = _words(hard_line)
        if words:
            result.append(prefix + words)
            prefix = indent
    return result


def underline(title: Sequence[str], character: str, width: int = WIDTH) -> str:
    """A line of `character` as long as the longest line `title` flows into (wide
    characters count two columns), at most `width` long."""
    flowed = flow("\n".join(title)).split("\n")
    longest = max((display_width(line.rstrip()) for line in flowed), default=0)
    return character * min(width, longest)


def records(rows: Sequence[Sequence[str]]) -> list[str]:
    """A table as one block per row, a line `Heading: cell` for each cell with words,
    blank lines between the blocks. Columns side by side come apart in a proportional
    font, and a screen reader reads them across the row."""
    if len(rows) < 2:
        return [words for words in map(_words, rows[0] if rows else ()) if words]
    header = [_words(cell) for cell in rows[0]]
    blocks = []
    for row in rows[1:]:
        cells = zip_longest(header, map(_words, row), fillvalue="")
        block = [f"{label}: {text}" if label else text for label, text in cells if text]
        if block:
            blocks.append(block)
    return _join(blocks)


def _words(text: str) -> str:
    if text.isascii() and text.isprintable():  # its only white space is " "
        return " ".join(text.split())
    if "\t" in text or "\r" in text or "\f" in text or "\v" in text:
        return " ".join(_SPACES.split(text)).strip(" ")
    # Only spaces to make one, in text with a dash or a quotation mark (most of it): the
    # expression above took 20 times as long, a fifth of the plain-text edition.
    if "  " not in text:
        return text.strip(" ")
    return " ".join([word for word in text.split(" ") if word])


class _HtmlText(HTMLParser):
    """The text of raw HTML, without script and style contents."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skipping += 1
        elif tag in ("br", "p", "div", "li", "tr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The visible text of an HTML fragment, one line per block."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


class MarkdownText:
    """Converts Markdown bodies of one issue; relative links resolve like the HTML's.
    `parse` gives a whole body's tokens: `BodyHtml.tokens` hands over those the HTML
    was rendered from."""

    def __init__(
        self,
        references: References,
        issue_url: str,
        parse: Callable[[str], list[Token]] = parse_markdown,
    ) -> None:
        self.references = references
        self.issue_url = issue_url
        self.page_url = issue_url
        self.parse = parse

    def text(self, markdown: str, page_url: str) -> list[str]:
        """The whole body as lines (blank lines between blocks)."""
        self.page_url = page_url
        return _join(self._blocks(_Node.tree(self.parse(markdown)).children, WIDTH))

    def first_paragraph(self, markdown: str, page_url: str) -> list[str]:
        """The first paragraph that has words, for a teaser.

        Only the beginning of the text is parsed, growing until such a paragraph is
        found: a teaser of a 5 MB article must not cost a parse of 5 MB. The link
        reference definitions come along, wherever they are.
        """
        self.page_url = page_url
        chunks = markdown.split("\n\n")
        definitions = "\n".join(_DEFINITION.findall(markdown))
        count = 1
        while True:
            head = "\n\n".join(chunks[:count])
            for block in _tree(head + "\n\n" + definitions).children:
                if block.type == "paragraph":
                    inline = block.children[0]
                    if self._inline(inline, dry=True).strip():
                        return lines(self._inline(inline))
            if count >= len(chunks):
                return []
            count *= 2

    def _blocks(self, nodes: Sequence[_Node], width: int) -> list[list[str]]:
        blocks: list[list[str]] = []
        for node in nodes:
            kind = node.type
            if kind == "paragraph":
                block = lines(self._inline(node.children[0]))
                if block:
                    blocks.append(block)
            elif kind == "heading":
                title = lines(self._inline(node.children[0]))
                if title:
                    blocks.append([*title, underline(title, "-", width)])
            elif kind in ("bullet_list", "ordered_list"):
                blocks.append(self._list(node, width))
            elif kind == "blockquote":
                inner = _join(self._blocks(node.children, width - 2))
                blocks.append([f"> {line}" if line else ">" for line in inner])
            elif kind in ("fence", "code_block"):
                blocks.append(["    " + line for line in node.content.rstrip("\n").split("\n")])
            elif kind == "hr":
                blocks.append(["-" * 20])
            elif kind == "table":
                blocks.append(records(self._table(node)))
            elif kind == "html_block":
                text = html_text(node.content)
                if text:
                    blocks.append(lines(text))
        return blocks

    def _list(self, node: _Node, width: int) -> list[str]:
        ordered = node.type == "ordered_list"
        number = int(node.attr("start") or 1) if ordered else 0
        items: list[list[str]] = []
        loose = False
        for item in node.children:
            # A visible paragraph anywhere inside, nested lists too, makes the list loose.
            loose = loose or any(
                n.type == "paragraph" and not n.hidden for n in item.walk(include_self=False)
            )
            marker = f"{number}. " if ordered else "- "
            number += 1
            body = _join(self._blocks(item.children, width - len(marker)), blank=False)
            pad = " " * len(marker)
            marked = [(marker if i == 0 else pad) + line for i, line in enumerate(body)]
            items.append([line.rstrip() for line in marked] or [marker.rstrip()])
        return _join(items, blank=loose)

    def _table(self, node: _Node) -> list[list[str]]:
        rows: list[list[str]] = []
        for part in node.walk():
            if part.type == "tr":
                rows.append([])
            elif part.type == "inline" and rows:
                rows[-1].append(self._inline(part))
        return rows

    def _inline(self, node: _Node, dry: bool = False) -> str:
        parts: list[str] = []
        self._collect(node, parts, dry)
        return "".join(parts)

    def _collect(self, node: _Node, parts: list[str], dry: bool) -> None:
        """The text of `node`'s children appended to `parts`, links marked `[n]`;
        `dry` counts no reference and leaves images out (they are no words)."""
        for child in node.children:
            kind = child.type
            if kind in ("text", "code_inline"):
                parts.append(child.content)
            elif kind == "softbreak":
                parts.append(" ")
            elif kind == "hardbreak":
                parts.append("\n")
            elif kind == "image":
                alt = child.content.strip()
                if not dry:
                    parts.append(f"[{alt}]" if alt else "")
            elif kind == "link":
                start = len(parts)
                self._collect(child, parts, dry)
                href = str(child.attr("href") or "")
                label = "".join(parts[start:]).strip()
                url = self._absolute(href)
                if url and not dry and label not in (url, href, url.removeprefix("mailto:")):
                    parts.append(f"{_GLUE}[{self.references.add(url)}]")
            else:  # emphasis, strong, strikethrough: their text; raw inline HTML: nothing
                self._collect(child, parts, dry)

    def _absolute(self, href: str) -> str:
        if not href:
            return ""
        if href.startswith("#"):
            return self.page_url + href
        if href.startswith("//"):
            return "https:" + href
        return urljoin(self.issue_url, href)


def _tree(markdown: str) -> _Node:
    """The syntax tree of a Markdown text, from the parser the HTML is written with."""
    return _Node.tree(parse_markdown(markdown))


class _Node:
    """A node of the syntax tree, as markdown-it-py's `SyntaxTreeNode` gives it (a
    nesting token pair, or a token and the tokens inside it) with the little the text
    edition reads of it, built in one pass: the library's own took a third of the time
    the text edition takes."""

    __slots__ = ("children", "token", "type")

    def __init__(self, token: Token | None, kind: str) -> None:
        self.token, self.type = token, kind
        self.children: list[_Node] = []

    @classmethod
    def tree(cls, tokens: Sequence[Token]) -> _Node:
        """The root of `tokens`' tree."""
        root = cls(None, "root")
        stack = [root]
        for token in tokens:
            if token.nesting == -1:
                stack.pop()
                continue
            node = cls(token, token.type.removesuffix("_open") if token.nesting else token.type)
            stack[-1].children.append(node)
            if token.nesting == 1:
                stack.append(node)
            elif token.children:
                node.children = cls.tree(token.children).children
        return root

    @property
    def content(self) -> str:
        return self.token.content if self.token is not None else ""

    @property
    def hidden(self) -> bool:
        return self.token is not None and self.token.hidden

    def attr(self, name: str) -> str | int | float | None:
        return self.token.attrGet(name) if self.token is not None else None

    def walk(self, include_self: bool = True) -> Iterator[_Node]:
        if include_self:
            yield self
        for child in self.children:
            yield from child.walk()


def _join(blocks: Sequence[Sequence[str]], blank: bool = True) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        if lines and blank:
            lines.append("")
        lines += block
    return lines
