"""`import-schedule` with the tables documents really give: a title above the table,
cells broken over lines, a Remarks column, dates only reformatted; and what its
summary says."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from newsletter.reading import read_newsletter
from newsletter.site import build, check
from tests.conftest import Run
from tests.sample import FIXTURES, copy_sample

SEED_TABLE = FIXTURES / "import-schedule" / "seed-062-future-activities.txt"
SEED_WITH_TITLE = FIXTURES / "import-schedule" / "seed-062-with-title.txt"
SCHEDULE_62 = "content/issues/062/schedule.yaml"

Cli = Callable[..., Run]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_sample(tmp_path / "news")


def events_of(root: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load((root / SCHEDULE_62).read_text(encoding="utf-8"))
    events: list[dict[str, Any]] = data["events"]
    return events


def pasted(root: Path, text: str) -> Path:
    table = root.parent / "pasted.txt"
    table.write_text(text, encoding="utf-8")
    return table


def test_the_title_above_the_table_becomes_the_new_schedules_head(root: Path, run_cli: Cli) -> None:
    (root / SCHEDULE_62).unlink()
    result = run_cli("import-schedule", str(SEED_WITH_TITLE), "--root", str(root))
    assert result.code == 0, result.output
    assert f"{SCHEDULE_62}: 21 rows read: 21 added, 0 changed, 0 unchanged." in result.out
    assert "lines 1, 3, 5: above the table, read as its title, not as rows." in result.out
    text = (root / SCHEDULE_62).read_text()
    assert text.startswith(
        "title: WCO A/P CB/TA Programs and Meetings Schedule\n"
        "period: October 2018 and onwards (Indicative)\n"
        "note: Official invitation will be circulated in due course\n"
        "events:\n"
    )
    assert len(events_of(root)) == 21
    assert [str(p) for p in check(root).errors] == []


def test_an_existing_schedule_keeps_its_own_title(root: Path, run_cli: Cli) -> None:
    before = (root / SCHEDULE_62).read_text()
    result = run_cli("import-schedule", str(SEED_WITH_TITLE), "--root", str(root))
    assert result.code == 0, result.output
    after = (root / SCHEDULE_62).read_text()
    assert after == before.replace("ICT Master Class\n", "ICT Mater Class\n")


def test_the_summary_names_the_rows_added_and_changed(root: Path, run_cli: Cli) -> None:
    table = pasted(
        root,
        "Event\tDates\tVenue\n"
        "◆ WCO Council Sessions\t1-3 Jul. 2019\tBrussels, Belgium\n"
        "◆ WCO Regional Workshop on Transit\t7-11 Jan. 2019\tNew Delhi, India\n"
        "◆ WCO Regional Workshop on Money Laundering\t21-25 Jan. 2019\tKashiwa, Japan\n"
        "◆ WCO Policy Commission\t8-10 Dec. 2019\tBaku, Azerbaijan\n",
    )
    result = run_cli("import-schedule", str(table), "--root", str(root))
    assert result.code == 0, result.output
    lines = result.out.splitlines()
    assert lines[:4] == [
        f"{SCHEDULE_62}: 4 rows read: 1 added, 2 changed, 1 unchanged.",
        "  added: WCO Policy Commission (line 5)",
        "  changed: WCO Council Sessions (line 2: dates)",
        "  changed: WCO Regional Workshop on Transit (line 3: venue)",
    ]


def test_a_change_of_date_format_only_is_no_change(root: Path, run_cli: Cli) -> None:
    assert run_cli("import-schedule", str(SEED_TABLE), "--root", str(root)).code == 0
    before = (root / SCHEDULE_62).read_bytes()
    text = SEED_TABLE.read_text("utf-8")
    spelled = (
        text.replace("Oct.", "October")
        .replace("Nov.", "November")
        .replace("Mar.", "March")
        .replace("Jun.", "June")
        .replace("24-25", "24 - 25")
        .replace("27-29 June", "27 to 29 June")
    )
    assert spelled != text
    result = run_cli("import-schedule", str(pasted(root, spelled)), "--root", str(root))
    assert result.code == 0, result.output
    assert f"{SCHEDULE_62}: 21 rows read: 0 added, 0 changed, 21 unchanged." in result.out
    assert "changed:" not in result.out
    assert f"{SCHEDULE_62} already said all that: not changed." in result.out
    assert (root / SCHEDULE_62).read_bytes() == before


def test_iso_dates_of_the_same_days_are_no_change(root: Path, run_cli: Cli) -> None:
    schedule = root / SCHEDULE_62
    text = schedule.read_text()
    assert "    dates: 27-29 Jun. 2019\n" in text
    schedule.write_text(
        text.replace("    dates: 27-29 Jun. 2019\n", "    start: 2019-06-27\n    end: 2019-06-29\n")
    )
    before = schedule.read_bytes()
    table = pasted(root, "◆ WCO Council Sessions\t27-29 June 2019\tBrussels, Belgium\n")
    result = run_cli("import-schedule", str(table), "--root", str(root))
    assert "0 added, 0 changed, 1 unchanged" in result.out
    assert schedule.read_bytes() == before
    # Made tentative, the same days are a change.
    table = pasted(root, "◆ WCO Council Sessions\t27-29 June 2019 (tbc)\tBrussels, Belgium\n")
    result = run_cli("import-schedule", str(table), "--root", str(root))
    assert "  changed: WCO Council Sessions (line 1: dates)" in result.out
    council = [e for e in events_of(root) if e["title"] == "WCO Council Sessions"]
    assert council[0]["dates"] == "27-29 June 2019 (tbc)" and "start" not in council[0]


def test_wrapped_cells_and_remarks_are_imported_and_kept(root: Path, run_cli: Cli) -> None:
    table = pasted(
        root,
        "WCO A/P CB/TA Programs and Meetings Schedule\n"
        "\n"
        "No.\tEvent\tDates\tVenue\tRemarks\n"
        "1\tWCO National Workshop on Customs valuation and\n"
        "Transfer Pricing for Thailand\t26-30 Nov. 2018\tBangkok, Thailand\tFor Thai officers\n"
        "2\tWCO Council Sessions\t27-29 Jun. 2019\tBrussels,\n"
        "Belgium\tDelegates register with the\n"
        "Secretariat\n"
        "3\tWCO Regional Forum on Revenue\tTBD\tSuva, Fiji\n",
    )
    result = run_cli("import-schedule", str(table), "--root", str(root))
    assert result.code == 0, result.output
    assert "line 1: above the table, read as its title, not as rows." in result.out
    assert "lines 4-5: one row, 'WCO National Workshop on Customs valuation and" in result.out
    assert "lines 6-8: one row, 'WCO Council Sessions': a cell went on" in result.out
    events = {e["title"]: e for e in events_of(root)}
    valuation = events[
        "WCO National Workshop on Customs valuation and Transfer Pricing for Thailand"
    ]
    assert valuation["description"] == "For Thai officers"
    council = events["WCO Council Sessions"]
    assert council["venue"] == "Brussels, Belgium"
    assert council["description"] == "Delegates register with the Secretariat"
    forum = events["WCO Regional Forum on Revenue"]
    assert (forum["id"], forum["dates"]) == ("wco-regional-forum-on-revenue", "TBD")
    problems = check(root)
    assert [str(p) for p in problems.errors] == []
    assert [p.message for p in problems.notes] == [
        f"events[{list(events).index(forum['title']) + 1}].dates: 'TBD' has no days yet: "
        "listed as 'dates to be announced', and left out of the calendar feed until its "
        "dates give the days"
    ]
    again = run_cli("import-schedule", str(table), "--root", str(root))
    assert "0 added, 0 changed, 3 unchanged" in again.out and "not changed" in again.out


def test_pages_and_email_list_the_merged_schedule_by_date(root: Path, run_cli: Cli) -> None:
    # The new rows go where the table puts them: after the last event the table shares
    # with the file, here the last of all, though they come first by date.
    table = pasted(
        root,
        "◆ WCO Council Sessions\t27-29 Jun. 2019\tBrussels, Belgium\n"
        "◆ An early seminar\t1-2 Oct. 2018\tApia, Samoa\n"
        "◆ A later seminar\t3-4 Dec. 2019\tApia, Samoa\n",
    )
    assert run_cli("import-schedule", str(table), "--root", str(root)).code == 0
    titles = [e["title"] for e in events_of(root)]
    assert titles[-2:] == ["An early seminar", "A later seminar"]
    newsletter, _ = read_newsletter(root)
    assert newsletter is not None
    issue = newsletter.issue(62)
    assert issue is not None and issue.schedule is not None
    starts = [e.dates.start_date for e in issue.schedule.entries]
    assert starts == sorted(starts)
    assert issue.schedule.entries[0].title == "An early seminar"
    assert issue.schedule.entries[-1].title == "A later seminar"
    build(root)
    for name in ("index.html", "email.html", "email.txt"):
        text = (root / "public/issues/062" / name).read_text()
        early, council, late = (
            text.index(t) for t in ("An early seminar", "WCO Council Sessions", "A later seminar")
        )
        assert early < council < late, name


def test_an_event_to_be_announced_keeps_its_id_when_its_days_come(root: Path, run_cli: Cli) -> None:
    first = pasted(root, "◆ WCO Regional Forum on Revenue\tto be announced\tSuva, Fiji\n")
    result = run_cli("import-schedule", str(first), "--root", str(root))
    assert "  added: WCO Regional Forum on Revenue (line 1)" in result.out
    forum = [e for e in events_of(root) if e["title"] == "WCO Regional Forum on Revenue"]
    assert forum[0]["id"] == "wco-regional-forum-on-revenue"
    later = pasted(root, "◆ WCO Regional Forum on Revenue\t2-4 Sept. 2019\tSuva, Fiji\n")
    result = run_cli("import-schedule", str(later), "--root", str(root))
    assert "  changed: WCO Regional Forum on Revenue (line 1: dates)" in result.out
    assert "is the scheduled event wco-regional-forum-on-revenue: its id is kept" in result.out
    forum = [e for e in events_of(root) if e["title"] == "WCO Regional Forum on Revenue"]
    assert (forum[0]["id"], forum[0]["dates"]) == (
        "wco-regional-forum-on-revenue",
        "2-4 Sept. 2019",
    )
    build(root)
    assert (root / "public/events/wco-regional-forum-on-revenue.ics").is_file()
