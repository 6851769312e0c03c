"""Find my booking: a guest opens their booking in any browser with its reference and the
e-mail address it was made with, as airlines' "manage booking" pages do.

The manage link of a guest booking is a cookie of the browser it was made in. From another
browser (the link in the confirmation e-mail opened on a phone), the guest types the e-mail
address; when the reference names a booking of this company whose customer has that address,
the browser gets the booking's manage cookie and goes to the booking page. The reference alone
is no secret (it is printed in the e-mails), so it may stand in the address; the e-mail address
is posted, never put in an address. A wrong address, an unknown reference and another company's
booking get the same answer, and every attempt counts against the client's address and against
the reference (the guest booking limits): nothing is learnt by trying.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from gateway.deps import clients_of, rpc
from gateway.guest_links import GuestGrant
from gateway.problems import Problem, RpcProblem
from gateway.ratelimit import client_address
from gateway.routes.public_guest import limiter_of, links_of
from gateway.site.common import company_context, guarded, load_company, rate_limited
from gateway.site.rendering import (
    SITE_PATH,
    booking_path,
    check_csrf,
    first,
    page,
    read_form,
    set_manage_cookie,
)
from gateway.users import normalize_email
from plumbing.ids import is_uuid
from plumbing.principal import Principal, Role, acting_as

router = APIRouter(include_in_schema=False)

MAX_EMAIL_LENGTH = 320
MAX_REFERENCE_LENGTH = 64
NO_MATCH = (
    "No booking matches this reference and e-mail address. Check both: they are in your booking e-mail."
)


def find_path(company_id: str) -> str:
    return f"{SITE_PATH}/{company_id}/find"


def _find_page(
    request: Request,
    company: catalog_pb2.Company,
    *,
    reference: str = "",
    email: str = "",
    message: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "find.html",
        status_code=status_code,
        reference=reference,
        email=email,
        message=message,
        max_email=MAX_EMAIL_LENGTH,
        max_reference=MAX_REFERENCE_LENGTH,
        action=find_path(company.id),
        **company_context(company, request),
    )


@router.get(SITE_PATH + "/{company_id}/find", response_class=HTMLResponse)
async def find_page(
    request: Request,
    company_id: str,
    reference: Annotated[str, Query(max_length=MAX_REFERENCE_LENGTH)] = "",
) -> Response:
    async def call() -> Response:
        company = await load_company(request, company_id)
        return _find_page(request, company, reference=reference.strip())

    return await guarded(request, call)


@router.post(SITE_PATH + "/{company_id}/find", response_class=HTMLResponse)
async def find(request: Request, company_id: str) -> Response:
    async def call() -> Response:
        form = await read_form(request)
        check_csrf(request, form)
        company = await load_company(request, company_id)
        reference = first(form, "reference").strip()[:MAX_REFERENCE_LENGTH]
        email = first(form, "email").strip()[:MAX_EMAIL_LENGTH]
        if not reference or not email:
            return _find_page(
                request,
                company,
                reference=reference,
                email=email,
                message="Enter the booking reference and your e-mail address.",
                status_code=400,
            )
        try:
            await limiter_of(request).take_lookup(client_address(request), reference.lower())
        except Problem as problem:
            response = _find_page(
                request,
                company,
                reference=reference,
                email=email,
                message=rate_limited(problem, "Too many attempts"),
                status_code=problem.status,
            )
            response.headers.update(problem.headers or {})
            return response
        grant = await _matching_booking(request, company.id, reference.lower(), email)
        if grant is None:
            return _find_page(
                request, company, reference=reference, email=email, message=NO_MATCH, status_code=400
            )
        links = links_of(request)
        done = RedirectResponse(booking_path(company.id, grant.booking_id), status_code=303)
        set_manage_cookie(
            request, done, company.id, grant.booking_id, links.manage_token(grant), links.ttl_seconds
        )
        return done

    return await guarded(request, call)


async def _matching_booking(
    request: Request, company_id: str, reference: str, email: str
) -> GuestGrant | None:
    """The grant of the company's booking `reference` when its customer's e-mail is `email`."""
    if not is_uuid(reference):
        return None
    clients = clients_of(request)
    # The company's own reader, as its calendar feeds are: a booking of another company is not
    # found, exactly like an unknown one.
    with acting_as(Principal(role=Role.STAFF, company_id=company_id)):
        try:
            booking = (
                await rpc(
                    "bookings",
                    clients.bookings.GetBooking(bookings_pb2.GetBookingRequest(booking_id=reference)),
                )
            ).booking
            customer = (
                await rpc(
                    "catalog",
                    clients.catalog.GetCustomer(
                        catalog_pb2.GetCustomerRequest(customer_id=booking.customer_id)
                    ),
                )
            ).customer
        except RpcProblem as problem:
            if problem.status in (400, 403, 404):
                return None
            raise
    if booking.company_id != company_id or not customer.email:
        return None
    if normalize_email(customer.email) != normalize_email(email):
        return None
    return GuestGrant(booking_id=booking.id, company_id=company_id, customer_id=booking.customer_id)
