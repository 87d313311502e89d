"""The peers `bench/build.py` measures our build against: Pelican and Hugo, each given
the same content as a site of its own.

From a generated newsletter archive (read with newsletter's own reader, so every
title, date and body is the one our build renders) this module writes:

- a **Pelican** project: each article, report and issue a Markdown article with its
  metadata (the issue's page is its foreword, the list of its articles and reports,
  and its schedule as a Markdown table), the issue's images as static files, and a
  `pelicanconf.py` that makes what our web build makes: one page per article, report
  and issue, the index, and two feeds (RSS and Atom, full content), with the
  category, tag, author and archive pages Pelican would add switched off;
- a **Hugo** site: the same pages under `content/` with JSON front matter, the images
  under `static/`, minimal layouts (a base page with the title, date and content, and
  an index listing every issue) and the home page's RSS feed.

Each peer is run as a cold process, like ours. Pelican is run with the Python running
the bench (`python -m pelican`; install it with `pip install "pelican==4.12.*"
markdown`, never a dependency of newsletter), Hugo from the `PATH` (Debian:
`apt-get install hugo`). A peer that is not installed is reported as missing.

Standard library only, plus newsletter itself.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

PELICAN_INSTALL = 'pip install "pelican==4.12.*" markdown (into the venv running the bench)'
HUGO_INSTALL = "apt-get install hugo (Debian; 0.111 on bookworm)"


@dataclass(frozen=True)
class Page:
    """One page of the site as the peers get it: Markdown and its metadata."""

    issue: int
    section: str  # "issues", "articles" or "reports"
    slug: str  # unique in the whole site
    title: str
    day: date
    summary: str | None
    authors: tuple[str, ...]
    markdown: str


@dataclass(frozen=True)
class Peer:
    """A peer that can be run: its name, version, and how to build a site folder."""

    name: str
    version: str
    missing: str | None = None
    """Why it cannot be run, and how to install it (None when it can)."""


def pelican_peer() -> Peer:
    """Pelican in the Python running the bench, or why it is missing."""
    if importlib.util.find_spec("pelican") is None or importlib.util.find_spec("markdown") is None:
        return Peer("Pelican", "", f"not installed: {PELICAN_INSTALL}")
    return Peer("Pelican", importlib.metadata.version("pelican"))


def hugo_peer() -> Peer:
    """Hugo on the PATH, or why it is missing."""
    exe = shutil.which("hugo")
    if exe is None:
        return Peer("Hugo", "", f"not on the PATH: {HUGO_INSTALL}")
    result = subprocess.run([exe, "version"], capture_output=True, text=True, check=False)
    words = result.stdout.split()
    version = words[1].lstrip("v").split("+")[0] if len(words) > 1 else "?"
    return Peer("Hugo", version)


def pelican_argv(site: Path, out: Path) -> list[str]:
    """The cold Pelican build of `site` into `out`."""
    return [
        sys.executable,
        "-m",
        "pelican",
        str(site / "content"),
        "--settings",
        str(site / "pelicanconf.py"),
        "--output",
        str(out),
        "--quiet",
    ]


def hugo_argv(site: Path, out: Path) -> list[str]:
    """The cold Hugo build of `site` into `out` (its cache in `out` too: nothing kept)."""
    return [
        shutil.which("hugo") or "hugo",
        "--quiet",
        "--source",
        str(site),
        "--destination",
        str(out),
        "--cacheDir",
        str(out / ".hugo-cache"),
    ]


def site_pages(root: Path) -> tuple[str, list[Page], dict[int, list[Path]]]:
    """The site title, every page and each issue's image files of the newsletter at
    `root`, read as our build reads it."""
    from newsletter.site import load

    newsletter, _problems = load(root)
    pages: list[Page] = []
    images: dict[int, list[Path]] = {}
    for issue in sorted(newsletter.issues, key=lambda i: i.number):
        n = issue.number
        images[n] = [image.file for image in issue.images]
        for article in issue.articles:
            authors = tuple(person.name for person in article.authors)
            slug = f"n{n:03d}-{article.slug}"
            body = article.body.markdown
            pages.append(
                Page(n, "articles", slug, article.title, issue.date, article.summary, authors, body)
            )
        for report in issue.reports:
            slug = f"n{n:03d}-{report.slug}"
            body = report.body.markdown
            pages.append(
                Page(n, "reports", slug, report.title, issue.date, report.summary, (), body)
            )
        body = _issue_markdown(issue)
        pages.append(Page(n, "issues", f"n{n:03d}", issue.title, issue.date, None, (), body))
    return newsletter.settings.title, pages, images


def _issue_markdown(issue: object) -> str:
    """An issue's page as Markdown: foreword, its items as links, its schedule table."""
    from newsletter.model import Issue

    assert isinstance(issue, Issue)
    parts: list[str] = []
    if issue.foreword is not None:
        parts.append(issue.foreword.body.markdown.strip())
    for heading, items in (("Special Topics", issue.articles), ("Reports", issue.reports)):
        if items:
            links = "\n".join(
                f"- [{item.title}](../n{issue.number:03d}-{item.slug}/)" for item in items
            )
            parts.append(f"## {heading}\n\n{links}")
    if issue.schedule is not None and issue.schedule.entries:
        rows = "\n".join(
            f"| {_cell(e.title)} | {_when(e.dates.start)} – {_when(e.dates.end)} "
            f"| {_cell(e.venue)} |"
            for e in issue.schedule.entries
        )
        parts.append(f"## Future Activities\n\n| Event | Dates | Venue |\n|---|---|---|\n{rows}")
    return "\n\n".join(parts) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _when(value: date | datetime) -> str:
    return value.isoformat()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def write_pelican(site: Path, title: str, pages: list[Page], images: dict[int, list[Path]]) -> None:
    """A Pelican project at `site` (see the module docstring)."""
    if site.exists():
        shutil.rmtree(site)
    content = site / "content"
    for page in pages:
        folder = content / "issues" / f"{page.issue:03d}" / page.section
        folder.mkdir(parents=True, exist_ok=True)
        meta = [
            f"Title: {_one_line(page.title)}",
            f"Date: {page.day.isoformat()}",
            f"Category: {page.section}",
            f"Slug: {page.slug}",
        ]
        if page.authors:
            meta.append(f"Authors: {'; '.join(_one_line(a) for a in page.authors)}")
        if page.summary:
            meta.append(f"Summary: {_one_line(page.summary)}")
        (folder / f"{page.slug}.md").write_text("\n".join(meta) + "\n\n" + page.markdown, "utf-8")
    for number, files in images.items():
        for file in files:
            target = content / "issues" / f"{number:03d}" / "images" / file.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)
    settings = {
        "SITENAME": title,
        "SITEURL": "",
        "AUTHOR": "The editors",
        "TIMEZONE": "UTC",
        "DEFAULT_LANG": "en",
        "RELATIVE_URLS": True,
        "ARTICLE_PATHS": ["issues"],
        "STATIC_PATHS": ["issues"],
        "PAGE_PATHS": [],
        "ARTICLE_URL": "{slug}/",
        "ARTICLE_SAVE_AS": "{slug}/index.html",
        "DIRECT_TEMPLATES": ["index"],
        "FEED_ALL_RSS": "feed.xml",
        "FEED_ALL_ATOM": "atom.xml",
        "RSS_FEED_SUMMARY_ONLY": False,
        "CATEGORY_FEED_ATOM": None,
        "TRANSLATION_FEED_ATOM": None,
        "AUTHOR_FEED_ATOM": None,
        "AUTHOR_FEED_RSS": None,
        "CATEGORY_SAVE_AS": "",
        "CATEGORIES_SAVE_AS": "",
        "TAG_SAVE_AS": "",
        "TAGS_SAVE_AS": "",
        "AUTHOR_SAVE_AS": "",
        "AUTHORS_SAVE_AS": "",
        "ARCHIVES_SAVE_AS": "",
        "DEFAULT_PAGINATION": False,
        "LOAD_CONTENT_CACHE": False,
        "CACHE_CONTENT": False,
    }
    lines = [f"{key} = {value!r}" for key, value in settings.items()]
    (site / "pelicanconf.py").write_text("\n".join(lines) + "\n", "utf-8")


HUGO_CONFIG = """\
baseURL = "https://example.org/"
languageCode = "en"
title = {title}
disableKinds = ["taxonomy", "term"]
[outputs]
home = ["HTML", "RSS"]
section = ["HTML"]
[markup.goldmark.renderer]
unsafe = true
"""

HUGO_LAYOUTS = {
    "_default/baseof.html": """\
<!DOCTYPE html>
<html lang="{{ .Site.LanguageCode }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ .Site.Title }}</title>
<link rel="canonical" href="{{ .Permalink }}">
<link rel="stylesheet" href="{{ "style.css" | relURL }}">
</head>
<body>
<header><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
""",
    "_default/single.html": """\
{{ define "main" }}<article>
<h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time></p>
{{ with .Params.authors }}<p>By {{ delimit . "; " }}</p>{{ end }}
{{ .Content }}
</article>{{ end }}
""",
    "_default/list.html": """\
{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ end }}
""",
    "index.html": """\
{{ define "main" }}<h1>{{ .Site.Title }}</h1>
<ol reversed>{{ range where .Site.RegularPages "Section" "issues" }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
<time>{{ .Date.Format "2 January 2006" }}</time></li>
{{ end }}</ol>
{{ end }}
""",
}


def write_hugo(site: Path, title: str, pages: list[Page], images: dict[int, list[Path]]) -> None:
    """A Hugo site at `site` (see the module docstring)."""
    if site.exists():
        shutil.rmtree(site)
    site.mkdir(parents=True)
    (site / "config.toml").write_text(HUGO_CONFIG.format(title=json.dumps(title)), "utf-8")
    for name, text in HUGO_LAYOUTS.items():
        target = site / "layouts" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
    static = site / "static"
    static.mkdir()
    (static / "style.css").write_text("body { max-width: 40em; margin: auto; }\n", "utf-8")
    for section in ("issues", "articles", "reports"):
        (site / "content" / section).mkdir(parents=True)
    for page in pages:
        front: dict[str, object] = {
            "title": _one_line(page.title),
            "date": page.day.isoformat(),
            "slug": page.slug,
        }
        if page.authors:
            front["authors"] = list(page.authors)
        if page.summary:
            front["summary"] = _one_line(page.summary)
        text = json.dumps(front, ensure_ascii=False, indent=1) + "\n\n" + page.markdown
        (site / "content" / page.section / f"{page.slug}.md").write_text(text, "utf-8")
    for number, files in images.items():
        for file in files:
            target = static / "issues" / f"{number:03d}" / "images" / file.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)


def write_peer_sites(root: Path, work: Path) -> Iterator[tuple[str, Path]]:
    """Write the Pelican and Hugo sites of the newsletter at `root` under `work`;
    yield (peer name, site folder) for each."""
    title, pages, images = site_pages(root)
    pelican = work / "pelican"
    write_pelican(pelican, title, pages, images)
    yield "Pelican", pelican
    hugo = work / "hugo"
    write_hugo(hugo, title, pages, images)
    yield "Hugo", hugo
