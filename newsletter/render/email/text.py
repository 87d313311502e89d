"""The plain-text edition (email.txt), written from the content, not from the HTML.

The layout is a template (`text/issue.txt`); this module prepares what it shows, in
reading order so that link references are numbered down the page: each body's text
with the references it cites, teasers for the items the HTML email shortened, and the
schedule as one block per event. The template's lines are paragraphs; the result is
flowed (`flowed.flow`), so email.txt is what the message's text part carries, to be
sent as `text/plain; format=flowed; delsp=no` (`flowed.FLOWED_PARAMS`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from newsletter.model import Status
from newsletter.render.email.edition import Edition, Entry, Row
from newsletter.render.email.flowed import flow
from newsletter.render.email.markdowntext import MarkdownText, References, lines
from newsletter.render.markdown import BodyHtml, parse_markdown
from newsletter.render.templates import environment, render_template

TEMPLATE = "text/issue.txt"


@dataclass(frozen=True, slots=True)
class Section:
    """Text lines (each a paragraph) and the `[n] url` references they cite."""

    lines: tuple[str, ...]
    references: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def render_text(
    root: Path, e: Edition, shortened: Collection[str], html: BodyHtml | None = None
) -> str:
    """email.txt of an issue, format=flowed; `shortened` items appear as teasers, as in
    the HTML. `html`: the bodies rendered already, whose tokens the text reuses."""
    references = References()
    converter = MarkdownText(references, e.url, html.tokens if html else parse_markdown)
    foreword = e.issue.foreword
    foreword_section = (
        Section(tuple(converter.text(foreword.body.markdown, e.url)), tuple(references.flush()))
        if foreword
        else None
    )
    bodies = {}
    for entry in e.entries:
        body = _entry_lines(converter, entry, entry.slug in shortened)
        bodies[entry.slug] = Section(tuple(body), tuple(references.flush()))
    schedule = Section(tuple(_schedule_lines(e.rows, references)), tuple(references.flush()))
    text = render_template(
        environment(root),
        TEMPLATE,
        {
            "e": e,
            "foreword": foreword_section,
            "bodies": bodies,
            "shortened": shortened,
            "schedule": schedule,
        },
    )
    paragraphs = "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))
    while "\n\n\n" in paragraphs:  # one blank line between blocks, never two (a regex: 10x slower)
        paragraphs = paragraphs.replace("\n\n\n", "\n\n")
    return flow(paragraphs + "\n")


def _schedule_lines(rows: Sequence[Row], references: References) -> list[str]:
    """One block per event, blank lines between: its title, then dates (and status
    unless confirmed) · venue, then its calendar file as a numbered reference.

    Never columns: in a proportional font, and to a screen reader reading line by
    line, a row of three wrapped cells reads as the cells' pieces interleaved.
    """
    result: list[str] = []
    for row in rows:
        dates = row.dates if row.status == Status.CONFIRMED else f"{row.dates} ({row.status})"
        when = " · ".join(part for part in (dates, row.venue) if part.strip())
        if result:
            result.append("")
        result += lines(row.title)
        result += lines(when)
        if row.calendar_url:
            result.append(f"Add to calendar [{references.add(row.calendar_url)}]")
    return result


def _entry_lines(converter: MarkdownText, entry: Entry, short: bool) -> list[str]:
    item = entry.item
    if not short:
        return converter.text(item.body.markdown, entry.url)
    if item.summary:
        return lines(item.summary)
    return converter.first_paragraph(item.body.markdown, entry.url)
