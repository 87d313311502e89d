"""render/markdown.py: each body's HTML rendered once, rebased and its headings shifted
for the page that shows it; the same HTML whether rendered ahead on every core or on
first use."""

from __future__ import annotations

import random
import re

import pytest

from newsletter.model import Body
from newsletter.render import markdown
from newsletter.render.email.markdowntext import MarkdownText, References
from newsletter.render.markdown import BodyHtml, parse_markdown, render_bodies


def test_a_body_is_rendered_once() -> None:
    html = BodyHtml()
    body = Body("Some *text*.")
    assert body not in html
    assert html[body] == "<p>Some <em>text</em>.</p>\n"
    assert body in html
    assert html[body] is html[Body("Some *text*.")]  # an equal body: the same HTML


def test_at_rebases_relative_urls_only() -> None:
    html = BodyHtml()
    body = Body(
        "![alt](images/a.png) [rel](other/) [abs](https://x.org/) [frag](#a) [root](/r) "
        "[mail](mailto:a@example.org)"
    )
    rebased = html.at(body, "../")
    assert 'src="../images/a.png"' in rebased
    assert 'href="../other/"' in rebased
    for kept in ('href="https://x.org/"', 'href="#a"', 'href="/r"', 'href="mailto:a@example.org"'):
        assert kept in rebased
    assert html.at(body, "") == html[body]
    absolute = html.at(body, "https://news.example.org/issues/062/")
    assert 'src="https://news.example.org/issues/062/images/a.png"' in absolute


def test_at_rebases_an_attribute_only_where_its_name_starts_a_word() -> None:
    html = BodyHtml()
    body = Body("raw")
    page = '<img data-src="a.png" src="b.png"><a xhref="c" _src="d" href="e">src="f"'
    html.update({body: page})
    assert html.at(body, "../") == (
        '<img data-src="../a.png" src="../b.png"><a xhref="c" _src="d" href="../e">src="../f"'
    )


def test_at_shifts_headings_so_the_highest_is_top() -> None:
    html = BodyHtml()
    body = Body("# Top\n\n## Sub\n\n###### Six\n")
    assert html.at(body, "").startswith("<h2>Top</h2>\n<h3>Sub</h3>\n<h6>Six</h6>")
    assert html.at(body, "", top=1).startswith("<h1>Top</h1>")
    assert html.at(body, "", top=6).startswith("<h6>Top</h6>\n<h6>Sub</h6>")  # never past h6
    assert html.at(Body("### Three\n"), "", top=2) == "<h2>Three</h2>\n"


@pytest.mark.parametrize("pool", [True, False])
def test_rendered_ahead_on_every_core_is_the_same_html(
    pool: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    bodies = [Body(f"# Item {n}\n\nText *{n}* [link](page-{n}/)\n") for n in range(150)]
    bodies.append(bodies[0])  # a repeated body is rendered once
    assert len(bodies) > markdown._PARALLEL_FROM
    # The worker pool's path on any machine of two cores or more, or this process's.
    monkeypatch.setattr(markdown, "_PARALLEL_CORES", 2 if pool else 1_000)
    ahead = render_bodies(bodies)
    one_by_one = BodyHtml()
    for body in bodies:
        assert body in ahead
        assert ahead[body] == one_by_one[body]


def test_the_allowlists_are_nh3s_defaults_with_our_changes() -> None:
    """safehtml.py writes the lists out; they began as nh3's, changed as noted there."""
    import nh3

    from newsletter.safehtml import ATTRIBUTES, TAGS

    removed = {"center", "strike", "tt", "acronym"}
    assert set(TAGS) == (nh3.ALLOWED_TAGS | {"figure", "figcaption"}) - removed
    ours = {"a", "img", "th", "td"}
    assert {k: v for k, v in ATTRIBUTES.items() if k not in ours} == {
        k: set(v) for k, v in nh3.ALLOWED_ATTRIBUTES.items() if k not in ours
    }


BODIES = (
    '# Title\n\n![A *chart*](images/c.png "t") and ![](images/d.png)\n\n[link](../002/)\n',
    "- one\n- two\n  - ![nested image](n.png)\n\n1. first\n\n"
    "| A | B |\n|---|---|\n| 1 | ![x](y) |\n",
    '> quoted ![q](q.png)\n\n```\ncode\n```\n\n<div>raw <img src="r.png" alt="r"></div>\n',
)


def _text(markdown_text: str, html: BodyHtml | None) -> list[str]:
    references = References()
    parse = html.tokens if html is not None else parse_markdown
    converter = MarkdownText(references, "https://x.example/issues/001/", parse)
    return [*converter.text(markdown_text, "https://x.example/issues/001/p/"), *references.flush()]


@pytest.mark.parametrize("text", BODIES)
def test_a_body_is_parsed_once_for_its_html_and_its_text(text: str) -> None:
    html = render_bodies([Body(text)])
    tokens = html.tokens(text)
    assert html.tokens(text) is tokens  # what the text edition gets: the HTML's own tokens
    assert "<img" in html[Body(text)] and html[Body(text)] == markdown.render_markdown(text)
    # Rendering the HTML from them first leaves them as a fresh parse gives them.
    assert _text(text, html) == _text(text, None)
    assert _text(text, BodyHtml()) == _text(text, None)  # the text first, the HTML after


def _at_by_substitution(html: str, prefix: str, top: int) -> str:
    """What `BodyHtml.at` gives, spelt as substitutions over the whole HTML."""

    def prefixed(match: re.Match[str]) -> str:
        before = match.string[match.start() - 1] if match.start() else ""
        return match[0] if before.isalnum() or before == "_" else f'{match[1]}="{prefix}'

    if prefix:
        html = re.sub(r'(src|href)="(?![a-zA-Z][a-zA-Z0-9+.-]*:|#|/)', prefixed, html)
    levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]
    if levels and min(levels) != top:
        shift = top - min(levels)
        html = re.sub(
            r"<(/?)h([1-6])([\s>])",
            lambda m: f"<{m[1]}h{min(6, max(1, int(m[2]) + shift))}{m[3]}",
            html,
        )
    return html


def test_at_is_the_substitutions_whatever_the_prefix_and_the_headings() -> None:
    """`at` cuts each body once at its relative URLs and joins the prefix in: the same
    HTML as substituting each URL and heading, for any mix of them, prefix and level."""
    pieces = ['<img src="a.png">', 'href="#top"', 'href="https://x.org/"', 'href="/abs"']
    pieces += ['data-src="b.png"', 'xsrc="c"', '_href="d"', 'src="', 'href="mailto:a@b"']
    pieces += ["<h1>", "</h1>", "<h2 id='x'>", "</h3>", "<h6>", "<h7>", "<hr>", "é", "text "]
    prefixes = ["", "../", "https://news.example.org/issues/062/", '<h1 x="', "h2>"]
    generator = random.Random(5)
    for _ in range(3000):
        html = "".join(generator.choice(pieces) for _ in range(generator.randint(0, 12)))
        body = Body(html)
        rendered = BodyHtml({body: html})
        for prefix in generator.sample(prefixes, 3):
            top = generator.randint(1, 6)
            assert rendered.at(body, prefix, top) == _at_by_substitution(html, prefix, top)
