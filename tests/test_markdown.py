"""render/markdown.py: each body's HTML rendered once, rebased and its headings shifted
for the page that shows it; the same HTML whether rendered ahead on every core or on
first use."""

from __future__ import annotations

from newsletter.model import Body
from newsletter.render import markdown
from newsletter.render.markdown import BodyHtml, render_bodies


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


def test_at_shifts_headings_so_the_highest_is_top() -> None:
    html = BodyHtml()
    body = Body("# Top\n\n## Sub\n\n###### Six\n")
    assert html.at(body, "").startswith("<h2>Top</h2>\n<h3>Sub</h3>\n<h6>Six</h6>")
    assert html.at(body, "", top=1).startswith("<h1>Top</h1>")
    assert html.at(body, "", top=6).startswith("<h6>Top</h6>\n<h6>Sub</h6>")  # never past h6
    assert html.at(Body("### Three\n"), "", top=2) == "<h2>Three</h2>\n"


def test_rendered_ahead_on_every_core_is_the_same_html() -> None:
    bodies = [Body(f"# Item {n}\n\nText *{n}* [link](page-{n}/)\n") for n in range(150)]
    bodies.append(bodies[0])  # a repeated body is rendered once
    assert len(bodies) > markdown._PARALLEL_FROM  # the worker pool's path
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
