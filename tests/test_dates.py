"""Human date ranges (`newsletter.dates`) and slugs (`newsletter.slugs`)."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from newsletter.dates import HumanDates, format_human, format_range, month_number, parse_dates
from newsletter.errors import DateError
from newsletter.model import Precision
from newsletter.slugs import SLUG, default_event_id, slugify
from tests.conftest import REPO

D = date

GOOD = [
    # every example of the spec's table
    ("11 September 2018", D(2018, 9, 11), D(2018, 9, 11), False),
    ("11 Sep. 2018", D(2018, 9, 11), D(2018, 9, 11), False),
    ("24-25 Oct. 2018", D(2018, 10, 24), D(2018, 10, 25), False),
    ("2-6 July 2018", D(2018, 7, 2), D(2018, 7, 6), False),
    ("7 to 10 August 2018", D(2018, 8, 7), D(2018, 8, 10), False),
    ("29 Oct – 9 Nov. 2018", D(2018, 10, 29), D(2018, 11, 9), False),
    ("30 August-7 September 2018", D(2018, 8, 30), D(2018, 9, 7), False),
    ("28 Dec. 2018 – 4 Jan. 2019", D(2018, 12, 28), D(2019, 1, 4), False),
    ("18-22 Feb. 2019 (tbc)", D(2019, 2, 18), D(2019, 2, 22), True),
    # the other forms editors write
    ("4—8 SEPT 2006", D(2006, 9, 4), D(2006, 9, 8), False),
    ("6 to 7 July 2006", D(2006, 7, 6), D(2006, 7, 7), False),
    ("11 Sept. 2018", D(2018, 9, 11), D(2018, 9, 11), False),
    ("1 Dec. 2006 – 31 Jan. 2007", D(2006, 12, 1), D(2007, 1, 31), False),
    ("27-29 Jun. 2019", D(2019, 6, 27), D(2019, 6, 29), False),
    ("4-8 May 2019 (tentative)", D(2019, 5, 4), D(2019, 5, 8), True),
    ("24-25 Oct. 2018 (TBC)", D(2018, 10, 24), D(2018, 10, 25), True),
    ("  24 -  25   Oct.   2018  ", D(2018, 10, 24), D(2018, 10, 25), False),
    ("29  Oct  –  9  Nov.  2018   (tbc) ", D(2018, 10, 29), D(2018, 11, 9), True),
    ("24 - 25 oct 2018", D(2018, 10, 24), D(2018, 10, 25), False),
    ("24–25 OCTOBER 2018", D(2018, 10, 24), D(2018, 10, 25), False),
    ("29 Oct.–9 Nov. 2018", D(2018, 10, 29), D(2018, 11, 9), False),
    ("29 October to 9 November 2018", D(2018, 10, 29), D(2018, 11, 9), False),
    ("7to10 August 2018", D(2018, 8, 7), D(2018, 8, 10), False),
    ("1 October 2018", D(2018, 10, 1), D(2018, 10, 1), False),  # "to" inside "October"
    ("29 Feb. 2020", D(2020, 2, 29), D(2020, 2, 29), False),  # a leap year
    ("31 Dec. 2018 – 1 Jan. 2019", D(2018, 12, 31), D(2019, 1, 1), False),
]


@pytest.mark.parametrize(("text", "start", "end", "tentative"), GOOD, ids=[g[0] for g in GOOD])
def test_parse_dates(text: str, start: date, end: date, tentative: bool) -> None:
    assert parse_dates(text) == HumanDates(start, end, tentative)


def _schedule_rows(issue: str) -> list[str]:
    data = yaml.safe_load((REPO / f"content/issues/{issue}/schedule.yaml").read_text("utf-8"))
    return [event["dates"] for event in data["events"]]


def test_every_row_of_the_sample_schedule_parses() -> None:
    rows = _schedule_rows("062")
    assert len(rows) == 21
    parsed = [parse_dates(text) for text in rows]
    for text, dates in zip(rows, parsed, strict=True):
        assert dates.start <= dates.end, text
        assert date(2018, 10, 1) <= dates.start <= date(2019, 12, 31), text
        assert dates.tentative == ("(tbc)" in text), text
    assert parsed[0] == HumanDates(D(2018, 10, 24), D(2018, 10, 25), False)
    assert parsed[1] == HumanDates(D(2018, 10, 29), D(2018, 11, 9), False)
    assert parsed[-1] == HumanDates(D(2019, 6, 27), D(2019, 6, 29), False)


# Dates whose days are not known yet: a month (tentative by nature), or nothing at all.
MONTH, UNKNOWN, DAY = Precision.MONTH, Precision.UNKNOWN, Precision.DAY
UNDATED = [
    ("Feb. 2019", D(2019, 2, 1), D(2019, 2, 28), True, MONTH, "February 2019"),
    ("February 2019 (tbc)", D(2019, 2, 1), D(2019, 2, 28), True, MONTH, "February 2019"),
    ("feb 2020", D(2020, 2, 1), D(2020, 2, 29), True, MONTH, "February 2020"),  # leap year
    ("March 2019", D(2019, 3, 1), D(2019, 3, 31), True, MONTH, "March 2019"),
    ("Sept. 2019", D(2019, 9, 1), D(2019, 9, 30), True, MONTH, "September 2019"),
    ("DECEMBER, 2019", D(2019, 12, 1), D(2019, 12, 31), True, MONTH, "December 2019"),
    ("  Dec.   2019  ", D(2019, 12, 1), D(2019, 12, 31), True, MONTH, "December 2019"),
    ("TBD", date.max, date.max, False, UNKNOWN, "dates to be announced"),
    ("tba", date.max, date.max, False, UNKNOWN, "dates to be announced"),
    ("TBC", date.max, date.max, False, UNKNOWN, "dates to be announced"),
    ("to be announced", date.max, date.max, False, UNKNOWN, "dates to be announced"),
    ("To be  determined.", date.max, date.max, False, UNKNOWN, "dates to be announced"),
    ("Dates to be announced", date.max, date.max, False, UNKNOWN, "dates to be announced"),
    ("TBD (tentative)", date.max, date.max, True, UNKNOWN, "dates to be announced"),
]


@pytest.mark.parametrize(
    ("text", "start", "end", "tentative", "precision", "shown"),
    UNDATED,
    ids=[u[0] for u in UNDATED],
)
def test_parse_dates_without_days(
    text: str, start: date, end: date, tentative: bool, precision: Precision, shown: str
) -> None:
    assert parse_dates(text) == HumanDates(start, end, tentative, precision)
    assert format_human(start, end, precision) == shown
    if precision is MONTH:  # what is shown reads back as the same month
        assert parse_dates(shown) == HumanDates(start, end, True, MONTH)


@pytest.mark.parametrize(("text", "start", "end", "tentative"), GOOD, ids=[g[0] for g in GOOD])
def test_dates_with_days_have_day_precision(
    text: str, start: date, end: date, tentative: bool
) -> None:
    assert parse_dates(text).precision is DAY
    assert format_human(start, end, DAY) == format_range(start, end)


def test_sorting_by_start_puts_to_be_announced_last() -> None:
    texts = ["TBD", "18-22 Feb. 2019 (tbc)", "Feb. 2019", "28 Dec. 2018 – 4 Jan. 2019"]
    texts.append("March 2019")
    ordered = sorted(texts, key=lambda t: parse_dates(t).start)
    assert ordered == [
        "28 Dec. 2018 – 4 Jan. 2019",
        "Feb. 2019",
        "18-22 Feb. 2019 (tbc)",
        "March 2019",
        "TBD",
    ]


BAD = [
    ("24-25 Oct.", "no year"),
    ("24-25 2019", "no month"),
    ("24-25", "no month"),
    ("30-31 Feb. 2019", "there is no day 31 in February 2019"),
    ("31 April 2006", "there is no day 31 in April 2006"),
    ("29 Feb. 2019", "there is no day 29 in February 2019"),
    ("0 May 2019", "there is no day 0 in May 2019"),
    ("9-4 May 2019", "the end is before the start"),
    ("4 Jan. 2019 – 28 Dec. 2018", "the end is before the start"),
    ("28 Dec – 4 Jan. 2019", "the end is before the start; across a new year, give both years"),
    ("3-4 Octember 2019", "unknown month 'Octember'"),
    ("4 Ma 2019", "unknown month 'Ma'"),
    ("", "no date"),
    ("   ", "no date"),
    ("(tbc)", "no date"),
    ("garbage", "cannot read 'garbage' as a date"),
    ("next spring", "cannot read 'next spring' as a date"),
    ("1-2-3 May 2019", "more than one range separator"),
    # a month without its year, an unknown month alone, or half a "to be announced"
    ("Feb.", "no year"),
    ("Octember 2019", "unknown month 'Octember'"),
    ("Feb. 19", "cannot read 'Feb. 19' as a date"),
    ("to be", "nothing on one side of the range"),
    ("- 4 May 2019", "nothing on one side of the range"),
    ("(TBD)", "no date"),
]


@pytest.mark.parametrize(("text", "reason"), BAD, ids=[repr(b[0]) for b in BAD])
def test_parse_dates_errors(text: str, reason: str) -> None:
    with pytest.raises(DateError) as raised:
        parse_dates(text)
    error = raised.value
    assert error.reason == reason
    assert error.text == text
    assert repr(text) in str(error)
    assert reason in str(error)
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("January", 1),
        ("jan", 1),
        ("Jan.", 1),
        ("SEPT", 9),
        ("Sept.", 9),
        ("sep", 9),
        ("december", 12),
        ("Ma", None),
        ("Mays", None),
        ("", None),
    ],
)
def test_month_number(name: str, number: int | None) -> None:
    assert month_number(name) == number


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        (D(2018, 9, 11), D(2018, 9, 11), "11 September 2018"),
        (D(2018, 10, 24), D(2018, 10, 25), "24–25 October 2018"),
        (D(2018, 10, 29), D(2018, 11, 9), "29 October – 9 November 2018"),
        (D(2018, 12, 28), D(2019, 1, 4), "28 December 2018 – 4 January 2019"),
    ],
)
def test_format_range(start: date, end: date, text: str) -> None:
    assert format_range(start, end) == text
    assert parse_dates(text) == HumanDates(start, end, False)  # reads back


@pytest.mark.parametrize(("text", "start", "end", "tentative"), GOOD, ids=[g[0] for g in GOOD])
def test_format_range_round_trips(text: str, start: date, end: date, tentative: bool) -> None:
    again = parse_dates(format_range(start, end))
    assert (again.start, again.end) == (start, end)


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        (
            "8th ASEM Customs Directors-General and Commissioners Meeting",
            "8th-asem-customs-directors-general-and-commissioners-meeting",
        ),
        ("Café Société", "cafe-societe"),
        ("Réunion à Genève: l'OMD", "reunion-a-geneve-l-omd"),
        ("  --Hello,  World!!--  ", "hello-world"),
        ("WCO A/P Regional Meeting", "wco-a-p-regional-meeting"),
        (
            "Meeting of Heads of the ROCBs, RTCs and Vice Chair's Offices",
            "meeting-of-heads-of-the-rocbs-rtcs-and-vice-chair-s-offices",
        ),
        ("東京", ""),
        ("", ""),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug
    if slug:
        assert SLUG.match(slug)


def test_default_event_id_spec_example() -> None:
    title = "8th ASEM Customs Directors-General and Commissioners Meeting"
    assert (
        default_event_id(title, 2009)
        == "8th-asem-customs-directors-general-and-commissioners-meeting-2009"
    )


@pytest.mark.parametrize("title", ["", "   ", "東京会議", "!!!"])
def test_default_event_id_without_letters(title: str) -> None:
    assert default_event_id(title, 2019) == "event-2019"


def test_default_event_id_drops_accents() -> None:
    assert default_event_id("Séminaire régional", 2018) == "seminaire-regional-2018"
