"""The calendar's pure parts: months as weeks, the heat of a cell and its words, the company's
mean row."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from gateway.console.calendar import (
    Cell,
    company_cells,
    month_days,
    parse_month,
    shift_month,
    unit_totals,
    weeks,
)
from gateway.pages import html

TODAY = date(2026, 12, 6)


def test_a_month_is_parsed_or_refused_and_defaults_to_this_month():
    assert parse_month(None, TODAY) == date(2026, 12, 1)
    assert parse_month("2027-02", TODAY) == date(2027, 2, 1)
    for bad in ("2027-13", "2027-2", "1969-12", "2200-01", "27-02", "2027-02-01", "x"):
        assert parse_month(bad, TODAY) is None, bad


def test_months_shift_across_years():
    assert shift_month(date(2026, 12, 1), 1) == date(2027, 1, 1)
    assert shift_month(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert shift_month(date(2026, 5, 1), -17) == date(2024, 12, 1)


def test_a_month_is_whole_weeks_from_monday_padded_with_none():
    grid = weeks(date(2026, 12, 1))  # a Tuesday
    assert all(len(week) == 7 for week in grid)
    assert grid[0][:2] == [None, date(2026, 12, 1)]
    assert [d for week in grid for d in week if d] == month_days(date(2026, 12, 1))
    assert len(month_days(date(2028, 2, 1))) == 29


def test_a_cell_says_its_figure_in_words_and_has_a_heat_level():
    assert Cell(TODAY, 4, 1, "places").figure == "1/4"
    assert Cell(TODAY, 4, 1, "places").level == 2  # 25 %
    assert Cell(TODAY, 4, 1, "places").label == "Sunday 06 December 2026: 1 of 4 places booked (25%)"
    assert Cell(TODAY, 10, 0, "unit-nights").level == 1
    assert Cell(TODAY, 1440, 1440, "minutes").level == 5
    empty = Cell(TODAY, 0, 0, "places")
    assert (empty.figure, empty.level, empty.percent) == ("-", 0, None)
    assert empty.label.endswith("nothing to book")


def test_the_company_row_is_the_mean_of_the_resources_with_capacity():
    days = [date(2026, 12, 1), date(2026, 12, 2)]
    places = [Cell(days[0], 4, 1, "places"), Cell(days[1], 0, 0, "places")]
    minutes = [Cell(days[0], 1440, 1080, "minutes"), Cell(days[1], 0, 0, "minutes")]

    row = company_cells([places, minutes], days)

    assert row[0].figure == "50%"  # (25 % + 75 %) / 2, whatever the units
    assert row[0].label.endswith("50% occupied on average")
    assert (row[1].figure, row[1].level) == ("-", 0)


def test_the_company_s_totals_are_summed_per_unit_and_named_in_its_cells():
    days = [date(2026, 12, 1)]
    rows = [
        ("places", [Cell(days[0], 4, 1, "places")]),
        ("places", [Cell(days[0], 6, 3, "places")]),
        ("minutes", [Cell(days[0], 1440, 720, "minutes")]),
    ]

    totals = unit_totals(rows, days)
    row = company_cells([cells for _, cells in rows], days, totals)

    assert [(unit, cells[0].figure) for unit, cells in totals] == [
        ("places", "4/10"),
        ("minutes", "720/1440"),
    ]
    assert row[0].label == (
        "Tuesday 01 December 2026: 42% occupied on average (4 of 10 places, 720 of 1440 minutes booked)"
    )


def test_a_span_reads_in_the_company_s_time_and_a_whole_day_ends_at_24():
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from gateway.pages.calendar import _span

    berlin = ZoneInfo("Europe/Berlin")
    assert _span(datetime(2026, 12, 6, 8, tzinfo=UTC), datetime(2026, 12, 6, 9, 30, tzinfo=UTC), berlin) == (
        "09:00\u201310:30"
    )
    assert _span(datetime(2026, 12, 5, 23, tzinfo=UTC), datetime(2026, 12, 6, 23, tzinfo=UTC), berlin) == (
        "00:00\u201324:00"
    )
    assert _span(datetime(2026, 12, 6, 20, tzinfo=UTC), datetime(2026, 12, 8, 10, tzinfo=UTC), berlin) == (
        "21:00\u201308 Dec 11:00"
    )
    assert _span(None, None, berlin) == "-"


def test_every_form_the_console_renders_fits_the_pages_form_reader():
    """The forms posted to gateway.pages.html.read_form (not the back office's, read by
    manage.py's own reader): the names each can post, over all its variants, stay within
    MAX_FORM_FIELDS (the booking form as a platform admin books a unit once posted 11 of 10)."""
    templates = Path(html.__file__).parent.parent / "templates"
    counted = {}
    for template in templates.glob("*.html"):
        text = template.read_text()
        for found in re.finditer(r"<form\b([^>]*)>(.*?)</form>", text, re.S):
            attributes, body = found.groups()
            action = re.search(r'action="([^"]*)"', attributes)
            if 'method="post"' not in attributes or not action or action.group(1).startswith("/ops/manage"):
                continue
            names = set(re.findall(r'name="([^"{]+)"', body))
            form_id = re.search(r'id="([^"]+)"', attributes)
            if form_id:  # fields outside the form that belong to it (form="book-form")
                for part in [text, *(p.read_text() for p in templates.glob("_*.html"))]:
                    for field in re.finditer(r"<input\b[^>]*>", part):
                        if f'form="{form_id.group(1)}"' in field.group(0):
                            names |= set(re.findall(r'name="([^"{]+)"', field.group(0)))
            counted[f"{template.name} {action.group(1)}"] = len(names)

    assert counted["calendar_book.html /ops/calendar/bookings"] == 15
    too_many = {form: count for form, count in counted.items() if count > html.MAX_FORM_FIELDS}
    assert not too_many, too_many


def test_a_local_time_is_its_instant_or_none_when_the_clocks_skip_it():
    berlin = ZoneInfo("Europe/Berlin")
    spring, autumn = date(2027, 3, 28), date(2027, 10, 31)

    assert html.local_instant(spring, time(2, 0), berlin) is None
    assert html.local_instant(spring, time(2, 59), berlin) is None
    assert html.local_instant(spring, time(1, 59), berlin) == datetime(2027, 3, 28, 0, 59, tzinfo=UTC)
    assert html.local_instant(spring, time(3, 0), berlin) == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    # A time passed twice is its first instant.
    assert html.local_instant(autumn, time(2, 30), berlin) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
