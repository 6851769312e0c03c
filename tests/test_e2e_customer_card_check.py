"""A customer (the API: a mobile app, an integrator) completes a card's 3-D Secure check: the
booking shows `next_action` while the card waits, the customer approves or refuses it with their
own access token (no other token, nothing secret in an address), another customer can neither
see nor act on it, and a booking whose check is pending can be given up (nothing charged)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text

from bookingplatform.bookings.v1 import bookings_pb2
from plumbing.testing import eventually
from tests.conftest import Customer, Platform

pytestmark = pytest.mark.e2e

ACTION_CARD = "tok_requiresAction"


def money(amount_minor: int) -> dict:
    return {"amount_minor": amount_minor, "currency_code": "EUR"}


async def _waiting(customer: Customer, booking_id: str) -> dict:
    """The booking once its card waits for the check (its next_action set)."""
    last: dict = {}

    async def reached() -> dict | None:
        response = await customer.http.get(f"/v1/bookings/{booking_id}")
        assert response.status_code == 200, response.text
        last.update(response.json())
        return last if last.get("next_action") else None

    return await eventually(reached, message=lambda: f"no next_action: {last}")


async def _payments(platform: Platform, booking_id: str) -> list:
    async with platform.db.transaction() as conn:
        rows = await conn.execute(
            text(
                "SELECT p.status, p.decline_reason, p.amount_minor, p.refunded_minor,"
                " (SELECT count(*) FROM payments.saga_steps s"
                "  WHERE s.payment_id = p.id AND s.action = 'FINALIZE' AND s.succeeded) AS captures"
                " FROM payments.payments p WHERE p.booking_id = :id"
            ),
            {"id": booking_id},
        )
        return list(rows)


async def test_a_customer_completes_or_refuses_the_3ds_check_through_the_api(tenant) -> None:
    session = await tenant.session(price_minor=2000)
    ada = await tenant.customer(main_minor=500)
    mallory = await tenant.customer()

    key = str(uuid.uuid4())
    created = await ada.book(session.id, key=key, use_wallet=True, card_token=ACTION_CARD)
    assert created.status_code == 202, created.text
    assert "next_action" in created.json()
    booking_id = created.json()["id"]

    waiting = await _waiting(ada, booking_id)
    action = waiting["next_action"]
    assert waiting["status"] == "PENDING"
    assert action["type"] == "AUTHENTICATE_CARD"
    assert action["url"] == f"/v1/bookings/{booking_id}/authenticate"
    assert action["expire_time"] and action["payment_id"]
    assert "token" not in action  # the customer's own access token is the credential
    # A replay of the create answers the booking as it is now, next action included.
    replayed = await ada.book(session.id, key=key, use_wallet=True, card_token=ACTION_CARD)
    assert replayed.status_code == 202 and replayed.json()["next_action"] == action

    # Another customer neither sees it nor acts on it; bad input is a stable 400.
    assert (await mallory.http.get(f"/v1/bookings/{booking_id}")).status_code == 404
    foreign = await mallory.http.post(action["url"], json={"approve": True})
    assert (foreign.status_code, foreign.json()["code"]) == (404, "BOOKING_NOT_FOUND")
    for body in ({"approve": "yes"}, {"approve": 1}, {}, {"approve": True, "token": "x"}):
        bad = await ada.http.post(action["url"], json=body)
        assert (bad.status_code, bad.json()["code"]) == (400, "VALIDATION_FAILED"), body

    done = await ada.http.post(action["url"], json={"approve": True})
    assert done.status_code == 202, done.text
    assert done.json() == {
        "payment_id": action["payment_id"],
        "booking_id": booking_id,
        "status": "REQUIRES_ACTION",
    }
    confirmed = await ada.wait_for(booking_id, "CONFIRMED", "REJECTED")
    assert confirmed["status"] == "CONFIRMED", confirmed
    assert confirmed["next_action"] is None
    assert (confirmed["wallet_debited"], confirmed["card_charged"]) == (money(500), money(1500))

    async def captured_once() -> list | None:
        rows = await _payments(tenant.platform, booking_id)
        return rows if [row.status for row in rows] == ["CAPTURED"] else None

    (payment,) = await eventually(captured_once, message="the card was never captured")
    assert (payment.amount_minor, payment.refunded_minor, payment.captures) == (1500, 0, 1)
    again = await ada.http.post(action["url"], json={"approve": True})
    assert (again.status_code, again.json()["code"]) == (409, "PAYMENT_NOT_REQUIRING_ACTION")

    # Refused: REJECTED AUTHENTICATION_FAILED, the wallet given back, the card not charged.
    cy = await tenant.customer(main_minor=300)
    refused_id = (await cy.book(session.id, use_wallet=True, card_token=ACTION_CARD)).json()["id"]
    refusal = (await _waiting(cy, refused_id))["next_action"]
    assert (await cy.wallet())["main_balance"] == money(0)  # debited while the card waits
    assert (await ada.http.post(refusal["url"], json={"approve": True})).status_code == 404
    answer = await cy.http.post(refusal["url"], json={"approve": False})
    assert answer.status_code == 202, answer.text
    rejected = await cy.wait_for(refused_id, "CONFIRMED", "REJECTED")
    assert (rejected["status"], rejected["reject_reason"]) == ("REJECTED", "AUTHENTICATION_FAILED")
    assert rejected["next_action"] is None
    ((status, reason, _, _, captures),) = await _payments(tenant.platform, refused_id)
    assert (status, reason, captures) == ("FAILED", "AUTHENTICATION_FAILED", 0)

    async def restored() -> bool:
        return (await cy.wallet())["main_balance"] == money(300)

    await eventually(restored, message="the wallet was not restored")


async def test_a_booking_whose_3ds_check_is_pending_can_be_given_up_and_nothing_is_charged(tenant) -> None:
    session = await tenant.session(price_minor=2000, capacity=1)
    bo = await tenant.customer(main_minor=700)
    mallory = await tenant.customer()

    booking_id = (await bo.book(session.id, use_wallet=True, card_token=ACTION_CARD)).json()["id"]
    await _waiting(bo, booking_id)
    foreign = await mallory.http.post(
        f"/v1/bookings/{booking_id}/cancel", headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert (foreign.status_code, foreign.json()["code"]) == (404, "BOOKING_NOT_FOUND")

    cancel = await bo.http.post(
        f"/v1/bookings/{booking_id}/cancel", headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert cancel.status_code == 202, cancel.text
    # Asked again with another key while it is given up: the same answer, nothing more.
    twice = await bo.http.post(
        f"/v1/bookings/{booking_id}/cancel", headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert twice.status_code == 202, twice.text
    rejected = await bo.wait_for(booking_id, "REJECTED", "CONFIRMED")
    assert (rejected["status"], rejected["reject_reason"]) == ("REJECTED", "CANCELLED_BY_CUSTOMER")
    assert rejected["next_action"] is None
    ((status, _, _, _, captures),) = await _payments(tenant.platform, booking_id)
    assert (status, captures) == ("VOIDED", 0)  # cancelled at the provider, never captured
    assert (await bo.wallet())["main_balance"] == money(700)
    saga = (
        await tenant.platform.bookings.GetSaga(bookings_pb2.GetSagaRequest(saga_id=rejected["saga_id"]))
    ).saga
    assert saga.state == bookings_pb2.SAGA_STATE_COMPENSATED
    replies = [(s.step, s.action, s.outcome) for s in saga.steps if s.kind == "reply"]
    assert ("payments", "compensate", "SUCCEEDED") in replies
    assert replies[-1] == ("wallet", "compensate", "SUCCEEDED")
    # The place is free again: the session (one place) can be booked.
    other = await mallory.book(session.id, card_token="tok_visa")
    assert (await mallory.wait_for(other.json()["id"], "CONFIRMED", "REJECTED"))["status"] == "CONFIRMED"


async def test_a_guest_gives_up_a_booking_whose_3ds_check_is_pending(tenant) -> None:
    session = await tenant.session(price_minor=2000)
    async with httpx.AsyncClient(base_url=tenant.platform.gateway_url, timeout=30) as http:
        created = await http.post(
            f"/v1/public/companies/{tenant.company_id}/sessions/{session.id}/bookings",
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={
                "guest": {"name": "Ada Guest", "email": f"g-{uuid.uuid4().hex[:8]}@example.com"},
                "card_token": ACTION_CARD,
            },
        )
        assert created.status_code == 202, created.text
        booking_id, bearer = (
            created.json()["reference"],
            {"Authorization": f"Bearer {created.json()['manage_token']}"},
        )

        async def waiting() -> dict | None:
            seen = (await http.get(f"/v1/public/bookings/{booking_id}", headers=bearer)).json()
            return seen if seen["next_action"] else None

        action = (await eventually(waiting, message="no next_action"))["next_action"]
        assert action["expire_time"]
        cancel = await http.post(
            f"/v1/public/bookings/{booking_id}/cancel",
            headers={"Idempotency-Key": str(uuid.uuid4()), **bearer},
        )
        assert cancel.status_code == 202, cancel.text

        async def rejected() -> dict | None:
            seen = (await http.get(f"/v1/public/bookings/{booking_id}", headers=bearer)).json()
            return seen if seen["booking"]["status"] != "PENDING" else None

        final = await eventually(rejected, message="the booking stayed PENDING")
        assert (final["booking"]["status"], final["booking"]["reject_reason"]) == (
            "REJECTED",
            "CANCELLED_BY_CUSTOMER",
        )
        ((status, _, _, _, captures),) = await _payments(tenant.platform, booking_id)
        assert (status, captures) == ("VOIDED", 0)
        # Its check is gone with it.
        late = await http.post(action["url"], data={"token": action["token"], "approve": "true"})
        assert (late.status_code, late.json()["code"]) == (409, "PAYMENT_NOT_REQUIRING_ACTION")
