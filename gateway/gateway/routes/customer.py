"""A customer's own things: bookings (create, list, read, cancel, settle, change, check in),
wallet and passes. Every route needs a customer's bearer token (check-in also an operator's
of the booking's company) and never shows another customer's data: a booking of someone
else is 404, as if it did not exist."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.openapi.models import Example
from fastapi.responses import JSONResponse, Response

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.passes.v1 import passes_pb2
from bookingplatform.payments.v1 import payments_pb2
from bookingplatform.wallet.v1 import wallet_pb2
from gateway.auth import AnyPrincipal, Customer, CustomerPrincipal, Principal
from gateway.deps import clients_of, note_hold_back, rpc
from gateway.idempotency import REPLAYED_HEADER, check_key
from gateway.problems import Problem, RpcProblem
from gateway.routes.common import (
    IdempotencyKey,
    Once,
    PageSize,
    PageToken,
    card_awaiting_action,
    problems,
    wallet_in_company_currency,
)
from gateway.schemas import (
    BookingList,
    BookingOut,
    CancellationPreviewOut,
    CardAuthenticationBody,
    ChangeBookingBody,
    CreateBookingBody,
    CustomerBookingOut,
    CustomerNextActionOut,
    EntitlementList,
    EntitlementOut,
    SettleBookingBody,
    WalletEntryList,
    WalletEntryOut,
    WalletOut,
    time_of,
)
from gateway.schemas_admin_front_desk import FromFilter, StatusFilter, ToFilter, filtered
from gateway.schemas_public_guest import CardActionOut
from plumbing.principal import Role

router = APIRouter()


# One example per booking model (the resource's policy decides which fields apply).
BOOKING_EXAMPLES: dict[str, Example] = {
    "time_slot": {
        "summary": "Places in a session (class, tour), paid from the wallet",
        "value": {
            "session_id": "3f0c1a52-8a4e-4f7e-9d38-2b6c0f4f8c11",
            "quantity": 2,
            "payment": {"use_wallet": True},
        },
    },
    "nightly": {
        "summary": "Nights in a room type, paid by card",
        "value": {
            "resource_id": "7b1e9c3d-5f2a-4c8e-a6d4-0e9f1b2c3d4e",
            "check_in_date": "2030-03-27",
            "check_out_date": "2030-03-29",
            "guests": 2,
            "payment": {"card_token": "tok_visa"},
        },
    },
    "interval": {
        "summary": "An interval of equipment, paid with a pass",
        "value": {
            "resource_id": "c2d4e6f8-0a1b-4c3d-8e5f-6a7b8c9d0e1f",
            "start_time": "2030-03-27T09:00:00Z",
            "end_time": "2030-03-27T11:30:00Z",
            "payment": {"entitlement_id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d"},
        },
    },
}


def _booking_created(booking: bookings_pb2.Booking) -> JSONResponse:
    out = BookingOut.of(booking)
    return JSONResponse(
        out.model_dump(mode="json"), status_code=202, headers={"Location": f"/v1/bookings/{out.id}"}
    )


async def _customer_booking(request: Request, booking: bookings_pb2.Booking) -> CustomerBookingOut:
    """The customer's view of their booking: with `next_action` while its card awaits 3-D Secure
    (the booking's own payment, or an extension's while the booking is CONFIRMED). The customer
    completes it with their own access token: no token is minted for it."""
    out = CustomerBookingOut.of(booking)
    payment = await card_awaiting_action(request, booking)
    if payment is not None:
        out.next_action = CustomerNextActionOut(
            type="AUTHENTICATE_CARD",
            url=f"/v1/bookings/{booking.id}/authenticate",
            payment_id=payment.id,
            expire_time=time_of(payment, "action_expire_time"),
        )
    return out


async def _payment_method(
    request: Request,
    principal: CustomerPrincipal,
    *,
    card_token: str | None,
    payment_method_id: uuid.UUID | None,
    request_id: str,
) -> str:
    """The payment method to send to bookings: a card token is registered with payments first
    (idempotent on the request's key), so that only its id ever leaves the gateway for bookings."""
    if payment_method_id is not None:
        return str(payment_method_id)
    if not card_token:
        return ""
    reply = await rpc(
        "payments",
        clients_of(request).payments.CreatePaymentMethod(
            payments_pb2.CreatePaymentMethodRequest(
                request_id=request_id,
                company_id=principal.company_id,
                customer_id=principal.customer_id,
                card_token=card_token,
            )
        ),
    )
    return str(reply.payment_method.id)


async def _find_booking(request: Request, booking_id: str) -> bookings_pb2.Booking:
    """The booking, or 404 BOOKING_NOT_FOUND (one answer for unknown and not yours)."""
    try:
        reply = await rpc(
            "bookings",
            clients_of(request).bookings.GetBooking(bookings_pb2.GetBookingRequest(booking_id=booking_id)),
        )
    except RpcProblem as problem:
        if problem.status == 404:
            raise _booking_not_found() from None
        raise
    return reply.booking


def _booking_not_found() -> Problem:
    return Problem(404, "BOOKING_NOT_FOUND", "No such booking.")


async def _own_booking(
    request: Request, principal: CustomerPrincipal, booking_id: str
) -> bookings_pb2.Booking:
    """The booking when the caller owns it; 404 BOOKING_NOT_FOUND otherwise (existence is not leaked)."""
    booking = await _find_booking(request, booking_id)
    if booking.customer_id != principal.customer_id:
        raise _booking_not_found()
    return booking


async def _booking_in_reach(request: Request, principal: Principal, booking_id: str) -> bookings_pb2.Booking:
    """The booking when the caller is its customer or staff or an admin of its company (a
    platform admin: any); 404 BOOKING_NOT_FOUND otherwise (existence is not leaked)."""
    booking = await _find_booking(request, booking_id)
    if principal.role is Role.CUSTOMER:
        allowed = principal.customer_id is not None and booking.customer_id == principal.customer_id
    else:
        allowed = principal.role is Role.PLATFORM_ADMIN or booking.company_id == principal.company_id
    if not allowed:
        raise _booking_not_found()
    return booking


# ----- bookings -----


@router.post(
    "/v1/bookings",
    operation_id="createBooking",
    status_code=202,
    response_model=CustomerBookingOut,
    tags=["bookings"],
    responses=problems(400, 401, 403, 404, 409, 422, 429, 503),
)
async def create_booking(
    request: Request,
    body: Annotated[CreateBookingBody, Body(openapi_examples=BOOKING_EXAMPLES)],
    principal: Customer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Books places in a session: answers 202 with the PENDING booking while the payment saga runs.

    Requires an `Idempotency-Key`: a retry with the same key and body answers 202 with the booking
    the first request made, as it is now (header `Idempotent-Replayed: true`), and books nothing;
    the same key with another body is 422 `IDEMPOTENCY_KEY_REUSED`. A refused request made
    nothing, so its retry is decided again.

    A pass (`payment.entitlement_id`) pays places in sessions, a credit a place: a stay or a
    rental paid with one is 409 `PASS_NOT_VALID_FOR_BOOKING_MODEL`, nothing held."""
    # The bookings service keeps the key: its (customer, request_id) unique key decides a race
    # of retries in the transaction that books, so no store of the gateway's is written here
    # (two transactions per booking fewer; gateway/README.md "Idempotency-Key").
    key = check_key(idempotency_key)
    method = await _payment_method(
        request,
        principal,
        card_token=body.payment.card_token,
        payment_method_id=body.payment.payment_method_id,
        request_id=f"booking:{key}",
    )
    command = body.to_proto(request_id=key, customer_id=principal.customer_id, payment_method_id=method)
    call = clients_of(request).bookings.CreateBooking(command)
    reply = await rpc("bookings", call)
    await note_hold_back(request, call, "SAGA_BACKLOG")
    # A first answer has no next action yet (the card is asked after the saga's earlier steps):
    # only a replay, which answers the booking as it is now, looks for one.
    out = (
        await _customer_booking(request, reply.booking)
        if reply.replayed
        else CustomerBookingOut.of(reply.booking)
    )
    response = JSONResponse(
        out.model_dump(mode="json"), status_code=202, headers={"Location": f"/v1/bookings/{out.id}"}
    )
    if reply.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return response


@router.get(
    "/v1/bookings",
    operation_id="listBookings",
    response_model=BookingList,
    tags=["bookings"],
    responses=problems(400, 401, 403, 503),
)
async def list_bookings(
    request: Request,
    principal: Customer,
    status: StatusFilter = None,
    since: FromFilter = None,
    until: ToFilter = None,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> BookingList:
    """My bookings, newest first; `status` (repeatable) and the period `from`..`to` narrow them."""
    query = bookings_pb2.ListBookingsRequest(
        customer_id=principal.customer_id, page_size=page_size, page_token=page_token or ""
    )
    reply = await rpc(
        "bookings", clients_of(request).bookings.ListBookings(filtered(query, status, since, until))
    )
    return BookingList(
        bookings=[BookingOut.of(b) for b in reply.bookings], next_page_token=reply.next_page_token or None
    )


@router.get(
    "/v1/bookings/{booking_id}",
    operation_id="getBooking",
    response_model=CustomerBookingOut,
    tags=["bookings"],
    responses=problems(400, 401, 403, 404, 503),
)
async def get_booking(request: Request, booking_id: uuid.UUID, principal: Customer) -> CustomerBookingOut:
    """One of my bookings (404 for a booking of someone else), with `next_action` while its card
    awaits the 3-D Secure check (`POST /v1/bookings/{id}/authenticate` completes or refuses it):
    the booking's own payment while it is PENDING, or an extension's (`/change`) while it is
    CONFIRMED and still has its old period."""
    return await _customer_booking(request, await _own_booking(request, principal, str(booking_id)))


@router.post(
    "/v1/bookings/{booking_id}/authenticate",
    operation_id="authenticateBookingCard",
    status_code=202,
    response_model=CardActionOut,
    tags=["bookings"],
    responses=problems(400, 401, 403, 404, 409, 503),
)
async def authenticate_booking_card(
    request: Request, booking_id: uuid.UUID, body: CardAuthenticationBody, principal: Customer
) -> Response:
    """Completes (`approve: true`) or refuses (`approve: false`) the sandbox's 3-D Secure check of
    one of my bookings' card payment (its `next_action`), with my own access token: 202 with the
    payment still REQUIRES_ACTION; the card provider's signed event follows and the booking
    confirms (or is rejected `AUTHENTICATION_FAILED`, the money taken so far given back). For an
    extension's payment the change takes effect, or, refused, is given up: the booking keeps its
    period, nothing is charged for the change, and I am told (`booking.change_failed`).

    404 `BOOKING_NOT_FOUND` for a booking of someone else; 409 `PAYMENT_NOT_REQUIRING_ACTION`
    when its card awaits no check (not yet asked, resolved, or timed out). Idempotent by
    nature, so no `Idempotency-Key`."""
    booking = await _own_booking(request, principal, str(booking_id))
    payment = await card_awaiting_action(request, booking)
    if payment is None:
        raise Problem(409, "PAYMENT_NOT_REQUIRING_ACTION", "The booking's card awaits no 3-D Secure check.")
    reply = await rpc(
        "payments",
        clients_of(request).payments.CompletePaymentAction(
            payments_pb2.CompletePaymentActionRequest(payment_id=payment.id, approve=body.approve)
        ),
    )
    out = CardActionOut(payment_id=reply.payment.id, booking_id=booking.id, status="REQUIRES_ACTION")
    return JSONResponse(out.model_dump(mode="json"), status_code=202)


@router.get(
    "/v1/bookings/{booking_id}/cancellation-preview",
    operation_id="previewBookingCancellation",
    response_model=CancellationPreviewOut,
    tags=["bookings"],
    responses=problems(400, 401, 403, 404, 409, 503),
)
async def preview_cancellation(
    request: Request, booking_id: uuid.UUID, principal: Customer
) -> CancellationPreviewOut:
    """What cancelling one of my bookings now would give back, source by source, as the
    cancellation computes it; nothing changes. 409 `BOOKING_NOT_CANCELLABLE` (not CONFIRMED: an
    unpaid PENDING_PAYMENT booking is given up, not refunded) or `BOOKING_ALREADY_STARTED`."""
    reply = await rpc(
        "bookings",
        clients_of(request).bookings.PreviewCancellation(
            bookings_pb2.PreviewCancellationRequest(
                booking_id=str(booking_id), customer_id=principal.customer_id
            )
        ),
    )
    return CancellationPreviewOut.of(reply)


@router.post(
    "/v1/bookings/{booking_id}/cancel",
    operation_id="cancelBooking",
    status_code=202,
    response_model=BookingOut,
    tags=["bookings"],
    responses=problems(400, 401, 403, 404, 409, 422, 429, 503),
)
async def cancel_booking(
    request: Request, booking_id: uuid.UUID, principal: Customer, once: Once
) -> Response:
    """Cancels one of my bookings: 202 with the booking CANCELLING (or CANCELLED when nothing was paid).
    An unpaid pay-later booking (PENDING_PAYMENT), or a PENDING one whose card still awaits its
    3-D Secure check (`next_action`), is given up: 202 with it as it is, then it ends REJECTED
    `CANCELLED_BY_CUSTOMER`, its place released, once the card's authorization is cancelled and
    the wallet and the pass have returned anything taken (nothing is charged). A PENDING
    booking at an earlier step is 409 `BOOKING_NOT_CANCELLABLE`.

    Requires an `Idempotency-Key`."""

    async def call(key: str) -> Response:
        await _own_booking(request, principal, str(booking_id))
        reply = await rpc(
            "bookings",
            clients_of(request).bookings.CancelBooking(
                bookings_pb2.CancelBookingRequest(
                    request_id=key, booking_id=str(booking_id), customer_id=principal.customer_id
                )
            ),
        )
        return _booking_created(reply.booking)

    return await once.run(principal, call, path=f"/v1/bookings/{booking_id}/cancel")


@router.post(
    "/v1/bookings/{booking_id}/settle",
    operation_id="settleBooking",
    status_code=202,
    response_model=BookingOut,
    tags=["bookings"],
    responses=problems(400, 401, 403, 404, 409, 422, 429, 503),
)
async def settle_booking(
    request: Request, booking_id: uuid.UUID, body: SettleBookingBody, principal: Customer, once: Once
) -> Response:
    """Pays one of my PENDING_PAYMENT bookings by card: 202 with the booking, still
    PENDING_PAYMENT until the card answers (then CONFIRMED, or REJECTED when declined).

    Requires an `Idempotency-Key`. 409 `BOOKING_NOT_AWAITING_PAYMENT` when there is nothing to pay."""

    async def call(key: str) -> Response:
        await _own_booking(request, principal, str(booking_id))
        method = await _payment_method(
            request,
            principal,
            card_token=body.card_token,
            payment_method_id=body.payment_method_id,
            request_id=f"settle:{booking_id}:{key}",
        )
        reply = await rpc(
            "bookings",
            clients_of(request).bookings.SettleBooking(
                bookings_pb2.SettleBookingRequest(
                    request_id=key,
                    booking_id=str(booking_id),
                    customer_id=principal.customer_id,
                    payment_method_id=method,
                )
            ),
        )
        return _booking_created(reply.booking)

    return await once.run(principal, call, path=f"/v1/bookings/{booking_id}/settle", body=body)


@router.post(
    "/v1/bookings/{booking_id}/change",
    operation_id="changeBooking",
    status_code=202,
    response_model=CustomerBookingOut,
    tags=["bookings"],
    responses=problems(400, 401, 403, 404, 409, 422, 429, 503),
)
async def change_booking(
    request: Request, booking_id: uuid.UUID, body: ChangeBookingBody, principal: Customer, once: Once
) -> Response:
    """Moves the end of one of my confirmed nightly stays (`check_out_date`) or interval
    rentals (`end_time`); the start stays. 202 with the booking: a longer period takes effect
    once the difference is paid (from the wallet, then the card), a shorter one at once, with
    the difference refunded (card first, then wallet) at the percent cancelling now would
    refund (the booking's cancellation windows, as `GET /v1/bookings/{id}/cancellation-preview`
    shows): in full in the free-cancellation period, else that percent of the removed time's
    price, each source's share rounded down; the company keeps the rest, and a later
    cancellation does not give it back. The removed time's price is what it was bought for:
    a night its booked price, a rental's time the rate of the stretch it was bought in (added
    time is bought at today's hourly rate), so a rate changed meanwhile never reprices time
    already paid. A booking whose time has begun is not changed. When the change is done (a
    longer period once paid, a shorter one once its refund is back), the company's webhooks get
    `booking.changed` and I get an e-mail, each with the new period, the new total and the money
    moved; a longer period that could not be paid (wallet short, card declined, 3-D Secure not
    completed) is undone, nothing charged, and they get `booking.change_failed` and I get "Your
    change could not be made", each with the reason and the period kept.

    A longer period paid by a card that asks for 3-D Secure waits for my check: `GET
    /v1/bookings/{id}` then shows `next_action` (the booking CONFIRMED, its period still the old
    one; this 202 has `next_action: null`, the card is asked a moment later, after the wallet),
    and `POST /v1/bookings/{id}/authenticate` approves it (the change takes effect) or refuses it
    (the change is given up at once). Left alone, it times out and the change is undone. Meanwhile
    a cancellation of the booking is 409 `BOOKING_FINALIZING`.

    409 `UNAVAILABLE` (the added time is taken), `CHANGE_IN_PROGRESS` or `BOOKING_FINALIZING`
    (retry shortly), `BOOKING_NOT_CHANGEABLE`, `BOOKING_ALREADY_STARTED`, or a policy limit
    (`STAY_TOO_LONG`, `DURATION_TOO_SHORT`, ...); `CHANGE_PAID_AT_DESK` (the desk changes it),
    `CHANGE_PAID_BY_PASS` (a stay or rental paid with a pass before passes paid places only:
    cancel it and book again). Requires an `Idempotency-Key`."""

    async def call(key: str) -> Response:
        await _own_booking(request, principal, str(booking_id))
        command = body.to_proto(request_id=key, booking_id=str(booking_id), customer_id=principal.customer_id)
        reply = await rpc("bookings", clients_of(request).bookings.ChangeBookingPeriod(command))
        out = await _customer_booking(request, reply.booking)
        return JSONResponse(
            out.model_dump(mode="json"), status_code=202, headers={"Location": f"/v1/bookings/{out.id}"}
        )

    return await once.run(principal, call, path=f"/v1/bookings/{booking_id}/change", body=body)


@router.post(
    "/v1/bookings/{booking_id}/check-in",
    operation_id="checkInBooking",
    response_model=BookingOut,
    tags=["bookings"],
    responses=problems(400, 401, 403, 404, 409, 422, 429, 503),
)
async def check_in_booking(
    request: Request,
    booking_id: uuid.UUID,
    principal: AnyPrincipal,
    once: Once,
) -> Response:
    """Records that the customer arrived: 200 with the booking CHECKED_IN. For the booking's
    customer or staff or an admin of its company.

    Check-in opens 60 minutes before the start and closes at the check-in deadline plus the
    no-show grace (at the end when the resource needs no check-in). Checking in again returns
    the booking. 409 `CHECK_IN_NOT_OPEN`, `CHECK_IN_CLOSED`, `BOOKING_NOT_CONFIRMED`, or
    `BOOKING_FINISHED` (COMPLETED or NO_SHOW). Requires an `Idempotency-Key`."""

    async def call(key: str) -> Response:
        await _booking_in_reach(request, principal, str(booking_id))
        reply = await rpc(
            "bookings",
            clients_of(request).bookings.CheckInBooking(
                bookings_pb2.CheckInBookingRequest(request_id=key, booking_id=str(booking_id))
            ),
        )
        return JSONResponse(BookingOut.of(reply.booking).model_dump(mode="json"))

    return await once.run(principal, call, path=f"/v1/bookings/{booking_id}/check-in")


# ----- wallet and passes -----


@router.get(
    "/v1/wallet",
    operation_id="getWallet",
    response_model=WalletOut,
    tags=["wallet"],
    responses=problems(400, 401, 403, 503),
)
async def get_wallet(request: Request, principal: Customer) -> WalletOut:
    """My wallet at my company: main and bonus balances."""
    return WalletOut.of(
        await wallet_in_company_currency(request, principal.company_id, principal.customer_id)
    )


@router.get(
    "/v1/wallet/entries",
    operation_id="listWalletEntries",
    response_model=WalletEntryList,
    tags=["wallet"],
    responses=problems(400, 401, 403, 503),
)
async def list_wallet_entries(
    request: Request, principal: Customer, page_size: PageSize = 50, page_token: PageToken = None
) -> WalletEntryList:
    """My wallet's entries, newest first."""
    reply = await rpc(
        "wallet",
        clients_of(request).wallet.ListWalletEntries(
            wallet_pb2.ListWalletEntriesRequest(
                company_id=principal.company_id,
                customer_id=principal.customer_id,
                page_size=page_size,
                page_token=page_token or "",
            )
        ),
    )
    return WalletEntryList(
        entries=[WalletEntryOut.of(e) for e in reply.entries], next_page_token=reply.next_page_token or None
    )


@router.get(
    "/v1/passes",
    operation_id="listPasses",
    response_model=EntitlementList,
    tags=["passes"],
    responses=problems(400, 401, 403, 503),
)
async def list_passes(request: Request, principal: Customer) -> EntitlementList:
    """My passes (entitlements) with their credits."""
    reply = await rpc(
        "passes",
        clients_of(request).passes.ListEntitlements(
            passes_pb2.ListEntitlementsRequest(
                company_id=principal.company_id, customer_id=principal.customer_id
            )
        ),
    )
    return EntitlementList(entitlements=[EntitlementOut.of(e) for e in reply.entitlements])
