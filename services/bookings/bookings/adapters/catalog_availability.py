"""What availability asks the catalog: booking models and policies, sessions, units.

What never changes is cached for the life of the process: a resource's company and booking
model (a policy update keeps the model). A company's time zone is not kept here: a company may
change it (UpdateCompany), so availability reads it from the company row of the process's
`CatalogCache` (`ResourceCatalog.time_zone_name`), dropped on catalog's `company_updated`.
Units of a NIGHTLY resource are cached for `units_ttl` seconds and the sessions of a
resource in a range for `sessions_ttl` seconds: a new unit or session shows up in the heatmap
at most that late, a cancelled session's places vanish at most that late (what is booked
is always read fresh from bookings' own tables). Listing a month of sessions is most of the
cost of a heatmap (tens of microseconds per session in the catalog); a projection of the
catalog's session events into bookings would remove it. Policies are always asked for.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from grpc import aio

from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookings.adapters.catalog_client import _translate
from bookings.domain.availability import SlotRules

_MODELS = {
    catalog_pb2.BOOKING_MODEL_TIME_SLOT: "TIME_SLOT",
    catalog_pb2.BOOKING_MODEL_NIGHTLY: "NIGHTLY",
    catalog_pb2.BOOKING_MODEL_INTERVAL: "INTERVAL",
}
# Concurrent calls to the catalog per request.
MAX_CONCURRENT_CALLS = 32
PAGE_SIZE = 200
# Entries kept per cache before it is emptied (a crude bound on memory).
MAX_CACHE_ENTRIES = 10_000
UNITS_TTL_SECONDS = 30.0
SESSIONS_TTL_SECONDS = 10.0

T = TypeVar("T")
K = TypeVar("K")


@dataclass(frozen=True)
class ResourceKind:
    resource_id: str
    company_id: str
    booking_model: str  # TIME_SLOT, NIGHTLY, INTERVAL or UNSPECIFIED


@dataclass(frozen=True)
class IntervalResource:
    resource_id: str
    company_id: str
    booking_model: str
    rules: SlotRules


@dataclass(frozen=True)
class SessionSlot:
    session_id: str
    resource_id: str
    start_epoch: int  # start, whole seconds since the epoch (UTC)
    capacity: int
    is_open: bool


class AvailabilityCatalog:
    def __init__(
        self,
        stub: catalog_pb2_grpc.CatalogServiceStub,
        *,
        units_ttl: float = UNITS_TTL_SECONDS,
        sessions_ttl: float | None = None,  # None: SESSIONS_TTL_SECONDS as it is at the call
        call_timeout_seconds: float = 5.0,
    ) -> None:
        self._stub = stub
        self._timeout = call_timeout_seconds
        self._units_ttl = units_ttl
        self._sessions_ttl = sessions_ttl
        self._kinds: dict[str, ResourceKind] = {}
        self._units: dict[str, tuple[float, frozenset[str]]] = {}  # expires at, unit ids
        self._sessions: dict[
            tuple[str, str, datetime, datetime], tuple[float, list[SessionSlot]]
        ] = {}  # fetched at

    async def kinds(self, resource_ids: Iterable[str]) -> dict[str, ResourceKind]:
        """Company and booking model of each resource (NOT_FOUND for an unknown one)."""
        wanted = list(resource_ids)
        missing = [resource_id for resource_id in wanted if resource_id not in self._kinds]

        async def fetch(resource_id: str) -> ResourceKind:
            reply = await self._call(
                self._stub.GetResource, catalog_pb2.GetResourceRequest(resource_id=resource_id)
            )
            return _kind(reply.resource)

        for kind in await _gather(fetch, missing):
            _bounded(self._kinds)[kind.resource_id] = kind
        return {resource_id: self._kinds[resource_id] for resource_id in wanted}

    async def interval_resource(self, resource_id: str) -> IntervalResource:
        """The resource with its current policy (never cached: policies change)."""
        resource = (
            await self._call(self._stub.GetResource, catalog_pb2.GetResourceRequest(resource_id=resource_id))
        ).resource
        _bounded(self._kinds)[resource.id] = _kind(resource)
        policy = resource.policy
        return IntervalResource(
            resource_id=resource.id,
            company_id=resource.company_id,
            booking_model=_MODELS.get(resource.booking_model, "UNSPECIFIED"),
            rules=SlotRules(
                granularity_minutes=policy.granularity_minutes,
                min_duration_minutes=policy.min_duration_minutes,
                buffer_before_minutes=policy.buffer_before_minutes,
                buffer_after_minutes=policy.buffer_after_minutes,
                lead_time_minutes=policy.lead_time_minutes,
                horizon_days=policy.horizon_days,
            ),
        )

    async def sessions(
        self, company_id: str, resource_ids: Iterable[str] | None, start: datetime, end: datetime
    ) -> list[SessionSlot]:
        """Sessions starting in [start, end): of the given resources (one listing each, run
        concurrently; an archived resource's too, as its units and holds are counted when it is
        named: its bookings made before stand) or, when `resource_ids` is None, of the whole
        company's resources not archived."""
        if resource_ids is None:
            return await self._sessions_of(company_id, "", start, end)
        lists = await _gather(lambda rid: self._sessions_of(company_id, rid, start, end), list(resource_ids))
        return [session for sessions in lists for session in sessions]

    async def unit_counts(self, resource_ids: Iterable[str]) -> dict[str, int]:
        """How many units each NIGHTLY resource has (not archived)."""
        return {rid: len(units) for rid, units in (await self.active_units(resource_ids)).items()}

    async def active_units(self, resource_ids: Iterable[str]) -> dict[str, frozenset[str]]:
        """The ids of each NIGHTLY resource's units not archived: those a night can be sold on
        (catalog's ListUnits, as the booking path reads them)."""
        wanted = list(resource_ids)
        now = time.monotonic()
        stale = [rid for rid in wanted if rid not in self._units or self._units[rid][0] < now]

        async def fetch(resource_id: str) -> tuple[str, frozenset[str]]:
            reply = await self._call(
                self._stub.ListUnits, catalog_pb2.ListUnitsRequest(resource_id=resource_id)
            )
            return resource_id, frozenset(unit.id for unit in reply.units)

        for resource_id, units in await _gather(fetch, stale):
            _bounded(self._units)[resource_id] = (now + self._units_ttl, units)
        return {resource_id: self._units[resource_id][1] for resource_id in wanted}

    async def _sessions_of(
        self, company_id: str, resource_id: str, start: datetime, end: datetime
    ) -> list[SessionSlot]:
        key = (company_id, resource_id, start, end)
        ttl = SESSIONS_TTL_SECONDS if self._sessions_ttl is None else self._sessions_ttl
        cached = self._sessions.get(key)
        if cached is not None and time.monotonic() - cached[0] < ttl:
            return cached[1]
        fetched_at = time.monotonic()
        found = await self._list_sessions(company_id, resource_id, start, end)
        _bounded(self._sessions)[key] = (fetched_at, found)
        return found

    async def _list_sessions(
        self, company_id: str, resource_id: str, start: datetime, end: datetime
    ) -> list[SessionSlot]:
        found: list[SessionSlot] = []
        token = ""
        end_epoch = math.ceil(end.timestamp())
        while True:
            request = catalog_pb2.ListSessionsRequest(
                company_id=company_id,
                resource_id=resource_id,
                page_size=PAGE_SIZE,
                page_token=token,
                show_archived=bool(resource_id),
            )
            request.start_time_from.FromDatetime(start)
            reply = await self._call(self._stub.ListSessions, request)
            for session in reply.sessions:  # soonest first
                if session.start_time.seconds >= end_epoch:
                    return found
                found.append(
                    SessionSlot(
                        session_id=session.id,
                        resource_id=session.resource_id,
                        start_epoch=session.start_time.seconds,
                        capacity=session.capacity,
                        is_open=session.status == catalog_pb2.SESSION_STATUS_OPEN,
                    )
                )
            token = reply.next_page_token
            if not token:
                return found

    async def _call(self, method: Any, request: Any) -> Any:
        try:
            return await method(request, timeout=self._timeout)
        except aio.AioRpcError as error:
            raise _translate(error) from error


def _kind(resource: catalog_pb2.Resource) -> ResourceKind:
    return ResourceKind(
        resource_id=resource.id,
        company_id=resource.company_id,
        booking_model=_MODELS.get(resource.booking_model, "UNSPECIFIED"),
    )


def _bounded(cache: dict[K, T]) -> dict[K, T]:
    if len(cache) >= MAX_CACHE_ENTRIES:
        cache.clear()
    return cache


async def _gather(call: Callable[[K], Awaitable[T]], items: list[K]) -> list[T]:
    """`call` on every item, at most MAX_CONCURRENT_CALLS at a time, results in order."""
    if not items:
        return []
    limit = asyncio.Semaphore(MAX_CONCURRENT_CALLS)

    async def one(item: K) -> T:
        async with limit:
            return await call(item)

    return list(await asyncio.gather(*(one(item) for item in items)))
