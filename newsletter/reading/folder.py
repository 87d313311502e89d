"""What reading one issue folder gives, and the digests the read cache keys it by.

Apart from the reading code (newsletter/reading/issue.py), so that a reading the
cache holds is loaded without importing what would read it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsletter.model import EventEntry, Issue


@dataclass(frozen=True, slots=True)
class IssueFolder:
    """What reading one issue gives: the issue, and the event entries it writes."""

    issue: Issue
    entries: tuple[EventEntry, ...]


@dataclass(frozen=True, slots=True)
class Marks:
    """Digests of one issue folder as read: of the issue (`issue`), of the event entries
    it writes (`entries`), and of the rest its events are merged from, its date and its
    reports (`reports`): what the read cache keys the merged events by. `items`: each
    article's and report's path with its `revisions.digest`, what tells the build that
    one changed (worked out by the reader, on every core)."""

    issue: str
    entries: str
    reports: str
    items: tuple[tuple[str, str], ...]
