"""SQL for availability: one set-based query per booking model over every requested
resource and day (GROUP BY resource and local day), never a query per day or resource.

Rows of `unit_nights` and `interval_holds` exist exactly while a booking holds them (the
engine deletes them when a booking is rejected or cancelled; their keys and the exclusion
constraint would refuse the next booking otherwise), so they are counted as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.adapters.catalog_availability import SessionSlot

# Long lists travel as one comma-separated string parsed by PostgreSQL (string_to_array):
# adapting a Python list of thousands of values costs more than the query itself. Each
# query groups by resource and local day, then returns one row per resource with the days
# and their figures as arrays (thousands of rows cost more to fetch than to compute).
_SESSION_DAYS = text(
    """
    WITH sessions AS (
        SELECT s.session_id, s.resource_id, s.capacity,
               (to_timestamp(s.starts) AT TIME ZONE :zone)::date AS day
        FROM unnest(CAST(string_to_array(:session_ids, ',') AS uuid[]),
                    CAST(string_to_array(:resource_ids, ',') AS uuid[]),
                    CAST(string_to_array(:starts, ',') AS bigint[]),
                    CAST(string_to_array(:capacities, ',') AS int[]))
             AS s(session_id, resource_id, starts, capacity)
    ), days AS (
        SELECT sessions.resource_id, sessions.day,
               sum(sessions.capacity)::int AS capacity, coalesce(sum(o.booked), 0)::int AS booked
        FROM sessions
        LEFT JOIN bookings.session_occupancy AS o ON o.session_id = sessions.session_id
        GROUP BY sessions.resource_id, sessions.day
    )
    SELECT resource_id::text AS resource_id, array_agg(day) AS days,
           array_agg(capacity) AS capacities, array_agg(booked) AS booked
    FROM days GROUP BY resource_id
    """
)

# Only the nights held on the units given (those not archived): a stay kept on an archived
# unit holds a unit that is no longer in the capacity, so it takes no free unit away.
_UNIT_NIGHTS = text(
    """
    WITH nights AS (
        SELECT resource_id, night, count(*)::int AS booked
        FROM bookings.unit_nights
        WHERE unit_id = ANY(CAST(string_to_array(:unit_ids, ',') AS uuid[]))
          AND night BETWEEN CAST(:first AS date) AND CAST(:last AS date)
        GROUP BY resource_id, night
    )
    SELECT resource_id::text AS resource_id, array_agg(night) AS days, array_agg(booked) AS booked
    FROM nights GROUP BY resource_id
    """
)

# Each hold is spread over the local days it touches (generate_series per hold), and the
# minutes of its intersection with each day are summed. Holds of one resource never overlap
# (exclusion constraint), so the sum is the minutes blocked that day.
_INTERVAL_MINUTES = text(
    """
    WITH holds AS (
        SELECT resource_id, blocked
        FROM bookings.interval_holds
        WHERE resource_id = ANY(CAST(string_to_array(:resource_ids, ',') AS uuid[]))
          AND blocked && tstzrange(CAST(:lower AS timestamptz), CAST(:upper AS timestamptz))
    ), touched AS (
        SELECT holds.resource_id, holds.blocked, local_day::date AS day,
               tstzrange(local_day AT TIME ZONE :zone,
                         (local_day + interval '1 day') AT TIME ZONE :zone) AS span
        FROM holds
        CROSS JOIN LATERAL generate_series(
            date_trunc('day', lower(holds.blocked) AT TIME ZONE :zone),
            date_trunc('day', upper(holds.blocked) AT TIME ZONE :zone),
            interval '1 day'
        ) AS local_day
    ), days AS (
        SELECT resource_id, day,
               round(sum(extract(epoch FROM upper(blocked * span) - lower(blocked * span))) / 60)::int
                   AS booked
        FROM touched
        WHERE day BETWEEN CAST(:first AS date) AND CAST(:last AS date) AND blocked && span
        GROUP BY resource_id, day
    )
    SELECT resource_id::text AS resource_id, array_agg(day) AS days, array_agg(booked) AS booked
    FROM days GROUP BY resource_id
    """
)

_BLOCKED = text(
    """
    SELECT lower(blocked) AS lower, upper(blocked) AS upper
    FROM bookings.interval_holds
    WHERE resource_id = CAST(:resource_id AS uuid)
      AND blocked && tstzrange(CAST(:lower AS timestamptz), CAST(:upper AS timestamptz))
    ORDER BY lower(blocked)
    """
)

_BOOKED_RESOURCES = text(
    """
    SELECT DISTINCT resource_id::text AS resource_id, booking_model
    FROM bookings.bookings
    WHERE company_id = CAST(:company_id AS uuid)
      AND booking_model IN ('NIGHTLY', 'INTERVAL')
      AND status NOT IN ('REJECTED', 'CANCELLED')
      AND start_time < CAST(:upper AS timestamptz) AND end_time > CAST(:lower AS timestamptz)
    """
)


async def session_days(
    conn: AsyncConnection, sessions: Sequence[SessionSlot], zone: str
) -> dict[str, dict[date, tuple[int, int]]]:
    """Resource -> local day -> (places, places booked) over the given sessions, each counted
    on the local day (in `zone`) it starts."""
    if not sessions:
        return {}
    rows = await conn.execute(
        _SESSION_DAYS,
        {
            "zone": zone,
            "session_ids": _joined(session.session_id for session in sessions),
            "resource_ids": _joined(session.resource_id for session in sessions),
            "starts": _joined(str(session.start_epoch) for session in sessions),
            "capacities": _joined(str(session.capacity) for session in sessions),
        },
    )
    return {
        row.resource_id: dict(zip(row.days, zip(row.capacities, row.booked, strict=True), strict=True))
        for row in rows
    }


async def unit_nights_booked(
    conn: AsyncConnection, units: Mapping[str, Iterable[str]], first: date, last: date
) -> dict[str, dict[date, int]]:
    """Resource -> night -> units booked that night, among the units given per resource."""
    unit_ids = [unit_id for ids in units.values() for unit_id in ids]
    if not unit_ids:
        return {}
    rows = await conn.execute(_UNIT_NIGHTS, {"unit_ids": _joined(unit_ids), "first": first, "last": last})
    return {row.resource_id: dict(zip(row.days, row.booked, strict=True)) for row in rows}


async def interval_minutes_booked(
    conn: AsyncConnection,
    resource_ids: Sequence[str],
    first: date,
    last: date,
    *,
    zone: str,
    lower: datetime,
    upper: datetime,
) -> dict[str, dict[date, int]]:
    """Resource -> local day -> minutes blocked that day (buffers included); [lower, upper)
    is the UTC span of the local days first..last."""
    if not resource_ids:
        return {}
    rows = await conn.execute(
        _INTERVAL_MINUTES,
        {
            "resource_ids": _joined(resource_ids),
            "first": first,
            "last": last,
            "zone": zone,
            "lower": lower,
            "upper": upper,
        },
    )
    return {row.resource_id: dict(zip(row.days, row.booked, strict=True)) for row in rows}


async def blocked_periods(
    conn: AsyncConnection, resource_id: str, lower: datetime, upper: datetime
) -> list[tuple[datetime, datetime]]:
    """The periods of a resource blocked (buffers included) that overlap [lower, upper)."""
    rows = await conn.execute(_BLOCKED, {"resource_id": resource_id, "lower": lower, "upper": upper})
    return [(row.lower, row.upper) for row in rows]


async def booked_resources(
    conn: AsyncConnection, company_id: str, lower: datetime, upper: datetime
) -> dict[str, str]:
    """NIGHTLY and INTERVAL resources of the company with a live booking in [lower, upper)."""
    rows = await conn.execute(_BOOKED_RESOURCES, {"company_id": company_id, "lower": lower, "upper": upper})
    return {row.resource_id: row.booking_model for row in rows}


_SESSION_PLACES = text(
    """
    SELECT session_id::text AS session_id, booked, capacity FROM bookings.session_occupancy
    WHERE company_id = :company_id
      AND session_id = ANY(CAST(string_to_array(:session_ids, ',') AS uuid[]))
    """
)


async def session_places(
    conn: AsyncConnection, company_id: str, session_ids: Sequence[str]
) -> dict[str, tuple[int, int]]:
    """(booked, capacity) of the company's sessions among `session_ids` that anyone booked."""
    rows = await conn.execute(
        _SESSION_PLACES, {"company_id": company_id, "session_ids": _joined(session_ids)}
    )
    return {row.session_id: (row.booked, row.capacity) for row in rows}


def _joined(values: Iterable[str]) -> str:
    """Values without commas (UUIDs, ISO dates, integers) as one string for string_to_array."""
    return ",".join(values)
