"""Turns a booking request into a priced, policy-checked reservation for its resource's
booking model (time slot, nightly stay, interval rental), ready to hold.

Nothing is written here: the hold runs later, inside the booking's transaction.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.adapters import repository as repo
from bookings.adapters.catalog_client import CatalogClient
from bookings.adapters.catalog_resources import ResourceCatalog, ResourceOffer
from bookings.domain.commands import BookingRequest
from bookings.domain.model import (
    Booking,
    BookingModel,
    BookingStatus,
    PaymentPlan,
    check_bookable,
    check_on_sale,
)
from bookings.domain.passes import check_pass_pays_for
from bookings.domain.policy import Policy
from bookings.domain.reservations import (
    EngineQuote,
    QuoteLine,
    check_interval,
    check_stay,
    extra_lines,
    interval_price,
    parse_date,
)
from plumbing.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied

Hold = Callable[[AsyncConnection, Booking], Awaitable[None]]


@dataclass(frozen=True)
class Reservation:
    """A booking not yet stored, its quote, and how to hold what it books."""

    booking: Booking
    quote: EngineQuote
    # How to hold what a stay or a rental books, in the booking's transaction; None for a
    # time slot, whose places are taken with the booking's insert (one statement).
    hold: Hold | None
    max_active: int
    # A time slot's session capacity (None for the other models).
    session_capacity: int | None = None


# Plans a reservation of one booking model. `resource` is None for a time slot, which is
# booked by its session.
ModelPlanner = Callable[[BookingRequest, PaymentPlan, ResourceOffer | None, datetime], Awaitable[Reservation]]


class Planner:
    def __init__(self, catalog: CatalogClient, resources: ResourceCatalog) -> None:
        self.catalog = catalog
        self.resources = resources
        self._by_model: dict[BookingModel, ModelPlanner] = {
            BookingModel.TIME_SLOT: self._time_slot,
            BookingModel.NIGHTLY: self._nightly,
            BookingModel.INTERVAL: self._interval,
        }

    async def plan(self, request: BookingRequest, plan: PaymentPlan, now: datetime) -> Reservation:
        if bool(request.session_id) == bool(request.resource_id):
            raise InvalidArgument(
                "TARGET_REQUIRED", "give a session_id (time slots) or a resource_id (stays, rentals)"
            )
        if request.session_id:
            return await self._by_model[BookingModel.TIME_SLOT](request, plan, None, now)
        resource, customer_company = await asyncio.gather(
            self.resources.resource(request.resource_id), self._customer_company(request.customer_id)
        )
        _same_company(customer_company, resource.company_id)
        check_on_sale(resource.company_suspended, resource.archived)
        model = resource.booking_model
        if model is None or model is BookingModel.TIME_SLOT:
            raise FailedPrecondition(
                "BOOK_BY_SESSION", "time-slot resources are booked by session: give the session_id"
            )
        check_pass_pays_for(model, plan.entitlement_id)
        return await self._by_model[model](request, plan, resource, now)

    async def _customer_company(self, customer_id: str) -> str | None:
        """The customer's company; None for an anonymous quote."""
        return await self.catalog.customer_company(customer_id) if customer_id else None

    async def _time_slot(
        self, request: BookingRequest, plan: PaymentPlan, resource: ResourceOffer | None, now: datetime
    ) -> Reservation:
        offer, customer_company = await asyncio.gather(
            self.catalog.session_offer(request.session_id), self._customer_company(request.customer_id)
        )
        _same_company(customer_company, offer.company_id)
        check_on_sale(offer.company_suspended, offer.resource_archived)
        check_bookable(offer, request.quantity, now)
        policy = Policy(
            lead_time_minutes=offer.lead_time_minutes,
            cancellation_windows=offer.cancellation_windows,
            check_in_deadline_minutes=offer.check_in_deadline_minutes,
            no_show_grace_minutes=offer.no_show_grace_minutes,
            max_active_bookings_per_customer=offer.max_active_bookings_per_customer,
        )
        hours = math.ceil((offer.end_time - offer.start_time).total_seconds() / 3600)
        extras = extra_lines(
            request.extras,
            await self.resources.extra_offers(offer.company_id) if request.extras else {},
            offer.currency,
            guests=request.quantity,
            hours=hours,
        )
        base = offer.price_minor * request.quantity
        quote = EngineQuote(
            lines=(QuoteLine(f"{request.quantity} place(s)", request.quantity, base),),
            extras=extras,
            base_minor=base,
            currency=offer.currency,
            start=offer.start_time,
            end=offer.end_time,
        )
        booking = _booking(
            request, plan, quote, policy, offer.company_id, offer.resource_id, BookingModel.TIME_SLOT
        )
        booking = replace(
            booking,
            session_id=offer.session_id,
            quantity=request.quantity,
            free_cancellation_until=offer.start_time - timedelta(minutes=offer.free_cancellation_minutes),
        )

        return Reservation(
            booking, quote, None, policy.max_active_bookings_per_customer, session_capacity=offer.capacity
        )

    async def _nightly(
        self, request: BookingRequest, plan: PaymentPlan, resource: ResourceOffer | None, now: datetime
    ) -> Reservation:
        assert resource is not None, "stays and rentals are booked by resource"
        check_in = parse_date(request.check_in_date, "check_in_date")
        check_out = parse_date(request.check_out_date, "check_out_date")
        nights = check_stay(resource.policy, check_in, check_out, request.guests)
        pricing, units, offers = await asyncio.gather(
            self.resources.stay_pricing(resource.resource_id, check_in, check_out),
            self.resources.units(resource.resource_id),
            self.resources.extra_offers(resource.company_id) if request.extras else _no_extras(),
        )
        resource.policy.check_timing(pricing.check_in_at, now)
        if request.unit_id:
            if request.unit_id not in units:
                raise NotFound("UNIT_NOT_FOUND", "no such unit of this resource", field="unit_id")
            units = [request.unit_id]
        if not units:
            raise FailedPrecondition("UNAVAILABLE", "the resource has no units")
        currency = pricing.currency or resource.currency
        base = sum(night.price_minor for night in pricing.nights)
        quote = EngineQuote(
            lines=tuple(
                QuoteLine(f"Night of {night.night.isoformat()}", 1, night.price_minor)
                for night in pricing.nights
            ),
            extras=extra_lines(request.extras, offers, currency, nights=len(nights), guests=request.guests),
            base_minor=base,
            currency=currency,
            start=pricing.check_in_at,
            end=pricing.check_out_at,
        )
        booking = replace(
            _booking(
                request,
                plan,
                quote,
                resource.policy,
                resource.company_id,
                resource.resource_id,
                BookingModel.NIGHTLY,
            ),
            guests=request.guests,
            check_in_date=check_in,
            check_out_date=check_out,
        )

        async def hold(conn: AsyncConnection, stored: Booking) -> None:
            unit = await repo.hold_unit_nights(
                conn,
                booking_id=stored.id,
                resource_id=resource.resource_id,
                company_id=resource.company_id,
                units=units,
                nights=nights,
            )
            if unit is None:
                raise FailedPrecondition("UNAVAILABLE", "no unit is free for every night of the stay")
            stored.unit_id = unit

        return Reservation(booking, quote, hold, resource.policy.max_active_bookings_per_customer)

    async def _interval(
        self, request: BookingRequest, plan: PaymentPlan, resource: ResourceOffer | None, now: datetime
    ) -> Reservation:
        assert resource is not None, "stays and rentals are booked by resource"
        if request.start_time is None or request.end_time is None:
            raise InvalidArgument("TIME_RANGE_REQUIRED", "give start_time and end_time", field="start_time")
        if not resource.hourly_rate_minor:
            raise FailedPrecondition("NO_HOURLY_RATE", "the resource has no hourly rate yet")
        zone, offers = await asyncio.gather(
            self.resources.time_zone(resource.company_id),
            self.resources.extra_offers(resource.company_id) if request.extras else _no_extras(),
        )
        start, end = request.start_time, request.end_time
        blocked_from, blocked_until = check_interval(resource.policy, start, end, zone)
        resource.policy.check_timing(start, now)
        resource.policy.check_end_within_horizon(end, now)
        minutes = int((end - start).total_seconds() // 60)
        base = interval_price(resource.hourly_rate_minor, start, end)
        quote = EngineQuote(
            lines=(QuoteLine(f"{minutes // 60} h {minutes % 60} min", minutes, base),),
            extras=extra_lines(request.extras, offers, resource.currency, hours=math.ceil(minutes / 60)),
            base_minor=base,
            currency=resource.currency,
            start=start,
            end=end,
        )
        booking = _booking(
            request,
            plan,
            quote,
            resource.policy,
            resource.company_id,
            resource.resource_id,
            BookingModel.INTERVAL,
        )

        async def hold(conn: AsyncConnection, stored: Booking) -> None:
            if not await repo.hold_interval(
                conn,
                booking_id=stored.id,
                resource_id=resource.resource_id,
                company_id=resource.company_id,
                blocked_from=blocked_from,
                blocked_until=blocked_until,
            ):
                raise FailedPrecondition("UNAVAILABLE", "the resource is taken for part of that time")

        return Reservation(booking, quote, hold, resource.policy.max_active_bookings_per_customer)


def _booking(
    request: BookingRequest,
    plan: PaymentPlan,
    quote: EngineQuote,
    policy: Policy,
    company_id: str,
    resource_id: str,
    model: BookingModel,
) -> Booking:
    deadline = policy.check_deadline(quote.start)
    return Booking(
        id=str(uuid.uuid4()),
        company_id=company_id,
        customer_id=request.customer_id,
        resource_id=resource_id,
        session_id="",
        booking_model=model,
        quantity=1,
        start_time=quote.start,
        end_time=quote.end,
        status=BookingStatus.PENDING,
        total_minor=quote.total_minor,
        base_minor=quote.base_minor,
        currency=quote.currency,
        plan=plan,
        saga_id=str(uuid.uuid4()),
        free_cancellation_until=quote.start,
        extras=list(quote.extras),
        cancellation_windows=policy.cancellation_windows,
        check_in_deadline=deadline,
        no_show_at=deadline + timedelta(minutes=policy.no_show_grace_minutes) if deadline else None,
        quote_lines=tuple((line.description, line.quantity, line.amount_minor) for line in quote.all_lines()),
    )


def _same_company(customer_company: str | None, company_id: str) -> None:
    if customer_company is not None and customer_company != company_id:
        raise PermissionDenied("CUSTOMER_NOT_IN_COMPANY", "the customer belongs to another company")


async def _no_extras() -> dict:  # type: ignore[type-arg]
    return {}
