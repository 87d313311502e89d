"""Benchmark the calendar: `calendar.ics` and `events/<id>.ics` for 10,000 events.

Run it with the Python that has the project installed (`.venv/bin/python` after
`./run build`)::

    python bench/calendar_feed.py [--events 10000] [--repeat 5]

The script writes a newsletter folder of 100 issues whose schedules hold the events
(one in twenty a timed event in one of three time zones, one in ten moved again by the
next issue), reads it once, then times, as the best of `--repeat` runs:

- ours: `publish` (SEQUENCE and LAST-MODIFIED from the history and the published
  record) plus `render_calendar` (the feed, one file per event, the calendars by
  category, country and issue), cold: every VEVENT written afresh, as in the first
  build of a process;
- icalendar's floor: a plain loop that builds the same VEVENTs, with the same values,
  straight with icalendar, adds the VTIMEZONEs and serialises the one feed.

It prints both, their ratio against the target (ours <= 1.5 x the floor), the time of
a second build in the same process (what `serve` pays after an edit) and the sizes.
It reports; it is not a test: it exits 0 whatever the figures are.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone
from icalendar import Event as VEvent
from icalendar.prop import vInline

from newsletter.events.published import day_start, publish, render_record
from newsletter.model import Event, Issue, Newsletter
from newsletter.render.calendar import VEvents, event_url, render_calendar
from newsletter.site import build_time, load

TARGET_RATIO = 1.5
ISSUES = 100
ZONES = ("Europe/Brussels", "Asia/Bangkok", "America/New_York")
MONTHS = (
    "Jan.",
    "Feb.",
    "Mar.",
    "Apr.",
    "May",
    "June",
    "July",
    "Aug.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
)
SETTINGS = (
    "title: Bench Newsletter\n"
    "publisher: Bench Publisher\n"
    "base_url: https://bench.example.org/\n"
    "timezone: Asia/Bangkok\n"
)


def write_newsletter(root: Path, events: int) -> None:
    """A newsletter folder of `ISSUES` issues whose schedules hold `events` events."""
    rng = random.Random(5545)
    (root / "content").mkdir(parents=True)
    (root / "content/newsletter.yaml").write_text(SETTINGS)
    per_issue = events // ISSUES
    previous: list[str] = []
    for number in range(1, ISSUES + 1):
        published = date(1995, 1, 15) + timedelta(days=91 * number)
        folder = root / f"content/issues/{number:03d}"
        folder.mkdir(parents=True)
        (folder / "issue.yaml").write_text(f"number: {number}\ndate: {published}\n")
        rows = [_entry(rng, number, index, published) for index in range(per_issue)]
        moved = [row.replace("venue:", "venue: Moved to") for row in previous[: per_issue // 10]]
        (folder / "schedule.yaml").write_text("events:\n" + "".join(rows + moved))
        previous = rows


def _entry(rng: random.Random, number: int, index: int, published: date) -> str:
    start = published + timedelta(days=rng.randrange(30, 400))
    head = (
        f"  - id: event-{number:03d}-{index:03d}\n"
        f"    title: Regional Workshop number {index} of issue {number} on Customs Matters\n"
    )
    if index % 20 == 0:
        zone = ZONES[index % len(ZONES)]
        return head + (
            f"    start: {start}T09:30\n    end: {start}T17:00\n    timezone: {zone}\n"
            f"    venue: Conference Centre, {zone.split('/')[1]}\n"
        )
    end = start + timedelta(days=rng.randrange(0, 5))
    dates = f"{start.day}-{end.day} {MONTHS[start.month - 1]} {start.year}"
    if end.month != start.month or end.year != start.year:
        dates = f"{start.day} {MONTHS[start.month - 1]} {start.year}"
    return head + f"    dates: {dates}\n    venue: City {index % 37}, Country {index % 11}\n"


def ours(newsletter: Newsletter, vevents: VEvents | None = None) -> dict[str, bytes]:
    """What `build` does for the calendar; with the `vevents` of an earlier render, what
    a rebuild in the same process (`serve`) does."""
    published = publish(newsletter.events, {}, build_time(newsletter))
    return render_calendar(newsletter, published, vevents)


def floor(newsletter: Newsletter) -> bytes:
    """icalendar alone: the same VEVENTs built in a plain loop, one feed serialised."""
    settings = newsletter.calendar
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", "-//bench//EN")
    calendar.add("NAME", settings.name)
    calendar.add("X-WR-CALNAME", settings.name)
    calendar.add("REFRESH-INTERVAL", vInline(settings.refresh), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vInline(settings.refresh))
    years: dict[str, list[int]] = {}
    issues = {issue.number: issue for issue in newsletter.issues}
    for event in newsletter.events:
        announced = issues.get(event.announced_in) if event.announced_in is not None else None
        calendar.add_component(_vevent(newsletter, event, announced, years))
    for zone, span in sorted(years.items()):
        calendar.add_component(
            Timezone.from_tzid(
                zone, first_date=date(min(span), 1, 1), last_date=date(max(span) + 1, 1, 1)
            )
        )
    return calendar.to_ical()


def _vevent(
    newsletter: Newsletter, event: Event, announced: Issue | None, years: dict[str, list[int]]
) -> VEvent:
    stamp = day_start(event.last_modified)
    vevent = VEvent()
    vevent.add("UID", f"{event.id}@{newsletter.calendar.uid_domain}")
    vevent.add("DTSTAMP", stamp)
    vevent.add("LAST-MODIFIED", stamp)
    vevent.add("SEQUENCE", event.sequence)
    vevent.add("SUMMARY", event.title)
    vevent.add("LOCATION", event.venue)
    vevent.add("STATUS", event.status.value.upper())
    dates = event.dates
    if dates.all_day:
        vevent.add("DTSTART", dates.start_date)
        vevent.add("DTEND", dates.end_date + timedelta(days=1))
        vevent.add("TRANSP", "TRANSPARENT" if dates.end_date > dates.start_date else "OPAQUE")
    else:
        zone = ZoneInfo(dates.timezone or "UTC")
        assert isinstance(dates.start, datetime) and isinstance(dates.end, datetime)
        vevent.add("DTSTART", dates.start.astimezone(zone))
        vevent.add("DTEND", dates.end.astimezone(zone))
        vevent.add("TRANSP", "OPAQUE")
        years.setdefault(zone.key, []).extend((dates.start.year, dates.end.year))
    url = event_url(newsletter.settings, event, announced)
    if url:
        vevent.add("URL", url)
        vevent.add("DESCRIPTION", url)
    return vevent


def best_of(repeat: int, work: Callable[[], object]) -> tuple[float, object]:
    """The fastest of `repeat` runs, in seconds, and the last result."""
    times = []
    result: object = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures; 0 always, once they are measured."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=10_000, help="events (default 10000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs each (default 5)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsletter-bench-calendar-") as temp:
        root = Path(temp)
        write_newsletter(root, args.events)
        start = time.perf_counter()
        newsletter, _ = load(root)
        read = time.perf_counter() - start
    timed = sum(1 for e in newsletter.events if not e.dates.all_day)
    moved = sum(1 for e in newsletter.events if e.sequence)
    print(
        f"{len(newsletter.events):,} events ({timed:,} timed in {len(ZONES)} zones, "
        f"{moved:,} moved), read in {read:.2f} s"
    )
    ours_time, files = best_of(args.repeat, lambda: ours(newsletter))
    floor_time, feed = best_of(args.repeat, lambda: floor(newsletter))
    warm = VEvents()
    ours(newsletter, warm)
    again_time, _ = best_of(args.repeat, lambda: ours(newsletter, warm))
    assert isinstance(files, dict) and isinstance(feed, bytes)
    ratio = ours_time / floor_time
    verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
    record = render_record(publish(newsletter.events, {}, datetime(2020, 1, 1, tzinfo=UTC)))
    single = sum(len(data) for name, data in files.items() if name.startswith("events/"))
    print(f"best of {args.repeat} runs each")
    per_event = sum(1 for name in files if name.startswith("events/"))
    print(
        f"ours (calendar.ics + {per_event:,} event files + {len(files) - per_event - 1:,} "
        f"calendars by kind, country and issue): {ours_time:.3f} s"
    )
    print(f"icalendar's floor (calendar.ics only):      {floor_time:.3f} s")
    print(f"ratio: {ratio:.2f}x  (target <= {TARGET_RATIO}x)  {verdict}")
    print(f"ours again in the same process, nothing changed (serve): {again_time:.3f} s")
    print(f"calendar.ics: {len(files['calendar.ics']):,} bytes (floor's: {len(feed):,})")
    print(f"events/*.ics: {single:,} bytes; calendar/published.yaml: {len(record):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
