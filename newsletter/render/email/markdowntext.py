"""Markdown as plain text for the text edition: paragraphs wrapped, lists and quotes
indented, tables as aligned columns, links as numbered references `[3]`.

Written from the Markdown's syntax tree (markdown-it-py's `SyntaxTreeNode`, from the
parser the HTML is written with), never from the HTML. Raw HTML in the Markdown gives
its text only.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from functools import cache
from html.parser import HTMLParser
from urllib.parse import urljoin

from markdown_it.tree import SyntaxTreeNode

from newsletter.render.markdown import parse_markdown

WIDTH = 76
_GLUE = "\u00a0"  # keeps a reference mark on the line of the word it follows
_SPACES = re.compile(r"[ \t\r\f\v]+")  # what textwrap breaks at: not the glue
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


def wrap(text: str, width: int = WIDTH, indent: str = "", first: str | None = None) -> list[str]:
    """`text` wrapped to `width` columns, each hard line break kept; long words (URLs) stay
    whole and may run over. Lines break at spaces only, never at hyphens: what
    `textwrap.wrap` does with these options, done by one regular expression per line
    length, several times faster (an issue's text is mostly wrapping).
    """
    lines: list[str] = []
    prefix = indent if first is None else first
    for hard_line in text.split("\n"):
        words = " ".join(_SPACES.split(hard_line)).strip(" ")
        opening = _line(max(1, width - len(prefix))).match(words)
        if opening is None:
            continue
        lines.append(prefix + opening.group())
        rest = _line(max(1, width - len(indent))).findall(words, opening.end())
        lines += [indent + line for line in rest]
        prefix = indent
    return [line.replace(_GLUE, " ") for line in lines]


@cache
def _line(width: int) -> re.Pattern[str]:
    """The most words that fit in `width` columns, else one word too long to fit."""
    return re.compile(rf"[^ ].{{0,{width - 1}}}(?= |$)|[^ ]+")


def columns(rows: Sequence[Sequence[str]], width: int = WIDTH, header: bool = True) -> list[str]:
    """Rows as aligned columns that fit `width`, each cell wrapped within its column;
    with `header`, the first row is underlined. When cells wrap, rows are set apart by
    blank lines."""
    count = max((len(row) for row in rows), default=0)
    if not count:
        return []
    cells = [[" ".join(str(c).split()) for c in row] + [""] * (count - len(row)) for row in rows]
    natural = [max(len(row[i]) for row in cells) for i in range(count)]
    widths = _fit(cells, width - 2 * (count - 1))
    spaced = widths != natural  # some cell wraps: a blank line shows where each row ends
    lines: list[str] = []
    for index, row in enumerate(cells):
        parts = [
            textwrap.wrap(cell, w, break_long_words=True, break_on_hyphens=False) or [""]
            for cell, w in zip(row, widths, strict=True)
        ]
        for depth in range(max(len(p) for p in parts)):
            line = "  ".join(
                (p[depth] if depth < len(p) else "").ljust(w)
                for p, w in zip(parts, widths, strict=True)
            )
            lines.append(line.rstrip())
        if header and index == 0:
            lines.append("  ".join("-" * w for w in widths))
        elif spaced and index < len(cells) - 1:
            lines.append("")
    return lines


def _fit(cells: list[list[str]], room: int) -> list[int]:
    """Column widths within `room`: the natural ones when they fit. Else each column
    starts from what nine cells in ten need (an outlier wraps), the widest is cut down
    until the row fits, and room left over goes to the columns that still wrap."""
    least = 8
    count = len(cells[0])
    lengths = [sorted(len(row[i]) for row in cells) for i in range(count)]
    natural = [max(1, column[-1]) for column in lengths]
    if sum(natural) <= room:
        return natural
    widths = [max(1, column[int(0.9 * (len(column) - 1))]) for column in lengths]
    while sum(widths) > room:
        widest = max(range(count), key=lambda i: widths[i])
        if widths[widest] <= least:
            break
        widths[widest] -= 1
    while sum(widths) < room:
        short = max(range(count), key=lambda i: natural[i] - widths[i])
        if natural[short] <= widths[short]:
            break
        widths[short] += 1
    return widths


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
    """Converts Markdown bodies of one issue; relative links resolve like the HTML's."""

    def __init__(self, references: References, issue_url: str) -> None:
        self.references = references
        self.issue_url = issue_url
        self.page_url = issue_url

    def text(self, markdown: str, page_url: str) -> list[str]:
        """The whole body as lines (blank lines between blocks)."""
        self.page_url = page_url
        return _join(self._blocks(_tree(markdown).children, WIDTH))

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
                        return wrap(self._inline(inline))
            if count >= len(chunks):
                return []
            count *= 2

    def _blocks(self, nodes: Sequence[SyntaxTreeNode], width: int) -> list[list[str]]:
        blocks: list[list[str]] = []
        for node in nodes:
            kind = node.type
            if kind == "paragraph":
                block = wrap(self._inline(node.children[0]), width)
                if block:
                    blocks.append(block)
            elif kind == "heading":
                title = wrap(self._inline(node.children[0]), width)
                if title:
                    blocks.append([*title, "-" * min(width, max(len(line) for line in title))])
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
                blocks.append(columns(self._table(node), width))
            elif kind == "html_block":
                text = html_text(node.content)
                if text:
                    blocks.append(wrap(text, width))
        return blocks

    def _list(self, node: SyntaxTreeNode, width: int) -> list[str]:
        ordered = node.type == "ordered_list"
        number = int(node.attrGet("start") or 1) if ordered else 0
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
            lines = [(marker if i == 0 else pad) + line for i, line in enumerate(body)]
            items.append([line.rstrip() for line in lines] or [marker.rstrip()])
        return _join(items, blank=loose)

    def _table(self, node: SyntaxTreeNode) -> list[list[str]]:
        rows: list[list[str]] = []
        for part in node.walk():
            if part.type == "tr":
                rows.append([])
            elif part.type == "inline" and rows:
                rows[-1].append(self._inline(part).replace(_GLUE, " "))
        return rows

    def _inline(self, node: SyntaxTreeNode, dry: bool = False) -> str:
        parts: list[str] = []
        self._collect(node, parts, dry)
        return "".join(parts)

    def _collect(self, node: SyntaxTreeNode, parts: list[str], dry: bool) -> None:
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
                href = str(child.attrGet("href") or "")
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


def _tree(markdown: str) -> SyntaxTreeNode:
    """The syntax tree of a Markdown text, from the parser the HTML is written with."""
    return SyntaxTreeNode(parse_markdown(markdown))


def _join(blocks: Sequence[Sequence[str]], blank: bool = True) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        if lines and blank:
            lines.append("")
        lines += block
    return lines
