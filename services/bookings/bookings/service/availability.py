"""Availability use cases: occupancy per resource per local day (a calendar heatmap) and the
free slots of an interval resource on a local day. Read-only.

Capacity and booked per model:
- TIME_SLOT: places of the OPEN sessions starting that local day (sessions and capacities
  from the catalog's ListSessions) and the places held in `session_occupancy` (a session
  nobody booked has no row: 0).
- NIGHTLY: the resource's units not archived (catalog ListUnits) and their `unit_nights` rows
  of the night starting that local date (a night kept on an archived unit is in neither).
- INTERVAL: the minutes of the local day (1440, 1380 or 1500) and the minutes of it blocked
  by `interval_holds` (buffers included).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bookings.adapters import availability as sql
from bookings.adapters.catalog_availability import AvailabilityCatalog
from bookings.adapters.catalog_resources import ResourceCatalog
from bookings.domain.availability import (
    DayOccupancy,
    ResourceDays,
    SessionPlaces,
    check_range,
    day_minutes,
    free_slots,
    local_day_bounds,
    parse_day,
    unique_resource_ids,
    unique_session_ids,
)
from plumbing.db import Database
from plumbing.errors import FailedPrecondition, InvalidArgument, NotFound, ServiceError
from plumbing.ids import parse_id
from plumbing.principal import CUSTOMER_ROLES, current_principal

MODELS = ("TIME_SLOT", "NIGHTLY", "INTERVAL")


class AvailabilityService:
    def __init__(self, db: Database, catalog: AvailabilityCatalog, resources: ResourceCatalog) -> None:
        self.db = db
        self.catalog = catalog
        self.resources = resources

    async def session_places(self, company_id: str, session_ids: list[str]) -> list[SessionPlaces]:
        """Places held in each of the company's sessions asked for, in the order asked; a
        session nobody booked (or another company's) has none."""
        company_id = parse_id(company_id, "company_id")
        wanted = unique_session_ids(session_ids)
        if not wanted:
            return []
        async with self.db.transaction() as conn:
            held = await sql.session_places(conn, company_id, wanted)
        return [SessionPlaces(sid, *held.get(sid, (0, 0))) for sid in wanted]

    async def get_availability(
        self, company_id: str, resource_ids: list[str], start_date: str, end_date: str
    ) -> list[ResourceDays]:
        """Occupancy of each resource on each local day of [start_date, end_date].

        Without resource ids: the company's resources that have a session in the range
        (TIME_SLOT) or a live booking in it (NIGHTLY, INTERVAL); the catalog has no listing
        of resources, so one with nothing in the range is left out.
        """
        company_id = parse_id(company_id, "company_id")
        wanted = unique_resource_ids(resource_ids)
        first = parse_day(start_date, "start_date")
        last = parse_day(end_date, "end_date")
        days = check_range(first, last)
        await self._check_offered(company_id)
        # The company's zone from the cached company row, which catalog's company_updated
        # drops: a company may change its time zone.
        zone_name = await self.resources.time_zone_name(company_id)
        zone = _zone(zone_name)
        lower, _ = local_day_bounds(first, zone)
        _, upper = local_day_bounds(last, zone)

        if wanted:
            kinds = await self.catalog.kinds(wanted)
            for resource_id, kind in kinds.items():
                if kind.company_id != company_id:
                    raise NotFound(
                        "RESOURCE_NOT_FOUND",
                        "no such resource in this company",
                        field="resource_ids",
                        metadata={"resource_id": resource_id},
                    )
            models = {rid: kind.booking_model for rid, kind in kinds.items()}
            slot_ids = [rid for rid in wanted if models[rid] == "TIME_SLOT"]
            sessions = await self.catalog.sessions(company_id, slot_ids, lower, upper) if slot_ids else []
        else:
            sessions = await self.catalog.sessions(company_id, None, lower, upper)
            async with self.db.transaction() as conn:
                booked = await sql.booked_resources(conn, company_id, lower, upper)
            models = {session.resource_id: "TIME_SLOT" for session in sessions} | booked
            wanted = sorted(models)

        by_model = {model: [rid for rid in wanted if models[rid] == model] for model in MODELS}
        # Capacity and booked over the same units, those not archived (the booking path sells
        # nights on no other): a stay kept on an archived unit takes no free unit away.
        units = await self.catalog.active_units(by_model["NIGHTLY"])
        async with self.db.transaction() as conn:
            slots = await sql.session_days(conn, [s for s in sessions if s.is_open], zone_name)
            nights = await sql.unit_nights_booked(conn, units, first, last)
            minutes = await sql.interval_minutes_booked(
                conn, by_model["INTERVAL"], first, last, zone=zone_name, lower=lower, upper=upper
            )

        day_length = {day: day_minutes(day, zone) for day in days}
        result = []
        for resource_id in wanted:
            model = models[resource_id]
            if model == "TIME_SLOT":
                per_day = slots.get(resource_id, {})
                entries = [DayOccupancy(day, *per_day.get(day, (0, 0))) for day in days]
            elif model == "NIGHTLY":
                booked_nights = nights.get(resource_id, {})
                count = len(units.get(resource_id, ()))
                entries = [DayOccupancy(day, count, booked_nights.get(day, 0)) for day in days]
            elif model == "INTERVAL":
                blocked = minutes.get(resource_id, {})
                entries = [DayOccupancy(day, day_length[day], blocked.get(day, 0)) for day in days]
            else:
                entries = [DayOccupancy(day, 0, 0) for day in days]
            result.append(ResourceDays(resource_id=resource_id, booking_model=model, days=tuple(entries)))
        return result

    async def _check_offered(self, company_id: str) -> None:
        """Customers and guests (the public API and site ask as one) find a suspended company's
        availability not found, as catalog finds its sessions and resources for them. Decided
        here, once per request: the catalog reads below are cached for every caller alike."""
        if current_principal().role in CUSTOMER_ROLES and await self.resources.company_suspended(company_id):
            raise NotFound("COMPANY_NOT_FOUND", "no such company", metadata={"company_id": company_id})

    async def list_free_slots(
        self, resource_id: str, day: str, min_duration_minutes: int, *, now: datetime | None = None
    ) -> list[tuple[datetime, datetime]]:
        """The free intervals of an INTERVAL resource on a local day, honouring its policy.

        A slot is where a rental may lie: its buffers fit in the gap, its ends are on the
        granularity, it is at least max(min_duration_minutes, the policy's minimum) long and
        starts no earlier than the lead time allows (nor beyond the horizon).
        """
        resource_id = parse_id(resource_id, "resource_id")
        local_date = parse_day(day, "date")
        if min_duration_minutes < 0:
            raise InvalidArgument(
                "INVALID_DURATION", "min_duration_minutes must not be negative", field="min_duration_minutes"
            )
        resource = await self.catalog.interval_resource(resource_id)
        if resource.booking_model != "INTERVAL":
            raise FailedPrecondition(
                "RESOURCE_NOT_INTERVAL",
                "free slots are listed for interval resources only",
                metadata={"resource_id": resource_id, "booking_model": resource.booking_model},
            )
        zone = _zone(await self.resources.time_zone_name(resource.company_id))
        rules = resource.rules
        day_start, day_end = local_day_bounds(local_date, zone)
        lower = day_start - _minutes(rules.buffer_before_minutes)
        upper = day_end + _minutes(rules.buffer_after_minutes)
        async with self.db.transaction() as conn:
            blocked = await sql.blocked_periods(conn, resource_id, lower, upper)
        return free_slots(
            blocked,
            local_date,
            zone,
            rules,
            min_minutes=max(min_duration_minutes, rules.min_duration_minutes),
            now=now or datetime.now(UTC),
        )


def _minutes(value: int) -> timedelta:
    return timedelta(minutes=value)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ServiceError("UNKNOWN_TIME_ZONE", f"the company's time zone {name!r} is unknown here") from None
