"""What bookings asks the catalog, with the catalog's errors mapped to our own.

Sessions, resources, companies and customers' companies are read through the process's
`CatalogCache` (as the internal caller); the caller's tenancy is checked here as catalog
checks it, with catalog's own answers (SESSION_NOT_FOUND, CUSTOMER_NOT_FOUND)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC as _UTC
from typing import TYPE_CHECKING

import grpc
from grpc import aio

from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookings.domain.model import SessionOffer
from plumbing.errors import ErrorKind, FailedPrecondition, InvalidArgument, NotFound, ServiceError
from plumbing.grpc_server import error_reason
from plumbing.principal import check_customer, check_tenant

if TYPE_CHECKING:  # the cache translates errors with this module's _translate
    from bookings.adapters.catalog_cache import CatalogCache


@dataclass(frozen=True)
class ExtraPrice:
    extra_id: str
    name: str
    price_minor: int
    currency: str


class CatalogClient:
    def __init__(
        self, channel: aio.Channel, cache: CatalogCache, *, call_timeout_seconds: float = 5.0
    ) -> None:
        self._stub = catalog_pb2_grpc.CatalogServiceStub(channel)
        self._cache = cache
        self._timeout = call_timeout_seconds

    async def session_offer(self, session_id: str) -> SessionOffer:
        session = await self._cache.session(session_id)
        check_tenant(session.company_id, session_not_found(session_id))
        # The resource and company are the session's: of the caller's company when it is.
        resource, company = await asyncio.gather(
            self._cache.resource(session.resource_id), self._cache.company(session.company_id)
        )
        return SessionOffer(
            session_id=session.id,
            company_id=session.company_id,
            resource_id=session.resource_id,
            start_time=session.start_time.ToDatetime(tzinfo=_UTC),
            end_time=session.end_time.ToDatetime(tzinfo=_UTC),
            capacity=session.capacity,
            price_minor=session.price.amount_minor,
            currency=session.price.currency_code,
            is_open=session.status == catalog_pb2.SESSION_STATUS_OPEN,
            max_places_per_booking=resource.policy.max_places_per_booking,
            free_cancellation_minutes=resource.policy.free_cancellation_minutes,
            lead_time_minutes=resource.policy.lead_time_minutes,
            cancellation_windows=tuple(
                (window.minutes_before_start, window.refund_percent)
                for window in resource.policy.cancellation_windows
            ),
            check_in_deadline_minutes=resource.policy.check_in_deadline_minutes,
            no_show_grace_minutes=resource.policy.no_show_grace_minutes,
            max_active_bookings_per_customer=resource.policy.max_active_bookings_per_customer,
            company_suspended=company.state == catalog_pb2.COMPANY_STATE_SUSPENDED,
            resource_archived=resource.HasField("archive_time"),
        )

    async def customer_company(self, customer_id: str) -> str:
        company_id = await self._cache.customer_company(customer_id)
        check_customer(company_id, customer_id, customer_not_found(customer_id))
        return company_id

    async def extras(self, company_id: str) -> dict[str, ExtraPrice]:
        reply = await self._call(self._stub.ListExtras, catalog_pb2.ListExtrasRequest(company_id=company_id))
        return {
            extra.id: ExtraPrice(extra.id, extra.name, extra.price.amount_minor, extra.price.currency_code)
            for extra in reply.extras
        }

    async def _call(self, method, request):  # type: ignore[no-untyped-def]
        try:
            return await method(request, timeout=self._timeout)
        except aio.AioRpcError as error:
            raise _translate(error) from error


def session_not_found(session_id: str) -> NotFound:
    """Catalog's answer to a session of another company (or none)."""
    return NotFound(
        "SESSION_NOT_FOUND", f"session {session_id} does not exist", metadata={"session_id": session_id}
    )


def customer_not_found(customer_id: str) -> NotFound:
    return NotFound(
        "CUSTOMER_NOT_FOUND", f"customer {customer_id} does not exist", metadata={"customer_id": customer_id}
    )


def resource_not_found(resource_id: str) -> NotFound:
    return NotFound(
        "RESOURCE_NOT_FOUND", f"resource {resource_id} does not exist", metadata={"resource_id": resource_id}
    )


def _translate(error: aio.AioRpcError) -> ServiceError:
    reason = error_reason(error) or "CATALOG_ERROR"
    code = error.code()
    if code == grpc.StatusCode.NOT_FOUND:
        return NotFound(reason, error.details() or "not found in the catalog")
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return InvalidArgument(reason, error.details() or "invalid")
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        # The resource is not set up for what was asked (NO_RATE_PLAN, NO_HOURLY_RATE, a wrong
        # booking model...): the catalog's answer with its reason, not "retry later".
        return FailedPrecondition(reason, error.details() or "the catalog refused it")
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return ServiceError("CATALOG_UNAVAILABLE", "the catalog did not answer", kind=ErrorKind.UNAVAILABLE)
    return ServiceError("CATALOG_ERROR", "the catalog failed", kind=ErrorKind.UNAVAILABLE)


async def gather_offer(catalog: CatalogClient, session_id: str, customer_id: str) -> tuple[SessionOffer, str]:
    return await asyncio.gather(catalog.session_offer(session_id), catalog.customer_company(customer_id))
