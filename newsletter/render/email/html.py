"""The HTML email of an issue: Jinja2 writes MJML, mjml-python (MRML) turns it into
HTML, css-inline copies the CSS into style attributes.

The size budget: Gmail clips a message whose HTML passes about 102 KB as sent
(quoted-printable) and hides the rest, the unsubscribe link with it. When the whole
issue does not fit in `MAX_EMAIL_BYTES` as sent, articles and reports become teasers
(their summary, else their first paragraph) with a "Read more" link, the longest
first, until it fits. The foreword and the schedule always stay whole.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from itertools import accumulate
from pathlib import Path

import css_inline
import mjml
from markupsafe import Markup

from newsletter.model import Issue, Newsletter
from newsletter.render.email.body import email_body, first_paragraph
from newsletter.render.email.budget import MAX_EMAIL_BYTES, Budget, transmitted_size
from newsletter.render.email.edition import Edition, Entry, edition
from newsletter.render.markdown import BodyHtml
from newsletter.render.templates import environment, render_template

TEMPLATE = "email/issue.mjml"


@dataclass(frozen=True, slots=True)
class EmailHtml:
    """An issue's email.html and how it was fitted to the budget."""

    edition: Edition
    html: str
    budget: Budget


class Bodies:
    """Each item's email HTML in full and as a teaser, and the foreword's: made once per
    issue, whatever the number of renders the size budget takes."""

    def __init__(self, e: Edition, rendered: BodyHtml) -> None:
        issue_url = e.url
        self.full: dict[str, str] = {}
        self.teaser: dict[str, str] = {}
        for entry in e.entries:
            html = email_body(entry.item.body, rendered, issue_url, entry.url, top=4)
            self.full[entry.slug] = html
            self.teaser[entry.slug] = _teaser(entry, html)
        foreword = e.issue.foreword
        self.foreword = (
            email_body(foreword.body, rendered, issue_url, issue_url, top=3) if foreword else ""
        )

    def candidates(self) -> list[str]:
        """The slugs worth shortening, longest first (a teaser longer than its body is not)."""
        saving = {slug: len(self.full[slug]) - len(self.teaser[slug]) for slug in self.full}
        return sorted(
            (slug for slug, bytes_saved in saving.items() if bytes_saved > 0),
            key=lambda slug: (-len(self.full[slug]), slug),
        )


def _teaser(entry: Entry, full: str) -> str:
    if entry.item.summary:
        return f"<p>{escape(entry.item.summary, quote=False)}</p>"
    paragraph = first_paragraph(full)
    return f"<p>{paragraph}</p>" if paragraph else ""


def _refuse_include(path: str) -> str:
    raise ValueError(f"mj-include is not allowed in email templates ({path})")


class EmailRenderer:
    """Renders the HTML emails of one newsletter; the templates are compiled once."""

    def __init__(self, newsletter: Newsletter, root: Path, html: BodyHtml | None = None) -> None:
        self.newsletter = newsletter
        self.html = html if html is not None else BodyHtml()
        self.env = environment(root)
        self.inliner = css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)

    def render(self, e: Edition, bodies: Bodies, shortened: frozenset[str]) -> str:
        """email.html of an issue with the `shortened` items as teasers."""
        body = {
            slug: Markup(bodies.teaser[slug] if slug in shortened else html)
            for slug, html in bodies.full.items()
        }
        source = render_template(
            self.env,
            TEMPLATE,
            {"e": e, "body": body, "shortened": shortened, "foreword": Markup(bodies.foreword)},
        )
        html = mjml.mjml2html(
            source, disable_comments=True, fonts={}, include_loader=_refuse_include
        )
        return str(self.inliner.inline(html))

    def fit(self, issue: Issue) -> EmailHtml:
        """The issue's email.html within the size budget (see the module docstring)."""
        e = edition(self.newsletter, issue)
        bodies = Bodies(e, self.html)
        full = self.render(e, bodies, frozenset())
        full_size = transmitted_size(full)
        order = bodies.candidates()
        if full_size <= MAX_EMAIL_BYTES or not order:
            return EmailHtml(e, full, Budget(issue.number, full_size, full_size, ()))

        def attempt(count: int) -> tuple[str, int]:
            html = self.render(e, bodies, frozenset(order[:count]))
            return html, transmitted_size(html)

        savings = [len(bodies.full[slug]) - len(bodies.teaser[slug]) for slug in order]
        count, html, size = _fewest(attempt, savings, full_size, MAX_EMAIL_BYTES)
        return EmailHtml(e, html, Budget(issue.number, full_size, size, tuple(order[:count])))


def _fewest(
    attempt: Callable[[int], tuple[str, int]], savings: Sequence[int], full: int, limit: int
) -> tuple[int, str, int]:
    """The fewest leading candidates to shorten for the email to fit `limit` (all of them
    when even that does not fit), and the email (html, size) with those shortened.

    Shortening one more item never makes the email bigger, so the answer is where the
    size crosses `limit`. What an item's teaser saves in the email as sent is about
    proportional to what it saves before MJML, inlining and quoted-printable
    (`savings`): each count tried is predicted from the sizes measured so far, a few
    renders instead of one per item.
    """
    total = [0, *accumulate(savings)]
    most = len(savings)
    tried: dict[int, tuple[str, int]] = {}
    over, fits = 0, most + 1  # counts known to be over the limit, and to fit
    slope = 1.0  # final bytes saved per byte saved before; measured after the first render
    while fits - over > 1:
        upper = min(fits - 1, most)
        count = next(
            (c for c in range(over + 1, upper + 1) if full - slope * total[c] <= limit), upper
        )
        html, size = tried[count] = attempt(count)
        if size <= limit:
            fits = count
        else:
            over = count
            if count == most:
                return most, html, size
        if total[count] > 0 and full > size:
            slope = (full - size) / total[count]
    return fits, *tried[fits]
