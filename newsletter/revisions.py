"""The revisions record: when each article and report last changed, for Atom's `updated`.

`content/revisions.yaml` sits with the content and is committed with it, as
calendar/published.yaml is. For each item, by its page's path, it keeps a digest of
what readers read (title, summary, byline, dates, venue, body) and when that version
was first built. An item the record does not know was last updated on its issue's
date. One whose digest changed was corrected: it gets the build time (`build_time`:
SOURCE_DATE_EPOCH, else the newest issue's date), never earlier than the time recorded,
so feed readers see the correction and the same content always gives the same feed.

`build` rewrites the record only when an item changed; paths that leave the content
stay, so an item put back never goes back in time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from newsletter.errors import ContentError, Problems
from newsletter.layout import REVISIONS_PATH
from newsletter.model import Article, Issue, Newsletter, Report
from newsletter.reading.files import read_text
from newsletter.reading.yamlfile import YamlMap
from newsletter.records import check_conflicts, record_mapping, timestamp, write_record

_DIGEST_LENGTH = 16
_KEEP = "each item's later `updated` and its digest"  # of a merge conflict
_HEADER = """\
# Written by `newsletter build`: commit it with the content, do not edit it by hand.
# For each article and report: a digest of what readers read, and when that version
# was first built (Atom's `updated`). A corrected item gets the next build's time.
"""


@dataclass(frozen=True, slots=True)
class Revision:
    """One item's latest version: when it was first built, and its digest."""

    updated: datetime  # UTC, whole seconds
    digest: str


Revisions = dict[str, Revision]


def digest(item: Article | Report) -> str:
    """A short hash of what a reader of the item reads."""
    fields: list[object] = [item.title, item.summary, item.body.markdown]
    if isinstance(item, Article):
        fields.append([[p.name, p.role, p.organisation] for p in item.authors])
    else:
        fields += [item.dates.start.isoformat(), item.dates.end.isoformat(), item.venue]
    import hashlib  # only a build digests: `check` spares OpenSSL's start-up (and json's)
    import json

    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_DIGEST_LENGTH]


def issue_time(newsletter: Newsletter, issue: Issue) -> datetime:
    """Midnight of the issue's date where the newsletter is published, in UTC."""
    from zoneinfo import ZoneInfo  # only a build: `check` spares its 4 ms of start-up

    zone = ZoneInfo(newsletter.settings.timezone)
    return datetime.combine(issue.date, time(0, 0), tzinfo=zone).astimezone(UTC)


def items(newsletter: Newsletter) -> Iterable[tuple[Issue, Article | Report]]:
    """Every article and report with its issue."""
    for issue in newsletter.issues:
        entries: tuple[Article | Report, ...] = (*issue.articles, *issue.reports)
        for item in entries:
            yield issue, item


def revise(
    newsletter: Newsletter,
    record: Mapping[str, Revision],
    now: datetime,
    digests: Mapping[str, str] | None = None,
) -> Revisions:
    """The record after this build: each item's `updated` as the feeds publish it now.
    `digests`: each item's `digest` by its path, when known already."""
    result = dict(record)
    now = now.astimezone(UTC).replace(microsecond=0)
    for issue, item in items(newsletter):
        mark = digests[item.path] if digests is not None else digest(item)
        old = record.get(item.path)
        if old is None:
            result[item.path] = Revision(issue_time(newsletter, issue), mark)
        elif old.digest != mark:
            result[item.path] = Revision(max(now, old.updated + timedelta(seconds=1)), mark)
    return result


def read_revisions(root: Path, problems: Problems) -> Revisions:
    """`content/revisions.yaml` (empty when missing); every problem goes to `problems`."""
    if not (root / REVISIONS_PATH).is_file():
        return {}
    try:
        text = check_conflicts(read_text(root, REVISIONS_PATH), REVISIONS_PATH, _KEEP)
    except ContentError as error:
        problems.add(error.problem)
        return {}
    written = _as_written(text)
    if written is not None:
        return written
    data = record_mapping(text, REVISIONS_PATH, "page paths", problems)
    if data is None:
        return {}
    record: Revisions = {}
    for path, entry in data.items():
        revision = _entry(path, entry, data.line_of(path), problems)
        if revision is not None:
            record[path] = revision
    return record


def render_revisions(record: Mapping[str, Revision]) -> bytes:
    """The record as YAML, paths in order, one short block per item."""
    lines = [_HEADER]
    for path in sorted(record):
        revision = record[path]
        stamp = revision.updated.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(f'"{path}":\n  updated: {stamp}\n  digest: "{revision.digest}"\n')
    return "".join(lines).encode("utf-8")


def save_revisions(root: Path, old: Mapping[str, Revision], new: Mapping[str, Revision]) -> bool:
    """Write the new record when it differs from the old one; True when it was written."""
    if dict(new) == dict(old):
        return False
    otherwise = "the next build that can write it gives the feeds the same times"
    write_record(root, REVISIONS_PATH, render_revisions(new), otherwise)
    return True


_WRITTEN_ENTRY = re.compile(
    r'"(?P<path>[^"\\\n]*)":\n'
    r"  updated: (?P<stamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\n"
    r'  digest: "(?P<digest>[0-9a-f]{16})"\n'
)


def _as_written(text: str) -> Revisions | None:
    """The record of a file just as `render_revisions` writes it, read without a YAML
    parser (an edit's build reads it again: 0.03 s at 400 issues); None for any other
    text, which the YAML reader then reads, reporting what is wrong with its line."""
    if not text.startswith(_HEADER):
        return None
    record: Revisions = {}
    position = len(_HEADER)
    for match in _WRITTEN_ENTRY.finditer(text, position):
        updated = timestamp(match["stamp"])
        if match.start() != position or updated is None:
            return None
        record[match["path"]] = Revision(updated, match["digest"])
        position = match.end()
    # Written back, the same bytes: no path twice, none quoted another way.
    if position != len(text) or render_revisions(record) != text.encode("utf-8"):
        return None
    return record


def _entry(path: str, entry: object, line: int, problems: Problems) -> Revision | None:
    if not isinstance(entry, YamlMap):
        problems.error(REVISIONS_PATH, line, f"{path}: must be a mapping of updated and digest")
        return None
    for key in entry:
        if key not in ("updated", "digest"):
            problems.warning(REVISIONS_PATH, entry.line_of(key), f"{path}.{key}: unknown key")
    updated = timestamp(entry.get("updated"))
    mark = entry.get("digest")
    if updated is None:
        problems.error(
            REVISIONS_PATH,
            entry.line_of("updated"),
            f"{path}.updated: must be a UTC time such as 2018-10-15T00:00:00Z, "
            f"not {entry.get('updated')!r}",
            value=entry.get("updated"),
        )
    valid_mark = isinstance(mark, str) and len(mark) == _DIGEST_LENGTH
    if not valid_mark or not all(c in "0123456789abcdef" for c in str(mark)):
        problems.error(
            REVISIONS_PATH,
            entry.line_of("digest"),
            f"{path}.digest: must be {_DIGEST_LENGTH} hexadecimal digits, not {mark!r}",
            value=mark,
        )
        return None
    return Revision(updated, str(mark)) if updated is not None else None
