"""The plain-text edition (email.txt), written from the content, not from the HTML.

The layout is a template (`text/issue.txt`); this module prepares what it shows, in
reading order so that link references are numbered down the page: each body's text
with the references it cites, teasers for the items the HTML email shortened, and the
schedule as aligned rows.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from newsletter.render.email.edition import Edition, Entry
from newsletter.render.email.markdowntext import WIDTH, MarkdownText, References, columns, wrap
from newsletter.render.templates import environment, render_template

TEMPLATE = "text/issue.txt"
_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True, slots=True)
class Section:
    """Text lines and the `[n] url` references they cite."""

    lines: tuple[str, ...]
    references: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def render_text(root: Path, e: Edition, shortened: Collection[str]) -> str:
    """email.txt of an issue; `shortened` items appear as teasers, as in the HTML."""
    references = References()
    converter = MarkdownText(references, e.url)
    foreword = e.issue.foreword
    foreword_section = (
        Section(tuple(converter.text(foreword.body.markdown, e.url)), tuple(references.flush()))
        if foreword
        else None
    )
    bodies = {}
    for entry in e.entries:
        lines = _entry_lines(converter, entry, entry.slug in shortened)
        bodies[entry.slug] = Section(tuple(lines), tuple(references.flush()))
    rows: list[list[str]] = [["Event", "Dates", "Venue"]]
    for row in e.rows:
        mark = references.add(row.calendar_url)
        status = f" ({row.status})" if row.status != "confirmed" else ""
        rows.append([f"{row.title} [{mark}]", row.dates + status, row.venue])
    schedule = Section(tuple(columns(rows)) if e.rows else (), tuple(references.flush()))
    env = environment(root)
    env.filters.update(wrap=_wrap_filter, underline=_underline, link=_link)
    text = render_template(
        env,
        TEMPLATE,
        {
            "e": e,
            "foreword": foreword_section,
            "bodies": bodies,
            "shortened": shortened,
            "schedule": schedule,
        },
    )
    lines = [line.rstrip() for line in text.strip("\n").split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)) + "\n"


def _entry_lines(converter: MarkdownText, entry: Entry, short: bool) -> list[str]:
    item = entry.item
    if not short:
        return converter.text(item.body.markdown, entry.url)
    if item.summary:
        return wrap(item.summary)
    return converter.first_paragraph(item.body.markdown, entry.url)


def _wrap_filter(text: str, hanging: str = "") -> str:
    """Wrapped text; `hanging` indents every line but the first."""
    return "\n".join(wrap(str(text), WIDTH, hanging, first=""))


def _link(url: str, label: str) -> str:
    """`label: url` on one line when it fits, else the URL alone on the next line."""
    line = f"{label}: {url}"
    return line if len(line) <= WIDTH else f"{label}:\n{url}"


def _underline(text: str, character: str = "=") -> str:
    lines = wrap(str(text))
    return "\n".join([*lines, character * max((len(line) for line in lines), default=0)])
