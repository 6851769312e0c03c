"""`GET /v1/bookings/{id}/events`: Server-Sent Events of one of the caller's bookings for a
client that follows it (instead of polling after a 202): an event `status` with the booking's
status now, then one at each change, and the stream ends after a terminal status (rejected,
cancelled, completed, no-show). The gateway asks bookings every STATUS_INTERVAL_SECONDS (one
cheap GetBooking by primary key per open stream); a stream lasts at most STREAM_SECONDS (the
client reconnects and gets the status again first)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sse_starlette import EventSourceResponse

from bookingplatform.bookings.v1 import bookings_pb2
from gateway.auth import Customer
from gateway.problems import Problem
from gateway.routes.common import problems
from gateway.routes.customer import _own_booking
from gateway.schemas import short_name
from plumbing.principal import Principal, Role, acting_as

log = logging.getLogger(__name__)
router = APIRouter(tags=["bookings"])

STATUS_INTERVAL_SECONDS = 1.0
STREAM_SECONDS = 300
TERMINAL = frozenset({"REJECTED", "CANCELLED", "COMPLETED", "NO_SHOW"})


def _status(booking: bookings_pb2.Booking) -> dict[str, str]:
    status = short_name(bookings_pb2.BookingStatus, booking.status, "BOOKING_STATUS_")
    data = {"booking_id": booking.id, "status": status, "reject_reason": booking.reject_reason or None}
    return {"event": "status", "data": json.dumps(data)}


@router.get(
    "/v1/bookings/{booking_id}/events",
    operation_id="streamBookingEvents",
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "`status` events, until a terminal one."},
        **problems(400, 401, 403, 404, 503),
    },
)
async def stream_booking_events(request: Request, booking_id: uuid.UUID, principal: Customer) -> Response:
    """Server-Sent Events of one of my bookings: `status` (`{"booking_id", "status",
    "reject_reason"}`) now and at each change; ends after a terminal status."""
    first = await _own_booking(request, principal, str(booking_id))  # 404 before the stream starts
    caller = Principal(
        role=Role.CUSTOMER,
        company_id=principal.company_id,
        user_id=principal.user_id,
        customer_id=principal.customer_id,
    )

    async def events() -> AsyncIterator[dict[str, str]]:
        event = _status(first)
        yield event
        last = event["data"]
        ends = time.monotonic() + STREAM_SECONDS
        while json.loads(last)["status"] not in TERMINAL and time.monotonic() < ends:
            await asyncio.sleep(STATUS_INTERVAL_SECONDS)
            try:
                with acting_as(caller):
                    booking = await _own_booking(request, principal, str(booking_id))
            except Problem as problem:
                log.info("booking events: %s", problem.code)  # bookings slow or down: ask again
                continue
            event = _status(booking)
            if event["data"] != last:
                last = event["data"]
                yield event

    return EventSourceResponse(
        events(), ping=15, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}, send_timeout=30
    )
