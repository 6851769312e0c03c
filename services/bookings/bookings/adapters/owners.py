"""Whose a booking, a saga, a session or a resource is: what tenancy checks the caller against.

Bookings and sagas are read from our own tables. Sessions and resources are the catalog's;
they are asked for as the internal caller, so the answer is the row's stored company whoever
calls, and bookings decides itself (the catalog also refuses a foreign caller on its own
calls, which bookings makes with the caller's principal)."""

from __future__ import annotations

import grpc
from grpc import aio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookings.adapters.catalog_client import _translate
from bookings.adapters.tables import bookings, sagas
from plumbing.principal import SERVICE_PRINCIPAL, acting_as


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
    def __init__(
        self, stub: catalog_pb2_grpc.CatalogServiceStub, *, call_timeout_seconds: float = 5.0
    ) -> None:
        self._stub = stub
        self._timeout = call_timeout_seconds

    async def session_company(self, session_id: str) -> str | None:
        reply = await self._ask(self._stub.GetSession, catalog_pb2.GetSessionRequest(session_id=session_id))
        return None if reply is None else str(reply.session.company_id)

    async def resource_company(self, resource_id: str) -> str | None:
        reply = await self._ask(
            self._stub.GetResource, catalog_pb2.GetResourceRequest(resource_id=resource_id)
        )
        return None if reply is None else str(reply.resource.company_id)

    async def _ask(self, method, request):  # type: ignore[no-untyped-def]
        """The catalog's answer as the internal caller; None when the row does not exist (the
        handler gives its own answer for it)."""
        with acting_as(SERVICE_PRINCIPAL):
            try:
                return await method(request, timeout=self._timeout)
            except aio.AioRpcError as error:
                if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                    return None
                raise _translate(error) from error
