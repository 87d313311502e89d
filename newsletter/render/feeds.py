"""RSS 2.0 (`feed.xml`) and Atom 1.0 (`atom.xml`) with feedgen.

One item per article and per report, newest issue first (within an issue: articles in
order, then reports). Each item carries the full sanitised HTML with absolute URLs,
its summary, the byline, the section as category, and the issue's date; Atom's
`updated` is the item's own, from the revisions record (`newsletter.revisions`), so a
corrected article shows as updated. Every date comes from the content or that record,
never the clock, so the same content gives the same bytes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from feedgen.feed import FeedGenerator

from newsletter import __version__
from newsletter.layout import ATOM_FEED, RSS_FEED
from newsletter.model import Article, Issue, Newsletter, Report
from newsletter.render.markdown import BodyHtml

GENERATOR_URI = "https://pypi.org/project/newsletter/"


def feed_items(newsletter: Newsletter) -> Iterator[tuple[Issue, Article | Report]]:
    """The feeds' items in order, cut to `feed: limit` when set."""
    count = 0
    limit = newsletter.settings.feed.limit
    for issue in sorted(newsletter.issues, key=lambda i: i.number, reverse=True):
        items: tuple[Article | Report, ...] = (*issue.articles, *issue.reports)
        for item in items:
            if limit is not None and count >= limit:
                return
            count += 1
            yield issue, item


def render_feeds(
    newsletter: Newsletter, html: BodyHtml, updated: Mapping[str, datetime] | None = None
) -> dict[str, bytes]:
    """`feed.xml` and `atom.xml`, each item's content from `html`; `updated` maps an
    item's path to when it last changed (default, and for an item it lacks: its issue's
    date)."""
    return render_feeds_kept(newsletter, html, updated or {}, {}, lambda _, item: item.path)[0]


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item as each feed holds it: its `<item>` and `<entry>` elements' bytes."""

    rss: bytes
    atom: bytes


ItemKey = Callable[[Issue, Article | Report], str]


def render_feeds_kept(
    newsletter: Newsletter,
    html: BodyHtml,
    updated: Mapping[str, datetime],
    kept: Mapping[str, FeedEntry],
    key: ItemKey,
) -> tuple[dict[str, bytes], dict[str, FeedEntry]]:
    """The feeds (`render_feeds`), rendering only the items whose `key` is not in `kept`,
    and every item's entry by key, to keep for the next build.

    An item's elements are the same bytes whichever feed holds them: feedgen writes the
    items last, each at the same depth, and escapes their text (a line `    <item>` is
    never inside one). So the feed of the new items alone, under the whole feed's head,
    is cut into head, items and tail, and the kept items are put back in their places.
    """
    items = list(feed_items(newsletter))
    keys = [key(issue, item) for issue, item in items]
    fresh = {k: pair for k, pair in zip(keys, items, strict=True) if k not in kept}
    head, rendered, tail = _parts(
        newsletter, _feed(newsletter, html, updated, items, [*fresh.values()])
    )
    made = dict(zip(fresh, rendered, strict=True))
    entries = {k: kept[k] if k in kept else made[k] for k in keys}
    ordered = [entries[k] for k in keys]
    files = {
        RSS_FEED: b"".join([head.rss, *(entry.rss for entry in ordered), tail.rss]),
        ATOM_FEED: b"".join([head.atom, *(entry.atom for entry in ordered), tail.atom]),
    }
    return files, entries


def feed_entries(
    newsletter: Newsletter,
    html: BodyHtml,
    updated: Mapping[str, datetime],
    shown: list[tuple[Issue, Article | Report]],
) -> list[FeedEntry]:
    """The entries of the items `shown`, byte for byte as `render_feeds_kept` puts them
    in the feeds: made where the bodies are rendered, then `kept` there."""
    return _parts(newsletter, _feed(newsletter, html, updated, shown, shown))[1]


def _parts(
    newsletter: Newsletter, feed: FeedGenerator
) -> tuple[FeedEntry, list[FeedEntry], FeedEntry]:
    """Both feeds of `feed` cut into head, entries and tail (each part a `FeedEntry`
    holding the RSS bytes and the Atom bytes)."""
    rss = _cut(bytes(feed.rss_str(pretty=True)), b"    <item>\n", b"  </channel>\n")
    atom = _cut(_atom(feed, newsletter.settings.url(ATOM_FEED)), b"  <entry>\n", b"</feed>\n")
    entries = [FeedEntry(r, a) for r, a in zip(rss[1], atom[1], strict=True)]
    return FeedEntry(rss[0], atom[0]), entries, FeedEntry(rss[2], atom[2])


def _cut(feed: bytes, start: bytes, tail: bytes) -> tuple[bytes, list[bytes], bytes]:
    """A feed's head, its items (each from a line `start` to the next), and its tail
    (from the last line `tail`)."""
    end = feed.rindex(b"\n" + tail) + 1
    starts = []
    found = feed.find(b"\n" + start)
    while 0 <= found < end:
        starts.append(found + 1)
        found = feed.find(b"\n" + start, found + 1)
    bounds = [*starts, end]
    items = [feed[a:b] for a, b in itertools.pairwise(bounds)]
    return feed[: bounds[0]], items, feed[end:]


def _feed(
    newsletter: Newsletter,
    html: BodyHtml,
    updated: Mapping[str, datetime],
    items: list[tuple[Issue, Article | Report]],
    shown: list[tuple[Issue, Article | Report]],
) -> FeedGenerator:
    """The feed of `items`, holding the entries of `shown` (the head's dates are all
    the items')."""
    settings = newsletter.settings
    zone = ZoneInfo(settings.timezone)

    def published(issue: Issue) -> datetime:
        return datetime.combine(issue.date, time(0, 0), tzinfo=zone)

    feed = FeedGenerator()
    feed.load_extension("dc", atom=False, rss=True)
    feed.id(settings.base_url)
    feed.title(settings.title)
    feed.subtitle(f"The newsletter of the {settings.publisher}")  # also the RSS description
    # feedgen takes the RSS <link> from the last link given: the site, not the feed.
    feed.link(href=settings.url(RSS_FEED), rel="self", type="application/rss+xml")
    feed.link(href=settings.base_url, rel="alternate")
    feed.language(settings.language)
    feed.author({"name": settings.publisher})
    feed.generator("newsletter", version=__version__, uri=GENERATOR_URI)
    if settings.image:
        feed.logo(settings.image)
        feed.image(url=settings.image, title=settings.title, link=settings.base_url)

    def changed(issue: Issue, item: Article | Report) -> datetime:
        when = updated.get(item.path)
        return max(when.astimezone(zone), published(issue)) if when else published(issue)

    newest = max(newsletter.issues, key=lambda i: i.date, default=None)
    if newest is not None:
        latest = max([published(newest), *(changed(i, item) for i, item in items)])
        feed.lastBuildDate(latest)
        feed.updated(latest)

    for issue, item in shown:
        url = settings.url(item.path)
        entry = feed.add_entry(order="append")
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(item.title)
        entry.link(href=url, rel="alternate")
        entry.published(published(issue))
        entry.updated(changed(issue, item))
        entry.content(html.at(item.body, settings.url(issue.path), top=2), type="html")
        entry.summary(item.summary or _first_words(item.body.markdown))
        if isinstance(item, Article):
            entry.category(term=issue.sections.articles)
            for person in item.authors:
                entry.author({"name": person.name})
                entry.dc.dc_creator(person.name)
        else:
            entry.category(term=issue.sections.reports)
    return feed


def _atom(feed: FeedGenerator, self_url: str) -> bytes:
    """Atom with its own `rel="self"` (feedgen keeps one link list for both formats)."""
    links = [link for link in feed.link() if link.get("rel") != "self"]
    feed.link(
        [*links, {"href": self_url, "rel": "self", "type": "application/atom+xml"}], replace=True
    )
    return bytes(feed.atom_str(pretty=True))


def _first_words(markdown: str, limit: int = 300) -> str:
    """A plain description when an item has no summary: its first paragraph, shortened."""
    paragraph = next(
        (
            p
            for p in markdown.split("\n\n")
            if p.strip() and not p.lstrip().startswith(("#", "!", "|", "<"))
        ),
        "",
    )
    text = " ".join(paragraph.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
