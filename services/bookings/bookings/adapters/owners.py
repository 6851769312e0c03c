"""Whose a booking, a saga, a session or a resource is: what tenancy checks the caller against.

Bookings and sagas are read from our own tables. Sessions and resources are the catalog's;
they are read as the internal caller through the process's catalog cache, so the answer is
the row's stored company whoever calls, and bookings decides itself (the adapters that hand
the cached rows to the planner check the caller's tenancy again, as catalog would)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.adapters.catalog_cache import CatalogCache
from bookings.adapters.tables import bookings, sagas
from plumbing.errors import InvalidArgument, NotFound


async def booking_owner(conn: AsyncConnection, booking_id: str) -> tuple[str, str] | None:
    """(company_id, customer_id) of the booking; None: no such booking."""
    row = (
        await conn.execute(
            select(bookings.c.company_id, bookings.c.customer_id).where(bookings.c.id == booking_id)
        )
    ).first()
    return None if row is None else (str(row.company_id), str(row.customer_id))


async def saga_company(conn: AsyncConnection, saga_id: str) -> str | None:
    """The company of the saga (its booking's); None: no such saga."""
    company = await conn.scalar(select(sagas.c.company_id).where(sagas.c.id == saga_id))
    return None if company is None else str(company)


class CatalogOwners:
    """Whose a session or resource is, read through the process's `CatalogCache`: the
    planner reads the same cached row right after, so a booking asks the catalog once."""

    def __init__(self, cache: CatalogCache) -> None:
        self._cache = cache

    async def session_company(self, session_id: str) -> str | None:
        try:
            return str((await self._cache.session(session_id)).company_id)
        except (NotFound, InvalidArgument):
            return None  # the handler gives its own answer for it

    async def resource_company(self, resource_id: str) -> str | None:
        try:
            return str((await self._cache.resource(resource_id)).company_id)
        except (NotFound, InvalidArgument):
            return None
