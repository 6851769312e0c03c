"""Admission control end to end: a gateway allowed one write in flight and no queue, in front of
the real services, refuses what it cannot take at once with 503 OVERLOADED and Retry-After, and
every booking it accepted reaches its end; a refused request retried later with its
Idempotency-Key is served."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from google.protobuf import field_mask_pb2

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.wallet.v1 import wallet_pb2
from gateway.app import create_app
from gateway.clients import Clients
from gateway.settings import Settings as GatewaySettings
from plumbing.db import Database
from plumbing.testing import eventually
from tests.conftest import eur

pytestmark = pytest.mark.e2e


@pytest.fixture
async def one_write_gateway(platform) -> AsyncIterator[httpx.AsyncClient]:
    addresses = platform.addresses
    settings = GatewaySettings(
        catalog_addr=addresses["catalog"],
        bookings_addr=addresses["bookings"],
        wallet_addr=addresses["wallet"],
        passes_addr=addresses["passes"],
        payments_addr=addresses["payments"],
        database_url=platform.database_url,
        jwt_secret="overload-secret-" + uuid.uuid4().hex,
        grpc_timeout_seconds=60.0,
        max_writes_in_flight=1,
        write_queue=0,
    )
    clients = Clients.from_settings(settings)
    db = Database(platform.database_url, application_name="gateway-overload-test", pool_size=4)
    app = create_app(settings, clients=clients, db=db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway", timeout=60) as http:
        yield http
    await clients.close()
    await db.close()


async def logged_in_customer(tenant, http: httpx.AsyncClient) -> str:
    """A customer of the tenant with money in the wallet, logged in through `http`; its id."""
    platform = tenant.platform
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    customer = (
        await platform.catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                request_id=str(uuid.uuid4()), company_id=tenant.company_id, display_name="Busy", email=email
            )
        )
    ).customer
    await platform.wallet.TopUpWallet(
        wallet_pb2.TopUpWalletRequest(
            request_id=str(uuid.uuid4()),
            company_id=tenant.company_id,
            customer_id=customer.id,
            amount=eur(100_000),
            balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
        )
    )
    await platform.users.create_user(
        email=email,
        password="secret-pass",
        role="CUSTOMER",
        company_id=tenant.company_id,
        customer_id=customer.id,
    )
    token = await http.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
    assert token.status_code == 200, token.text
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return str(customer.id)


async def test_a_gateway_at_its_write_limit_refuses_the_rest_fast_and_loses_nothing_it_accepted(
    tenant, one_write_gateway
):
    http = one_write_gateway
    await logged_in_customer(tenant, http)
    session = await tenant.session(capacity=20, price_minor=1000)
    keys = [str(uuid.uuid4()) for _ in range(6)]

    async def book(key: str) -> httpx.Response:
        return await http.post(
            "/v1/bookings",
            headers={"Idempotency-Key": key},
            json={"session_id": session.id, "quantity": 1, "payment": {"use_wallet": True}},
        )

    answers = await asyncio.gather(*(book(key) for key in keys))

    accepted = [a for a in answers if a.status_code == 202]
    refused = [a for a in answers if a.status_code != 202]
    assert accepted, [a.text for a in answers]
    assert refused, "one write in flight and no queue: the concurrent ones are refused"
    for answer in refused:
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "OVERLOADED"
        assert int(answer.headers["Retry-After"]) >= 1
        assert answer.headers.get("X-Request-ID")

    async def finished(booking_id: str) -> dict | None:
        response = await http.get(f"/v1/bookings/{booking_id}")
        assert response.status_code == 200, response.text
        return response.json() if response.json()["status"] in ("CONFIRMED", "REJECTED") else None

    for answer in accepted:
        booking = await eventually(lambda a=answer: finished(a.json()["id"]))
        assert booking["status"] == "CONFIRMED", booking

    # A refused request was never seen past the edge: retried one at a time with the same
    # Idempotency-Key, each is served once.
    for answer, key in zip(answers, keys, strict=True):
        if answer.status_code == 202:
            continue
        retried = await book(key)
        assert retried.status_code == 202, retried.text
        await eventually(lambda r=retried: finished(r.json()["id"]))

    listed = await http.get("/v1/bookings", params={"page_size": 50})
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["bookings"]) == len(keys)


async def test_a_refusal_is_made_before_the_app_and_still_carries_cors_and_the_request_id(
    tenant, one_write_gateway
):
    """Admission control runs in front of the app's middleware stack (gateway.app
    `_edge_first`), so a refused write costs no span, no route matching and no error
    middleware; a company's own site still reads it (CORS) and it names the request id."""
    http = one_write_gateway
    platform = tenant.platform
    shop = "https://shop-" + uuid.uuid4().hex[:8] + ".example"
    await platform.catalog.UpdateCompany(
        catalog_pb2.UpdateCompanyRequest(
            request_id=str(uuid.uuid4()),
            company=catalog_pb2.Company(id=tenant.company_id, allowed_origins=[shop]),
            update_mask=field_mask_pb2.FieldMask(paths=["allowed_origins"]),
        )
    )
    session = await tenant.session(capacity=20, price_minor=1000)
    path = f"/v1/public/companies/{tenant.company_id}/sessions/{session.id}/bookings"

    async def guest_books(number: int) -> httpx.Response:
        return await http.post(
            path,
            headers={
                "Origin": shop,
                "Idempotency-Key": str(uuid.uuid4()),
                "X-Request-ID": f"shop-call-{number}",
            },
            json={
                "guest": {"name": "Busy Guest", "email": f"guest-{uuid.uuid4().hex[:8]}@example.com"},
                "quantity": 1,
                "card_token": "tok_visa",
            },
        )

    answers = await asyncio.gather(*(guest_books(number) for number in range(6)))

    refused = [(number, a) for number, a in enumerate(answers) if a.status_code == 503]
    assert refused and any(a.status_code == 202 for a in answers), [a.text for a in answers]
    for number, answer in refused:
        assert answer.json()["code"] == "OVERLOADED"
        assert answer.headers["access-control-allow-origin"] == shop
        assert "Retry-After" in answer.headers["access-control-expose-headers"]
        assert answer.headers["x-request-id"] == f"shop-call-{number}"
        assert answer.headers["x-content-type-options"] == "nosniff"

    # The stack as built: nosniff, CORS, then admission control, then what Starlette and the
    # instrumentation built (the request's span and error handling are behind the refusal).
    transport = http._transport
    assert isinstance(transport, httpx.ASGITransport)
    stack = transport.app.middleware_stack  # type: ignore[attr-defined]
    edge = [type(stack).__name__, type(stack.app).__name__, type(stack.app.app).__name__]
    inner = stack.app.app.app
    assert edge == ["NoSniff", "CompanyCors", "AdmissionControl"]
    assert type(inner).__name__ in {"ServerErrorMiddleware", "OpenTelemetryMiddleware"}
