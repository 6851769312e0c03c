"""Guest booking: no account, a name and an e-mail, a card. The guest gets a booking reference
and a manage token (signed, gateway.guest_links) to see or cancel the booking, and a next action
when the card needs its 3-D Secure check. A token is never part of an address (it would sit in
browser histories, proxies' and servers' logs): it travels as `Authorization: Bearer <token>`
or in a POSTed body.

Every gRPC call runs as a GUEST principal of the company booked (and, once known, of its guest
customer), so the services refuse another company's session or resource, booking or payment
themselves (plumbing.principal)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2, guest_customers_pb2
from bookingplatform.payments.v1 import payments_pb2
from gateway.auth import CustomerPrincipal, bearer_token
from gateway.console.rendering import page_response
from gateway.deps import clients_of, rpc
from gateway.guest_links import GuestGrant, GuestLinks
from gateway.pages.html import read_form
from gateway.problems import Problem, RpcProblem
from gateway.ratelimit import GuestBookingLimiter, client_address
from gateway.routes.common import Idempotent, Once, card_awaiting_action, problems
from gateway.schemas import BookingOut, BookingTarget, time_of
from gateway.schemas_public_guest import (
    CardActionOut,
    GuestBookingCreated,
    GuestBookingOut,
    GuestCancelBody,
    GuestIn,
    GuestResourceBookingBody,
    GuestSessionBookingBody,
    NextActionOut,
)
from gateway.users import normalize_email
from plumbing.principal import Principal, Role, acting_as

router = APIRouter(tags=["guest bookings"])

BearerToken = Annotated[
    str | None,
    Header(alias="Authorization", max_length=2100, description="`Bearer <token>`: the signed token."),
]


def links_of(request: Request) -> GuestLinks:
    links: GuestLinks = request.app.state.guest_links
    return links


def limiter_of(request: Request) -> GuestBookingLimiter:
    limiter: GuestBookingLimiter = request.app.state.guest_limiter
    return limiter


def _as_guest(company_id: str, customer_id: str | None = None) -> Principal:
    return Principal(role=Role.GUEST, company_id=company_id, customer_id=customer_id)


def _booking_not_found() -> Problem:
    return Problem(404, "BOOKING_NOT_FOUND", "No such booking, or the link is not valid (any more).")


async def _book(
    request: Request,
    once: Idempotent,
    *,
    company_id: str,
    guest: GuestIn,
    card_token: str,
    target: BookingTarget,
    check_target: Callable[[], Awaitable[object]],
    path: str,
    body: GuestSessionBookingBody | GuestResourceBookingBody,
) -> Response:
    # Counted before the run-once: a refusal must not be stored under the key (a retry after
    # Retry-After would replay it), and a replay of a stored answer costs nothing to count.
    await limiter_of(request).take(client_address(request), guest.email)
    email = normalize_email(guest.email)
    # Idempotency keys of guests are scoped by company and e-mail (hashed: no address is stored).
    subject = "guest:" + hashlib.sha256(f"{company_id}\x00{email}".encode()).hexdigest()[:40]
    clients = clients_of(request)

    async def call(key: str) -> Response:
        with acting_as(_as_guest(company_id)):
            await check_target()
            # Priced first, by the booking's own rules (extras, times, lengths, the horizon): a
            # request bookings would refuse on its face makes no guest customer and no card.
            quote = bookings_pb2.QuoteBookingRequest()
            target.fill(quote)
            await rpc("bookings", clients.bookings.QuoteBooking(quote))
            ensured = await rpc(
                "catalog",
                clients.guest_customers.EnsureGuestCustomer(
                    guest_customers_pb2.EnsureGuestCustomerRequest(
                        company_id=company_id, email=email, display_name=guest.name.strip()
                    )
                ),
            )
        customer_id = ensured.customer.id
        with acting_as(_as_guest(company_id, customer_id)):
            method = await rpc(
                "payments",
                clients.payments.CreatePaymentMethod(
                    payments_pb2.CreatePaymentMethodRequest(
                        request_id=f"guest-booking:{key}",
                        company_id=company_id,
                        customer_id=customer_id,
                        card_token=card_token,
                    )
                ),
            )
            command = bookings_pb2.CreateBookingRequest(
                request_id=key,
                customer_id=customer_id,
                unit_id=str(target.unit_id) if target.unit_id else "",
                payment_plan=bookings_pb2.PaymentPlan(payment_method_id=method.payment_method.id),
            )
            target.fill(command)
            booking = (await rpc("bookings", clients.bookings.CreateBooking(command))).booking
        grant = GuestGrant(booking_id=booking.id, company_id=company_id, customer_id=customer_id)
        token = links_of(request).manage_token(grant)
        created = GuestBookingCreated(
            booking=BookingOut.of(booking),
            reference=booking.id,
            manage_url=f"/v1/public/bookings/{booking.id}",
            manage_token=token,
        )
        return JSONResponse(
            created.model_dump(mode="json"),
            status_code=202,
            # The token is handed to the guest in the body only.
            headers={"Location": f"/v1/public/bookings/{booking.id}"},
        )

    principal = CustomerPrincipal(user_id=subject, company_id=company_id, customer_id="")
    return await once.run(principal, call, path=path, body=body)


CREATE_RESPONSES = problems(400, 404, 409, 422, 429, 503)


@router.post(
    "/v1/public/companies/{company_id}/sessions/{session_id}/bookings",
    operation_id="createGuestSessionBooking",
    status_code=202,
    response_model=GuestBookingCreated,
    responses=CREATE_RESPONSES,
)
async def create_guest_session_booking(
    request: Request,
    company_id: uuid.UUID,
    session_id: uuid.UUID,
    body: GuestSessionBookingBody,
    once: Once,
) -> Response:
    """A guest (no account) books places in a session of the company and pays by card: 202 with
    the PENDING booking, its reference and the manage link while the payment saga runs.

    Requires an `Idempotency-Key`. Throttled per client address and per e-mail (429
    `RATE_LIMITED` with `Retry-After`). A session of another company is 404 `SESSION_NOT_FOUND`."""

    async def check_target() -> object:
        return await rpc(
            "catalog",
            clients_of(request).catalog.GetSession(catalog_pb2.GetSessionRequest(session_id=str(session_id))),
        )

    return await _book(
        request,
        once,
        company_id=str(company_id),
        guest=body.guest,
        card_token=body.card_token,
        target=body.target(session_id),
        check_target=check_target,
        path=f"/v1/public/companies/{company_id}/sessions/{session_id}/bookings",
        body=body,
    )


@router.post(
    "/v1/public/companies/{company_id}/resources/{resource_id}/bookings",
    operation_id="createGuestResourceBooking",
    status_code=202,
    response_model=GuestBookingCreated,
    responses=CREATE_RESPONSES,
)
async def create_guest_resource_booking(
    request: Request,
    company_id: uuid.UUID,
    resource_id: uuid.UUID,
    body: GuestResourceBookingBody,
    once: Once,
) -> Response:
    """A guest (no account) books nights (`check_in_date`, `check_out_date`) or an interval
    (`start_time`, `end_time`) of a resource of the company and pays by card: 202 with the
    PENDING booking, its reference and the manage link.

    Requires an `Idempotency-Key`; throttled like session bookings. A resource of another
    company is 404 `RESOURCE_NOT_FOUND`."""

    async def check_target() -> object:
        return await rpc(
            "catalog",
            clients_of(request).catalog.GetResource(
                catalog_pb2.GetResourceRequest(resource_id=str(resource_id))
            ),
        )

    return await _book(
        request,
        once,
        company_id=str(company_id),
        guest=body.guest,
        card_token=body.card_token,
        target=body.target(resource_id),
        check_target=check_target,
        path=f"/v1/public/companies/{company_id}/resources/{resource_id}/bookings",
        body=body,
    )


async def _guest_booking(request: Request, grant: GuestGrant) -> bookings_pb2.Booking:
    """The granted booking, read as its guest; 404 BOOKING_NOT_FOUND when it is not theirs."""
    try:
        reply = await rpc(
            "bookings",
            clients_of(request).bookings.GetBooking(
                bookings_pb2.GetBookingRequest(booking_id=grant.booking_id)
            ),
        )
    except RpcProblem as problem:
        if problem.status == 404:
            raise _booking_not_found() from None
        raise
    booking = reply.booking
    if (booking.company_id, booking.customer_id) != (grant.company_id, grant.customer_id):
        raise _booking_not_found()
    return booking


async def _next_action(
    request: Request, grant: GuestGrant, booking: bookings_pb2.Booking
) -> NextActionOut | None:
    """The 3-D Secure step when the booking's card payment waits for its holder."""
    payment = await card_awaiting_action(request, booking)
    if payment is None:
        return None
    return NextActionOut(
        type="AUTHENTICATE_CARD",
        url=f"/v1/public/payments/{payment.id}/authenticate",
        token=links_of(request).payment_token(grant, payment.id),
        expire_time=time_of(payment, "action_expire_time"),
    )


@router.get(
    "/v1/public/bookings/{booking_id}",
    operation_id="getGuestBooking",
    response_model=GuestBookingOut,
    responses=problems(400, 401, 404, 503),
)
async def get_guest_booking(
    request: Request, booking_id: uuid.UUID, authorization: BearerToken = None
) -> GuestBookingOut:
    """The booking of a manage token (`Authorization: Bearer <manage_token>`): its status, and
    `next_action` while the card awaits its 3-D Secure check. A missing, forged, expired or
    other booking's token is 404 `BOOKING_NOT_FOUND`."""
    grant = links_of(request).verify_manage(bearer_token(request), str(booking_id))
    with acting_as(_as_guest(grant.company_id, grant.customer_id)):
        booking = await _guest_booking(request, grant)
        next_action = await _next_action(request, grant, booking)
    return GuestBookingOut(booking=BookingOut.of(booking), reference=booking.id, next_action=next_action)


@router.post(
    "/v1/public/bookings/{booking_id}/cancel",
    operation_id="cancelGuestBooking",
    status_code=202,
    response_model=GuestBookingOut,
    responses=problems(400, 401, 404, 409, 422, 429, 503),
)
async def cancel_guest_booking(
    request: Request,
    booking_id: uuid.UUID,
    once: Once,
    body: GuestCancelBody | None = None,
    authorization: BearerToken = None,
) -> Response:
    """Cancels the booking of a manage token (in the body, `{"token": ...}`, or as
    `Authorization: Bearer <token>`; never in the address): 202 with the booking CANCELLING (or
    CANCELLED when nothing was paid); refunds follow the company's policy.

    Requires an `Idempotency-Key`."""
    token = (body.token if body is not None else None) or bearer_token(request)
    grant = links_of(request).verify_manage(token, str(booking_id))
    principal = CustomerPrincipal(
        user_id=f"guest:{grant.customer_id}", company_id=grant.company_id, customer_id=grant.customer_id
    )

    async def call(key: str) -> Response:
        with acting_as(_as_guest(grant.company_id, grant.customer_id)):
            await _guest_booking(request, grant)
            reply = await rpc(
                "bookings",
                clients_of(request).bookings.CancelBooking(
                    bookings_pb2.CancelBookingRequest(
                        request_id=key, booking_id=grant.booking_id, customer_id=grant.customer_id
                    )
                ),
            )
        out = GuestBookingOut(booking=BookingOut.of(reply.booking), reference=reply.booking.id)
        return JSONResponse(out.model_dump(mode="json"), status_code=202)

    # The token is not part of the fingerprint: the same cancel with the token moved from the
    # body to the header is the same request.
    return await once.run(principal, call, path=f"/v1/public/bookings/{booking_id}/cancel")


# ----- 3-D Secure (sandbox) -----


@router.get(
    "/v1/public/payments/{payment_id}/authenticate",
    operation_id="showCardAuthentication",
    response_class=HTMLResponse,
    responses={**problems(400, 401, 404), 200: {"content": {"text/html": {}}}},
)
async def show_card_authentication(
    request: Request, payment_id: uuid.UUID, authorization: BearerToken = None
) -> Response:
    """The next action of a booking whose card needs 3-D Secure: the sandbox's challenge page,
    opened with the next action's token as `Authorization: Bearer <token>` (a mobile app's web
    view sets the header); its form posts the outcome to the same address, the token in the
    form, never in the address."""
    token = bearer_token(request)
    links_of(request).verify_payment(token, str(payment_id))
    assert token is not None
    return page_response(request, "card_check.html", payment_id=payment_id, token=token)


FORM_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["token", "approve"],
                    "properties": {
                        "token": {"type": "string", "maxLength": 2048},
                        "approve": {"type": "string", "enum": ["true", "false"]},
                    },
                }
            }
        },
    }
}


@router.post(
    "/v1/public/payments/{payment_id}/authenticate",
    operation_id="completeCardAuthentication",
    status_code=202,
    response_model=CardActionOut,
    responses=problems(400, 404, 409, 413, 415, 503),
    openapi_extra=FORM_BODY,
)
async def complete_card_authentication(request: Request, payment_id: uuid.UUID) -> Response:
    """Completes (`approve=true`) or refuses (`approve=false`) the sandbox's 3-D Secure check of
    the payment: 202 with the payment still REQUIRES_ACTION; the card provider's signed event
    follows and the booking confirms (or is rejected `AUTHENTICATION_FAILED`). Idempotent by
    nature, so no `Idempotency-Key`: once resolved, 409 `PAYMENT_NOT_REQUIRING_ACTION`."""
    form = await read_form(request)
    approve = form.get("approve")
    if approve not in ("true", "false"):
        raise Problem(400, "VALIDATION_FAILED", "approve must be true or false.")
    grant = links_of(request).verify_payment(form.get("token"), str(payment_id))
    with acting_as(_as_guest(grant.company_id, grant.customer_id)):
        try:
            reply = await rpc(
                "payments",
                clients_of(request).payments.CompletePaymentAction(
                    payments_pb2.CompletePaymentActionRequest(
                        payment_id=str(payment_id), approve=approve == "true"
                    )
                ),
            )
        except RpcProblem as problem:
            if problem.status == 404:
                raise Problem(404, "PAYMENT_NOT_FOUND", "No such payment.") from None
            raise
    out = CardActionOut(payment_id=reply.payment.id, booking_id=grant.booking_id, status="REQUIRES_ACTION")
    return JSONResponse(out.model_dump(mode="json"), status_code=202)
