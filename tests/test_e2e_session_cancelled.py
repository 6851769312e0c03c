"""End to end: the company cancels a session in the catalog; bookings hears it over NATS
(catalog.events.session_cancelled) and cancels every booking of it with a full refund."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.payments.v1 import payments_pb2
from plumbing.testing import eventually

pytestmark = pytest.mark.e2e


def money(amount_minor: int) -> dict:
    return {"amount_minor": amount_minor, "currency_code": "EUR"}


async def places_booked(platform, session_id: str) -> int:
    async with platform.db.transaction() as conn:
        booked = await conn.execute(
            text("SELECT booked FROM bookings.session_occupancy WHERE session_id = :id"), {"id": session_id}
        )
        return booked.scalar_one()


async def cancel_session(tenant, session_id: str) -> None:
    await tenant.platform.catalog.CancelSession(
        catalog_pb2.CancelSessionRequest(
            request_id=str(uuid.uuid4()), session_id=session_id, reason="The teacher is ill"
        )
    )


async def payment_status(tenant, payment_id: str, wanted: int) -> int:
    async def reached() -> int | None:
        payment = (
            await tenant.platform.payments.GetPayment(payments_pb2.GetPaymentRequest(payment_id=payment_id))
        ).payment
        return payment.status if payment.status == wanted else None

    return await eventually(reached, message=f"the payment never reached status {wanted}")


async def test_cancelling_a_session_cancels_its_bookings_with_full_refunds(tenant):
    # Starts in 30 minutes: past the resource's free cancellation (60 minutes before), so a
    # customer cancelling would get nothing back; the company cancelling refunds everything.
    session = await tenant.session(price_minor=2000, starts_in=timedelta(minutes=30))
    ada = await tenant.customer(main_minor=5000)
    bo = await tenant.customer()
    by_wallet = await ada.book(session.id, use_wallet=True)
    by_card = await bo.book(session.id, card_token="4242424242424242")
    assert (by_wallet.status_code, by_card.status_code) == (202, 202), (by_wallet.text, by_card.text)
    wallet_booking = await ada.wait_for(by_wallet.json()["id"], "CONFIRMED", "REJECTED")
    card_booking = await bo.wait_for(by_card.json()["id"], "CONFIRMED", "REJECTED")
    assert (wallet_booking["status"], card_booking["status"]) == ("CONFIRMED", "CONFIRMED")
    assert (await ada.wallet())["main_balance"] == money(3000)
    assert await places_booked(tenant.platform, session.id) == 2

    await cancel_session(tenant, session.id)

    wallet_final = await ada.wait_for(wallet_booking["id"], "CANCELLED")
    card_final = await bo.wait_for(card_booking["id"], "CANCELLED")
    assert (await ada.wallet())["main_balance"] == money(5000)
    status = await payment_status(tenant, card_booking["payment_id"], payments_pb2.PAYMENT_STATUS_REFUNDED)
    assert status == payments_pb2.PAYMENT_STATUS_REFUNDED
    for final in (wallet_final, card_final):
        assert final["refund"]["percent"] == 100, final
    assert await places_booked(tenant.platform, session.id) == 0


async def test_a_booking_made_just_before_the_session_is_cancelled_ends_refunded_too(tenant):
    session = await tenant.session(price_minor=2000)
    cy = await tenant.customer(main_minor=2000)
    created = await cy.book(session.id, use_wallet=True)
    assert created.status_code == 202, created.text

    await cancel_session(tenant, session.id)  # the payment saga may still be running

    final = await cy.wait_for(created.json()["id"], "CANCELLED", "REJECTED")
    assert final["status"] in ("CANCELLED", "REJECTED")
    assert (await cy.wallet())["main_balance"] == money(2000)
    assert await places_booked(tenant.platform, session.id) == 0
