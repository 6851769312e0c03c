"""What the reservation engine asks the catalog about resources: policy, time zone,
nightly prices, hourly rates, units and extras.

A resource (with its policy and hourly rate) and its company (time zone, currency, whether it
is suspended) are read through the process's `CatalogCache`, the caller's tenancy checked
here as catalog checks it (RESOURCE_NOT_FOUND); nightly prices, units and extras are asked
each time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from grpc import aio

from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookings.adapters.catalog_cache import CatalogCache
from bookings.adapters.catalog_client import _translate, resource_not_found
from bookings.domain.model import BookingModel
from bookings.domain.policy import Policy
from bookings.domain.reservations import ExtraOffer, PricedNight
from plumbing.errors import NotFound
from plumbing.principal import check_tenant

_MODELS = {
    catalog_pb2.BOOKING_MODEL_TIME_SLOT: BookingModel.TIME_SLOT,
    catalog_pb2.BOOKING_MODEL_NIGHTLY: BookingModel.NIGHTLY,
    catalog_pb2.BOOKING_MODEL_INTERVAL: BookingModel.INTERVAL,
}


def policy_from(message: catalog_pb2.ResourcePolicy) -> Policy:
    return Policy(
        lead_time_minutes=message.lead_time_minutes,
        horizon_days=message.horizon_days,
        max_places_per_booking=message.max_places_per_booking,
        min_duration_minutes=message.min_duration_minutes,
        max_duration_minutes=message.max_duration_minutes,
        min_nights=message.min_nights,
        max_nights=message.max_nights,
        granularity_minutes=message.granularity_minutes,
        buffer_before_minutes=message.buffer_before_minutes,
        buffer_after_minutes=message.buffer_after_minutes,
        max_active_bookings_per_customer=message.max_active_bookings_per_customer,
        cancellation_windows=tuple(
            (window.minutes_before_start, window.refund_percent) for window in message.cancellation_windows
        ),
        check_in_deadline_minutes=message.check_in_deadline_minutes,
        no_show_grace_minutes=message.no_show_grace_minutes,
        max_guests_per_unit=message.max_guests_per_unit,
    )


@dataclass(frozen=True)
class ResourceOffer:
    resource_id: str
    company_id: str
    name: str
    booking_model: BookingModel | None  # None: the catalog has not set one
    policy: Policy
    hourly_rate_minor: int
    currency: str
    company_suspended: bool = False
    archived: bool = False


@dataclass(frozen=True)
class StayPricing:
    nights: tuple[PricedNight, ...]
    check_in_at: datetime
    check_out_at: datetime
    currency: str


class ResourceCatalog:
    def __init__(
        self, channel: aio.Channel, cache: CatalogCache, *, call_timeout_seconds: float = 5.0
    ) -> None:
        self._stub = catalog_pb2_grpc.CatalogServiceStub(channel)
        self._cache = cache
        self._timeout = call_timeout_seconds

    async def resource(self, resource_id: str) -> ResourceOffer:
        resource = await self._cache.resource(resource_id)
        check_tenant(resource.company_id, resource_not_found(resource_id))
        company = await self._cache.company(resource.company_id)
        return ResourceOffer(
            resource_id=resource.id,
            company_id=resource.company_id,
            name=resource.name,
            booking_model=_MODELS.get(resource.booking_model),
            policy=policy_from(resource.policy),
            hourly_rate_minor=resource.hourly_rate.amount_minor,
            currency=company.currency_code,
            company_suspended=company.state == catalog_pb2.COMPANY_STATE_SUSPENDED,
            archived=resource.HasField("archive_time"),
        )

    async def time_zone(self, company_id: str) -> ZoneInfo:
        """The company's time zone (another company's is COMPANY_NOT_FOUND, as catalog says)."""
        return ZoneInfo(await self.time_zone_name(company_id))

    async def time_zone_name(self, company_id: str) -> str:
        """The company's IANA time zone name, from the cached company row: a company may change
        its zone (UpdateCompany), and the row is dropped on its `company_updated` event."""
        check_tenant(company_id, NotFound("COMPANY_NOT_FOUND", f"company {company_id} does not exist"))
        company = await self._cache.company(company_id)
        return str(company.time_zone)

    async def company_suspended(self, company_id: str) -> bool:
        """Whether the company is suspended, from the cached row (dropped on its change event,
        as for the refusal of its new bookings)."""
        company = await self._cache.company(company_id)
        return bool(company.state == catalog_pb2.COMPANY_STATE_SUSPENDED)

    async def stay_pricing(self, resource_id: str, check_in: date, check_out: date) -> StayPricing:
        reply = await self._call(
            self._stub.GetPricing,
            catalog_pb2.GetPricingRequest(
                resource_id=resource_id, start_date=check_in.isoformat(), end_date=check_out.isoformat()
            ),
        )
        return StayPricing(
            nights=tuple(
                PricedNight(date.fromisoformat(night.date), night.price.amount_minor)
                for night in reply.nights
            ),
            check_in_at=reply.check_in_time.ToDatetime(tzinfo=UTC),
            check_out_at=reply.check_out_time.ToDatetime(tzinfo=UTC),
            currency=reply.total.currency_code,
        )

    async def units(self, resource_id: str) -> list[str]:
        reply = await self._call(self._stub.ListUnits, catalog_pb2.ListUnitsRequest(resource_id=resource_id))
        return [unit.id for unit in reply.units]

    async def extra_offers(self, company_id: str) -> dict[str, ExtraOffer]:
        reply = await self._call(self._stub.ListExtras, catalog_pb2.ListExtrasRequest(company_id=company_id))
        return {
            extra.id: ExtraOffer(
                extra_id=extra.id,
                name=extra.name,
                price_minor=extra.price.amount_minor,
                currency=extra.price.currency_code,
                pricing_unit=catalog_pb2.PricingUnit.Name(extra.pricing_unit).removeprefix("PRICING_UNIT_"),
            )
            for extra in reply.extras
        }

    async def _call(self, method: Any, request: Any) -> Any:
        try:
            return await method(request, timeout=self._timeout)
        except aio.AioRpcError as error:
            raise _translate(error) from error
