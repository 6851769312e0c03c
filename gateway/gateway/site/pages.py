"""The public site's pages (not in the OpenAPI: they are HTML for people):

- `GET /site/{company_id}`: the company (contact, address and its map link, description), its
  resources as a catalog (images or a placeholder, amenities, capacity, cancellation terms in
  words), the upcoming sessions and the free places, units or hours of the next 14 days.
- `GET|POST /site/{company_id}/book/{session|resource}/{id}`: the price estimator and the guest
  booking form. The price comes from bookings' QuoteBooking (the quote API's call); htmx
  re-prices on every change, and "Update the price" does it without JavaScript. "Book and pay"
  registers the card and books as the company's guest, like `POST
  /v1/public/companies/{id}/.../bookings`, then sets the manage cookie and answers 303 to the
  booking's page.
- `GET /site/{company_id}/bookings/{booking_id}`: the confirmation, following the saga live over
  Server-Sent Events (`.../events`: the status part of the page, rendered, at each change);
  the 3-D Secure step (`.../authenticate`) and cancelling (`.../cancel`, the refund shown
  before confirming). These read the manage token from the `site_manage` cookie only.

Every call to the services runs as a GUEST principal of the company in the address, so an id of
another company's session, resource or booking is the services' own not found: a 404 page.
Errors are pages with their status, never a 500 (site.rendering.error_page).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sse_starlette import EventSourceResponse

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2, guest_customers_pb2
from bookingplatform.passes.v1 import passes_pb2
from bookingplatform.payments.v1 import payments_pb2
from bookingplatform.wallet.v1 import wallet_pb2
from gateway.clients import Clients
from gateway.deps import clients_of, rpc, rpc_once_settled
from gateway.edge import any_query
from gateway.guest_links import GuestGrant
from gateway.notifications.content import Refund
from gateway.pages.html import local_instant
from gateway.problems import Problem, RpcProblem
from gateway.ratelimit import client_address
from gateway.routes.public import session_places
from gateway.routes.public_guest import limiter_of, links_of
from gateway.schemas import (
    MAX_EXTRAS,
    MAX_GUESTS,
    MAX_QUANTITY,
    BookingTarget,
    ExtraIn,
    QuoteOut,
    places_left,
)
from gateway.schemas_public_guest import GuestIn
from gateway.site import views
from gateway.site.common import company as _company
from gateway.site.common import company_context as _company_context
from gateway.site.common import company_id_of as _company_id
from gateway.site.common import guarded as _guarded
from gateway.site.common import guest as _guest
from gateway.site.common import rate_limited as _rate_limited
from gateway.site.common import read as _read
from gateway.site.rendering import (
    MANAGE_COOKIE,
    SITE_PATH,
    booking_path,
    check_csrf,
    first,
    fragment,
    not_found,
    page,
    read_form,
    render,
    set_manage_cookie,
)
from gateway.site.sessions import SiteCustomer, active_customer
from gateway.users import normalize_email
from plumbing.ids import is_uuid
from plumbing.principal import Principal, acting_as

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

UPCOMING_DAYS = 14
SESSIONS_SHOWN = 60
SESSIONS_PER_RESOURCE = 8
STATUS_INTERVAL_SECONDS = 1.0
STREAM_SECONDS = 300.0
# How often an open stream of a booking asks again whether this browser may still follow it
# (at most): the manage cookie's check is an HMAC, a signed-in customer's one read of the
# session's row, as the console's live streams do (gateway.console.live).
ACCESS_RECHECK_SECONDS = 5.0
# Request ids of site bookings: the same form sent twice (a double click, a retry after a
# timeout) books once.
BOOKING_KEYS = uuid.UUID("6f1d8a52-6a55-4c2b-9a0e-2a8f5d7c4e10")
Kind = str  # "session" or "resource"


# ----- the company's page -----


@router.get(SITE_PATH + "/{company_id}", response_class=HTMLResponse)
async def company_page(request: Request, company_id: str) -> Response:
    async def call() -> Response:
        cid = _company_id(company_id)
        company = await _company(request, cid)
        tz = views.zone(company.time_zone)
        clients = clients_of(request)
        now = datetime.now(UTC)
        today = now.astimezone(tz).date()
        sessions_query = catalog_pb2.ListSessionsRequest(company_id=cid, page_size=SESSIONS_SHOWN)
        sessions_query.start_time_from.FromDatetime(now)
        with acting_as(_guest(cid)):
            resources, sessions = await asyncio.gather(
                rpc(
                    "catalog",
                    clients.catalog.ListResources(
                        catalog_pb2.ListResourcesRequest(company_id=cid, page_size=100)
                    ),
                ),
                rpc("catalog", clients.catalog.ListSessions(sessions_query)),
            )
            # Free units (stays) and hours (rentals) of the next days, and the places held in
            # the sessions listed.
            others = [
                r.id for r in resources.resources if r.booking_model != catalog_pb2.BOOKING_MODEL_TIME_SLOT
            ]
            open_sessions = [s for s in sessions.sessions if s.status == catalog_pb2.SESSION_STATUS_OPEN]
            availability, held = await asyncio.gather(
                _availability(clients, cid, others, today),
                session_places(clients, cid, [s.id for s in open_sessions]),
            )
        catalog = [views.resource_view(r, company.currency_code) for r in resources.resources]
        by_id = {r.id: r for r in catalog}
        for s in open_sessions:
            shown = by_id.get(s.resource_id)
            if shown is None:
                continue
            if len(shown.sessions) < SESSIONS_PER_RESOURCE:
                shown.sessions.append(
                    views.SessionView(
                        id=s.id,
                        resource_id=s.resource_id,
                        start=views.local(views.stamp(s, "start_time"), tz),
                        period=views.period(views.stamp(s, "start_time"), views.stamp(s, "end_time"), tz),
                        price=views.amount(
                            s.price.amount_minor, s.price.currency_code or company.currency_code
                        ),
                        capacity=s.capacity,
                        places_left=places_left(s.capacity, held.get(s.id)),
                    )
                )
        units = {"NIGHTLY": "units free", "INTERVAL": "hours free"}
        for item in availability.resources:
            shown = by_id.get(item.resource_id)
            if shown is None or shown.model == "TIME_SLOT":
                continue
            for day in item.days:
                free, capacity = day.capacity - day.booked, day.capacity
                if shown.model == "INTERVAL":
                    free, capacity = free // 60, capacity // 60
                shown.days.append(
                    views.DayView(
                        date=day.date,
                        label=views.local_date(day.date),
                        free=max(0, free),
                        capacity=capacity,
                        unit=units[shown.model],
                    )
                )
        return page(
            request,
            "company.html",
            resources=catalog,
            today=today.isoformat(),
            tomorrow=(today + timedelta(days=1)).isoformat(),
            **_company_context(company, request),
        )

    return await _guarded(request, call)


async def _availability(
    clients: Clients, company_id: str, resource_ids: list[str], today: date
) -> bookings_pb2.GetAvailabilityResponse:
    """Free units (stays) and hours (rentals) of the next days."""
    if not resource_ids:
        return bookings_pb2.GetAvailabilityResponse()
    return await rpc(
        "bookings",
        clients.bookings.GetAvailability(
            bookings_pb2.GetAvailabilityRequest(
                company_id=company_id,
                resource_ids=resource_ids,
                start_date=today.isoformat(),
                end_date=(today + timedelta(days=UPCOMING_DAYS - 1)).isoformat(),
            )
        ),
    )


# ----- estimator and booking -----


@dataclass
class Choice:
    """What the visitor chose on the booking form (as typed: shown again on an error)."""

    quantity: str = "1"
    guests: str = "1"
    check_in: str = ""
    check_out: str = ""
    start: str = ""
    end: str = ""
    extras: dict[str, int] = field(default_factory=dict)
    name: str = ""
    email: str = ""


@dataclass
class Offer:
    kind: Kind
    id: str
    resource: views.ResourceView
    session: views.SessionView | None
    extras: list[catalog_pb2.Extra]

    @property
    def action(self) -> str:
        return f"{self.kind}/{self.id}"


class FormProblem(Exception):
    def __init__(self, message: str, status: int = 400, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        # Sent with the page (a 429's Retry-After).
        self.headers = dict(headers or {})


def _int(value: str, name: str, low: int, high: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise FormProblem(f"{name} must be a whole number.") from None
    if not low <= number <= high:
        raise FormProblem(f"{name} must be between {low} and {high}.")
    return number


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise FormProblem(f"Choose the {name} date.") from None


def _local_time(value: str, name: str, tz: ZoneInfo) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise FormProblem(f"Choose the {name} date and time.") from None
    if not 2000 <= moment.year <= 2200:
        raise FormProblem(f"The {name} is out of range.")
    if moment.tzinfo is None:
        instant = local_instant(moment.date(), moment.time(), tz)
        if instant is None:  # in the hour the clocks skip: never moved silently to another
            raise FormProblem(f"The {name} time does not exist that day (clocks go forward).")
        moment = instant
    return moment


def _target(offer: Offer, choice: Choice, tz: ZoneInfo) -> BookingTarget:
    extras = [ExtraIn(extra_id=uuid.UUID(e), quantity=q) for e, q in choice.extras.items() if q > 0]
    try:
        if offer.kind == "session":
            return BookingTarget(
                session_id=uuid.UUID(offer.id),
                quantity=_int(choice.quantity, "Places", 1, MAX_QUANTITY),
                extras=extras,
            )
        if offer.resource.model == "NIGHTLY":
            return BookingTarget(
                resource_id=uuid.UUID(offer.id),
                check_in_date=_date(choice.check_in, "check-in"),
                check_out_date=_date(choice.check_out, "check-out"),
                guests=_int(choice.guests, "Guests", 1, MAX_GUESTS),
                extras=extras,
            )
        start, end = _local_time(choice.start, "start", tz), _local_time(choice.end, "end", tz)
        if end <= start:  # compared as instants (on the day the clocks go back, 02:30 comes twice)
            raise FormProblem("The end must be after the start.")
        return BookingTarget(resource_id=uuid.UUID(offer.id), start_time=start, end_time=end, extras=extras)
    except ValidationError:
        raise FormProblem("Check the dates, times and numbers you chose.") from None


def _choice(values: dict[str, list[str]], offer: Offer) -> Choice:
    known = {e.id for e in offer.extras}
    extras: dict[str, int] = {}
    for value in values.get("extra", [])[:MAX_EXTRAS]:
        extra_id, _, count = value.partition(":")
        if extra_id in known and count.isdigit() and 0 < int(count) <= MAX_QUANTITY:
            extras[extra_id] = int(count)
    return Choice(
        quantity=first(values, "quantity", "1")[:6],
        guests=first(values, "guests", "1")[:6],
        check_in=first(values, "check_in")[:32],
        check_out=first(values, "check_out")[:32],
        start=first(values, "start")[:32],
        end=first(values, "end")[:32],
        extras=extras,
        name=first(values, "name")[:200],
        email=first(values, "email")[:320],
    )


async def _offer(request: Request, company: catalog_pb2.Company, kind: str, target_id: str) -> Offer:
    if kind not in ("session", "resource") or not is_uuid(target_id):
        raise not_found(kind if kind in ("session", "resource") else "page")
    clients = clients_of(request)
    tz = views.zone(company.time_zone)
    session_view = None
    with acting_as(_guest(company.id)):
        if kind == "session":
            session = (
                await _read(
                    "catalog",
                    clients.catalog.GetSession(catalog_pb2.GetSessionRequest(session_id=target_id)),
                    "session",
                )
            ).session
            if session.company_id != company.id or session.status != catalog_pb2.SESSION_STATUS_OPEN:
                raise not_found("session")
            resource_id = session.resource_id
            held = await session_places(clients, company.id, [session.id])
            session_view = views.SessionView(
                id=session.id,
                resource_id=session.resource_id,
                start=views.local(views.stamp(session, "start_time"), tz),
                period=views.period(views.stamp(session, "start_time"), views.stamp(session, "end_time"), tz),
                price=views.amount(
                    session.price.amount_minor, session.price.currency_code or company.currency_code
                ),
                capacity=session.capacity,
                places_left=places_left(session.capacity, held.get(session.id)),
            )
        else:
            resource_id = target_id
        resource = (
            await _read(
                "catalog",
                clients.catalog.GetResource(catalog_pb2.GetResourceRequest(resource_id=resource_id)),
                "resource",
            )
        ).resource
        extras = (
            await rpc(
                "catalog", clients.catalog.ListExtras(catalog_pb2.ListExtrasRequest(company_id=company.id))
            )
        ).extras
    shown = views.resource_view(resource, company.currency_code)
    if resource.company_id != company.id or (kind == "resource" and shown.model == "TIME_SLOT"):
        raise not_found(kind)
    return Offer(kind=kind, id=target_id, resource=shown, session=session_view, extras=list(extras))


async def _quote(request: Request, company: catalog_pb2.Company, target: BookingTarget) -> QuoteOut:
    with acting_as(_guest(company.id)):
        reply = await rpc("bookings", clients_of(request).bookings.QuoteBooking(_quote_request(target)))
    return QuoteOut.of(reply.quote)


def _quote_request(target: BookingTarget) -> bookings_pb2.QuoteBookingRequest:
    message = bookings_pb2.QuoteBookingRequest()
    target.fill(message)
    return message


@dataclass
class Priced:
    quote: QuoteOut | None
    message: str


async def _price(request: Request, company: catalog_pb2.Company, offer: Offer, choice: Choice) -> Priced:
    tz = views.zone(company.time_zone)
    if offer.kind == "resource" and not (choice.check_in or choice.start):
        return Priced(None, "")
    try:
        target = _target(offer, choice, tz)
        return Priced(await _quote(request, company, target), "")
    except FormProblem as problem:
        return Priced(None, problem.message)
    except RpcProblem as problem:
        if problem.status >= 500:
            raise
        return Priced(None, problem.detail)


def _form_page(
    request: Request,
    company: catalog_pb2.Company,
    offer: Offer,
    choice: Choice,
    priced: Priced,
    *,
    message: str = "",
    status_code: int = 200,
    options: PayOptions | None = None,
) -> HTMLResponse:
    context = _company_context(company, request)
    return page(
        request,
        "book.html",
        status_code=status_code,
        offer=offer,
        choice=choice,
        priced=priced,
        message=message,
        form_id=str(uuid.uuid4()),
        currency=company.currency_code,
        options=options,
        **context,
    )


@dataclass
class PayOptions:
    """What a signed-in customer may pay with besides a card."""

    wallet: str
    passes: list[tuple[str, str]]  # (entitlement id, "8 credits left, valid until ...")
    chosen: str = "card"


async def _pay_options(request: Request, company: catalog_pb2.Company, customer: SiteCustomer) -> PayOptions:
    clients = clients_of(request)
    with acting_as(customer.principal()):
        wallet, passes = await asyncio.gather(
            rpc(
                "wallet",
                clients.wallet.GetWallet(
                    wallet_pb2.GetWalletRequest(company_id=company.id, customer_id=customer.customer_id)
                ),
            ),
            rpc(
                "passes",
                clients.passes.ListEntitlements(
                    passes_pb2.ListEntitlementsRequest(
                        company_id=company.id, customer_id=customer.customer_id
                    )
                ),
            ),
        )
    tz = views.zone(company.time_zone)
    now = datetime.now(UTC)
    usable = []
    for e in passes.entitlements:
        left = e.credits_total - e.credits_used - e.credits_held
        until = views.stamp(e, "valid_until_time")
        if left > 0 and (until is None or until > now):
            label = f"{left} credit{'s' if left != 1 else ''} left" + (
                f", valid until {views.local(until, tz)}" if until else ""
            )
            usable.append((e.id, label))
    w = wallet.wallet
    balance = views.amount(
        w.main_balance.amount_minor + w.bonus_balance.amount_minor,
        w.main_balance.currency_code or company.currency_code,
    )
    return PayOptions(wallet=balance, passes=usable)


@router.get(SITE_PATH + "/{company_id}/book/{kind}/{target_id}", response_class=HTMLResponse)
async def booking_form(
    request: Request,
    company_id: str,
    kind: str,
    target_id: str,
    check_in: Annotated[str | None, Query(max_length=32)] = None,
    check_out: Annotated[str | None, Query(max_length=32)] = None,
    guests: Annotated[str | None, Query(max_length=6)] = None,
    start: Annotated[str | None, Query(max_length=32)] = None,
    end: Annotated[str | None, Query(max_length=32)] = None,
    quantity: Annotated[str | None, Query(max_length=6)] = None,
) -> Response:
    async def call() -> Response:
        company = await _company(request, _company_id(company_id))
        offer = await _offer(request, company, kind, target_id)
        choice = Choice(
            quantity=quantity or "1",
            guests=guests or "1",
            check_in=check_in or "",
            check_out=check_out or "",
            start=start or "",
            end=end or "",
        )
        return _form_page(
            request,
            company,
            offer,
            choice,
            await _price(request, company, offer, choice),
            options=await _options(request, company, offer, None),
        )

    return await _guarded(request, call)


@router.post(SITE_PATH + "/{company_id}/book/{kind}/{target_id}", response_class=HTMLResponse)
async def book(request: Request, company_id: str, kind: str, target_id: str) -> Response:
    """`action=quote`: the price again (the quote part only for htmx); `action=book`: books."""

    async def call() -> Response:
        form = await read_form(request)
        check_csrf(request, form)
        company = await _company(request, _company_id(company_id))
        offer = await _offer(request, company, kind, target_id)
        choice = _choice(form, offer)
        customer = await active_customer(request, company.id)
        if first(form, "action") != "book":
            priced = await _price(request, company, offer, choice)
            if request.headers.get("HX-Request") == "true":
                return fragment("_quote.html", priced=priced, offer=offer)
            options = await _options(request, company, offer, first(form, "pay"))
            return _form_page(request, company, offer, choice, priced, options=options)
        try:
            if customer is not None:
                return await _book_as_customer(request, company, offer, choice, form, customer)
            return await _book(request, company, offer, choice, form)
        except FormProblem as problem:
            priced = await _price(request, company, offer, choice)
            options = await _options(request, company, offer, first(form, "pay"))
            response = _form_page(
                request,
                company,
                offer,
                choice,
                priced,
                message=problem.message,
                status_code=problem.status,
                options=options,
            )
            response.headers.update(problem.headers)
            return response

    return await _guarded(request, call)


async def _book(
    request: Request, company: catalog_pb2.Company, offer: Offer, choice: Choice, form: dict[str, list[str]]
) -> Response:
    tz = views.zone(company.time_zone)
    target = _target(offer, choice, tz)
    try:
        guest = GuestIn(name=choice.name, email=choice.email)
    except ValidationError as error:
        fields = {str(e["loc"][0]) for e in error.errors() if e.get("loc")}
        if "name" in fields:
            raise FormProblem("Enter your name.") from None
        raise FormProblem("Enter a valid e-mail address.") from None
    card = _card(form)
    form_id = first(form, "form_id")
    if not is_uuid(form_id):
        raise FormProblem("This form has expired: check your choice and send it again.")
    try:
        await limiter_of(request).take(client_address(request), guest.email)
    except Problem as problem:
        raise FormProblem(
            _rate_limited(problem, "Too many booking attempts"), problem.status, headers=problem.headers
        ) from None
    email = normalize_email(guest.email)
    key = str(uuid.uuid5(BOOKING_KEYS, f"{company.id}\x00{email}\x00{form_id.lower()}"))
    clients = clients_of(request)
    try:
        with acting_as(_guest(company.id)):
            ensured = await rpc(
                "catalog",
                clients.guest_customers.EnsureGuestCustomer(
                    guest_customers_pb2.EnsureGuestCustomerRequest(
                        company_id=company.id, email=email, display_name=guest.name.strip()
                    )
                ),
            )
        customer_id = ensured.customer.id
        with acting_as(_guest(company.id, customer_id)):
            method = await rpc(
                "payments",
                clients.payments.CreatePaymentMethod(
                    payments_pb2.CreatePaymentMethodRequest(
                        request_id=f"site-booking:{key}",
                        company_id=company.id,
                        customer_id=customer_id,
                        card_token=card,
                    )
                ),
            )
            command = bookings_pb2.CreateBookingRequest(
                request_id=key,
                customer_id=customer_id,
                payment_plan=bookings_pb2.PaymentPlan(payment_method_id=method.payment_method.id),
            )
            target.fill(command)
            booking = (await rpc("bookings", clients.bookings.CreateBooking(command))).booking
    except RpcProblem as problem:
        if problem.status >= 500:
            raise
        raise FormProblem(problem.detail, problem.status) from None
    grant = GuestGrant(booking_id=booking.id, company_id=company.id, customer_id=customer_id)
    links = links_of(request)
    response = RedirectResponse(booking_path(company.id, booking.id), status_code=303)
    set_manage_cookie(request, response, company.id, booking.id, links.manage_token(grant), links.ttl_seconds)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _options(
    request: Request, company: catalog_pb2.Company, offer: Offer, chosen: str | None
) -> PayOptions | None:
    customer = await active_customer(request, company.id)
    if customer is None:
        return None
    options = await _pay_options(request, company, customer)
    if offer.kind != "session":
        # A pass pays for places in sessions only (bookings refuses it for a stay or a rental,
        # PASS_NOT_VALID_FOR_BOOKING_MODEL): not offered where it could only fail.
        options.passes = []
    if chosen and (chosen in ("card", "wallet") or chosen in {f"pass:{p[0]}" for p in options.passes}):
        options.chosen = chosen
    return options


def _card(form: dict[str, list[str]]) -> str:
    card = first(form, "card").replace(" ", "").replace("-", "")
    if not 1 <= len(card) <= 256 or not card.isprintable():
        raise FormProblem("Enter the card number.")
    return card


async def _book_as_customer(
    request: Request,
    company: catalog_pb2.Company,
    offer: Offer,
    choice: Choice,
    form: dict[str, list[str]],
    customer: SiteCustomer,
) -> Response:
    """A signed-in customer books as themself (like `POST /v1/bookings`), paying by card, from
    the wallet or with a pass; no manage cookie: the session reaches the booking's pages."""
    target = _target(offer, choice, views.zone(company.time_zone))
    form_id = first(form, "form_id")
    if not is_uuid(form_id):
        raise FormProblem("This form has expired: check your choice and send it again.")
    key = str(
        uuid.uuid5(BOOKING_KEYS, f"{company.id}\x00customer:{customer.customer_id}\x00{form_id.lower()}")
    )
    pay = first(form, "pay", "card")
    plan = bookings_pb2.PaymentPlan()
    clients = clients_of(request)
    try:
        with acting_as(customer.principal()):
            if pay == "wallet":
                plan.use_wallet = True
                plan.pay_later = first(form, "pay_later") == "on"
            elif pay.startswith("pass:") and is_uuid(pay.removeprefix("pass:")):
                plan.entitlement_id = pay.removeprefix("pass:")
            elif pay == "card":
                method = await rpc(
                    "payments",
                    clients.payments.CreatePaymentMethod(
                        payments_pb2.CreatePaymentMethodRequest(
                            request_id=f"site-booking:{key}",
                            company_id=company.id,
                            customer_id=customer.customer_id,
                            card_token=_card(form),
                        )
                    ),
                )
                plan.payment_method_id = method.payment_method.id
            else:
                raise FormProblem("Choose how to pay.")
            command = bookings_pb2.CreateBookingRequest(
                request_id=key, customer_id=customer.customer_id, payment_plan=plan
            )
            target.fill(command)
            booking = (await rpc("bookings", clients.bookings.CreateBooking(command))).booking
    except RpcProblem as problem:
        if problem.status >= 500:
            raise
        raise FormProblem(problem.detail, problem.status) from None
    response = RedirectResponse(booking_path(company.id, booking.id), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


# ----- the booking's pages: confirmation, 3-D Secure, cancel -----


@dataclass
class Managed:
    company: catalog_pb2.Company
    grant: GuestGrant
    booking: bookings_pb2.Booking
    resource: catalog_pb2.Resource | None
    # Who the calls are made as: the booking's guest, or the signed-in customer.
    principal: Principal


async def _grant(request: Request, company_id: str, booking_id: str) -> tuple[GuestGrant, Principal]:
    """The booking's grant: from its manage cookie (a guest), else the signed-in customer of the
    company's site (checked to be the booking's customer when it is read)."""
    cid = _company_id(company_id)
    if not is_uuid(booking_id):
        raise not_found("booking")
    try:
        grant = links_of(request).verify_manage(request.cookies.get(MANAGE_COOKIE), booking_id.lower())
    except Problem:
        customer = await active_customer(request, cid)
        if customer is None:
            raise Problem(
                404,
                "BOOKING_NOT_FOUND",
                "This booking cannot be shown in this browser: it is shown only in the browser it was "
                "made in, or to its customer signed in (or its link has expired).",
            ) from None
        grant = GuestGrant(booking_id=booking_id.lower(), company_id=cid, customer_id=customer.customer_id)
        return grant, customer.principal()
    if grant.company_id != cid:
        raise not_found("booking")
    return grant, _guest(grant.company_id, grant.customer_id)


async def _booking(request: Request, grant: GuestGrant, principal: Principal) -> bookings_pb2.Booking:
    with acting_as(principal):
        booking = (
            await _read(
                "bookings",
                clients_of(request).bookings.GetBooking(
                    bookings_pb2.GetBookingRequest(booking_id=grant.booking_id)
                ),
                "booking",
            )
        ).booking
    if (booking.company_id, booking.customer_id) != (grant.company_id, grant.customer_id):
        raise not_found("booking")
    return booking


async def _managed(request: Request, company_id: str, booking_id: str) -> Managed:
    grant, principal = await _grant(request, company_id, booking_id)
    company, booking = await asyncio.gather(
        _company(request, grant.company_id), _booking(request, grant, principal)
    )
    resource = None
    try:
        with acting_as(principal):
            resource = (
                await clients_of(request).catalog.GetResource(
                    catalog_pb2.GetResourceRequest(resource_id=booking.resource_id)
                )
            ).resource
    except Exception:  # the name is a convenience
        log.info("site: the resource of a booking could not be read")
    return Managed(company, grant, booking, resource, principal)


async def _action_payment(request: Request, managed: Managed) -> str:
    """The card payment waiting for its 3-D Secure check, or ""."""
    booking = managed.booking
    if booking.status != bookings_pb2.BOOKING_STATUS_PENDING or not booking.payment_plan.payment_method_id:
        return ""
    with acting_as(managed.principal):
        reply = await rpc(
            "payments",
            clients_of(request).payments.ListPayments(
                payments_pb2.ListPaymentsRequest(booking_id=booking.id)
            ),
        )
    for payment in reply.payments:
        if payment.status == payments_pb2.PAYMENT_STATUS_REQUIRES_ACTION:
            return str(payment.id)
    return ""


async def _view(request: Request, managed: Managed) -> views.BookingView:
    payment_id = await _action_payment(request, managed)
    name = managed.resource.name if managed.resource is not None else "Your booking"
    return views.booking_view(managed.booking, name, views.zone(managed.company.time_zone), payment_id)


@router.get(SITE_PATH + "/{company_id}/bookings/{booking_id}", response_class=HTMLResponse)
async def booking_page(request: Request, company_id: str, booking_id: str) -> Response:
    async def call() -> Response:
        managed = await _managed(request, company_id, booking_id)
        view = await _view(request, managed)
        return page(
            request,
            "booking.html",
            booking=view,
            base=booking_path(managed.company.id, view.id),
            **_company_context(managed.company, request),
        )

    return await _guarded(request, call)


async def _still_granted(request: Request, company_id: str, booking_id: str, grant: GuestGrant) -> bool:
    """Whether this browser may still follow the booking as it did when its stream opened: the
    manage cookie still good, or the customer still signed in (not signed out, the account not
    deactivated nor signed out everywhere). A check that cannot be made ends the stream too."""
    try:
        again, _ = await _grant(request, company_id, booking_id)
    except Problem as problem:
        log.info("site booking events: %s: the stream ends", problem.code)
        return False
    return again == grant


@router.get(SITE_PATH + "/{company_id}/bookings/{booking_id}/events")
async def booking_events(request: Request, company_id: str, booking_id: str) -> Response:
    """The status part of the booking's page, rendered, now and at each change (SSE `status`);
    the stream ends once this browser may no longer see the booking (signed out, the manage
    link expired: checked again every ACCESS_RECHECK_SECONDS)."""
    try:
        managed = await _managed(request, company_id, booking_id)
        first_view = await _view(request, managed)
    except Problem as problem:
        return Response(status_code=problem.status if problem.status < 500 else 503)
    base = booking_path(managed.company.id, first_view.id)

    def event(view: views.BookingView) -> dict[str, str]:
        return {"event": "status", "data": render("_status.html", booking=view, base=base)}

    async def events() -> AsyncIterator[dict[str, str]]:
        sent = event(first_view)
        yield sent
        ends = time.monotonic() + STREAM_SECONDS
        terminal = first_view.terminal
        checked_at = time.monotonic()
        while time.monotonic() < ends:
            await asyncio.sleep(STATUS_INTERVAL_SECONDS if not terminal else 5 * STATUS_INTERVAL_SECONDS)
            if time.monotonic() - checked_at >= ACCESS_RECHECK_SECONDS:
                if not await _still_granted(request, company_id, booking_id, managed.grant):
                    return
                checked_at = time.monotonic()
            if terminal:
                continue  # nothing more will change; keep the stream open so the browser waits
            try:
                managed.booking = await _booking(request, managed.grant, managed.principal)
                view = await _view(request, managed)
            except Problem as problem:
                log.info("site booking events: %s", problem.code)
                continue
            terminal = view.terminal
            current = event(view)
            if current["data"] != sent["data"]:
                sent = current
                yield current

    return EventSourceResponse(
        events(), ping=15, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}, send_timeout=30
    )


@router.get(SITE_PATH + "/{company_id}/bookings/{booking_id}/authenticate", response_class=HTMLResponse)
async def card_check_page(request: Request, company_id: str, booking_id: str) -> Response:
    async def call() -> Response:
        managed = await _managed(request, company_id, booking_id)
        payment_id = await _action_payment(request, managed)
        base = booking_path(managed.company.id, managed.booking.id)
        if not payment_id:
            return RedirectResponse(base, status_code=303)
        return page(
            request,
            "authenticate.html",
            base=base,
            total=views.amount(
                managed.booking.total_price.amount_minor, managed.booking.total_price.currency_code
            ),
            **_company_context(managed.company, request),
        )

    return await _guarded(request, call)


@router.post(SITE_PATH + "/{company_id}/bookings/{booking_id}/authenticate", response_class=HTMLResponse)
async def card_check(request: Request, company_id: str, booking_id: str) -> Response:
    async def call() -> Response:
        form = await read_form(request)
        check_csrf(request, form)
        approve = first(form, "approve")
        if approve not in ("true", "false"):
            raise Problem(400, "VALIDATION_FAILED", "Choose to confirm or to refuse the payment.")
        managed = await _managed(request, company_id, booking_id)
        payment_id = await _action_payment(request, managed)
        if payment_id:
            with acting_as(managed.principal):
                try:
                    await rpc(
                        "payments",
                        clients_of(request).payments.CompletePaymentAction(
                            payments_pb2.CompletePaymentActionRequest(
                                payment_id=payment_id, approve=approve == "true"
                            )
                        ),
                    )
                except RpcProblem as problem:
                    if problem.status != 409:  # already resolved: the booking's page says how
                        raise
        return RedirectResponse(booking_path(managed.company.id, managed.booking.id), status_code=303)

    return await _guarded(request, call)


@dataclass
class RefundView:
    percent: int
    # What comes back, each source in words ("15.00 EUR to your card", "1 pass credit back on
    # your pass", "5.00 EUR to collect at the front desk"); empty: nothing comes back.
    lines: list[str]
    nothing_paid: bool
    card: bool
    # Paid with a pass, whose credit comes back only with a full refund.
    pass_kept: bool


def _refund_view(
    booking: bookings_pb2.Booking, preview: bookings_pb2.PreviewCancellationResponse
) -> RefundView:
    """Bookings' answer in words: the page shows it and computes no refund of its own."""
    refund = Refund.of(preview)
    lines = refund.where(preview.currency_code)
    paid = (
        booking.card_charged_minor,
        booking.wallet_debited_minor + booking.bonus_debited_minor,
        booking.desk_paid_minor,
        booking.payment_plan.entitlement_id,
    )
    return RefundView(
        percent=preview.percent,
        lines=lines,
        nothing_paid=not any(paid),
        card=bool(preview.card_minor),
        pass_kept=bool(booking.payment_plan.entitlement_id) and not preview.credits,
    )


async def _refund(request: Request, managed: Managed) -> tuple[RefundView | None, str]:
    """What cancelling now gives back, as bookings answers it (PreviewCancellation, the rule
    its CancelBooking applies), or None with the refusal in words when it would refuse."""
    if managed.booking.status != bookings_pb2.BOOKING_STATUS_CONFIRMED:
        return None, ""  # the page says it cannot be cancelled
    asked = bookings_pb2.PreviewCancellationRequest(
        booking_id=managed.booking.id, customer_id=managed.grant.customer_id
    )
    try:
        with acting_as(managed.principal):
            preview = await rpc("bookings", clients_of(request).bookings.PreviewCancellation(asked))
    except RpcProblem as problem:
        if problem.status >= 500:
            raise
        return None, CANCEL_REFUSALS.get(problem.code, problem.detail)
    return _refund_view(managed.booking, preview), ""


async def _cancel_page(
    request: Request, managed: Managed, *, message: str = "", status_code: int = 200
) -> HTMLResponse:
    name = managed.resource.name if managed.resource is not None else "Your booking"
    view = views.booking_view(managed.booking, name, views.zone(managed.company.time_zone))
    refund, refused = await _refund(request, managed)
    return page(
        request,
        "cancel.html",
        status_code=status_code,
        booking=view,
        refund=refund,
        message=message or refused,
        form_id=str(uuid.uuid4()),
        base=booking_path(managed.company.id, view.id),
        **_company_context(managed.company, request),
    )


@router.get(SITE_PATH + "/{company_id}/bookings/{booking_id}/cancel", response_class=HTMLResponse)
async def cancel_page(request: Request, company_id: str, booking_id: str) -> Response:
    async def call() -> Response:
        return await _cancel_page(request, await _managed(request, company_id, booking_id))

    return await _guarded(request, call)


CANCEL_REFUSALS = {
    "BOOKING_FINALIZING": "The payment is still being completed: try again in a few seconds.",
    "BOOKING_ALREADY_STARTED": "The booked time has begun: it can no longer be cancelled.",
    "BOOKING_NOT_CANCELLABLE": "This booking can no longer be cancelled.",
}


@router.post(SITE_PATH + "/{company_id}/bookings/{booking_id}/cancel", response_class=HTMLResponse)
async def cancel(request: Request, company_id: str, booking_id: str) -> Response:
    async def call() -> Response:
        form = await read_form(request)
        check_csrf(request, form)
        managed = await _managed(request, company_id, booking_id)
        form_id = first(form, "form_id")
        if not is_uuid(form_id):
            return await _cancel_page(
                request, managed, message="This form has expired: send it again.", status_code=400
            )
        key = str(uuid.uuid5(BOOKING_KEYS, f"cancel\x00{managed.booking.id}\x00{form_id.lower()}"))
        request_message = bookings_pb2.CancelBookingRequest(
            request_id=key, booking_id=managed.booking.id, customer_id=managed.grant.customer_id
        )
        try:
            with acting_as(managed.principal):
                # A guest who cancels a moment after the confirmation (the card capture still
                # finishing) waits a few seconds here rather than being told to try again.
                await rpc_once_settled(
                    "bookings", lambda: clients_of(request).bookings.CancelBooking(request_message)
                )
        except RpcProblem as problem:
            if problem.status >= 500:
                raise
            message = CANCEL_REFUSALS.get(problem.code, problem.detail)
            return await _cancel_page(request, managed, message=message, status_code=problem.status)
        return RedirectResponse(booking_path(managed.company.id, managed.booking.id), status_code=303)

    return await _guarded(request, call)


# ----- paying a PENDING_PAYMENT booking (signed-in customers) -----


def _settle_page(
    request: Request, managed: Managed, *, message: str = "", status_code: int = 200
) -> HTMLResponse:
    name = managed.resource.name if managed.resource is not None else "Your booking"
    view = views.booking_view(managed.booking, name, views.zone(managed.company.time_zone))
    return page(
        request,
        "settle.html",
        status_code=status_code,
        booking=view,
        message=message,
        form_id=str(uuid.uuid4()),
        base=booking_path(managed.company.id, view.id),
        **_company_context(managed.company, request),
    )


@router.get(SITE_PATH + "/{company_id}/bookings/{booking_id}/settle", response_class=HTMLResponse)
async def settle_page(request: Request, company_id: str, booking_id: str) -> Response:
    async def call() -> Response:
        return _settle_page(request, await _managed(request, company_id, booking_id))

    return await _guarded(request, call)


@router.post(SITE_PATH + "/{company_id}/bookings/{booking_id}/settle", response_class=HTMLResponse)
async def settle(request: Request, company_id: str, booking_id: str) -> Response:
    """Pays the amount due of a PENDING_PAYMENT booking by card (bookings' SettleBooking, like
    `POST /v1/bookings/{id}/settle`); 303 back to the booking, which follows the payment live."""

    async def call() -> Response:
        form = await read_form(request)
        check_csrf(request, form)
        managed = await _managed(request, company_id, booking_id)
        try:
            card = _card(form)
            form_id = first(form, "form_id")
            if not is_uuid(form_id):
                raise FormProblem("This form has expired: send it again.")
        except FormProblem as problem:
            return _settle_page(request, managed, message=problem.message, status_code=problem.status)
        key = str(uuid.uuid5(BOOKING_KEYS, f"settle\x00{managed.booking.id}\x00{form_id.lower()}"))
        clients = clients_of(request)
        try:
            with acting_as(managed.principal):
                method = await rpc(
                    "payments",
                    clients.payments.CreatePaymentMethod(
                        payments_pb2.CreatePaymentMethodRequest(
                            request_id=f"site-settle:{key}",
                            company_id=managed.company.id,
                            customer_id=managed.grant.customer_id,
                            card_token=card,
                        )
                    ),
                )
                await rpc(
                    "bookings",
                    clients.bookings.SettleBooking(
                        bookings_pb2.SettleBookingRequest(
                            request_id=key,
                            booking_id=managed.booking.id,
                            customer_id=managed.grant.customer_id,
                            payment_method_id=method.payment_method.id,
                        )
                    ),
                )
        except RpcProblem as problem:
            if problem.status >= 500:
                raise
            return _settle_page(request, managed, message=problem.detail, status_code=problem.status)
        return RedirectResponse(booking_path(managed.company.id, managed.booking.id), status_code=303)

    return await _guarded(request, call)


# ----- any other address under /site -----

# Included after every other router of the site (gateway.app): an address under /site that no
# page matches (an id holding an encoded slash, a page that does not exist) is the site's 404
# page, not the API's problem+json.
fallback = APIRouter(include_in_schema=False)


@fallback.api_route(SITE_PATH, methods=["GET", "HEAD"], response_class=HTMLResponse)
@fallback.api_route(SITE_PATH + "/{rest:path}", methods=["GET", "HEAD"], response_class=HTMLResponse)
@any_query  # no such page, whatever its query string: the 404, not the edge's 400
async def no_such_page(request: Request) -> Response:
    async def call() -> Response:
        raise not_found()

    return await _guarded(request, call)
