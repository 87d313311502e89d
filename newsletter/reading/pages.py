"""The Markdown pages of an issue: foreword.md, articles/*.md and reports/*.md.

Each page is Markdown with optional YAML front matter. The file name of an article or
a report is its slug, the last part of its URL; the images a body refers to must be
files in the issue's images/ folder, or https URLs.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

from newsletter.errors import ContentError, Problems
from newsletter.layout import ARTICLES, FOREWORD_FILE, REPORTS, RESERVED_SLUGS
from newsletter.model import Article, Body, EventEntry, Foreword, Image, Origin, Report, Source
from newsletter.reading.entries import (
    DATE_KEYS,
    KIND_KEYS,
    read_category,
    read_country,
    read_dates,
    read_id,
    read_status,
)
from newsletter.reading.fields import Fields
from newsletter.reading.files import MarkdownFile, read_markdown_file
from newsletter.reading.images import find_images
from newsletter.reading.settings import read_people
from newsletter.slugs import SLUG, slugify

FOREWORD_KEYS = ("author", "role")
ARTICLE_KEYS = ("title", "authors", "summary", "order")
REPORT_KEYS = (
    "title",
    *DATE_KEYS,
    "venue",
    "event",
    "status",
    "categories",
    *KIND_KEYS,
    "summary",
    "order",
)


class Pages:
    """Reads the pages of one issue folder, collecting the images their bodies show."""

    def __init__(self, root: Path, folder: str, timezone: str, problems: Problems) -> None:
        self.root = root
        self.folder = folder  # e.g. "content/issues/062"
        self.directory = root / folder
        self.timezone = timezone  # for report dates written with a time but no zone
        self.problems = problems
        self.images: dict[str, Image] = {}

    def rel(self, name: str) -> str:
        """The path, relative to the root, of `name` in the issue folder."""
        return f"{self.folder}/{name}"

    def image_list(self) -> tuple[Image, ...]:
        """Every image the pages read so far show, once each, by name."""
        return tuple(self.images[name] for name in sorted(self.images))

    def foreword(self) -> Foreword | None:
        """foreword.md, or None when the issue has none (or it cannot be read)."""
        if not (self.directory / FOREWORD_FILE).is_file():
            return None
        document = self._markdown(FOREWORD_FILE)
        if document is None:
            return None
        fields = Fields(document.meta, self.rel(FOREWORD_FILE), self.problems, FOREWORD_KEYS)
        return Foreword(
            author=fields.one_line("author"),
            role=fields.one_line("role"),
            body=self._body(FOREWORD_FILE, document),
            source=Source(self.rel(FOREWORD_FILE), 1),
        )

    def articles(self, number: int) -> tuple[Article, ...]:
        """The articles of issue `number`, by `order:` and then by slug."""
        articles = []
        for slug, name, document in self._documents(ARTICLES):
            fields = Fields(document.meta, self.rel(name), self.problems, ARTICLE_KEYS)
            title = fields.one_line("title", required=True)
            authors = tuple(read_people(fields, "authors", ("name", "role", "organisation")))
            body = self._body(name, document)
            if title is None:
                continue
            articles.append(
                Article(
                    issue=number,
                    slug=slug,
                    title=title,
                    authors=authors,
                    summary=fields.text("summary"),
                    order=fields.number("order"),
                    body=body,
                    source=Source(self.rel(name), 1),
                )
            )
        return tuple(sorted(articles, key=lambda a: (a.order is None, a.order or 0, a.slug)))

    def reports(self, number: int) -> tuple[tuple[Report, EventEntry], ...]:
        """The reports of issue `number`, by `order:` and then by slug, each with the
        calendar entry of the event it reports on."""
        reports = []
        for slug, name, document in self._documents(REPORTS):
            path = self.rel(name)
            fields = Fields(document.meta, path, self.problems, REPORT_KEYS)
            title = fields.one_line("title", required=True)
            dates, tentative = read_dates(fields, self.timezone)
            venue = fields.one_line("venue", required=True)
            status = read_status(fields, tentative)
            event_id = read_id(fields, "event", title, dates)
            body = self._body(name, document)
            if (
                title is None
                or dates is None
                or venue is None
                or event_id is None
                or status is None
            ):
                continue
            report = Report(
                issue=number,
                slug=slug,
                title=title,
                dates=dates,
                venue=venue,
                event_id=event_id,
                summary=fields.text("summary"),
                order=fields.number("order"),
                body=body,
                source=Source(path, 1),
            )
            entry = EventEntry(
                id=event_id,
                title=title,
                dates=dates,
                venue=venue,
                status=status,
                source=Source(path, fields.line("event") if fields.has("event") else 1),
                origin=Origin.REPORT,
                explicit_id=fields.has("event"),
                issue=number,
                report=slug,
                description=report.summary,
                categories=fields.text_list("categories"),
                category=read_category(fields),
                country=read_country(fields),
            )
            reports.append((report, entry))
        return tuple(
            sorted(reports, key=lambda r: (r[0].order is None, r[0].order or 0, r[0].slug))
        )

    def check_slugs(
        self, articles: tuple[Article, ...], reports: tuple[tuple[Report, EventEntry], ...]
    ) -> None:
        """Report a report named like an article: both pages would have one URL."""
        article_slugs = {a.slug for a in articles}
        for report, _ in reports:
            if report.slug in article_slugs:
                self.problems.error(
                    report.source.path,
                    None,
                    f"articles/{report.slug}.md has the same name; each page of an issue "
                    "needs its own file name",
                    value=report.slug,
                )

    def _markdown(self, name: str) -> MarkdownFile | None:
        try:
            return read_markdown_file(self.root, self.rel(name))
        except ContentError as error:
            self.problems.add(error.problem)
            return None

    def _documents(self, kind: str) -> list[tuple[str, str, MarkdownFile]]:
        """(slug, name, document) for every Markdown file of articles/ or reports/."""
        directory = self.directory / kind
        if not directory.is_dir():
            return []
        found = []
        for file in sorted(directory.iterdir()):
            name = f"{kind}/{file.name}"
            if file.name.startswith(".") or not file.is_file():
                continue
            if file.suffix != ".md":
                self.problems.warning(self.rel(name), None, "ignored: only .md files are read here")
                continue
            slug = file.stem
            if not SLUG.match(slug) or slug in RESERVED_SLUGS:
                suggestion = slugify(slug) or "an-article"
                if suggestion in RESERVED_SLUGS:
                    suggestion += "-1"
                self.problems.error(
                    self.rel(name),
                    None,
                    f"the file name is the page's URL: use lowercase letters, digits and '-' "
                    f"(e.g. {suggestion}.md)",
                    value=slug,
                )
                continue
            document = self._markdown(name)
            if document is not None:
                found.append((slug, name, document))
        return found

    def _body(self, name: str, document: MarkdownFile) -> Body:
        images = []
        path = self.rel(name)
        for reference in find_images(document.body):
            line = document.body_line + reference.line - 1
            image = self._image(reference.src, reference.alt, Source(path, line))
            if image is not None:
                images.append(image)
        return Body(document.body, tuple(images))

    def _image(self, src: str, alt: str, source: Source) -> Image | None:
        parts = urlsplit(src)
        if parts.scheme in ("http", "https"):
            if parts.scheme == "http":
                self.problems.warning(
                    source.path, source.line, f"image {src!r}: use an https URL", value=src
                )
            return None
        if parts.scheme or parts.netloc:
            self.problems.error(
                source.path,
                source.line,
                f"image {src[:60]!r}: only files in images/ or https URLs",
                value=src,
            )
            return None
        name = posixpath.normpath(unquote(parts.path))
        if parts.path.startswith("/") or not name.startswith("images/") or ".." in name.split("/"):
            self.problems.error(
                source.path,
                source.line,
                f"image {src!r} is outside this issue's images/ folder; "
                "put the file in images/ and write images/<name>",
                value=src,
            )
            return None
        file = self.directory / name
        if not file.is_file():
            self.problems.error(
                source.path,
                source.line,
                f"image {src!r} does not exist ({self.rel(name)})",
                value=src,
            )
            return None
        if not file.resolve().is_relative_to(self.root.resolve()):
            self.problems.error(
                source.path,
                source.line,
                f"image {src!r} is a link to a file outside the newsletter folder; "
                "copy the file into images/",
                value=src,
            )
            return None
        if not alt:
            self.problems.warning(
                source.path,
                source.line,
                f"image {src!r} has no alt text; describe it for readers who cannot see it",
                value=src,
            )
        image = Image(name=name.removeprefix("images/"), file=file, alt=alt, source=source)
        self.images.setdefault(image.name, image)
        return image
