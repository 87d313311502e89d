"""The filters the plain-text templates use (`text/issue.txt`), registered once in the
one Jinja environment (render/templates.py)."""

from __future__ import annotations

from newsletter.render.email.markdowntext import lines, underline


def wrap(text: str, hanging: str = "") -> str:
    """`text` as paragraphs, one a line (`flow` wraps them); `hanging` opens every hard
    line but the first."""
    return "\n".join(lines(str(text), hanging, first=""))


def link(url: str, label: str) -> str:
    """`label: url`; when the line is too long, `flow` breaks it before the URL."""
    return f"{label}: {url}"


def underline_filter(text: str, character: str = "=") -> str:
    """`text` and, under it, a line of `character` as long as its longest line."""
    title = lines(str(text))
    return "\n".join([*title, underline(title, character)])
