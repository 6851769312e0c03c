"""End to end through the HTTP gateway with cards that answer asynchronously: the sandbox's
webhook travels over HTTP to the gateway, which hands it to payments, which answers the saga."""

import pytest
from sqlalchemy import text

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.payments.v1 import payments_pb2
from plumbing.testing import eventually

pytestmark = pytest.mark.e2e

ASYNC_CARD = "4000000000003063"
ACTION_CARD = "4000000000003220"


def money(amount_minor: int) -> dict:
    return {"amount_minor": amount_minor, "currency_code": "EUR"}


async def card_payments_of(platform, booking_id: str) -> list:
    async with platform.db.transaction() as conn:
        rows = await conn.execute(
            text(
                "SELECT p.id, p.status, p.decline_reason, p.idempotency_key, e.outcome AS event_outcome"
                " FROM payments.payments p LEFT JOIN payments.provider_events e ON e.payment_id = p.id"
                " WHERE p.booking_id = :id"
            ),
            {"id": booking_id},
        )
        return list(rows)


async def test_an_async_card_is_confirmed_by_the_providers_webhook_through_the_gateway(tenant):
    session = await tenant.session(price_minor=2700)
    ada = await tenant.customer()

    created = await ada.book(session.id, card_token=ASYNC_CARD)
    booking = await ada.wait_for(created.json()["id"], "CONFIRMED", "REJECTED")

    assert created.status_code == 202, created.text
    assert booking["status"] == "CONFIRMED", booking
    assert booking["card_charged"] == money(2700)
    (payment,) = await card_payments_of(tenant.platform, booking["id"])
    # The payment waited for the webhook, which the gateway delivered (recorded as an event).
    assert payment.event_outcome == "APPLIED"
    assert payment.idempotency_key == f"{booking['saga_id']}:payments"

    async def captured() -> bool:  # capturing is a step after the pivot
        found = (
            await tenant.platform.payments.GetPayment(
                payments_pb2.GetPaymentRequest(payment_id=str(payment.id))
            )
        ).payment
        return found.status == payments_pb2.PAYMENT_STATUS_CAPTURED

    await eventually(captured, message="the payment was never captured")


async def test_a_card_needing_an_action_nobody_completes_is_rejected_with_authentication_timeout(tenant):
    session = await tenant.session(price_minor=1900, capacity=1)
    bo = await tenant.customer(main_minor=500)

    created = await bo.book(session.id, use_wallet=True, card_token=ACTION_CARD)
    booking = await bo.wait_for(created.json()["id"], "CONFIRMED", "REJECTED")

    assert (booking["status"], booking["reject_reason"]) == ("REJECTED", "AUTHENTICATION_TIMEOUT")
    (payment,) = await card_payments_of(tenant.platform, booking["id"])
    # No authorization is left open: the payment failed and the provider cancelled the action.
    assert (payment.status, payment.decline_reason) == ("FAILED", "AUTHENTICATION_TIMEOUT")
    assert (await bo.wallet())["main_balance"] == money(500)
    saga = (
        await tenant.platform.bookings.GetSaga(bookings_pb2.GetSagaRequest(saga_id=booking["saga_id"]))
    ).saga
    assert saga.state == bookings_pb2.SAGA_STATE_COMPENSATED
    replies = [(s.step, s.action, s.outcome) for s in saga.steps if s.kind == "reply"]
    assert ("payments", "execute", "AUTHENTICATION_TIMEOUT") in replies
    assert replies[-1] == ("wallet", "compensate", "SUCCEEDED")
