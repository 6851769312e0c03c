"""End to end through the HTTP gateway: pay later and settle by card, an operator forcing a
saga's compensation (and being refused after the pivot), and the refund of a cancellation."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text

from bookingplatform.common.v1 import money_pb2
from bookingplatform.payments.v1 import payments_pb2
from bookingplatform.wallet.v1 import wallet_pb2
from plumbing.testing import eventually

pytestmark = pytest.mark.e2e

CARD_OK = "4242424242424242"


def money(amount_minor: int) -> dict:
    return {"amount_minor": amount_minor, "currency_code": "EUR"}


async def places_booked(platform, session_id: str) -> int:
    async with platform.db.transaction() as conn:
        booked = await conn.execute(
            text("SELECT booked FROM bookings.session_occupancy WHERE session_id = :id"), {"id": session_id}
        )
        return booked.scalar_one()


OperatorFactory = Callable[[str | None], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def operator_for(platform) -> AsyncIterator[OperatorFactory]:
    """Logs in a fresh operator of a company (None: every company) through the gateway."""
    made: list[httpx.AsyncClient] = []

    async def make(company_id: str | None) -> httpx.AsyncClient:
        email = f"ops-{uuid.uuid4().hex[:10]}@example.com"
        await platform.users.create_user(
            email=email, password="secret-pass", role="COMPANY_ADMIN", company_id=company_id
        )
        client = httpx.AsyncClient(base_url=platform.gateway_url, timeout=30)
        made.append(client)
        token = await client.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
        assert token.status_code == 200, token.text
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        return client

    yield make
    for client in made:
        await client.aclose()


async def saga_until(operator: httpx.AsyncClient, saga_id: str, *states: str) -> dict:
    last: dict = {}

    async def reached() -> dict | None:
        response = await operator.get(f"/v1/ops/sagas/{saga_id}")
        assert response.status_code == 200, response.text
        last.update(response.json())
        return last if last["state"] in states else None

    return await eventually(reached, message=lambda: f"saga stayed {last.get('state')}: {last}")


async def pending_payment_booking(tenant, customer, session_id: str) -> dict:
    created = await customer.book(session_id, use_wallet=True, pay_later=True)
    assert created.status_code == 202, created.text
    assert created.json()["payment_plan"]["pay_later"] is True
    return await customer.wait_for(created.json()["id"], "PENDING_PAYMENT", "CONFIRMED", "REJECTED")


async def test_a_pay_later_booking_waits_for_payment_then_is_settled_by_card(tenant):
    session = await tenant.session(price_minor=2000, capacity=3)
    ida = await tenant.customer(main_minor=500)

    booking = await pending_payment_booking(tenant, ida, session.id)

    assert booking["status"] == "PENDING_PAYMENT"
    assert booking["amount_due"] == money(2000)
    assert booking["reject_reason"] is None
    assert await places_booked(tenant.platform, session.id) == 1  # the place is kept

    settled = await ida.http.post(
        f"/v1/bookings/{booking['id']}/settle",
        json={"card_token": CARD_OK},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert settled.status_code == 202, settled.text
    assert settled.json()["payment_plan"]["use_card"] is True
    final = await ida.wait_for(booking["id"], "CONFIRMED", "REJECTED")

    assert final["status"] == "CONFIRMED", final
    assert final["card_charged"] == money(2000)
    assert (final["wallet_debited"], final["bonus_debited"]) == (money(0), money(0))
    assert final["amount_due"] is None
    wallet = await ida.wallet()
    assert (wallet["main_balance"], wallet["bonus_balance"]) == (money(500), money(0))

    async def captured():  # the capture is a step after the pivot
        payment = (
            await tenant.platform.payments.GetPayment(
                payments_pb2.GetPaymentRequest(payment_id=final["payment_id"])
            )
        ).payment
        return payment if payment.status == payments_pb2.PAYMENT_STATUS_CAPTURED else None

    payment = await eventually(captured, message="the payment was never captured")
    assert (payment.status, payment.amount.amount_minor) == (payments_pb2.PAYMENT_STATUS_CAPTURED, 2000)
    assert await places_booked(tenant.platform, session.id) == 1
    again = await ida.http.post(
        f"/v1/bookings/{booking['id']}/settle",
        json={"card_token": CARD_OK},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert (again.status_code, again.json()["code"]) == (409, "BOOKING_NOT_AWAITING_PAYMENT")


async def test_an_operator_force_compensates_a_booking_awaiting_payment(tenant, operator_for):
    session = await tenant.session(price_minor=2000, capacity=2)
    jon = await tenant.customer(main_minor=100)
    booking = await pending_payment_booking(tenant, jon, session.id)
    assert booking["status"] == "PENDING_PAYMENT"
    assert await places_booked(tenant.platform, session.id) == 1
    operator = await operator_for(tenant.company_id)
    outsider = await operator_for(str(uuid.uuid4()))
    awaiting = await operator.get(
        "/v1/ops/sagas", params={"state": "AWAITING_PAYMENT", "current_step": "wallet"}
    )
    assert booking["saga_id"] in [s["id"] for s in awaiting.json()["sagas"]]

    not_theirs = await outsider.post(
        f"/v1/ops/sagas/{booking['saga_id']}/force-compensate", json={"reason": "not my company"}
    )
    no_reason = await operator.post(f"/v1/ops/sagas/{booking['saga_id']}/force-compensate", json={})
    forced = await operator.post(
        f"/v1/ops/sagas/{booking['saga_id']}/force-compensate",
        json={"reason": "customer asked to drop the booking"},
    )

    assert (not_theirs.status_code, not_theirs.json()["code"]) == (404, "SAGA_NOT_FOUND")
    assert (no_reason.status_code, no_reason.json()["code"]) == (400, "VALIDATION_FAILED")
    assert forced.status_code == 200, forced.text
    assert forced.json()["state"] in ("COMPENSATING", "COMPENSATED")
    final = await jon.wait_for(booking["id"], "REJECTED", "CONFIRMED", "CANCELLED")
    assert (final["status"], final["reject_reason"]) == ("REJECTED", "FORCED_BY_OPERATOR")
    assert final["amount_due"] is None
    assert await places_booked(tenant.platform, session.id) == 0
    assert (await jon.wallet())["main_balance"] == money(100)
    saga = await saga_until(operator, booking["saga_id"], "COMPENSATED")
    assert saga["reason"] == "FORCED_BY_OPERATOR"
    entries = [s for s in saga["steps"] if s["kind"] == "operator"]
    assert [(s["action"], s["outcome"]) for s in entries] == [
        ("force_compensate", "customer asked to drop the booking")
    ]
    assert ("place", "release", "RELEASED") in [(s["step"], s["action"], s["outcome"]) for s in saga["steps"]]


async def test_an_operator_retry_after_a_top_up_pays_a_booking_awaiting_payment(tenant, operator_for):
    session = await tenant.session(price_minor=2000)
    max_ = await tenant.customer(main_minor=100)
    booking = await pending_payment_booking(tenant, max_, session.id)
    assert booking["status"] == "PENDING_PAYMENT"
    await tenant.platform.wallet.TopUpWallet(
        wallet_pb2.TopUpWalletRequest(
            request_id=str(uuid.uuid4()),
            company_id=tenant.company_id,
            customer_id=max_.id,
            amount=money_pb2.Money(amount_minor=5000, currency_code="EUR"),
            balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
        )
    )
    operator = await operator_for(tenant.company_id)

    retried = await operator.post(
        f"/v1/ops/sagas/{booking['saga_id']}/retry", json={"reason": "the customer topped up"}
    )

    assert retried.status_code == 200, retried.text
    assert ("retry", "the customer topped up") in [
        (s["action"], s["outcome"]) for s in retried.json()["steps"] if s["kind"] == "operator"
    ]
    final = await max_.wait_for(booking["id"], "CONFIRMED", "REJECTED")
    assert (final["status"], final["wallet_debited"]) == ("CONFIRMED", money(2000))


async def test_force_compensating_a_confirmed_booking_is_refused_past_the_pivot(tenant, operator_for):
    session = await tenant.session(price_minor=1500)
    kim = await tenant.customer(main_minor=5000)
    created = await kim.book(session.id, use_wallet=True)
    booking = await kim.wait_for(created.json()["id"], "CONFIRMED", "REJECTED")
    assert booking["status"] == "CONFIRMED"
    operator = await operator_for(tenant.company_id)

    refused = await operator.post(
        f"/v1/ops/sagas/{booking['saga_id']}/force-compensate", json={"reason": "too late"}
    )

    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "SAGA_PAST_PIVOT"
    assert (await kim.wait_for(booking["id"], "CONFIRMED"))["status"] == "CONFIRMED"
    assert await places_booked(tenant.platform, session.id) == 1


async def test_cancelling_a_confirmed_booking_shows_the_refund(tenant):
    session = await tenant.session(price_minor=2500)
    lea = await tenant.customer(main_minor=4000)
    created = await lea.book(session.id, use_wallet=True)
    booking = await lea.wait_for(created.json()["id"], "CONFIRMED", "REJECTED")
    assert booking["status"] == "CONFIRMED"
    assert booking["refund"] is None

    cancelled = await lea.cancel(booking["id"])
    assert cancelled.status_code in (200, 202), cancelled.text
    final = await lea.wait_for(booking["id"], "CANCELLED")

    refund = final["refund"]
    assert (refund["percent"], refund["status"]) == (100, "REFUNDED")
    assert (refund["wallet"], refund["card"], refund["credits"]) == (money(2500), money(0), 0)
    assert refund["create_time"] is not None
    assert (await lea.wallet())["main_balance"] == money(4000)


async def test_the_customer_cancels_a_booking_awaiting_payment_and_the_place_is_released(
    tenant, operator_for
):
    """A PENDING_PAYMENT booking could not be cancelled (409 BOOKING_NOT_CANCELLABLE) and kept
    its place for ever: the customer cancels it, nothing is charged, the place goes back, the
    saga ends COMPENSATED (the wallet step compensated once), and a top-up afterwards is not
    swept into it; cancelling again answers the booking as it is."""
    session = await tenant.session(price_minor=2000, capacity=1)
    ana = await tenant.customer(main_minor=500)
    booking = await pending_payment_booking(tenant, ana, session.id)
    assert booking["status"] == "PENDING_PAYMENT"
    assert await places_booked(tenant.platform, session.id) == 1

    cancelled = await ana.cancel(booking["id"])

    assert cancelled.status_code == 202, cancelled.text
    final = await ana.wait_for(booking["id"], "REJECTED", "CANCELLED", "CONFIRMED")
    assert (final["status"], final["reject_reason"]) == ("REJECTED", "CANCELLED_BY_CUSTOMER"), final
    assert (final["wallet_debited"], final["card_charged"]) == (money(0), money(0))
    assert await places_booked(tenant.platform, session.id) == 0
    operator = await operator_for(tenant.company_id)
    saga = await saga_until(operator, booking["saga_id"], "COMPENSATED")
    steps = [(s["step"], s["kind"], s["action"], s["outcome"]) for s in saga["steps"]]
    assert ("booking", "effect", "give_up_unpaid", "CANCELLED_BY_CUSTOMER") in steps
    assert [s for s in steps if s[1] == "command" and s[2] == "compensate"] == [
        ("wallet", "command", "compensate", "")
    ]
    await tenant.platform.wallet.TopUpWallet(
        wallet_pb2.TopUpWalletRequest(
            request_id=str(uuid.uuid4()),
            company_id=tenant.company_id,
            customer_id=ana.id,
            amount=money_pb2.Money(amount_minor=5000, currency_code="EUR"),
            balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
        )
    )
    again = await ana.cancel(booking["id"])
    assert (again.status_code, again.json()["status"]) == (202, "REJECTED"), again.text
    assert (await ana.wallet())["main_balance"] == money(5500)
    # The place is free for someone else.
    bo = await tenant.customer(main_minor=5000)
    other = await bo.book(session.id, use_wallet=True)
    assert (await bo.wait_for(other.json()["id"], "CONFIRMED", "REJECTED"))["status"] == "CONFIRMED"


async def test_an_unpaid_booking_is_rejected_when_its_session_starts_and_a_later_top_up_pays_nothing(
    tenant, operator_for
):
    """Billing was retried for ever: a top-up long after the session started still paid the
    booking. Once the session starts the unpaid booking is REJECTED UNPAID_AT_START, its place
    released, the wallet untouched; settling it by card then is refused."""
    session = await tenant.session(price_minor=2000, starts_in=timedelta(seconds=6))
    eve = await tenant.customer(main_minor=500)
    booking = await pending_payment_booking(tenant, eve, session.id)
    assert booking["status"] == "PENDING_PAYMENT"

    final = await eve.wait_for(booking["id"], "REJECTED", "CONFIRMED", timeout=30)

    assert (final["status"], final["reject_reason"]) == ("REJECTED", "UNPAID_AT_START"), final
    assert await places_booked(tenant.platform, session.id) == 0
    operator = await operator_for(tenant.company_id)
    saga = await saga_until(operator, booking["saga_id"], "COMPENSATED")
    assert ("booking", "give_up_unpaid", "UNPAID_AT_START") in [
        (s["step"], s["action"], s["outcome"]) for s in saga["steps"]
    ]
    await tenant.platform.wallet.TopUpWallet(
        wallet_pb2.TopUpWalletRequest(
            request_id=str(uuid.uuid4()),
            company_id=tenant.company_id,
            customer_id=eve.id,
            amount=money_pb2.Money(amount_minor=5000, currency_code="EUR"),
            balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
        )
    )
    await asyncio.sleep(1.5)  # several sweeps
    assert (await eve.wallet())["main_balance"] == money(5500)
    assert (await eve.wait_for(booking["id"], "REJECTED"))["wallet_debited"] == money(0)
