"""Reservation tools: a public price estimator (quotes), occupancy for calendars and free
slots (no authentication: they hold nothing and reveal no customer), and the bookings of
one day for operators."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from bookingplatform.bookings.v1 import bookings_pb2
from gateway.api import PageSize, PageToken, problems
from gateway.auth import Operator
from gateway.deps import clients_of, rpc
from gateway.edge import EdgeDate
from gateway.problems import Problem
from gateway.schemas import (
    AvailabilityOut,
    BookingList,
    BookingOut,
    DayOut,
    QuoteBody,
    QuoteOut,
    ResourceAvailabilityOut,
)

router = APIRouter()


@router.post("/v1/quotes", response_model=QuoteOut, tags=["catalog"], responses=problems(400, 404, 409, 503))
async def quote(request: Request, body: QuoteBody) -> QuoteOut:
    """Prices a booking (places, nights with guests and dates, or an interval, plus extras)
    with the same rules as a booking; nothing is held."""
    reply = await rpc("bookings", clients_of(request).bookings.QuoteBooking(body.to_proto()))
    return QuoteOut.of(reply.quote)


@router.get(
    "/v1/availability", response_model=AvailabilityOut, tags=["catalog"], responses=problems(400, 404, 503)
)
async def availability(
    request: Request,
    company_id: uuid.UUID,
    start_date: EdgeDate,
    end_date: EdgeDate,
    resource_id: Annotated[list[uuid.UUID] | None, Query(description="Only these resources.")] = None,
) -> AvailabilityOut:
    """Occupancy per resource per local day (places, units or minutes), for a calendar heatmap."""
    reply = await rpc(
        "bookings",
        clients_of(request).bookings.GetAvailability(
            bookings_pb2.GetAvailabilityRequest(
                company_id=str(company_id),
                resource_ids=[str(r) for r in resource_id or []],
                start_date=start_date.isoformat(),
                end_date=end_date.isoformat(),
            )
        ),
    )
    return AvailabilityOut(
        resources=[
            ResourceAvailabilityOut(
                resource_id=item.resource_id,
                days=[DayOut(date=day.date, capacity=day.capacity, booked=day.booked) for day in item.days],
            )
            for item in reply.resources
        ]
    )


class FreeSlotOut(BaseModel):
    start_time: datetime
    end_time: datetime


class FreeSlotList(BaseModel):
    slots: list[FreeSlotOut]


@router.get(
    "/v1/resources/{resource_id}/free-slots",
    response_model=FreeSlotList,
    tags=["catalog"],
    responses=problems(400, 404, 409, 503),
)
async def free_slots(
    request: Request,
    resource_id: uuid.UUID,
    day: Annotated[EdgeDate, Query(alias="date", description="Local date of the resource's company.")],
    min_duration_minutes: Annotated[int, Query(ge=0, le=24 * 60)] = 0,
) -> FreeSlotList:
    """The free intervals of an interval resource on a day (buffers, granularity and the
    minimum duration of its policy applied)."""
    reply = await rpc(
        "bookings",
        clients_of(request).bookings.ListFreeSlots(
            bookings_pb2.ListFreeSlotsRequest(
                resource_id=str(resource_id), date=day.isoformat(), min_duration_minutes=min_duration_minutes
            )
        ),
    )
    return FreeSlotList(
        slots=[
            FreeSlotOut(
                start_time=slot.start_time.ToDatetime(tzinfo=UTC),
                end_time=slot.end_time.ToDatetime(tzinfo=UTC),
            )
            for slot in reply.slots
        ]
    )


@router.get(
    "/v1/ops/bookings",
    response_model=BookingList,
    tags=["ops"],
    responses=problems(400, 401, 403, 404, 503),
)
async def bookings_of_a_day(
    request: Request,
    principal: Operator,
    day: Annotated[EdgeDate, Query(alias="date", description="Local date of the company.")],
    resource_id: uuid.UUID | None = None,
    company_id: uuid.UUID | None = None,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> BookingList:
    """The bookings of one day (of a resource, or of the whole company), for the front desk."""
    scope = principal.company_id or (str(company_id) if company_id else "")
    if principal.company_id and company_id and str(company_id) != principal.company_id:
        raise Problem(403, "PERMISSION_DENIED", "You may only see the bookings of your company.")
    if not scope:
        raise Problem(400, "COMPANY_REQUIRED", "A platform operator names the company_id.")
    message = bookings_pb2.ListBookingsRequest(
        date=day.isoformat(), page_size=page_size, page_token=page_token or ""
    )
    if resource_id is not None:
        message.resource_id = str(resource_id)
    else:
        message.company_id = scope
    reply = await rpc("bookings", clients_of(request).bookings.ListBookings(message))
    found = [BookingOut.of(b) for b in reply.bookings]
    if resource_id is not None and any(b.company_id != scope for b in found):
        raise Problem(403, "PERMISSION_DENIED", "You may only see the bookings of your company.")
    return BookingList(bookings=found, next_page_token=reply.next_page_token or None)
