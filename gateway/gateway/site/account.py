"""Signed-in customers on the public site: log in with the e-mail and password of a customer
account of this company (the login limits of the API), a session cookie, and "My account":
bookings, wallet balances and ledger, passes.

The session cookie `site_session` is a JWT signed with a key derived from `JWT_SECRET` for the
site only (audience `site-customer`, so it is no API token, no ops session, no guest link),
naming the user, the company, the customer and the session's row, for SESSION_SECONDS; HttpOnly,
SameSite=Strict, Secure on https, path `/site/{company_id}`: it is good on this company's site
only. Signing out revokes the session's row, so a copy of the cookie is refused from then on
(gateway.site.sessions).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.passes.v1 import passes_pb2
from bookingplatform.wallet.v1 import wallet_pb2
from gateway.deps import clients_of, rpc, users_of
from gateway.local_paths import path_stays_under
from gateway.problems import Problem
from gateway.ratelimit import client_address, limiter_of
from gateway.schemas import EntitlementOut, WalletEntryOut, WalletOut
from gateway.site import views
from gateway.site.common import company_context, guarded, load_company, rate_limited
from gateway.site.rendering import SITE_PATH, check_csrf, first, page, read_form
from gateway.site.sessions import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    SiteCustomer,
    active_customer,
    close_session,
    cookie_path,
    open_session,
)
from gateway.users import CompanyRequired
from plumbing.principal import Role, acting_as

router = APIRouter(include_in_schema=False)

MAX_EMAIL_LENGTH = 320
MAX_PASSWORD_LENGTH = 1024
BOOKINGS_SHOWN = 30
ENTRIES_SHOWN = 30


# ----- log in and out -----


MAX_NEXT_LENGTH = 2000
# Where a sign-in or sign-up returns to (`next`): a page of the company's own site, by its path.
NextParam = Annotated[str, Query(max_length=MAX_NEXT_LENGTH)]


def safe_next(company_id: str, value: str) -> str:
    """`value` when it is a page of this company's site (a path and maybe a query, nothing that
    could leave it: no scheme, host, `//`, backslash, `.` or `..` segment, even percent-encoded,
    control character nor space), else this company's "My account": a link cannot send someone
    signing in elsewhere, not even to another company's site (`local_paths`)."""
    home = f"{SITE_PATH}/{company_id}"
    path = value.split("?", 1)[0]
    parts = urlsplit(value)
    if (
        len(value) <= MAX_NEXT_LENGTH
        and path_stays_under(path, home)
        and not parts.scheme
        and not parts.netloc
        and not parts.fragment
        and "//" not in value
        and "\\" not in value
        and value.isprintable()
        and not any(c.isspace() for c in value)
    ):
        return value
    return f"{home}/account"


def signed_in_to(request: Request, company_id: str, token: str, location: str) -> RedirectResponse:
    """The 303 to `location` that sets the site's session cookie `token` (sign-in and sign-up)."""
    done = RedirectResponse(location, status_code=303)
    done.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_SECONDS,
        path=cookie_path(company_id),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return done


def _login_page(
    request: Request,
    company: catalog_pb2.Company,
    *,
    email: str = "",
    message: str = "",
    notice: str = "",
    next_url: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "login.html",
        status_code=status_code,
        email=email,
        message=message,
        notice=notice,
        next=next_url,
        max_email=MAX_EMAIL_LENGTH,
        **company_context(company, request),
    )


def login_page_after_reset(request: Request, company: catalog_pb2.Company, email: str) -> HTMLResponse:
    """The sign-in form once a password is reset: the account was signed out everywhere."""
    return _login_page(
        request, company, email=email, notice="Your password is changed. Sign in with the new one."
    )


@router.get(SITE_PATH + "/{company_id}/account/login", response_class=HTMLResponse)
async def login_page(request: Request, company_id: str, next: NextParam = "") -> Response:
    async def call() -> Response:
        company = await load_company(request, company_id)
        if await active_customer(request, company.id) is not None:
            return RedirectResponse(safe_next(company.id, next), status_code=303)
        return _login_page(request, company, next_url=safe_next(company.id, next) if next else "")

    return await guarded(request, call)


@router.post(SITE_PATH + "/{company_id}/account/login", response_class=HTMLResponse)
async def log_in(request: Request, company_id: str) -> Response:
    async def call() -> Response:
        form = await read_form(request)
        check_csrf(request, form)
        company = await load_company(request, company_id)
        email = first(form, "email").strip()[:MAX_EMAIL_LENGTH]
        password = first(form, "password")
        next_url = first(form, "next")[:MAX_NEXT_LENGTH]
        if not email or not password or len(password) > MAX_PASSWORD_LENGTH:
            return _login_page(
                request,
                company,
                email=email,
                next_url=next_url,
                message="Enter your e-mail and password.",
                status_code=400,
            )
        try:
            user = await limiter_of(request).authenticate(
                users_of(request), client_address(request), email, password, company_id=company.id
            )
        except CompanyRequired:  # not reached: the company is named
            user = None
        except Problem as problem:
            if problem.code != "RATE_LIMITED":
                raise
            response = _login_page(
                request,
                company,
                email=email,
                next_url=next_url,
                message=rate_limited(problem, "Too many attempts"),
                status_code=429,
            )
            response.headers.update(problem.headers or {})
            return response
        if (
            user is None
            or user.role is not Role.CUSTOMER
            or user.company_id != company.id
            or not user.customer_id
        ):
            return _login_page(
                request,
                company,
                email=email,
                next_url=next_url,
                message="The e-mail or the password is wrong.",
                status_code=401,
            )
        customer = SiteCustomer(
            user_id=user.id,
            company_id=company.id,
            customer_id=user.customer_id,
            email=user.email,
            token_epoch=user.token_epoch,
        )
        token = await open_session(request, customer)
        return signed_in_to(request, company.id, token, safe_next(company.id, next_url))

    return await guarded(request, call)


@router.post(SITE_PATH + "/{company_id}/account/logout", response_class=HTMLResponse)
async def log_out(request: Request, company_id: str) -> Response:
    async def call() -> Response:
        form = await read_form(request)
        check_csrf(request, form)
        company = await load_company(request, company_id)
        # Ended on the server first: a copy of the cookie kept from before is refused too.
        await close_session(request, company.id)
        response = RedirectResponse(f"{SITE_PATH}/{company.id}", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=cookie_path(company.id), httponly=True, samesite="strict")
        return response

    return await guarded(request, call)


# ----- my account -----


@dataclass
class BookingRow:
    id: str
    status: str
    what: str
    when: str
    total: str


@router.get(SITE_PATH + "/{company_id}/account", response_class=HTMLResponse)
async def account_page(request: Request, company_id: str) -> Response:
    async def call() -> Response:
        company = await load_company(request, company_id)
        customer = await active_customer(request, company.id)
        if customer is None:
            return RedirectResponse(f"{SITE_PATH}/{company.id}/account/login", status_code=303)
        clients = clients_of(request)
        with acting_as(customer.principal()):
            bookings, wallet, entries, passes = await asyncio.gather(
                rpc(
                    "bookings",
                    clients.bookings.ListBookings(
                        bookings_pb2.ListBookingsRequest(
                            customer_id=customer.customer_id, page_size=BOOKINGS_SHOWN
                        )
                    ),
                ),
                rpc(
                    "wallet",
                    clients.wallet.GetWallet(
                        wallet_pb2.GetWalletRequest(company_id=company.id, customer_id=customer.customer_id)
                    ),
                ),
                rpc(
                    "wallet",
                    clients.wallet.ListWalletEntries(
                        wallet_pb2.ListWalletEntriesRequest(
                            company_id=company.id, customer_id=customer.customer_id, page_size=ENTRIES_SHOWN
                        )
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
        rows = []
        for b in bookings.bookings:
            shown = views.booking_view(b, "Booking", tz)
            rows.append(
                BookingRow(id=b.id, status=shown.status, what=shown.what, when=shown.when, total=shown.total)
            )
        return page(
            request,
            "account.html",
            customer=customer,
            bookings=rows,
            wallet=WalletOut.of(wallet.wallet),
            entries=[WalletEntryOut.of(e) for e in entries.entries],
            passes=[EntitlementOut.of(e) for e in passes.entitlements],
            tz=tz,
            local=views.local,
            **company_context(company, request),
        )

    return await guarded(request, call)
