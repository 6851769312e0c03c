"""A payment_method_id that is not the customer's (another customer's, another company's, or
unknown) is refused at once by bookings' up-front check, 404 PAYMENT_METHOD_NOT_FOUND, with no
booking row and no place held; a settlement naming one leaves the booking waiting."""

import uuid

import pytest
from sqlalchemy import text

from bookingplatform.payments.v1 import payments_pb2

pytestmark = pytest.mark.e2e


async def register_card(platform, company_id: str, customer_id: str) -> str:
    reply = await platform.payments.CreatePaymentMethod(
        payments_pb2.CreatePaymentMethodRequest(
            request_id=str(uuid.uuid4()),
            company_id=company_id,
            customer_id=customer_id,
            card_token="4242424242424242",
        )
    )
    return reply.payment_method.id


async def bookings_of(platform, customer_id: str) -> int:
    async with platform.db.transaction() as conn:
        found = await conn.execute(
            text("SELECT count(*) FROM bookings.bookings WHERE customer_id = :id"), {"id": customer_id}
        )
        return found.scalar_one()


async def places_held(platform, session_id: str) -> int:
    async with platform.db.transaction() as conn:
        found = await conn.execute(
            text("SELECT coalesce(sum(booked), 0) FROM bookings.session_occupancy WHERE session_id = :id"),
            {"id": session_id},
        )
        return found.scalar_one()


def assert_not_found(response) -> None:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "PAYMENT_METHOD_NOT_FOUND"


async def test_a_payment_method_that_is_not_the_customers_is_404_with_no_booking_and_no_hold(tenant):
    platform = tenant.platform
    session = await tenant.session(price_minor=2000)
    ann = await tenant.customer()
    ben = await tenant.customer()
    bens_card = await register_card(platform, tenant.company_id, ben.id)
    anns_card_elsewhere = await register_card(platform, str(uuid.uuid4()), ann.id)

    for method_id in (bens_card, anns_card_elsewhere, str(uuid.uuid4())):
        assert_not_found(await ann.book(session.id, payment_method_id=method_id))

    assert await bookings_of(platform, ann.id) == 0
    assert await places_held(platform, session.id) == 0
    # Ann's own card goes through the check to the saga, which takes the payment.
    anns_card = await register_card(platform, tenant.company_id, ann.id)
    created = await ann.book(session.id, payment_method_id=anns_card)
    assert created.status_code == 202, created.text
    booking = await ann.wait_for(created.json()["id"], "CONFIRMED", "REJECTED")
    assert booking["status"] == "CONFIRMED"


async def test_settling_with_someone_elses_payment_method_is_404_and_the_booking_keeps_waiting(tenant):
    platform = tenant.platform
    session = await tenant.session(price_minor=2000)
    ann = await tenant.customer()
    ben = await tenant.customer()
    created = await ann.book(session.id, use_wallet=True, pay_later=True)
    assert created.status_code == 202, created.text
    booking = await ann.wait_for(created.json()["id"], "PENDING_PAYMENT", "CONFIRMED", "REJECTED")
    assert booking["status"] == "PENDING_PAYMENT"

    bens_card = await register_card(platform, tenant.company_id, ben.id)
    refused = await ann.http.post(
        f"/v1/bookings/{booking['id']}/settle",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        json={"payment_method_id": bens_card},
    )

    assert_not_found(refused)
    still = await ann.http.get(f"/v1/bookings/{booking['id']}")
    assert still.json()["status"] == "PENDING_PAYMENT"
    assert still.json()["payment_plan"]["use_card"] is False
