"""What the business statistics ask the catalog: the company's currency and time zone, its
resources (names, booking models), the names of their units and the places of the sessions of
a period summed per resource (one aggregate in the catalog, however long the period). Units
per resource come through `AvailabilityCatalog`, with its caches.

Every answer is kept for `ttl` seconds per process (30 s): a renamed or new resource or unit
shows on the statistics at most that late. What was sold is always read fresh from the read
model; only the capacity side and the names may lag.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from grpc import aio

from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookings.adapters.catalog_availability import _MODELS, PAGE_SIZE, _bounded, _gather
from bookings.adapters.catalog_client import _translate

TTL_SECONDS = 30.0
T = TypeVar("T")


@dataclass(frozen=True)
class CompanyFacts:
    currency: str
    time_zone: str


@dataclass(frozen=True)
class ResourceFacts:
    resource_id: str
    name: str
    booking_model: str
    archived: bool


class StatsCatalog:
    def __init__(
        self,
        stub: catalog_pb2_grpc.CatalogServiceStub,
        *,
        ttl: float = TTL_SECONDS,
        call_timeout_seconds: float = 5.0,
    ) -> None:
        self._stub = stub
        self._ttl = ttl
        self._timeout = call_timeout_seconds
        self._cache: dict[tuple[str, str], tuple[float, Any]] = {}

    async def company(self, company_id: str) -> CompanyFacts:
        async def fetch() -> CompanyFacts:
            request = catalog_pb2.GetCompanyRequest(company_id=company_id)
            reply = await self._call(self._stub.GetCompany, request)
            return CompanyFacts(currency=reply.company.currency_code, time_zone=reply.company.time_zone)

        return await self._cached(("company", company_id), fetch)

    async def resources(self, company_id: str) -> list[ResourceFacts]:
        """Every resource of the company, archived ones too (their past sales still count)."""

        async def fetch() -> list[ResourceFacts]:
            found: list[ResourceFacts] = []
            token = ""
            while True:
                reply = await self._call(
                    self._stub.ListResources,
                    catalog_pb2.ListResourcesRequest(
                        company_id=company_id, page_size=PAGE_SIZE, page_token=token, show_archived=True
                    ),
                )
                found.extend(
                    ResourceFacts(
                        resource_id=resource.id,
                        name=resource.name,
                        booking_model=_MODELS.get(resource.booking_model, "UNSPECIFIED"),
                        archived=resource.HasField("archive_time"),
                    )
                    for resource in reply.resources
                )
                token = reply.next_page_token
                if not token:
                    return found

        return await self._cached(("resources", company_id), fetch)

    async def session_places(
        self, company_id: str, resource_id: str | None, start: datetime, end: datetime
    ) -> dict[str, int]:
        """resource id -> the places of its open sessions starting in [start, end)."""

        async def fetch() -> dict[str, int]:
            request = catalog_pb2.SumSessionPlacesRequest(
                company_id=company_id, resource_id=resource_id or ""
            )
            request.start_time_from.FromDatetime(start)
            request.start_time_to.FromDatetime(end)
            reply = await self._call(self._stub.SumSessionPlaces, request)
            return {item.resource_id: item.places for item in reply.resources}

        key = f"{company_id}/{resource_id or ''}/{start.isoformat()}/{end.isoformat()}"
        return await self._cached(("places", key), fetch)

    async def unit_names(self, resource_ids: Iterable[str]) -> dict[str, str]:
        """unit id -> name, for the units (archived too) of these NIGHTLY resources."""

        async def of(resource_id: str) -> dict[str, str]:
            async def fetch() -> dict[str, str]:
                reply = await self._call(
                    self._stub.ListUnits,
                    catalog_pb2.ListUnitsRequest(resource_id=resource_id, show_archived=True),
                )
                return {unit.id: unit.name for unit in reply.units}

            return await self._cached(("units", resource_id), fetch)

        names: dict[str, str] = {}
        for found in await _gather(of, sorted(set(resource_ids))):
            names.update(found)
        return names

    async def _cached(self, key: tuple[str, str], fetch: Callable[[], Awaitable[T]]) -> T:
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]  # type: ignore[no-any-return]
        value = await fetch()
        _bounded(self._cache)[key] = (now + self._ttl, value)
        return value

    async def _call(self, method: Any, request: Any) -> Any:
        try:
            return await method(request, timeout=self._timeout)
        except aio.AioRpcError as error:
            raise _translate(error) from error
