"""Guest booking on the real platform: a guest (no account) books with a name, an e-mail and a
card, sees the booking through the signed manage link and cancels it; a 3-D Secure card is
completed through the booking's next_action; guest bookings are throttled per e-mail and per
IP address; a guest who signs up later sees the bookings."""

from __future__ import annotations

import asyncio
import re
import socket
import uuid
from datetime import timedelta

import grpc
import httpx
import pytest
import uvicorn
from google.protobuf import field_mask_pb2

from bookingplatform.catalog.v1 import catalog_pb2, guest_customers_pb2, guest_customers_pb2_grpc
from gateway.app import create_app
from gateway.settings import Settings as GatewaySettings
from plumbing.testing import eventually
from tests.conftest import Platform, Tenant

pytestmark = pytest.mark.e2e


def _email() -> str:
    return f"guest-{uuid.uuid4().hex[:10]}@example.com"


async def _book(
    http: httpx.AsyncClient,
    tenant: Tenant,
    session_id: str,
    email: str,
    *,
    card: str = "tok_visa",
    key: str | None = None,
    company_id: str | None = None,
) -> httpx.Response:
    return await http.post(
        f"/v1/public/companies/{company_id or tenant.company_id}/sessions/{session_id}/bookings",
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
        json={"guest": {"name": "Ada Guest", "email": email}, "quantity": 1, "card_token": card},
    )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _until(http: httpx.AsyncClient, created: dict, done) -> dict:
    last: dict = {}

    async def reached() -> dict | None:
        response = await http.get(created["manage_url"], headers=_bearer(created["manage_token"]))
        assert response.status_code == 200, response.text
        last.update(response.json())
        return last if done(last) else None

    return await eventually(reached, message=lambda: f"the guest booking stayed {last}")


@pytest.fixture
async def http(platform: Platform):
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30) as client:
        yield client


async def test_a_guest_books_sees_it_through_the_manage_link_and_cancels_it(
    http: httpx.AsyncClient, tenant: Tenant, platform: Platform
) -> None:
    session = await tenant.session(starts_in=timedelta(days=3))
    email = _email()
    created = await _book(http, tenant, session.id, email)
    assert created.status_code == 202, created.text
    body = created.json()
    booking_id = body["booking"]["id"]
    assert body["reference"] == booking_id
    # No token in any address: the manage URL is bare, the token goes in the Authorization header.
    assert body["manage_url"] == f"/v1/public/bookings/{booking_id}"
    assert created.headers["location"] == f"/v1/public/bookings/{booking_id}"

    seen = await _until(http, body, lambda b: b["booking"]["status"] == "CONFIRMED")
    assert seen["next_action"] is None
    assert seen["booking"]["card_charged"]["amount_minor"] == 2000
    customer = (
        await platform.catalog.GetCustomer(
            catalog_pb2.GetCustomerRequest(customer_id=seen["booking"]["customer_id"])
        )
    ).customer
    assert (customer.guest, customer.email, customer.company_id) == (True, email, tenant.company_id)

    # The same e-mail booking again is the same guest customer; its link opens only its booking.
    again = await _book(http, tenant, session.id, email.upper())
    assert again.status_code == 202, again.text
    assert again.json()["booking"]["customer_id"] == customer.id
    other_id = again.json()["booking"]["id"]
    for url, headers in (
        (f"/v1/public/bookings/{other_id}", _bearer(body["manage_token"])),  # another booking's token
        (f"/v1/public/bookings/{booking_id}", {}),  # no token
        (f"/v1/public/bookings/{booking_id}", _bearer(body["manage_token"][:-4] + "abcd")),  # forged
    ):
        refused = await http.get(url, headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (404, "BOOKING_NOT_FOUND"), url
    # The token in the address is refused outright, not read.
    in_address = await http.get(f"/v1/public/bookings/{booking_id}", params={"token": body["manage_token"]})
    assert (in_address.status_code, in_address.json()["code"]) == (400, "UNKNOWN_PARAMETER")
    # A manage token is no access token.
    as_bearer = await http.get("/v1/bookings", headers={"Authorization": f"Bearer {body['manage_token']}"})
    assert as_bearer.status_code == 401

    # Cancel: the token in the header (never the address); without one, nothing happens.
    key = str(uuid.uuid4())
    refused = await http.post(f"/v1/public/bookings/{booking_id}/cancel", headers={"Idempotency-Key": key})
    assert (refused.status_code, refused.json()["code"]) == (404, "BOOKING_NOT_FOUND")

    async def cancelled() -> httpx.Response | None:
        response = await http.post(
            f"/v1/public/bookings/{booking_id}/cancel",
            headers={"Idempotency-Key": str(uuid.uuid4()), "Authorization": f"Bearer {body['manage_token']}"},
        )
        if response.status_code == 409 and response.json()["code"] == "BOOKING_FINALIZING":
            return None
        return response

    cancel = await eventually(cancelled, message="the booking never finished confirming")
    assert cancel.status_code == 202, cancel.text
    assert cancel.json()["booking"]["status"] in ("CANCELLING", "CANCELLED")
    final = await _until(http, body, lambda b: b["booking"]["status"] == "CANCELLED")
    assert final["booking"]["refund"]["card"]["amount_minor"] == 2000


async def test_a_3ds_card_is_completed_through_the_next_action_and_the_booking_confirms(
    http: httpx.AsyncClient, tenant: Tenant, platform: Platform
) -> None:
    session = await tenant.session()
    created = await _book(http, tenant, session.id, _email(), card="tok_requiresAction")
    assert created.status_code == 202, created.text
    waiting = await _until(http, created.json(), lambda b: b["next_action"] is not None)
    action = waiting["next_action"]
    assert action["type"] == "AUTHENTICATE_CARD"
    assert waiting["booking"]["status"] == "PENDING"
    match = re.fullmatch(r"/v1/public/payments/([0-9a-f-]{36})/authenticate", action["url"])
    assert match, action["url"]
    payment_id, payment_token = match.group(1), action["token"]

    without_token = await http.get(action["url"])
    assert (without_token.status_code, without_token.json()["code"]) == (404, "PAYMENT_NOT_FOUND")
    page = await http.get(action["url"], headers=_bearer(payment_token))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f'action="/v1/public/payments/{payment_id}/authenticate"' in page.text
    # The manage token is not a payment token.
    wrong = await http.post(
        f"/v1/public/payments/{payment_id}/authenticate",
        data={"token": created.json()["manage_token"], "approve": "true"},
    )
    assert (wrong.status_code, wrong.json()["code"]) == (404, "PAYMENT_NOT_FOUND")

    done = await http.post(
        f"/v1/public/payments/{payment_id}/authenticate", data={"token": payment_token, "approve": "true"}
    )
    assert done.status_code == 202, done.text
    assert done.json() == {
        "payment_id": payment_id,
        "booking_id": waiting["booking"]["id"],
        "status": "REQUIRES_ACTION",
    }
    confirmed = await _until(http, created.json(), lambda b: b["booking"]["status"] != "PENDING")
    assert confirmed["booking"]["status"] == "CONFIRMED", confirmed
    assert confirmed["next_action"] is None
    again = await http.post(
        f"/v1/public/payments/{payment_id}/authenticate", data={"token": payment_token, "approve": "true"}
    )
    assert (again.status_code, again.json()["code"]) == (409, "PAYMENT_NOT_REQUIRING_ACTION")


async def test_guest_bookings_are_throttled_per_email(http: httpx.AsyncClient, tenant: Tenant) -> None:
    email = _email()
    unknown_session = str(uuid.uuid4())
    for _ in range(5):  # GATEWAY_GUEST_BOOKING_LIMIT_PER_EMAIL: 5/hour
        response = await _book(http, tenant, unknown_session, email)
        assert (response.status_code, response.json()["code"]) == (404, "SESSION_NOT_FOUND")
    throttled = await _book(http, tenant, unknown_session, email.upper())
    assert (throttled.status_code, throttled.json()["code"]) == (429, "RATE_LIMITED")
    assert 1 <= int(throttled.headers["retry-after"]) <= 3600
    # Another address is not throttled by it.
    other = await _book(http, tenant, unknown_session, _email())
    assert other.status_code == 404


async def test_guest_bookings_are_throttled_per_ip_whatever_the_email(
    platform: Platform, tenant: Tenant
) -> None:
    # A gateway of its own with a low per-IP limit: the platform's gateway lifts it, since
    # every test books from 127.0.0.1.
    settings = GatewaySettings(
        catalog_addr=platform.addresses["catalog"],
        bookings_addr=platform.addresses["bookings"],
        wallet_addr=platform.addresses["wallet"],
        passes_addr=platform.addresses["passes"],
        payments_addr=platform.addresses["payments"],
        database_url=platform.database_url,
        jwt_secret="ip-limit-secret-" + uuid.uuid4().hex,
        guest_booking_limit_per_ip="3/hour",
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            http="httptools",
            log_level="warning",
            timeout_keep_alive=settings.keep_alive_seconds,
        )
    )
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await eventually(lambda: server.started or serving.done(), message="the gateway never started")
        assert not serving.done(), "the gateway failed to start"
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        unknown_session = str(uuid.uuid4())
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as limited:
            for _ in range(3):  # each with an e-mail of its own: only the IP is counted here
                response = await _book(limited, tenant, unknown_session, _email())
                assert (response.status_code, response.json()["code"]) == (404, "SESSION_NOT_FOUND")
            throttled = await _book(limited, tenant, unknown_session, _email())
        assert (throttled.status_code, throttled.json()["code"]) == (429, "RATE_LIMITED")
        assert 1 <= int(throttled.headers["retry-after"]) <= 3600
    finally:
        server.should_exit = True
        await serving
        sock.close()
    # The platform's gateway keeps its own counters: the same address still books there.
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30) as http:
        other = await _book(http, tenant, unknown_session, _email())
    assert other.status_code == 404


async def test_a_session_of_another_company_and_bad_input_are_refused(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await tenant.session()
    foreign = await _book(http, tenant, session.id, _email(), company_id=str(uuid.uuid4()))
    assert (foreign.status_code, foreign.json()["code"]) == (404, "SESSION_NOT_FOUND")
    for guest in ({"name": "A", "email": "not-an-address"}, {"name": " ", "email": _email()}):
        response = await http.post(
            f"/v1/public/companies/{tenant.company_id}/sessions/{session.id}/bookings",
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={"guest": guest, "card_token": "tok_visa"},
        )
        assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_FAILED")
    no_key = await http.post(
        f"/v1/public/companies/{tenant.company_id}/sessions/{session.id}/bookings",
        json={"guest": {"name": "A", "email": _email()}, "card_token": "tok_visa"},
    )
    assert (no_key.status_code, no_key.json()["code"]) == (400, "IDEMPOTENCY_KEY_REQUIRED")


async def test_a_guest_who_signs_up_later_sees_the_guest_bookings(
    http: httpx.AsyncClient, tenant: Tenant, platform: Platform
) -> None:
    session = await tenant.session()
    email = _email()
    created = await _book(http, tenant, session.id, email)
    assert created.status_code == 202, created.text
    booking_id = created.json()["booking"]["id"]
    # Sign-up's catalog side: the guest becomes a registered customer with the same id (the
    # accounts' sign-up calls this; here the test does, then makes the user as the seed does).
    async with grpc.aio.insecure_channel(platform.addresses["catalog"]) as channel:
        guests = guest_customers_pb2_grpc.GuestCustomerServiceStub(channel)
        customer = (
            await guests.ConvertGuestCustomer(
                guest_customers_pb2.ConvertGuestCustomerRequest(company_id=tenant.company_id, email=email)
            )
        ).customer
    assert not customer.guest and customer.id == created.json()["booking"]["customer_id"]
    await platform.users.create_user(
        email=email,
        password="secret-pass",
        role="CUSTOMER",
        company_id=tenant.company_id,
        customer_id=customer.id,
    )
    token = await http.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
    assert token.status_code == 200, token.text
    mine = await http.get("/v1/bookings", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert mine.status_code == 200, mine.text
    assert booking_id in [b["id"] for b in mine.json()["bookings"]]


async def test_cors_is_granted_to_the_companys_own_origins_only(
    http: httpx.AsyncClient, tenant: Tenant, platform: Platform
) -> None:
    shop = "https://shop-" + uuid.uuid4().hex[:8] + ".example"
    company = catalog_pb2.Company(id=tenant.company_id, allowed_origins=[shop])
    await platform.catalog.UpdateCompany(
        catalog_pb2.UpdateCompanyRequest(
            request_id=str(uuid.uuid4()),
            company=company,
            update_mask=field_mask_pb2.FieldMask(paths=["allowed_origins"]),
        )
    )
    session = await tenant.session()
    path = f"/v1/public/companies/{tenant.company_id}/sessions/{session.id}/bookings"
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "idempotency-key"}
    allowed = await http.options(path, headers={"Origin": shop, **preflight})
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == shop
    assert "Idempotency-Key" in allowed.headers["access-control-allow-headers"]
    listed = await http.get(
        "/v1/sessions", params={"company_id": tenant.company_id}, headers={"Origin": shop}
    )
    assert listed.status_code == 200 and listed.headers["access-control-allow-origin"] == shop
    # Another site, or the company's origin on another company's address, gets no CORS header.
    for origin, address in (
        (f"https://evil-{uuid.uuid4().hex[:6]}.example", path),
        (shop, path.replace(tenant.company_id, str(uuid.uuid4()))),
    ):
        refused = await http.options(address, headers={"Origin": origin, **preflight})
        assert "access-control-allow-origin" not in refused.headers, (origin, address)


async def test_an_extra_listed_twice_is_400_duplicate_extra_for_quote_booking_and_guest(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    """Two lines of one extra were priced by a quote and a 500 for a booking (the booking's
    extras are keyed by the extra): quote, customer and guest all answer 400 DUPLICATE_EXTRA
    and nothing is booked; the extra once with quantity 2 is the way to ask for two."""
    session = await tenant.session()
    twice = [{"extra_id": tenant.extra_id, "quantity": 1}, {"extra_id": tenant.extra_id, "quantity": 1}]
    quote = await http.post("/v1/quotes", json={"session_id": session.id, "extras": twice})
    assert (quote.status_code, quote.json()["code"]) == (400, "DUPLICATE_EXTRA"), quote.text
    assert quote.headers["content-type"].startswith("application/problem+json")
    customer = await tenant.customer(main_minor=10_000)
    booked = await customer.http.post(
        "/v1/bookings",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        json={"session_id": session.id, "extras": twice, "payment": {"use_wallet": True}},
    )
    assert (booked.status_code, booked.json()["code"]) == (400, "DUPLICATE_EXTRA"), booked.text
    guest_email = _email()
    guest = await http.post(
        f"/v1/public/companies/{tenant.company_id}/sessions/{session.id}/bookings",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        json={
            "guest": {"name": "Ada Guest", "email": guest_email},
            "extras": twice,
            "card_token": "tok_visa",
        },
    )
    assert (guest.status_code, guest.json()["code"]) == (400, "DUPLICATE_EXTRA"), guest.text
    # Refused before the guest was made a customer (the gateway prices the request first).
    guests = await tenant.platform.catalog.ListCustomers(
        catalog_pb2.ListCustomersRequest(company_id=tenant.company_id, query=guest_email)
    )
    assert list(guests.customers) == []
    listed = await customer.http.get("/v1/bookings")
    assert listed.status_code == 200 and listed.json()["bookings"] == [], listed.text
    once = await http.post(
        "/v1/quotes",
        json={"session_id": session.id, "extras": [{"extra_id": tenant.extra_id, "quantity": 2}]},
    )
    assert once.status_code == 200 and once.json()["total"]["amount_minor"] == 2000 + 2 * 300, once.text
