"""End to end through the HTTP gateway: a paid booking is checked in (by its customer or an
operator of the company), completes after its end, or becomes a no-show after the check-in
deadline plus the grace; finished bookings refuse check-in and cancellation and keep what
was paid and the place.

Moving time: the catalog refuses sessions in the past and a test cannot wait for real
minutes. The lifecycle reads only the booking's own times (start, end, check-in deadline,
no-show time) against the database's clock, so the tests shift those columns together by
SQL, which is the same as waiting. The scheduler is then run once here (`Lifecycle.sweep`,
what every bookings replica runs every `LIFECYCLE_SWEEP_SECONDS`); whichever sweep moves a
booking first, it moves once, so the tests only assert where bookings end up.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from bookings.service.lifecycle import Lifecycle

pytestmark = pytest.mark.e2e

DEADLINE_MINUTES = 15
GRACE_MINUTES = 10
PRICE = 2000


async def a_session_with_check_in(tenant) -> str:
    """A session of a resource whose policy asks for check-in 15 minutes after the start."""
    resource = (
        await tenant.platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=tenant.company_id,
                name="Climbing wall",
                booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                policy=catalog_pb2.ResourcePolicy(
                    free_cancellation_minutes=60,
                    check_in_deadline_minutes=DEADLINE_MINUTES,
                    no_show_grace_minutes=GRACE_MINUTES,
                ),
            )
        )
    ).resource
    start = datetime.now(UTC) + timedelta(days=2)
    request = catalog_pb2.CreateSessionRequest(
        request_id=str(uuid.uuid4()),
        resource_id=resource.id,
        capacity=5,
        price=money_pb2.Money(amount_minor=PRICE, currency_code="EUR"),
    )
    request.start_time.FromDatetime(start)
    request.end_time.FromDatetime(start + timedelta(hours=1))
    return (await tenant.platform.catalog.CreateSession(request)).session.id


async def a_paid_booking(customer, session_id: str) -> dict:
    created = await customer.book(session_id, use_wallet=True)
    assert created.status_code == 202, created.text
    return await customer.wait_for(created.json()["id"], "CONFIRMED")


async def shift(platform, booking_id: str, *, starts_in: timedelta) -> None:
    """Moves the booking's times together so that it starts `starts_in` from now."""
    async with platform.db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE bookings.bookings SET"
                " end_time = end_time + (now() + :starts_in - start_time),"
                " check_in_deadline = check_in_deadline + (now() + :starts_in - start_time),"
                " no_show_at = no_show_at + (now() + :starts_in - start_time),"
                " free_cancellation_until = free_cancellation_until + (now() + :starts_in - start_time),"
                " start_time = now() + :starts_in"
                " WHERE id = :id"
            ),
            {"id": booking_id, "starts_in": starts_in},
        )


async def places_booked(platform, session_id: str) -> int:
    async with platform.db.transaction() as conn:
        booked = await conn.execute(
            text("SELECT booked FROM bookings.session_occupancy WHERE session_id = :id"), {"id": session_id}
        )
        return booked.scalar_one()


async def check_in(client: httpx.AsyncClient, booking_id: str, key: str | None = None) -> httpx.Response:
    return await client.post(
        f"/v1/bookings/{booking_id}/check-in", headers={"Idempotency-Key": key or str(uuid.uuid4())}
    )


async def operator_of(platform, company_id: str) -> httpx.AsyncClient:
    email = f"ops-{uuid.uuid4().hex[:10]}@example.com"
    await platform.users.create_user(
        email=email, password="secret-pass", role="COMPANY_ADMIN", company_id=company_id
    )
    client = httpx.AsyncClient(base_url=platform.gateway_url, timeout=30)
    token = await client.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


async def test_a_customer_checks_in_then_the_booking_completes_after_its_end(platform, tenant):
    session_id = await a_session_with_check_in(tenant)
    customer = await tenant.customer(main_minor=PRICE)
    booking = await a_paid_booking(customer, session_id)
    assert booking["check_in_deadline_time"] is not None

    too_early = await check_in(customer.http, booking["id"])
    await shift(platform, booking["id"], starts_in=timedelta(minutes=20))
    key = str(uuid.uuid4())
    arrived = await check_in(customer.http, booking["id"], key)
    replayed = await check_in(customer.http, booking["id"], key)
    await shift(platform, booking["id"], starts_in=-timedelta(hours=2))
    await Lifecycle(platform.db).sweep()
    completed = await customer.wait_for(booking["id"], "COMPLETED")

    assert too_early.status_code == 409
    assert too_early.json()["code"] == "CHECK_IN_NOT_OPEN"
    assert arrived.status_code == 200, arrived.text
    assert arrived.json()["status"] == "CHECKED_IN"
    assert arrived.json()["checked_in_time"] is not None
    assert replayed.headers["idempotent-replayed"] == "true"
    assert completed["checked_in_time"] == arrived.json()["checked_in_time"]
    # Finished: cancelling is refused, the money and the place stay where they are.
    cancel = await customer.cancel(booking["id"])
    assert cancel.status_code == 409
    assert cancel.json()["code"] == "BOOKING_NOT_CANCELLABLE"
    assert (await customer.wallet())["main_balance"]["amount_minor"] == 0
    assert await places_booked(platform, session_id) == 1


async def test_a_missed_check_in_becomes_a_no_show_that_refuses_everything(platform, tenant):
    session_id = await a_session_with_check_in(tenant)
    customer = await tenant.customer(main_minor=PRICE)
    booking = await a_paid_booking(customer, session_id)

    await shift(platform, booking["id"], starts_in=-timedelta(minutes=DEADLINE_MINUTES + GRACE_MINUTES + 1))
    closed = await check_in(customer.http, booking["id"])
    await Lifecycle(platform.db).sweep()
    no_show = await customer.wait_for(booking["id"], "NO_SHOW")
    refused = await check_in(customer.http, booking["id"])
    cancel = await customer.cancel(booking["id"])

    assert closed.status_code == 409
    assert closed.json()["code"] == "CHECK_IN_CLOSED"
    assert no_show["checked_in_time"] is None
    assert refused.status_code == 409
    assert refused.json()["code"] == "BOOKING_FINISHED"
    assert cancel.status_code == 409
    assert cancel.json()["code"] == "BOOKING_NOT_CANCELLABLE"
    # A no-show is not refunded and keeps its place.
    assert (await customer.wallet())["main_balance"]["amount_minor"] == 0
    assert await places_booked(platform, session_id) == 1


async def test_an_operator_of_the_company_checks_a_customer_in_and_others_cannot(platform, tenant):
    session_id = await a_session_with_check_in(tenant)
    customer = await tenant.customer(main_minor=PRICE)
    neighbour = await tenant.customer()
    booking = await a_paid_booking(customer, session_id)
    await shift(platform, booking["id"], starts_in=timedelta(minutes=5))
    operator = await operator_of(platform, tenant.company_id)
    stranger = await operator_of(platform, str(uuid.uuid4()))
    try:
        by_neighbour = await check_in(neighbour.http, booking["id"])
        by_stranger = await check_in(stranger, booking["id"])
        by_operator = await check_in(operator, booking["id"])
    finally:
        await operator.aclose()
        await stranger.aclose()

    assert by_neighbour.status_code == 404
    assert by_stranger.status_code == 404
    assert by_operator.status_code == 200, by_operator.text
    assert by_operator.json()["status"] == "CHECKED_IN"
    assert (await customer.wait_for(booking["id"], "CHECKED_IN"))["checked_in_time"] is not None
