"""SQL of the business statistics: one scan of the read model `stats_hourly` for a company's
period, summed three ways at once (GROUPING SETS): per local day, per resource, per unit.

The rows are per UTC hour, so a local day is `hour AT TIME ZONE <the company's zone>`; the
scan walks the primary key (company_id, hour, ...) over the period's hours only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.domain.stats import FIGURE_NAMES, Figures

_SUMS = ", ".join(f"sum({name})::bigint AS {name}" for name in FIGURE_NAMES)
_COLUMNS = ", ".join(FIGURE_NAMES)
_STATS = """
    SELECT GROUPING(day, resource_id, unit_id) AS grouped, day, resource_id, unit_id, {sums}
    FROM (
        SELECT (hour AT TIME ZONE :zone)::date AS day, resource_id::text AS resource_id, unit_id,
               {columns}
        FROM bookings.stats_hourly
        WHERE company_id = :company_id AND hour >= :lower AND hour < :upper {resource}
    ) AS hours
    GROUP BY GROUPING SETS ((day), (resource_id), (resource_id, unit_id))
"""
_OF_COMPANY = text(_STATS.format(sums=_SUMS, columns=_COLUMNS, resource=""))
_OF_RESOURCE = text(_STATS.format(sums=_SUMS, columns=_COLUMNS, resource="AND resource_id = :resource_id"))
# GROUPING(day, resource_id, unit_id): a bit set for each column not grouped by.
BY_DAY, BY_RESOURCE, BY_UNIT = 0b011, 0b101, 0b100


@dataclass
class StatsRows:
    days: dict[date, Figures] = field(default_factory=dict)
    resources: dict[str, Figures] = field(default_factory=dict)
    units: dict[tuple[str, str], Figures] = field(default_factory=dict)


async def period_figures(
    conn: AsyncConnection,
    company_id: str,
    lower: datetime,
    upper: datetime,
    zone: str,
    resource_id: str | None = None,
) -> StatsRows:
    """The sums of the hours in [lower, upper) (UTC), by local day of `zone`, by resource
    and by (resource, unit)."""
    params: dict[str, object] = {"company_id": company_id, "lower": lower, "upper": upper, "zone": zone}
    if resource_id:
        params["resource_id"] = resource_id
    result = StatsRows()
    for row in await conn.execute(_OF_RESOURCE if resource_id else _OF_COMPANY, params):
        figures = Figures(**{name: int(getattr(row, name)) for name in FIGURE_NAMES})
        if row.grouped == BY_DAY:
            result.days[row.day] = figures
        elif row.grouped == BY_RESOURCE:
            result.resources[row.resource_id] = figures
        elif row.grouped == BY_UNIT:
            result.units[(row.resource_id, row.unit_id)] = figures
    return result
