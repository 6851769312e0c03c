"""The calendar's pure parts: a month as weeks of days, the heat of a cell, the company's row.

Occupancy comes from bookings' GetAvailability (one set-based query per booking model over
every resource and day of the month, in bookings' database): per resource and local day a
capacity and what is booked of it, in the resource's own unit (places of the day's sessions,
unit-nights of the night starting that day, minutes of the day). The company's figure of a day
is the mean of its resources' occupancy that day (each resource weighs the same whatever its
unit: 40 places and 1,440 minutes cannot be added), over the resources with any capacity.
"""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# Heat levels of a cell: 0 = no capacity that day, then 1..5 by occupancy.
LEVEL_LIMITS = (0.2, 0.4, 0.6, 0.8)
UNITS = {"TIME_SLOT": "places", "NIGHTLY": "unit-nights", "INTERVAL": "minutes"}


def parse_month(value: str | None, today: date) -> date | None:
    """The first day of a "YYYY-MM" month (1970..2199), today's month when empty; None when
    the value is not a month."""
    if not value:
        return today.replace(day=1)
    found = MONTH.match(value)
    if not found:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    if not 1970 <= year <= 2199 or not 1 <= month <= 12:
        return None
    return date(year, month, 1)


def month_key(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def shift_month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_days(first: date) -> list[date]:
    count = _calendar.monthrange(first.year, first.month)[1]
    return [first + timedelta(days=offset) for offset in range(count)]


def weeks(first: date) -> list[list[date | None]]:
    """The month as weeks Monday to Sunday; None pads the first and last week."""
    days: list[date | None] = [None] * first.weekday()
    days += month_days(first)
    days += [None] * (-len(days) % 7)
    return [days[start : start + 7] for start in range(0, len(days), 7)]


@dataclass(frozen=True)
class Cell:
    """One resource (or the company) on one day."""

    day: date
    capacity: int
    booked: int
    unit: str  # places, unit-nights, minutes, or "" for the company's mean
    detail: str = ""  # the company's cell: its totals per unit ("3 of 10 places, ...")

    @property
    def ratio(self) -> float | None:
        return self.booked / self.capacity if self.capacity > 0 else None

    @property
    def percent(self) -> int | None:
        ratio = self.ratio
        return None if ratio is None else round(ratio * 100)

    @property
    def level(self) -> int:
        ratio = self.ratio
        if ratio is None:
            return 0
        return 1 + sum(1 for limit in LEVEL_LIMITS if ratio >= limit)

    @property
    def figure(self) -> str:
        """What the cell says in text: "3/10" (or "45%" for the company), "-" with no capacity."""
        if self.capacity <= 0:
            return "-"
        if not self.unit:
            return f"{self.percent}%"
        return f"{self.booked}/{self.capacity}"

    @property
    def label(self) -> str:
        """The cell's full sentence, for screen readers and the tooltip."""
        when = self.day.strftime("%A %d %B %Y")
        if self.capacity <= 0:
            return f"{when}: nothing to book"
        if not self.unit:
            totals = f" ({self.detail} booked)" if self.detail else ""
            return f"{when}: {self.percent}% occupied on average{totals}"
        return f"{when}: {self.booked} of {self.capacity} {self.unit} booked ({self.percent}%)"


def unit_totals(
    rows: Sequence[tuple[str, Sequence[Cell]]], days: Sequence[date]
) -> list[tuple[str, list[Cell]]]:
    """Per unit (places, unit-nights, minutes), the sum over the resources of that unit, per day:
    the company's figures in each unit."""
    totals: list[tuple[str, list[Cell]]] = []
    for unit in UNITS.values():
        mine = [cells for name, cells in rows if name == unit]
        if mine:
            totals.append(
                (
                    unit,
                    [
                        Cell(
                            day,
                            sum(max(0, cells[i].capacity) for cells in mine),
                            sum(cells[i].booked for cells in mine),
                            unit,
                        )
                        for i, day in enumerate(days)
                    ],
                )
            )
    return totals


def company_cells(
    rows: Sequence[Sequence[Cell]], days: Iterable[date], totals: Sequence[tuple[str, Sequence[Cell]]] = ()
) -> list[Cell]:
    """The company's row: per day, the mean occupancy of the resources with capacity, as a
    percentage of 100 (capacity 100 per resource counted, booked its share); its label also
    gives the day's totals in each unit."""
    result = []
    for index, day in enumerate(days):
        ratios = [ratio for row in rows if (ratio := row[index].ratio) is not None]
        detail = ", ".join(
            f"{cells[index].booked} of {cells[index].capacity} {unit}"
            for unit, cells in totals
            if cells[index].capacity > 0
        )
        if not ratios:
            result.append(Cell(day, 0, 0, ""))
            continue
        mean = sum(ratios) / len(ratios)
        result.append(Cell(day, 10_000, round(mean * 10_000), "", detail))
    return result
