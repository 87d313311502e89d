"""`check` warns about two events that look like one under two ids (same start, similar
title), the classic cause of duplicates in subscribers' calendars."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from newsletter.errors import ContentErrors, Problems, Severity
from newsletter.events.lookalikes import similar_titles
from newsletter.site import build
from tests.conftest import SCHEDULE

if TYPE_CHECKING:
    from tests.conftest import Folder, Run
    from tests.golden import BuiltSample

ENTRY = "  - id: {id}\n    title: {title}\n    dates: {dates}\n    venue: Bangkok, Thailand\n"


def schedule(*entries: tuple[str, str, str]) -> str:
    rows = "".join(ENTRY.format(id=i, title=t, dates=d) for i, t, d in entries)
    return "title: Schedule\nevents:\n" + rows


def lookalike_warnings(folder: Folder) -> list[str]:
    return lookalikes(folder.check())


def lookalikes(problems: Problems) -> list[str]:
    return [str(p) for p in problems.items if "looks like" in p.message]


def test_same_start_and_similar_title_is_a_warning(
    folder: Folder, run_cli: Callable[..., Run]
) -> None:
    folder.write(
        SCHEDULE,
        schedule(
            ("regional-workshop-on-transit-2019", "Regional Workshop on Transit", "7-11 Jan. 2019"),
            (
                "wco-regional-workshop-transit-2019",
                "WCO Regional Workshop on transit",
                "7-9 Jan. 2019",
            ),
        ),
    )
    problems = folder.check()
    found = [p for p in problems.items if "looks like" in p.message]
    assert len(found) == 1
    assert found[0].severity is Severity.WARNING
    assert str(found[0]) == (
        f"{SCHEDULE}:7: warning: event 'wco-regional-workshop-transit-2019' looks like "
        f"'regional-workshop-on-transit-2019' ({SCHEDULE}:3): same start 2019-01-07 and a "
        "similar title; if they are one event give both the same id, or subscribers will see "
        "it twice"
    )
    result = run_cli("check", "--root", str(folder.root))
    assert result.code == 0
    assert str(found[0]) in result.out.splitlines()


def test_a_build_reports_them_too_whether_it_fails_or_not(folder: Folder) -> None:
    folder.write(
        SCHEDULE,
        schedule(
            ("regional-workshop-on-transit-2019", "Regional Workshop on Transit", "7-11 Jan. 2019"),
            ("wco-workshop-transit-2019", "WCO Regional Workshop on transit", "7-9 Jan. 2019"),
        ),
    )
    expected = lookalike_warnings(folder)
    assert len(expected) == 1
    result = build(folder.root, folder.root / "out")
    assert lookalikes(result.problems) == expected
    folder.write("content/issues/002/issue.yaml", "number: 2\ndate: not a date\n")  # an error
    with pytest.raises(ContentErrors) as failed:
        build(folder.root, folder.root / "out")
    assert failed.value.problems.errors
    assert lookalikes(failed.value.problems) == expected


def test_a_report_under_another_id_than_its_schedule_row(folder: Folder) -> None:
    folder.write(
        "content/issues/001/reports/first-report.md",
        "---\ntitle: Event One\ndates: 24-25 Oct. 2019\nvenue: Bangkok, Thailand\n"
        "event: event-one-report-2019\n---\nIt happened.\n",
    )
    warnings = lookalike_warnings(folder)
    assert len(warnings) == 1
    assert "'event-one-report-2019' looks like 'event-one-2019'" in warnings[0]


def test_other_starts_or_other_titles_are_no_warning(folder: Folder) -> None:
    folder.write(
        SCHEDULE,
        schedule(
            ("transit-2019", "Regional Workshop on Transit", "7-11 Jan. 2019"),
            ("transit-2020", "Regional Workshop on Transit", "7-11 Jan. 2020"),
            ("ipr-laos-2019", "National Workshop on IPR", "7-11 Jan. 2019"),
            ("valuation-2019", "Customs Valuation and Transfer Pricing", "7-11 Jan. 2019"),
        ),
    )
    assert lookalike_warnings(folder) == []


def test_one_id_across_issues_is_one_event(folder: Folder) -> None:
    folder.write(
        SCHEDULE, schedule(("transit-2019", "Regional Workshop on Transit", "7-11 Jan. 2019"))
    )
    folder.write("content/issues/002/issue.yaml", "number: 2\ndate: 2019-04-15\n")
    folder.write(
        "content/issues/002/schedule.yaml",
        schedule(("transit-2019", "Regional Workshop on Transit (moved)", "7-11 Jan. 2019")),
    )
    assert lookalike_warnings(folder) == []


def test_similar_titles() -> None:
    assert similar_titles("WCO Council Sessions", "  wco council   sessions ")
    assert similar_titles("WCO Regional Workshop on Transit", "WCO Regional Workshop on Transits")
    assert not similar_titles("WCO Council Sessions", "WCO Policy Commission")


def test_check_never_imports_icalendar(built_sample: BuiltSample) -> None:
    code = (
        "import sys; from pathlib import Path; from newsletter.site import check; "
        f"problems = check(Path({str(built_sample.root)!r})); "
        "print(len(problems.errors), 'icalendar' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split() == ["0", "False"]
