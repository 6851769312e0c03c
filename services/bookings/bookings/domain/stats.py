"""Business statistics: the figures of a period and how occupancy is judged. Pure.

The figures are sums from the read model `stats_hourly` (kept by a trigger on `bookings`,
migration 0012): what a booking contributes is decided there, by its row alone. Occupancy
compares what was sold with what could have been, per booking model, in its own unit:

- TIME_SLOT: places sold in sessions starting in the period, of the places of the resource's
  OPEN sessions starting in it (catalog);
- NIGHTLY: unit-nights sold whose night begins in the period, of units x local days;
- INTERVAL: minutes sold inside the period, of the period's minutes (1440 a day; 1380 or
  1500 on a daylight-saving change).

Archived resources keep the capacity they had by the same rules (their sessions, units and
minutes are still the catalog's). What a percentage counts of a resource is what it sold up to
its capacity (`ResourceFigures.occupied`): a resource whose capacity is not known (0: an id the
catalog no longer answers, every session cancelled) counts in no percentage, and one that sold
more than the capacity read (a session added less than the cache's 30 s ago) counts as full,
so no percentage is above 100 and the model's and the overall percentages are made of the
same rows. Its sales and money count in full everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, timedelta

from plumbing.errors import InvalidArgument

# The longest period asked at once (a year and a day, to cover a leap year).
MAX_PERIOD_DAYS = 366
DEFAULT_TOP = 10
MAX_TOP = 50
MODELS = ("TIME_SLOT", "NIGHTLY", "INTERVAL")


@dataclass
class Figures:
    confirmed: int = 0
    active: int = 0
    cancelled: int = 0
    no_show: int = 0
    places: int = 0
    nights: int = 0
    minutes: int = 0
    wallet_minor: int = 0
    bonus_minor: int = 0
    pass_minor: int = 0
    card_minor: int = 0
    desk_minor: int = 0

    @property
    def revenue_minor(self) -> int:
        return self.wallet_minor + self.bonus_minor + self.pass_minor + self.card_minor + self.desk_minor

    def add(self, other: Figures) -> None:
        for name in FIGURE_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def sold(self, booking_model: str) -> int:
        """What the occupancy of a resource of this model counts: places, nights or minutes."""
        return {"TIME_SLOT": self.places, "NIGHTLY": self.nights, "INTERVAL": self.minutes}.get(
            booking_model, 0
        )


FIGURE_NAMES = tuple(f.name for f in fields(Figures))


@dataclass
class ResourceFigures:
    resource_id: str
    name: str
    booking_model: str
    figures: Figures
    capacity: int

    @property
    def sold(self) -> int:
        return self.figures.sold(self.booking_model)

    @property
    def occupied(self) -> int:
        """What the occupancy counts: the sold places, nights or minutes, at most the capacity
        (none when the capacity is not known)."""
        return max(0, min(self.sold, self.capacity))

    @property
    def occupancy_percent(self) -> float:
        return percent(self.occupied, self.capacity)


@dataclass
class UnitFigures:
    resource_id: str
    unit_id: str
    name: str
    nights: int
    minutes: int
    revenue_minor: int


@dataclass
class BusinessStats:
    currency: str
    time_zone: str
    days: list[tuple[date, Figures]]
    resources: list[ResourceFigures]
    top_by_nights: list[UnitFigures]
    top_by_hours: list[UnitFigures]
    totals: Figures = field(default_factory=Figures)

    def __post_init__(self) -> None:
        for _, figures in self.days:
            self.totals.add(figures)

    @property
    def occupancy_percent(self) -> float:
        """The mean of the resources' occupancy, over those that had something to sell."""
        rates = [resource.occupancy_percent for resource in self.resources if resource.capacity > 0]
        return round(sum(rates) / len(rates), 2) if rates else 0.0

    def model_occupancy_percent(self, booking_model: str) -> float:
        of_model = [resource for resource in self.resources if resource.booking_model == booking_model]
        return percent(sum(r.occupied for r in of_model), sum(r.capacity for r in of_model))


def percent(sold: int, capacity: int) -> float:
    return round(100.0 * sold / capacity, 2) if capacity > 0 else 0.0


def check_period(first: date, last: date) -> list[date]:
    """The local dates of [first, last], last inclusive, at most MAX_PERIOD_DAYS long."""
    if last < first:
        raise InvalidArgument(
            "INVALID_DATE_RANGE", "end_date must not be before start_date", field="end_date"
        )
    if (last - first).days >= MAX_PERIOD_DAYS:
        raise InvalidArgument(
            "INVALID_DATE_RANGE",
            f"a period is at most {MAX_PERIOD_DAYS} days long",
            field="end_date",
            metadata={"max_days": str(MAX_PERIOD_DAYS)},
        )
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def check_top(top: int) -> int:
    if top == 0:
        return DEFAULT_TOP
    if not 1 <= top <= MAX_TOP:
        raise InvalidArgument("INVALID_TOP", f"top is 1..{MAX_TOP}", field="top")
    return top
