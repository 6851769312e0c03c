"""`GET /v1/bookings/{id}/events`: Server-Sent Events of one of the caller's bookings for a
client that follows it (instead of polling after a 202): an event `status` with the booking's
status now, then one at each change, and the stream ends after a terminal status (rejected,
cancelled, completed, no-show). The gateway asks bookings every STATUS_INTERVAL_SECONDS (one
cheap GetBooking by primary key per open stream); a stream lasts at most STREAM_SECONDS (the
client reconnects and gets the status again first).

The stream lives only as long as its access token: at each turn of the loop, before asking
bookings, the token is verified again as a request's is (`gateway.auth.verified_principal`: the
signature and expiry, then the revocations every gateway process keeps in memory and reads
again about once a second, gateway.token_revocations; no database read of its own). Once the
token has expired, or its login was logged out or revoked (a reused refresh token), or its
account's tokens were (deactivated, password changed), the stream ends: within a couple of
seconds, without another event; a client that reconnects with the token gets the 401."""

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
from gateway.auth import Customer, bearer_token, verified_principal
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


async def _token_still_valid(request: Request, token: str | None) -> bool:
    """Whether the stream's access token would still authenticate a request (not expired, its
    login and account not revoked since); cheap: no database read but the revocations' shared
    one a second. The token itself is never logged, only why it was refused."""
    if token is None:
        return False
    try:
        await verified_principal(request, token)
    except Problem as problem:
        log.info("booking events: the token is no longer valid (%s): the stream ends", problem.code)
        return False
    return True


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
    "reject_reason"}`) now and at each change; ends after a terminal status, or once the access
    token is no longer valid (expired, logged out or revoked: reconnecting then is a 401)."""
    first = await _own_booking(request, principal, str(booking_id))  # 404 before the stream starts
    token = bearer_token(request)  # a customer is always a bearer token's (no API key is one)
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
            if not await _token_still_valid(request, token):
                return
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
