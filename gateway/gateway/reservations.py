"""Public reservation tools: a price estimator (quotes) and occupancy for calendars.

No authentication: a quote holds nothing and availability reveals no customer.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from bookingplatform.bookings.v1 import bookings_pb2
from gateway.api import problems
from gateway.deps import clients_of, rpc
from gateway.schemas import AvailabilityOut, DayOut, QuoteBody, QuoteOut, ResourceAvailabilityOut

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
    start_date: date,
    end_date: date,
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
