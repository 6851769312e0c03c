"""Business statistics of a company for a period of local days (GetBusinessStats). Read-only.

What was sold comes from the read model (`adapters/stats.py`: one scan of `stats_hourly`,
which a trigger keeps in the transaction of every booking change, migration 0012); what could
have been sold (capacity) from the catalog through the process's caches (`StatsCatalog` for
the company, its resources and the sessions' places summed per resource, 30 s;
`AvailabilityCatalog` for units, 30 s). No booking or session is read one by one: a page view
costs one indexed scan of the period's hours plus, at most every 30 s, a few catalog calls.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bookings.adapters import stats as sql
from bookings.adapters.catalog_availability import AvailabilityCatalog
from bookings.adapters.catalog_stats import ResourceFacts, StatsCatalog
from bookings.domain.availability import local_day_bounds, parse_day
from bookings.domain.stats import (
    BusinessStats,
    Figures,
    ResourceFigures,
    UnitFigures,
    check_period,
    check_top,
)
from bookings.service.availability import _zone
from plumbing.db import Database
from plumbing.errors import NotFound
from plumbing.ids import parse_id


class StatsService:
    def __init__(self, db: Database, catalog: StatsCatalog, capacity: AvailabilityCatalog) -> None:
        self.db = db
        self.catalog = catalog
        self.capacity = capacity

    async def business_stats(
        self, company_id: str, start_date: str, end_date: str, resource_id: str = "", top: int = 0
    ) -> BusinessStats:
        company_id = parse_id(company_id, "company_id")
        only = parse_id(resource_id, "resource_id") if resource_id else ""
        first = parse_day(start_date, "start_date")
        last = parse_day(end_date, "end_date")
        days = check_period(first, last)
        top = check_top(top)
        company = await self.catalog.company(company_id)
        zone = _zone(company.time_zone)
        lower, _ = local_day_bounds(first, zone)
        _, upper = local_day_bounds(last, zone)
        resources = await self.catalog.resources(company_id)
        if only:
            resources = [resource for resource in resources if resource.resource_id == only]
            if not resources:
                raise NotFound("RESOURCE_NOT_FOUND", "no such resource in this company", field="resource_id")
        async with self.db.transaction() as conn:
            rows = await sql.period_figures(conn, company_id, lower, upper, company.time_zone, only or None)

        known = {resource.resource_id for resource in resources}
        shown = [r for r in resources if not r.archived or r.resource_id in rows.resources] + [
            ResourceFacts(resource_id, resource_id, "UNSPECIFIED", archived=True)
            for resource_id in sorted(set(rows.resources) - known)
        ]
        capacities = await self._capacities(company_id, shown, days, zone, only)
        by_resource = [
            ResourceFigures(
                resource_id=resource.resource_id,
                name=resource.name,
                booking_model=resource.booking_model,
                figures=rows.resources.get(resource.resource_id, Figures()),
                capacity=capacities.get(resource.resource_id, 0),
            )
            for resource in sorted(shown, key=lambda r: (r.name.casefold(), r.resource_id))
        ]
        names = {resource.resource_id: resource.name for resource in shown}
        return BusinessStats(
            currency=company.currency,
            time_zone=company.time_zone,
            days=[(day, rows.days.get(day, Figures())) for day in days],
            resources=by_resource,
            top_by_nights=await self._top(rows.units, names, "nights", top),
            top_by_hours=await self._top(rows.units, names, "minutes", top),
        )

    async def _capacities(
        self, company_id: str, resources: list[ResourceFacts], days: list[date], zone: ZoneInfo, only: str
    ) -> dict[str, int]:
        """Places of the open sessions, units x nights, or minutes of the period, per resource.

        Archived resources too, by the same rules: their sold places stay in the figures, so
        their sessions (still the catalog's, `SumSessionPlaces` sums them) stay in the capacity.
        Sessions and minutes are those of the read model's hours the period sums: the hours
        starting in it, so in a half-hour zone [00:30, 00:30) local (see `_read_hours`)."""
        lower, upper = _read_hours(days, zone)
        of_model = {
            model: [r.resource_id for r in resources if r.booking_model == model]
            for model in ("TIME_SLOT", "NIGHTLY", "INTERVAL")
        }
        capacity: Counter[str] = Counter()
        if of_model["TIME_SLOT"]:
            # One aggregate in the catalog (places summed per resource), cached: a year costs
            # what a day does.
            places = await self.catalog.session_places(company_id, only or None, lower, upper)
            for resource_id in of_model["TIME_SLOT"]:
                capacity[resource_id] = places.get(resource_id, 0)
        units = await self.capacity.unit_counts(of_model["NIGHTLY"])
        for resource_id, count in units.items():
            capacity[resource_id] = count * len(days)
        minutes = int((upper - lower).total_seconds() // 60)
        for resource_id in of_model["INTERVAL"]:
            capacity[resource_id] = minutes
        return dict(capacity)

    async def _top(
        self, units: dict[tuple[str, str], Figures], names: dict[str, str], figure: str, top: int
    ) -> list[UnitFigures]:
        ranked = sorted(
            ((key, figures) for key, figures in units.items() if getattr(figures, figure) > 0),
            key=lambda item: (-getattr(item[1], figure), -item[1].revenue_minor, item[0]),
        )[:top]
        unit_names = await self.catalog.unit_names(
            {resource_id for (resource_id, unit_id), _ in ranked if unit_id}
        )
        return [
            UnitFigures(
                resource_id=resource_id,
                unit_id=unit_id,
                name=_unit_name(names.get(resource_id, resource_id), unit_names.get(unit_id, unit_id)),
                nights=figures.nights,
                minutes=figures.minutes,
                revenue_minor=figures.revenue_minor,
            )
            for (resource_id, unit_id), figures in ranked
        ]


def _read_hours(days: list[date], zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[lower, upper) (UTC) of the instants the period's rows of `stats_hourly` hold: the rows
    are whole UTC hours, summed when the hour starts in the period's local days, so they hold
    what starts from the first whole hour at or after its first local midnight up to the first
    whole hour at or after its end. The local days' own bounds in whole-hour zones; 30 (45)
    minutes later in a half-hour (Nepal's) zone."""
    lower, _ = local_day_bounds(days[0], zone)
    _, upper = local_day_bounds(days[-1], zone)
    return _next_hour(lower), _next_hour(upper)


def _next_hour(instant: datetime) -> datetime:
    hour = instant.replace(minute=0, second=0, microsecond=0)
    return hour if hour == instant else hour + timedelta(hours=1)


def _unit_name(resource: str, unit: str) -> str:
    return f"{resource} · {unit}" if unit else resource
