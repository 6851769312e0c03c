"""Every route of the gateway x every kind of caller x the caller's own company and another
company, against the real platform.

The routes come from the gateway's own OpenAPI document, so a route added without a row in
EXPECTED fails `test_every_route_has_an_expectation`. Each row says who may call the route and
whether its ids are a tenant's. The callers all belong to company A (the platform admin to
none); each call names either A's ids ("own") or B's ("other"):

- an allowed call must get a business answer: no 401, no 403, no 404 (the ids are real), no 5xx;
- a refused call must get 401 (no valid credentials), 403 (a role that may not call it) or
  404 (another company's ids, so their existence is not confirmed).

Writes that would spoil the world for the next rows are made harmless without weakening the
check: a versioned update sends a stale `If-Match` (an allowed caller gets 412 after the
tenancy check, nothing changes), and the destructive calls (revoke a key, cancel a session)
aim at entities made to be sacrificed. The summary test prints the counts.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import grpc
import httpx
import pytest
from grpc import aio

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.passes.v1 import passes_pb2
from bookingplatform.payments.v1 import payments_pb2
from bookingplatform.wallet.v1 import wallet_pb2
from gateway.app import create_app
from gateway.settings import Settings as GatewaySettings
from plumbing.principal import METADATA_KEY, Principal, Role
from plumbing.testing import eventually
from tests.conftest import Tenant, eur

pytestmark = pytest.mark.e2e

PASSWORD = "matrix-secret-pass"

ANON, GUEST, CUSTOMER = "anonymous", "guest", "customer"
STAFF, ADMIN, PLATFORM = "staff", "company_admin", "platform_admin"
KEY_STAFF, KEY_ADMIN = "api_key_staff", "api_key_company_admin"
ROLES = (ANON, GUEST, CUSTOMER, STAFF, ADMIN, PLATFORM, KEY_STAFF, KEY_ADMIN)

EVERYONE = frozenset(ROLES)
USERS = frozenset({CUSTOMER, STAFF, ADMIN, PLATFORM})
CUSTOMERS = frozenset({CUSTOMER})
STAFFS = frozenset({STAFF, ADMIN, PLATFORM, KEY_STAFF, KEY_ADMIN})
ADMINS = frozenset({ADMIN, PLATFORM, KEY_ADMIN})
PLATFORMS = frozenset({PLATFORM})
GUESTS = frozenset({GUEST})
# Reset tokens, invitations and API keys are handled by people, never by an API key.
PEOPLE = frozenset({STAFF, ADMIN, PLATFORM})
ADMIN_PEOPLE = frozenset({ADMIN, PLATFORM})
STAFF_PEOPLE = frozenset({STAFF, ADMIN})

# How a route's ids relate to companies.
NONE = "none"  # no company's ids: called once per role
PUBLIC = "public"  # a company's public ids: anyone allowed may name any company's
TENANT = "tenant"  # a company's private ids: another company's are refused (but to a platform admin)


@dataclass(frozen=True)
class Row:
    allowed: frozenset[str]
    ids: str
    # 404 with one of these codes is a business answer here (ids no world can hold).
    not_found_ok: frozenset[str] = frozenset()
    # The credential is a link token, not a login: every other caller gets 404.
    token_gated: bool = False


def row(allowed: frozenset[str], ids: str, *not_found_ok: str, token_gated: bool = False) -> Row:
    return Row(allowed, ids, frozenset(not_found_ok), token_gated)


EXPECTED: dict[str, Row] = {
    # accounts: no credential needed but the one in the body
    "issueToken": row(EVERYONE, NONE),
    "refreshToken": row(EVERYONE, NONE),
    "logout": row(EVERYONE, NONE),
    "changePassword": row(USERS, NONE),
    "requestPasswordReset": row(EVERYONE, NONE),
    "confirmPasswordReset": row(EVERYONE, NONE),
    "signUp": row(EVERYONE, PUBLIC),
    "acceptInvite": row(EVERYONE, NONE, "INVITE_NOT_FOUND"),
    # a customer's own
    "createBooking": row(CUSTOMERS, TENANT),
    "listBookings": row(CUSTOMERS, NONE),
    "getBooking": row(CUSTOMERS, TENANT),
    "authenticateBookingCard": row(CUSTOMERS, TENANT),
    "cancelBooking": row(CUSTOMERS, TENANT),
    "previewBookingCancellation": row(CUSTOMERS, TENANT),
    "settleBooking": row(CUSTOMERS, TENANT),
    "changeBooking": row(CUSTOMERS, TENANT),
    "checkInBooking": row(CUSTOMERS | STAFFS, TENANT),
    "getWallet": row(CUSTOMERS, NONE),
    "listWalletEntries": row(CUSTOMERS, NONE),
    "listPasses": row(CUSTOMERS, NONE),
    # public catalog
    "listPublicSessions": row(EVERYONE, PUBLIC),
    "getPublicSession": row(EVERYONE, PUBLIC),
    "quoteBooking": row(EVERYONE, PUBLIC),
    "getAvailability": row(EVERYONE, PUBLIC),
    "listFreeSlots": row(EVERYONE, PUBLIC),
    # operators
    "listSagas": row(ADMINS, TENANT),
    "getSaga": row(ADMINS, TENANT),
    "retrySagaStep": row(ADMINS, TENANT),
    "forceCompensateSaga": row(ADMINS, TENANT),
    "listBookingsOfDay": row(ADMINS, TENANT),
    "listDeadLetters": row(PLATFORMS, NONE),
    "replayDeadLetter": row(PLATFORMS, NONE, "DEAD_LETTER_NOT_FOUND"),
    "discardDeadLetter": row(PLATFORMS, NONE, "DEAD_LETTER_NOT_FOUND"),
    "receiveSandboxPaymentEvent": row(EVERYONE, NONE),
    # users, invites, keys, audit
    "listUsers": row(STAFFS, TENANT),
    "getUser": row(STAFFS, TENANT),
    "updateUser": row(ADMIN_PEOPLE, TENANT),
    "createInvite": row(PEOPLE, TENANT),
    "listInvites": row(STAFFS, TENANT),
    "revokeInvite": row(PEOPLE, TENANT),
    "listPasswordResets": row(PEOPLE, TENANT),
    "createApiKey": row(ADMIN_PEOPLE, TENANT),
    "listApiKeys": row(ADMINS, TENANT),
    "revokeApiKey": row(ADMIN_PEOPLE, TENANT),
    "listAuditEntries": row(ADMINS, TENANT),
    "getBusinessStats": row(ADMINS, TENANT),
    # webhooks to client apps; a customer follows one booking
    "createWebhookEndpoint": row(ADMINS, TENANT),
    "listWebhookEndpoints": row(ADMINS, TENANT),
    "getWebhookEndpoint": row(ADMINS, TENANT),
    "updateWebhookEndpoint": row(ADMINS, TENANT),
    # The victim endpoint is gone after the first allowed caller deleted it.
    "deleteWebhookEndpoint": row(ADMINS, TENANT, "WEBHOOK_ENDPOINT_NOT_FOUND"),
    "listWebhookDeliveries": row(ADMINS, TENANT),
    "getWebhookDelivery": row(ADMINS, TENANT),
    "redeliverWebhook": row(ADMINS, TENANT),
    "streamBookingEvents": row(CUSTOMERS, TENANT),
    # calendar feeds (revoking again answers 204: no victim needed)
    "createCalendarFeed": row(ADMINS, TENANT),
    "listCalendarFeeds": row(ADMINS, TENANT),
    "revokeCalendarFeed": row(ADMINS, TENANT),
    # a staff member's own feeds: people with a company role, never a key; the world's feed is
    # the company's, so revoking it as one's own is a business 404
    "createMyCalendarFeed": row(STAFF_PEOPLE, TENANT),
    "listMyCalendarFeeds": row(STAFF_PEOPLE, NONE),
    "revokeMyCalendarFeed": row(STAFF_PEOPLE, TENANT, "CALENDAR_FEED_NOT_FOUND"),
    # companies
    "createCompany": row(PLATFORMS, NONE),
    "listCompanies": row(PLATFORMS, NONE),
    "getCompany": row(STAFFS, TENANT),
    "updateCompany": row(ADMINS, TENANT),
    "suspendCompany": row(PLATFORMS, TENANT),
    "resumeCompany": row(PLATFORMS, TENANT),
    # catalog back office: staff read, admins change
    "createResource": row(ADMINS, TENANT),
    "listResources": row(STAFFS, TENANT),
    "getResource": row(STAFFS, TENANT),
    "updateResource": row(ADMINS, TENANT),
    "setHourlyRate": row(ADMINS, TENANT),
    "archiveResource": row(ADMINS, TENANT),
    "listUnits": row(STAFFS, TENANT),
    "createUnit": row(ADMINS, TENANT),
    "updateUnit": row(ADMINS, TENANT),
    "archiveUnit": row(ADMINS, TENANT),
    "listExtras": row(STAFFS, TENANT),
    "createExtra": row(ADMINS, TENANT),
    "getExtra": row(STAFFS, TENANT),
    "updateExtra": row(ADMINS, TENANT),
    "archiveExtra": row(ADMINS, TENANT),
    "listRatePlans": row(STAFFS, TENANT),
    "createRatePlan": row(ADMINS, TENANT),
    "updateRatePlan": row(ADMINS, TENANT),
    "listDailyPrices": row(STAFFS, TENANT),
    "setDailyPrices": row(ADMINS, TENANT),
    "createSession": row(ADMINS, TENANT),
    "listSessions": row(STAFFS, TENANT),
    "createSessionSeries": row(ADMINS, TENANT),
    "getSession": row(STAFFS, TENANT),
    "updateSession": row(ADMINS, TENANT),
    "cancelSession": row(ADMINS, TENANT),
    "listResourceBookings": row(STAFFS, TENANT),
    "createPassProduct": row(ADMINS, TENANT),
    "listPassProducts": row(STAFFS, TENANT),
    "getPassProduct": row(STAFFS, TENANT),
    "updatePassProduct": row(ADMINS, TENANT),
    "archivePassProduct": row(ADMINS, TENANT),
    # the front desk
    "listCustomers": row(STAFFS, TENANT),
    "createCustomer": row(STAFFS, TENANT),
    "getCustomer": row(STAFFS, TENANT),
    "updateCustomer": row(STAFFS, TENANT),
    "listCustomerBookings": row(STAFFS, TENANT),
    "getCustomerWallet": row(STAFFS, TENANT),
    "creditCustomerWallet": row(STAFFS, TENANT),
    "debitCustomerWallet": row(STAFFS, TENANT),
    "listCustomerPasses": row(STAFFS, TENANT),
    "issueCustomerPass": row(STAFFS, TENANT),
    "createBookingForCustomer": row(STAFFS, TENANT),
    "listCompanyBookings": row(STAFFS, TENANT),
    "getCompanyBooking": row(STAFFS, TENANT),
    "cancelBookingByCompany": row(STAFFS, TENANT),
    "previewCancellationByCompany": row(STAFFS, TENANT),
    "checkInBookingAtDesk": row(STAFFS, TENANT),
    "overrideNoShow": row(STAFFS, TENANT),
    # guests: no account, a booking's signed links
    "createGuestSessionBooking": row(EVERYONE, PUBLIC),
    "createGuestResourceBooking": row(EVERYONE, PUBLIC),
    "getGuestBooking": row(GUESTS, TENANT, token_gated=True),
    "cancelGuestBooking": row(GUESTS, TENANT, token_gated=True),
    "showCardAuthentication": row(GUESTS, TENANT, token_gated=True),
    "completeCardAuthentication": row(GUESTS, TENANT, token_gated=True),
    # health
    "getLiveness": row(EVERYONE, NONE),
    "getReadiness": row(EVERYONE, NONE),
}


def _openapi() -> dict[str, Any]:
    settings = GatewaySettings(
        catalog_addr="127.0.0.1:1",
        bookings_addr="127.0.0.1:1",
        wallet_addr="127.0.0.1:1",
        passes_addr="127.0.0.1:1",
        payments_addr="127.0.0.1:1",
        database_url="postgresql://unused/unused",
        jwt_secret="matrix-" + "x" * 32,
    )
    return create_app(settings).openapi()


SPEC = _openapi()
OPERATIONS: dict[str, tuple[str, str, dict[str, Any]]] = {
    op["operationId"]: (method.upper(), path, op)
    for path, methods in SPEC["paths"].items()
    for method, op in methods.items()
}


def test_every_route_has_an_expectation() -> None:
    missing = sorted(OPERATIONS.keys() - EXPECTED.keys())
    stale = sorted(EXPECTED.keys() - OPERATIONS.keys())
    assert not missing, f"routes without a row in EXPECTED (who may call them?): {missing}"
    assert not stale, f"rows of routes that are gone: {stale}"


# ----- the world: companies A and B with real data, A's callers of every kind -----


@dataclass
class Company:
    id: str
    resource_id: str  # sessions (TIME_SLOT)
    stay_resource_id: str  # NIGHTLY
    unit_id: str
    rate_plan_id: str
    extra_id: str
    session_id: str
    victim_session_id: str  # for cancelSession
    product_id: str
    customer_id: str
    customer_user_id: str
    booking_id: str
    saga_id: str
    victim_key_id: str  # for revokeApiKey
    victim_invite_id: str  # for revokeInvite (a customer's: staff may revoke it too)
    guest_booking_id: str
    manage_token: str
    staff_email: str
    rejected_booking_id: str  # the customer's, terminal: its event stream ends at once
    webhook_endpoint_id: str
    victim_webhook_endpoint_id: str  # for deleteWebhookEndpoint
    webhook_delivery_id: str
    calendar_feed_id: str
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    # Each person's login (e-mail), to sign in again after a call that signs them out.
    emails: dict[str, str] = field(default_factory=dict)

    def ids(self) -> dict[str, str]:
        return {
            "company_id": self.id,
            "resource_id": self.resource_id,
            "unit_id": self.unit_id,
            "rate_plan_id": self.rate_plan_id,
            "extra_id": self.extra_id,
            "session_id": self.session_id,
            "product_id": self.product_id,
            "customer_id": self.customer_id,
            "user_id": self.customer_user_id,
            "booking_id": self.booking_id,
            "saga_id": self.saga_id,
            "api_key_id": self.victim_key_id,
            "invite_id": self.victim_invite_id,
            "service": "bookings",
            "dead_letter_id": "987654321",
            "payment_id": str(uuid.uuid4()),
            "endpoint_id": self.webhook_endpoint_id,
            "delivery_id": self.webhook_delivery_id,
            "feed_id": self.calendar_feed_id,
        }


@dataclass
class World:
    a: Company
    b: Company
    callers: dict[str, dict[str, str]]  # A's
    http: httpx.AsyncClient
    day: date  # the day of the sessions
    logins: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # role: (e-mail, company)


async def _login(http: httpx.AsyncClient, email: str, company_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"email": email, "password": PASSWORD}
    if company_id:
        body["company_id"] = company_id
    reply = await http.post("/v1/auth/token", json=body)
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()
    return result


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _email(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:10]}@example.com"


async def _guest_booking(http: httpx.AsyncClient, company_id: str, session_id: str, card: str) -> dict:
    reply = await http.post(
        f"/v1/public/companies/{company_id}/sessions/{session_id}/bookings",
        headers=_key(),
        json={"guest": {"name": "Matrix Guest", "email": _email("guest")}, "card_token": card},
    )
    assert reply.status_code == 202, reply.text
    result: dict = reply.json()
    return result


async def _company(platform, http: httpx.AsyncClient, name: str, start: datetime) -> Company:
    catalog = platform.catalog
    company = (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name=name, time_zone="Europe/Berlin", currency_code="EUR"
            )
        )
    ).company
    resource = (
        await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=company.id,
                name="Studio",
                booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                policy=catalog_pb2.ResourcePolicy(free_cancellation_minutes=60),
            )
        )
    ).resource
    extra = (
        await catalog.CreateExtra(
            catalog_pb2.CreateExtraRequest(
                request_id=str(uuid.uuid4()), company_id=company.id, name="Mat hire", price=eur(300)
            )
        )
    ).extra
    tenant = Tenant(platform=platform, company_id=company.id, resource_id=resource.id, extra_id=extra.id)
    session = await tenant.session(capacity=200, starts_in=start - datetime.now(UTC))
    victim_session = await tenant.session(
        capacity=5, starts_in=start - datetime.now(UTC) + timedelta(hours=3)
    )
    stay = (
        await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company.id,
                name="Cabin",
                booking_model=catalog_pb2.BOOKING_MODEL_NIGHTLY,
                policy=catalog_pb2.ResourcePolicy(),
            )
        )
    ).resource
    unit = (await catalog.CreateUnit(catalog_pb2.CreateUnitRequest(resource_id=stay.id, name="Cabin 1"))).unit
    plan = (
        await catalog.CreateRatePlan(
            catalog_pb2.CreateRatePlanRequest(
                resource_id=stay.id, name="Standard", default_nightly_price=eur(10000)
            )
        )
    ).rate_plan
    product = (
        await platform.passes.CreatePassProduct(
            passes_pb2.CreatePassProductRequest(
                request_id=str(uuid.uuid4()),
                company_id=company.id,
                name="10 classes",
                credits=10,
                validity_days=30,
                price=eur(15000),
            )
        )
    ).product

    # A customer with an account and money, and a confirmed booking of theirs.
    customer_email = _email("customer")
    customer = (
        await catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                request_id=str(uuid.uuid4()), company_id=company.id, display_name="Cus", email=customer_email
            )
        )
    ).customer
    await platform.wallet.TopUpWallet(
        wallet_pb2.TopUpWalletRequest(
            request_id=str(uuid.uuid4()),
            company_id=company.id,
            customer_id=customer.id,
            amount=eur(1_000_000),
            balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
        )
    )
    customer_user = await platform.users.create_user(
        email=customer_email,
        password=PASSWORD,
        role="CUSTOMER",
        company_id=company.id,
        customer_id=customer.id,
    )
    headers: dict[str, dict[str, str]] = {}
    emails = {CUSTOMER: customer_email}
    headers[CUSTOMER] = _bearer(await _login(http, customer_email, company.id))
    booked = await http.post(
        "/v1/bookings",
        headers={**headers[CUSTOMER], **_key()},
        json={"session_id": session.id, "payment": {"use_wallet": True}},
    )
    assert booked.status_code == 202, booked.text

    # A staff member and a company admin; API keys of both scopes and one to revoke.
    staff_email = _email("staff")
    for role, email in ((STAFF, staff_email), (ADMIN, _email("admin"))):
        await platform.users.create_user(
            email=email, password=PASSWORD, role=role.upper(), company_id=company.id
        )
        emails[role] = email
        headers[role] = _bearer(await _login(http, email, company.id))
    keys = {}
    for name, scope in (("staff", "STAFF"), ("admin", "COMPANY_ADMIN"), ("victim", "STAFF")):
        made = await http.post(
            "/v1/admin/api-keys",
            headers={**headers[ADMIN], **_key()},
            json={"name": f"matrix {name}", "role": scope},
        )
        assert made.status_code == 201, made.text
        keys[name] = made.json()
    invited = await http.post(
        "/v1/admin/invites",
        headers={**headers[ADMIN], **_key()},
        json={"email": _email("victim-invite"), "role": "CUSTOMER"},
    )
    assert invited.status_code == 201, invited.text
    headers[KEY_STAFF] = {"X-API-Key": keys["staff"]["key"]}
    headers[KEY_ADMIN] = {"X-API-Key": keys["admin"]["key"]}

    guest = await _guest_booking(http, company.id, session.id, "tok_visa")
    headers[GUEST] = {"Authorization": f"Bearer {guest['manage_token']}"}
    headers[ANON] = {}

    async def confirmed() -> bool:
        seen = await http.get(f"/v1/bookings/{booked.json()['id']}", headers=headers[CUSTOMER])
        return seen.json()["status"] == "CONFIRMED"

    await eventually(confirmed, message="the customer's booking never confirmed")

    # Webhook endpoints (nobody listens at port 9), and a rejected booking delivered to one.
    endpoints = []
    for _ in range(2):
        made = await http.post(
            "/v1/admin/webhooks/endpoints",
            headers={**headers[ADMIN], **_key()},
            json={"url": "http://127.0.0.1:9/matrix", "event_types": ["booking.rejected"]},
        )
        assert made.status_code == 201, made.text
        endpoints.append(made.json()["id"])
    declined = await http.post(
        "/v1/bookings",
        headers={**headers[CUSTOMER], **_key()},
        json={"session_id": session.id, "payment": {"card_token": "tok_chargeDeclined"}},
    )
    assert declined.status_code == 202, declined.text

    async def delivery() -> str | None:
        seen = await http.get(
            "/v1/admin/webhooks/deliveries",
            headers=headers[ADMIN],
            params={"booking_id": declined.json()["id"], "endpoint_id": endpoints[0]},
        )
        found = seen.json()["deliveries"]
        return str(found[0]["id"]) if found else None

    delivery_id = await eventually(delivery, message="the rejected booking's webhook never came")
    feed = await http.post(
        "/v1/admin/calendar-feeds", headers={**headers[ADMIN], **_key()}, json={"resource_id": resource.id}
    )
    assert feed.status_code == 201, feed.text
    return Company(
        id=company.id,
        resource_id=resource.id,
        stay_resource_id=stay.id,
        unit_id=unit.id,
        rate_plan_id=plan.id,
        extra_id=extra.id,
        session_id=session.id,
        victim_session_id=victim_session.id,
        product_id=product.id,
        customer_id=customer.id,
        customer_user_id=customer_user.id,
        booking_id=booked.json()["id"],
        saga_id=booked.json()["saga_id"],
        victim_key_id=keys["victim"]["id"],
        victim_invite_id=invited.json()["id"],
        guest_booking_id=guest["booking"]["id"],
        manage_token=guest["manage_token"],
        staff_email=staff_email,
        rejected_booking_id=declined.json()["id"],
        webhook_endpoint_id=endpoints[0],
        victim_webhook_endpoint_id=endpoints[1],
        webhook_delivery_id=delivery_id,
        calendar_feed_id=feed.json()["id"],
        headers=headers,
        emails=emails,
    )


@pytest.fixture(scope="module")
async def world(platform):
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=60) as http:
        start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
        a, b = await asyncio.gather(
            _company(platform, http, "Matrix A", start), _company(platform, http, "Matrix B", start)
        )
        platform_email = _email("platform")
        await platform.users.create_user(email=platform_email, password=PASSWORD, role="PLATFORM_ADMIN")
        callers = dict(a.headers)
        callers[PLATFORM] = _bearer(await _login(http, platform_email, None))
        logins = {role: (email, a.id) for role, email in a.emails.items()}
        logins[PLATFORM] = (platform_email, None)
        yield World(a=a, b=b, callers=callers, http=http, day=start.date(), logins=logins)


# ----- one request per route, aimed at a company's ids -----

# Well-formed (a malformed one may be refused before the ids are looked at) but stale.
STALE = {"If-Match": '"999999"'}


def _money(minor: int = 1000) -> dict[str, Any]:
    return {"amount_minor": minor, "currency_code": "EUR"}


def _requests(w: World, t: Company) -> dict[str, dict[str, Any]]:
    """Per operation: what the call sends besides its path ids (params, json, data, headers, ids)."""
    day = w.day.isoformat()
    later = (w.day + timedelta(days=30)).isoformat()
    start = datetime.combine(w.day + timedelta(days=10), datetime.min.time(), UTC).replace(hour=8)
    company = {"company_id": t.id}
    return {
        "issueToken": {"json": {"email": t.staff_email, "password": PASSWORD, "company_id": t.id}},
        "changePassword": {"json": {"current_password": PASSWORD, "new_password": PASSWORD}},
        "requestPasswordReset": {"json": {"email": t.staff_email, "company_id": t.id}},
        "confirmPasswordReset": {"json": {"token": f"{uuid.uuid4()}.forged", "new_password": "x" * 12}},
        "signUp": {"json": {"email": _email("signup"), "password": PASSWORD, "display_name": "New"}},
        "acceptInvite": {"json": {"token": f"{uuid.uuid4()}.forged", "password": PASSWORD}},
        "createBooking": {"json": {"session_id": t.session_id, "payment": {"use_wallet": True}}},
        "settleBooking": {"json": {"card_token": "tok_visa"}},
        "authenticateBookingCard": {"json": {"approve": True}},
        "changeBooking": {"json": {"end_time": start.isoformat()}},
        "listPublicSessions": {"params": company},
        "quoteBooking": {"json": {"session_id": t.session_id}},
        "getAvailability": {"params": {**company, "start_date": day, "end_date": day}},
        "listFreeSlots": {"params": {"date": day}},
        "listSagas": {"params": company},
        "retrySagaStep": {"json": {"reason": "matrix"}},
        "forceCompensateSaga": {"json": {"reason": "matrix"}},
        "listBookingsOfDay": {"params": {**company, "date": day}},
        "listDeadLetters": {"params": {"service": "bookings"}},
        "receiveSandboxPaymentEvent": {"json": {}},
        "listUsers": {"params": company},
        # The customer's account with a stale ETag: an allowed caller gets 409/412, nothing changes.
        "updateUser": {"json": {"active": False}, "headers": STALE},
        "createInvite": {"json": {"email": _email("invite"), "role": "CUSTOMER", **company}},
        "listInvites": {"params": company},
        "listPasswordResets": {"params": company},
        "createApiKey": {"json": {"name": "matrix", "role": "STAFF", **company}},
        "listApiKeys": {"params": company},
        "listAuditEntries": {"params": company},
        "getBusinessStats": {"params": {**company, "from": day, "to": later}},
        "createWebhookEndpoint": {
            "json": {"url": "http://127.0.0.1:9/matrix", "event_types": ["booking.cancelled"], **company}
        },
        "listWebhookEndpoints": {"params": company},
        "updateWebhookEndpoint": {"json": {"description": "matrix"}, "headers": STALE},
        "deleteWebhookEndpoint": {"ids": {"endpoint_id": t.victim_webhook_endpoint_id}},
        "listWebhookDeliveries": {"params": company},
        "streamBookingEvents": {"ids": {"booking_id": t.rejected_booking_id}},
        "createCalendarFeed": {"json": {"resource_id": t.resource_id, "name": "matrix", **company}},
        "listCalendarFeeds": {"params": company},
        "createMyCalendarFeed": {"json": {"resource_id": t.resource_id, "name": "matrix"}},
        "createCompany": {"json": {"name": "Made", "time_zone": "Europe/Berlin", "currency_code": "EUR"}},
        "updateCompany": {"json": {"name": "Renamed"}, "headers": STALE},
        "suspendCompany": {"json": {"reason": "matrix"}, "headers": STALE},
        "resumeCompany": {"headers": STALE},
        "createResource": {"json": {"name": "Room", "booking_model": "TIME_SLOT", **company}},
        "listResources": {"params": company},
        "updateResource": {"json": {"name": "Renamed"}, "headers": STALE},
        "setHourlyRate": {"json": {"hourly_rate": _money()}, "headers": STALE},
        "archiveResource": {"headers": STALE},
        "listUnits": {"ids": {"resource_id": t.stay_resource_id}},
        "createUnit": {"json": {"name": "Cabin 2"}, "ids": {"resource_id": t.stay_resource_id}},
        "updateUnit": {"json": {"name": "Renamed"}, "headers": STALE},
        "archiveUnit": {"headers": STALE},
        "listExtras": {"params": company},
        "createExtra": {"json": {"name": "Towel", "price": _money(), **company}},
        "updateExtra": {"json": {"name": "Renamed"}, "headers": STALE},
        "archiveExtra": {"headers": STALE},
        "listRatePlans": {"ids": {"resource_id": t.stay_resource_id}},
        "createRatePlan": {
            "json": {"name": "Peak", "default_nightly_price": _money(20000)},
            "ids": {"resource_id": t.stay_resource_id},
        },
        "updateRatePlan": {"json": {"name": "Renamed"}, "headers": STALE},
        "listDailyPrices": {"params": {"from": day, "to": later}, "ids": {"resource_id": t.stay_resource_id}},
        "setDailyPrices": {
            "json": {"prices": [{"date": later, "price": _money(12000)}]},
            "ids": {"resource_id": t.stay_resource_id},
            "headers": STALE,
        },
        "createSession": {
            "json": {
                "resource_id": t.resource_id,
                "start_time": start.isoformat(),
                "end_time": (start + timedelta(hours=1)).isoformat(),
                "capacity": 5,
                "price": _money(),
            }
        },
        "listSessions": {"params": company},
        "createSessionSeries": {
            "json": {
                "resource_id": t.resource_id,
                "start_date": (w.day + timedelta(days=20)).isoformat(),
                "start_time": "07:00",
                "duration_minutes": 60,
                "rrule": "FREQ=DAILY;COUNT=2",
                "capacity": 5,
                "price": _money(),
            }
        },
        "updateSession": {"json": {"capacity": 300}, "headers": STALE},
        "cancelSession": {"json": {"reason": "matrix"}, "ids": {"session_id": t.victim_session_id}},
        "listResourceBookings": {"params": {"date": day}},
        "createPassProduct": {
            "json": {"name": "5 classes", "credits": 5, "validity_days": 30, "price": _money(), **company}
        },
        "listPassProducts": {"params": company},
        "updatePassProduct": {"json": {"name": "Renamed"}, "headers": STALE},
        "archivePassProduct": {"headers": STALE},
        "listCustomers": {"params": company},
        "createCustomer": {"json": {"display_name": "Desk", "email": _email("desk"), **company}},
        "updateCustomer": {"json": {"display_name": "Renamed"}, "headers": STALE},
        "creditCustomerWallet": {"json": {"amount": _money(), "reason": "matrix"}},
        "debitCustomerWallet": {"json": {"amount": _money(1), "reason": "matrix"}},
        "issueCustomerPass": {"json": {"product_id": t.product_id, "sale": "GRANT"}},
        "createBookingForCustomer": {
            "json": {"customer_id": t.customer_id, "session_id": t.session_id, "payment": {"desk": "CASH"}}
        },
        "listCompanyBookings": {"params": company},
        "cancelBookingByCompany": {"json": {"reason": "matrix"}},
        "overrideNoShow": {"json": {"no_show": True, "reason": "matrix"}},
        "createGuestSessionBooking": {
            "json": {"guest": {"name": "G", "email": _email("guest")}, "card_token": "tok_visa"}
        },
        "createGuestResourceBooking": {
            "json": {
                "guest": {"name": "G", "email": _email("guest")},
                "check_in_date": (w.day + timedelta(days=40)).isoformat(),
                "check_out_date": (w.day + timedelta(days=41)).isoformat(),
                "card_token": "tok_visa",
            },
            "ids": {"resource_id": t.stay_resource_id},
        },
        "getGuestBooking": {"ids": {"booking_id": t.guest_booking_id}},
        "cancelGuestBooking": {"ids": {"booking_id": t.guest_booking_id}},
        "showCardAuthentication": {"headers": {"Authorization": "Bearer not-a-token"}},
        "completeCardAuthentication": {"data": {"token": "not-a-token", "approve": "true"}},
    }


async def _special(w: World, op_id: str, role: str, t: Company, spec: dict[str, Any]) -> None:
    """Calls whose credential is made fresh for each call."""
    if op_id in ("refreshToken", "logout"):
        tokens = await _login(w.http, t.staff_email, t.id)
        spec["json"] = {"refresh_token": tokens["refresh_token"]}
    if role != GUEST:
        return
    # The guest's credentials are always A's; the ids are the target's.
    if op_id == "getGuestBooking":
        spec["headers"] = {"Authorization": f"Bearer {w.a.manage_token}"}
    if op_id in ("showCardAuthentication", "completeCardAuthentication"):
        # A fresh 3-D Secure booking each time: its payment waits only a few seconds.
        own = await _payment_link(w, w.a)
        payment_id = own[0] if t is w.a else (await _payment_link(w, t))[0]
        spec.setdefault("ids", {})["payment_id"] = payment_id
        if op_id == "showCardAuthentication":
            spec["headers"] = {"Authorization": f"Bearer {own[1]}"}
        else:
            spec["data"] = {"token": own[1], "approve": "true"}


async def _payment_link(w: World, company: Company) -> tuple[str, str]:
    created = await _guest_booking(w.http, company.id, company.session_id, "tok_requiresAction")

    async def action() -> dict | None:
        seen = await w.http.get(
            created["manage_url"], headers={"Authorization": f"Bearer {created['manage_token']}"}
        )
        next_action: dict | None = seen.json().get("next_action")
        return next_action

    found = await eventually(action, message="no 3-D Secure next action")
    match = re.fullmatch(r"/v1/public/payments/([0-9a-f-]{36})/authenticate", found["url"])
    assert match, found
    return match.group(1), found["token"]


# ----- the matrix -----


@dataclass
class Tally:
    cases: int = 0
    allowed: int = 0
    refused: int = 0
    refused_as_expected: int = 0
    allowed_as_expected: int = 0
    statuses: Counter[int] = field(default_factory=Counter)


TALLY = Tally()


def _expected_refusal(row: Row, role: str, allowed_role: bool) -> int:
    if row.token_gated:
        return 404
    if not allowed_role:
        return 401 if role in (ANON, GUEST) else 403
    return 404  # another company's ids


async def _call(w: World, op_id: str, role: str, t: Company) -> httpx.Response:
    method, path, _ = OPERATIONS[op_id]
    spec = dict(_requests(w, t).get(op_id, {}))
    await _special(w, op_id, role, t, spec)
    ids = {**t.ids(), **spec.get("ids", {})}
    headers = {**w.callers[role], **spec.get("headers", {})}
    if method != "GET":
        headers.update(_key())
    response = await w.http.request(
        method,
        path.format(**ids),
        params=spec.get("params"),
        json=spec.get("json"),
        data=spec.get("data"),
        headers=headers,
    )
    if op_id == "changePassword" and response.status_code == 204:
        # A password change signs its account out everywhere: the caller logs in again (with
        # the same password, which the call set again) for the routes after this one.
        email, company_id = w.logins[role]
        w.callers[role] = _bearer(await _login(w.http, email, company_id))
    return response


@pytest.mark.parametrize("op_id", list(OPERATIONS))
async def test_route_refuses_every_caller_it_must_and_serves_the_others(world: World, op_id: str) -> None:
    row = EXPECTED.get(op_id)
    if row is None:
        pytest.fail(f"{op_id} has no row in EXPECTED")
    method, path, _ = OPERATIONS[op_id]
    targets = [("own", world.a)] if row.ids == NONE else [("own", world.a), ("other", world.b)]
    failures = []
    for role in ROLES:
        for which, target in targets:
            allowed_role = role in row.allowed
            allowed = allowed_role and (which == "own" or row.ids != TENANT or role == PLATFORM)
            response = await _call(world, op_id, role, target)
            status = response.status_code
            code = _code(response)
            TALLY.cases += 1
            TALLY.statuses[status] += 1
            label = f"{method} {path} as {role} on {which} company's ids: {status} {code}"
            if allowed:
                TALLY.allowed += 1
                refused = status in (401, 403) or (status == 404 and code not in row.not_found_ok)
                if status >= 500 or refused:
                    failures.append(f"{label}, but it must be served: {response.text[:300]}")
                else:
                    TALLY.allowed_as_expected += 1
            else:
                TALLY.refused += 1
                expected = _expected_refusal(row, role, allowed_role)
                if status == expected:
                    TALLY.refused_as_expected += 1
                else:
                    failures.append(f"{label}, but it must be refused with {expected}: {response.text[:300]}")
    assert not failures, "\n".join(failures)


def _code(response: httpx.Response) -> str:
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        return str(response.json().get("code"))
    return ""


def test_zz_the_matrix_counts() -> None:
    """Runs after the routes (definition order): prints the totals."""
    if TALLY.cases == 0:
        pytest.skip("the route tests did not run")
    share = 100.0 * TALLY.refused_as_expected / TALLY.refused if TALLY.refused else 100.0
    print(
        f"\nsecurity matrix: {len(OPERATIONS)} routes x {len(ROLES)} callers x own/other company: "
        f"{TALLY.cases} cases, {TALLY.allowed} allowed ({TALLY.allowed_as_expected} served), "
        f"{TALLY.refused} refused ({TALLY.refused_as_expected} as expected = {share:.1f} %); "
        f"statuses {dict(sorted(TALLY.statuses.items()))}"
    )
    assert TALLY.refused > 0 and TALLY.allowed > 0


# ----- the same cross-tenant attempt straight to each service's gRPC -----


async def test_each_service_refuses_a_forged_principal_of_another_company(platform, world: World) -> None:
    """Past the gateway: whoever reaches a service and states company A's principal in the
    metadata (`x-bp-principal`) gets nothing of company B's, from every service."""
    a, b = world.a, world.b

    def calls(t: Company) -> list[tuple[str, Any, Any]]:
        return [
            (
                "catalog",
                platform.catalog.GetCustomer,
                catalog_pb2.GetCustomerRequest(customer_id=t.customer_id),
            ),
            (
                "bookings",
                platform.bookings.GetBooking,
                bookings_pb2.GetBookingRequest(booking_id=t.booking_id),
            ),
            (
                "wallet",
                platform.wallet.GetWallet,
                wallet_pb2.GetWalletRequest(company_id=t.id, customer_id=t.customer_id),
            ),
            (
                "passes",
                platform.passes.GetPassProduct,
                passes_pb2.GetPassProductRequest(product_id=t.product_id),
            ),
            (
                "payments",
                platform.payments.ListPayments,
                payments_pb2.ListPaymentsRequest(booking_id=t.guest_booking_id),
            ),
        ]

    failures, refused = [], 0
    for role in (Role.COMPANY_ADMIN, Role.STAFF):
        forged = Principal(role=role, company_id=a.id, user_id=str(uuid.uuid4()))
        metadata = ((METADATA_KEY, forged.encode()),)
        for (service, rpc, own), (_, _, foreign) in zip(calls(a), calls(b), strict=True):
            try:
                await rpc(foreign, metadata=metadata, timeout=30)
                failures.append(f"{service}: {type(foreign).__name__} of company B as A's {role}: answered")
            except aio.AioRpcError as error:
                if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED):
                    refused += 1
                else:
                    failures.append(f"{service} as A's {role} on B: {error.code().name} {error.details()}")
            try:
                await rpc(own, metadata=metadata, timeout=30)
            except aio.AioRpcError as error:
                failures.append(
                    f"{service} as A's {role} on A's own ids: {error.code().name} {error.details()}"
                )
    print(f"\nforged principal straight to gRPC: {refused} of 10 cross-tenant calls refused by 5 services")
    assert not failures, "\n".join(failures)
    assert refused == 10
