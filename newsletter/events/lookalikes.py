"""Events that look like one event under two ids: the classic cause of duplicates in
subscribers' calendars (an entry copied into the next issue without its `id:`, or a
report whose `event:` differs from the schedule's id).

Two events look alike when they start on the same day and their titles are nearly the
same (difflib ratio of at least 0.8, ignoring case and spacing). Events are grouped by
start day first, and identical titles by a dictionary, so a big archive stays fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from newsletter.errors import Problems
from newsletter.model import EventEntry

SIMILAR = 0.8


def warn_lookalike_events(entries: Iterable[EventEntry], problems: Problems) -> None:
    """A warning for each event whose start and title match an earlier event's."""
    latest: dict[str, EventEntry] = {}  # the entry whose fields win, in first-seen order
    for entry in entries:
        latest[entry.id] = entry
    by_start: dict[date, list[EventEntry]] = {}
    for entry in latest.values():
        if not entry.dates.has_days:
            continue  # no start day to share
        by_start.setdefault(entry.dates.start_date, []).append(entry)
    for group in by_start.values():
        if len(group) > 1:
            _compare(group, problems)


def similar_titles(first: str, second: str) -> bool:
    """Nearly the same title, ignoring case and spacing."""
    a, b = _normal(first), _normal(second)
    if a == b:
        return True
    from difflib import SequenceMatcher  # only for events that start on one day

    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return (
        matcher.real_quick_ratio() >= SIMILAR
        and matcher.quick_ratio() >= SIMILAR
        and matcher.ratio() >= SIMILAR
    )


def _compare(group: list[EventEntry], problems: Problems) -> None:
    titles: dict[str, EventEntry] = {}  # each distinct title, with its first event
    for entry in group:
        title = _normal(entry.title)
        match = titles.get(title) or next(
            (other for key, other in titles.items() if similar_titles(title, key)), None
        )
        if match is not None:
            problems.warning(
                entry.source.path,
                entry.source.line,
                f"event {entry.id!r} looks like {match.id!r} ({match.source}): same start "
                f"{entry.dates.start_date.isoformat()} and a similar title; if they are one "
                "event give both the same id, or subscribers will see it twice",
            )
        titles.setdefault(title, entry)


def _normal(title: str) -> str:
    return " ".join(title.casefold().split())
