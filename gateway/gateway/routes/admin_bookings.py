"""Back office, front desk: bookings (`/v1/admin/bookings`): booked on a customer's behalf
(the same saga; paid at the desk in cash or externally, or from the customer's wallet and
pass; the staff member is recorded), listed by status, period, resource and customer,
cancelled by the company (a full refund), checked in, and attendance overridden with a reason.

Who: staff, company admins of the booking's company, platform admins. Another company's
booking is 404 BOOKING_NOT_FOUND (bookings refuses it again with the caller's principal).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from gateway.auth import Principal, Staff, company_in_reach
from gateway.deps import clients_of, rpc
from gateway.problems import Problem
from gateway.routes.admin_customers import customer_in_reach
from gateway.routes.common import Once, PageSize, PageToken, caller_request_id, problems
from gateway.schemas import CancellationPreviewOut
from gateway.schemas_admin_front_desk import (
    FromFilter,
    NoShowBody,
    ReasonBody,
    StaffBookingBody,
    StaffBookingList,
    StaffBookingOut,
    StatusFilter,
    ToFilter,
    filtered,
)
from plumbing.principal import Role

router = APIRouter(tags=["admin"])


async def _booking_in_reach(
    request: Request, principal: Principal, booking_id: uuid.UUID
) -> bookings_pb2.Booking:
    reply = await rpc(
        "bookings",
        clients_of(request).bookings.GetBooking(bookings_pb2.GetBookingRequest(booking_id=str(booking_id))),
    )
    if principal.role is not Role.PLATFORM_ADMIN and principal.company_id != reply.booking.company_id:
        raise Problem(404, "BOOKING_NOT_FOUND", "No such booking.")
    return reply.booking


def _answer(booking: bookings_pb2.Booking, status: int = 200) -> Response:
    return JSONResponse(StaffBookingOut.of(booking).model_dump(mode="json"), status_code=status)


@router.post(
    "/v1/admin/bookings",
    operation_id="createBookingForCustomer",
    status_code=202,
    response_model=StaffBookingOut,
    responses=problems(400, 401, 403, 404, 409, 422, 428, 503),
)
async def create_booking_for_customer(
    request: Request, body: StaffBookingBody, principal: Staff, once: Once
) -> Response:
    """Books on a customer's behalf through the same saga, the staff member recorded on the
    booking and in the audit log. Paid at the desk (`payment.desk`: CASH or EXTERNAL, the whole
    price, no card or wallet moves) it is CONFIRMED at once; from the wallet or a pass it is
    PENDING while the saga runs. Requires an `Idempotency-Key`."""
    await customer_in_reach(request, principal, body.customer_id)

    async def call(key: str) -> Response:
        # Scoped to the caller as every back-office change is: another staff member's equal key
        # names another booking, not this one (nor IDEMPOTENCY_KEY_REUSED for a key never used).
        request_id = caller_request_id("staff-booking", principal, key)
        reply = await rpc("bookings", clients_of(request).bookings.CreateBooking(body.proto(request_id)))
        return _answer(reply.booking, 202)

    return await once.run(principal, call, path="/v1/admin/bookings", body=body)


@router.get(
    "/v1/admin/bookings",
    operation_id="listCompanyBookings",
    response_model=StaffBookingList,
    responses=problems(400, 401, 403, 404, 503),
)
async def list_company_bookings(
    request: Request,
    principal: Staff,
    status: StatusFilter = None,
    since: FromFilter = None,
    until: ToFilter = None,
    resource_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    company_id: Annotated[uuid.UUID | None, Query(description="Platform admins: the company.")] = None,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> StaffBookingList:
    """A company's bookings, newest first, by status, period (`from`, `to`), resource or
    customer."""
    if customer_id is not None:
        await customer_in_reach(request, principal, customer_id)
        query = bookings_pb2.ListBookingsRequest(customer_id=str(customer_id))
        if resource_id is not None:
            raise Problem(400, "ONE_FILTER", "Filter by resource_id or customer_id, not both.")
    elif resource_id is not None:
        resource = await rpc(
            "catalog",
            clients_of(request).catalog.GetResource(
                catalog_pb2.GetResourceRequest(resource_id=str(resource_id))
            ),
        )
        if principal.role is not Role.PLATFORM_ADMIN and principal.company_id != resource.resource.company_id:
            raise Problem(404, "RESOURCE_NOT_FOUND", "No such resource.")
        query = bookings_pb2.ListBookingsRequest(resource_id=str(resource_id))
    elif company_id is not None:
        query = bookings_pb2.ListBookingsRequest(company_id=company_in_reach(principal, company_id))
    elif principal.role is Role.PLATFORM_ADMIN or principal.company_id is None:
        raise Problem(400, "COMPANY_REQUIRED", "Name the company (company_id).")
    else:
        query = bookings_pb2.ListBookingsRequest(company_id=principal.company_id)
    query.page_size = page_size
    query.page_token = page_token or ""
    reply = await rpc(
        "bookings", clients_of(request).bookings.ListBookings(filtered(query, status, since, until))
    )
    return StaffBookingList(
        bookings=[StaffBookingOut.of(b) for b in reply.bookings],
        next_page_token=reply.next_page_token or None,
        has_more=reply.has_more,
    )


@router.get(
    "/v1/admin/bookings/{booking_id}",
    operation_id="getCompanyBooking",
    response_model=StaffBookingOut,
    responses=problems(400, 401, 403, 404, 503),
)
async def get_company_booking(request: Request, booking_id: uuid.UUID, principal: Staff) -> StaffBookingOut:
    """One booking with what was paid at the desk and who booked it."""
    return StaffBookingOut.of(await _booking_in_reach(request, principal, booking_id))


async def company_cancellation_preview(
    request: Request, booking_id: uuid.UUID
) -> bookings_pb2.PreviewCancellationResponse:
    """Bookings' answer to what the company's cancellation would give back now (the rule its
    CancelBooking applies); bookings checks the caller's company (404 for another's)."""
    return await rpc(
        "bookings",
        clients_of(request).bookings.PreviewCancellation(
            bookings_pb2.PreviewCancellationRequest(booking_id=str(booking_id), by_company=True)
        ),
    )


@router.get(
    "/v1/admin/bookings/{booking_id}/cancellation-preview",
    operation_id="previewCancellationByCompany",
    response_model=CancellationPreviewOut,
    responses=problems(400, 401, 403, 404, 409, 503),
)
async def preview_cancellation_by_company(
    request: Request, booking_id: uuid.UUID, principal: Staff
) -> CancellationPreviewOut:
    """What the company's cancellation of the booking would give back now, source by source,
    as the cancellation computes it (everything paid, whenever); nothing changes. 409
    `BOOKING_NOT_CANCELLABLE` when it is not CONFIRMED."""
    return CancellationPreviewOut.of(await company_cancellation_preview(request, booking_id))


@router.post(
    "/v1/admin/bookings/{booking_id}/cancellation",
    operation_id="cancelBookingByCompany",
    response_model=StaffBookingOut,
    responses=problems(400, 401, 403, 404, 409, 422, 428, 503),
)
async def cancel_booking_by_company(
    request: Request, booking_id: uuid.UUID, body: ReasonBody, principal: Staff, once: Once
) -> Response:
    """The company cancels a CONFIRMED booking with a reason: everything paid goes back (card
    and wallet by the refund saga; desk money is `refund_at_desk`, to hand back), whenever it
    is. An unpaid pay-later booking (PENDING_PAYMENT) is given up: REJECTED
    `CANCELLED_BY_COMPANY`, its place released, anything the wallet took returned. Requires an
    `Idempotency-Key`."""
    await _booking_in_reach(request, principal, booking_id)

    async def call(key: str) -> Response:
        reply = await rpc(
            "bookings",
            clients_of(request).bookings.CancelBooking(
                bookings_pb2.CancelBookingRequest(
                    request_id=caller_request_id("company-cancel", principal, key),
                    booking_id=str(booking_id),
                    by_company=True,
                    reason=body.reason,
                )
            ),
        )
        return _answer(reply.booking)

    return await once.run(principal, call, path=f"/v1/admin/bookings/{booking_id}/cancellation", body=body)


@router.post(
    "/v1/admin/bookings/{booking_id}/check-in",
    operation_id="checkInBookingAtDesk",
    response_model=StaffBookingOut,
    responses=problems(400, 401, 403, 404, 409, 422, 428, 503),
)
async def check_in_booking_at_desk(
    request: Request, booking_id: uuid.UUID, principal: Staff, once: Once
) -> Response:
    """Checks the customer in (from 60 minutes before the start until the no-show deadline).
    Requires an `Idempotency-Key`."""
    await _booking_in_reach(request, principal, booking_id)

    async def call(key: str) -> Response:
        reply = await rpc(
            "bookings",
            clients_of(request).bookings.CheckInBooking(
                bookings_pb2.CheckInBookingRequest(
                    request_id=caller_request_id("desk-check-in", principal, key), booking_id=str(booking_id)
                )
            ),
        )
        return _answer(reply.booking)

    return await once.run(principal, call, path=f"/v1/admin/bookings/{booking_id}/check-in")


@router.post(
    "/v1/admin/bookings/{booking_id}/no-show",
    operation_id="overrideNoShow",
    response_model=StaffBookingOut,
    responses=problems(400, 401, 403, 404, 409, 422, 428, 503),
)
async def override_no_show(
    request: Request, booking_id: uuid.UUID, body: NoShowBody, principal: Staff, once: Once
) -> Response:
    """Overrides attendance with a reason: `no_show: true` marks a CONFIRMED booking whose time
    has begun NO_SHOW; `no_show: false` turns a NO_SHOW into CHECKED_IN (the customer came
    after all). Requires an `Idempotency-Key`."""
    await _booking_in_reach(request, principal, booking_id)

    async def call(key: str) -> Response:
        reply = await rpc(
            "bookings",
            clients_of(request).bookings.OverrideNoShow(
                bookings_pb2.OverrideNoShowRequest(
                    request_id=caller_request_id("no-show", principal, key),
                    booking_id=str(booking_id),
                    no_show=body.no_show,
                    reason=body.reason,
                )
            ),
        )
        return _answer(reply.booking)

    return await once.run(principal, call, path=f"/v1/admin/bookings/{booking_id}/no-show", body=body)
