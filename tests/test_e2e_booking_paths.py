"""End to end through the HTTP gateway: each way to pay, a compensation, a cancellation."""

import uuid

import pytest
from sqlalchemy import text

from bookingplatform.bookings.v1 import bookings_pb2
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


async def passes_of(customer) -> dict:
    response = await customer.http.get("/v1/passes")
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["entitlements"]}


async def test_paying_from_the_wallet_confirms_and_spends_bonus_before_main(tenant):
    session = await tenant.session(price_minor=2000)
    ada = await tenant.customer(main_minor=5000, bonus_minor=500)
    created = await ada.book(session.id, use_wallet=True)
    assert created.status_code == 202, created.text
    assert created.json()["status"] == "PENDING"
    assert created.headers["Location"].endswith(created.json()["id"])

    booking = await ada.wait_for(created.json()["id"], "CONFIRMED", "REJECTED")

    assert booking["status"] == "CONFIRMED"
    assert booking["bonus_debited"] == money(500)
    assert booking["wallet_debited"] == money(1500)
    wallet = await ada.wallet()
    assert (wallet["main_balance"], wallet["bonus_balance"]) == (money(3500), money(0))
    assert await places_booked(tenant.platform, session.id) == 1


async def test_paying_with_a_pass_holds_then_consumes_one_credit_per_place(tenant):
    session = await tenant.session(price_minor=2000)
    bea = await tenant.customer()
    entitlement_id = await tenant.grant_pass(bea.id, credits=5)
    created = await bea.book(session.id, quantity=2, entitlement_id=entitlement_id)
    assert created.status_code == 202, created.text

    booking = await bea.wait_for(created.json()["id"], "CONFIRMED", "REJECTED")

    assert booking["status"] == "CONFIRMED"
    assert booking["pass_covered"] == money(4000)

    async def consumed() -> dict | None:  # consuming the credit is a step after the pivot
        entitlement = (await passes_of(bea))[entitlement_id]
        return entitlement if entitlement["credits_used"] == 2 else None

    entitlement = await eventually(consumed, message="the held credits were never consumed")
    assert (entitlement["credits_used"], entitlement["credits_held"], entitlement["credits_available"]) == (
        2,
        0,
        3,
    )


async def test_a_pass_limited_to_other_resources_is_refused_and_one_for_this_resource_pays(tenant):
    session = await tenant.session(price_minor=2000)
    other = await tenant.platform.catalog.CreateResource(
        catalog_pb2.CreateResourceRequest(
            request_id=str(uuid.uuid4()),
            company_id=tenant.company_id,
            name="Room X",
            booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
        )
    )
    dee = await tenant.customer()
    elsewhere = await tenant.grant_pass(dee.id, credits=5, resource_ids=[other.resource.id])
    here = await tenant.grant_pass(dee.id, credits=5, resource_ids=[tenant.resource_id])

    refused = await dee.book(session.id, entitlement_id=elsewhere)
    paid = await dee.book(session.id, entitlement_id=here)

    assert (refused.status_code, paid.status_code) == (202, 202), (refused.text, paid.text)
    rejected = await dee.wait_for(refused.json()["id"], "CONFIRMED", "REJECTED")
    confirmed = await dee.wait_for(paid.json()["id"], "CONFIRMED", "REJECTED")
    assert (rejected["status"], rejected["reject_reason"]) == ("REJECTED", "PASS_NOT_VALID_FOR_RESOURCE")
    assert confirmed["status"] == "CONFIRMED" and confirmed["pass_covered"] == money(2000)
    assert await places_booked(tenant.platform, session.id) == 1


async def test_paying_by_card_authorizes_then_captures(tenant):
    session = await tenant.session(price_minor=2500)
    cy = await tenant.customer()
    created = await cy.book(session.id, card_token="4242424242424242")
    booking = await cy.wait_for(created.json()["id"], "CONFIRMED", "REJECTED")

    assert booking["status"] == "CONFIRMED"
    assert booking["card_charged"] == money(2500)

    async def captured():  # capturing is a step after the pivot
        payment = (
            await tenant.platform.payments.GetPayment(
                payments_pb2.GetPaymentRequest(payment_id=booking["payment_id"])
            )
        ).payment
        return payment if payment.status == payments_pb2.PAYMENT_STATUS_CAPTURED else None

    payment = await eventually(captured, message="the payment was never captured")
    assert payment.amount.amount_minor == 2500


async def test_a_declined_card_after_a_wallet_debit_refunds_the_wallet_and_releases_the_place(tenant):
    session = await tenant.session(price_minor=3000, capacity=1)
    dee = await tenant.customer(main_minor=1000)
    created = await dee.book(session.id, use_wallet=True, card_token="4000000000000002")

    booking = await dee.wait_for(created.json()["id"], "CONFIRMED", "REJECTED")

    assert booking["status"] == "REJECTED"
    assert booking["reject_reason"] == "CARD_DECLINED"
    wallet = await dee.wallet()
    assert wallet["main_balance"] == money(1000)
    assert await places_booked(tenant.platform, session.id) == 0
    saga = (
        await tenant.platform.bookings.GetSaga(bookings_pb2.GetSagaRequest(saga_id=booking["saga_id"]))
    ).saga
    assert saga.state == bookings_pb2.SAGA_STATE_COMPENSATED
    replies = [(s.step, s.action, s.outcome) for s in saga.steps if s.kind == "reply"]
    assert replies == [
        ("wallet", "execute", "SUCCEEDED"),
        ("payments", "execute", "CARD_DECLINED"),
        ("wallet", "compensate", "SUCCEEDED"),
    ]
    debit = next(s for s in saga.steps if (s.kind, s.step, s.action) == ("reply", "wallet", "execute"))
    assert (debit.amount_minor, debit.bonus_minor, bool(debit.reference)) == (1000, 0, True)


async def test_a_wallet_short_of_a_few_cents_leaves_the_card_its_minimum_not_the_cents(tenant):
    # Providers refuse, or fee more than it is worth, a card charge of 1 cent: the wallet
    # keeps back enough that the card pays the minimum (bookings' CARD_MINIMUM_MINOR, 0.50).
    session = await tenant.session(price_minor=4000)
    gil = await tenant.customer(main_minor=3999)
    created = await gil.book(session.id, use_wallet=True, card_token="4242424242424242")
    booking = await gil.wait_for(created.json()["id"], "CONFIRMED", "REJECTED")

    assert booking["status"] == "CONFIRMED"
    assert (booking["wallet_debited"], booking["card_charged"]) == (money(3950), money(50))
    assert (await gil.wallet())["main_balance"] == money(49)


async def test_not_enough_in_the_wallet_rejects_with_insufficient_funds(tenant):
    session = await tenant.session(price_minor=3000)
    eve = await tenant.customer(main_minor=1000, bonus_minor=500)
    created = await eve.book(session.id, use_wallet=True)

    booking = await eve.wait_for(created.json()["id"], "CONFIRMED", "REJECTED")

    assert (booking["status"], booking["reject_reason"]) == ("REJECTED", "INSUFFICIENT_FUNDS")
    wallet = await eve.wallet()
    assert (wallet["main_balance"], wallet["bonus_balance"]) == (money(1000), money(500))


async def test_cancelling_a_confirmed_booking_refunds_the_card_and_the_wallet(tenant):
    session = await tenant.session(price_minor=4000)
    fay = await tenant.customer(main_minor=1500)
    created = await fay.book(session.id, use_wallet=True, card_token="4242424242424242")
    booking = await fay.wait_for(created.json()["id"], "CONFIRMED", "REJECTED")
    assert (booking["wallet_debited"], booking["card_charged"]) == (money(1500), money(2500))

    cancelled = await fay.cancel(booking["id"])
    assert cancelled.status_code in (200, 202), cancelled.text
    final = await fay.wait_for(booking["id"], "CANCELLED")

    assert final["status"] == "CANCELLED"
    assert (await fay.wallet())["main_balance"] == money(1500)
    payment = (
        await tenant.platform.payments.GetPayment(
            payments_pb2.GetPaymentRequest(payment_id=booking["payment_id"])
        )
    ).payment
    assert payment.status == payments_pb2.PAYMENT_STATUS_REFUNDED
    assert await places_booked(tenant.platform, session.id) == 0


async def test_cancelling_a_pass_booking_gives_the_credits_back(tenant):
    session = await tenant.session(price_minor=2000)
    gus = await tenant.customer()
    entitlement_id = await tenant.grant_pass(gus.id, credits=3)
    created = await gus.book(session.id, entitlement_id=entitlement_id)
    booking = await gus.wait_for(created.json()["id"], "CONFIRMED")

    async def consumed() -> bool:
        return (await passes_of(gus))[entitlement_id]["credits_used"] == 1

    await eventually(consumed, message="the held credit was never consumed")

    assert (await gus.cancel(booking["id"])).status_code in (200, 202)
    await gus.wait_for(booking["id"], "CANCELLED")

    entitlement = (await passes_of(gus))[entitlement_id]
    assert (entitlement["credits_used"], entitlement["credits_available"]) == (0, 3)
