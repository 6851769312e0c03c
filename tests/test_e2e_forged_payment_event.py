"""A signed provider event that does not match its payment confirms nothing (found by a tester):
a `payment.authorized` naming a 3-D Secure booking's saga key with a made-up reference and an
amount of 1 made the booking CONFIRMED, card charged, without the check. Over HTTP: the forged
event is refused 409 EVENT_MISMATCH, the booking keeps waiting, and the card holder's genuine
check still confirms and captures it."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from sqlalchemy import text

from payments.domain import events
from payments.settings import DEV_WEBHOOK_SECRET
from plumbing.testing import eventually
from tests.conftest import Customer, Platform

pytestmark = pytest.mark.e2e

ACTION_CARD = "tok_requiresAction"


async def _waiting(customer: Customer, booking_id: str) -> dict:
    last: dict = {}

    async def reached() -> dict | None:
        response = await customer.http.get(f"/v1/bookings/{booking_id}")
        assert response.status_code == 200, response.text
        last.update(response.json())
        return last if last.get("next_action") else None

    return await eventually(reached, message=lambda: f"no next_action: {last}")


async def _payment(platform: Platform, booking_id: str):
    async with platform.db.transaction() as conn:
        return (
            await conn.execute(
                text(
                    "SELECT status, provider_reference, amount_minor, currency, updated_at"
                    " FROM payments.payments WHERE booking_id = :id"
                ),
                {"id": booking_id},
            )
        ).one()


async def _post_signed(platform: Platform, body: dict) -> httpx.Response:
    payload = json.dumps(body).encode()
    async with httpx.AsyncClient(base_url=platform.gateway_url) as client:
        return await client.post(
            "/webhooks/payments/sandbox",
            content=payload,
            headers={
                "Content-Type": "application/json",
                events.SIGNATURE_HEADER: events.sign(DEV_WEBHOOK_SECRET, payload),
            },
        )


async def test_a_forged_authorization_does_not_confirm_a_3ds_booking_and_the_genuine_check_does(
    tenant,
) -> None:
    session = await tenant.session(price_minor=1001)
    ada = await tenant.customer()
    created = await ada.book(session.id, card_token=ACTION_CARD)
    assert created.status_code == 202, created.text
    booking_id = created.json()["id"]
    waiting = await _waiting(ada, booking_id)
    before = await _payment(tenant.platform, booking_id)
    assert (before.status, before.amount_minor) == ("REQUIRES_ACTION", 1001)
    event = {
        "type": "payment.authorized",
        "created": int(time.time()),
        "provider_reference": before.provider_reference,
        "idempotency_key": f"{waiting['saga_id']}:payments",
        "amount_minor": 1001,
        "currency": "EUR",
    }

    # The tester's event (made-up reference, 1 instead of 1001), then the real reference with a
    # wrong amount, and a wrong currency: each refused, nothing changed.
    for number, changes in enumerate(
        (
            {"provider_reference": "sbx_auth_nope", "amount_minor": 1},
            {"amount_minor": 1},
            {"currency": "USD"},
        )
    ):
        forged = await _post_signed(
            tenant.platform, {**event, **changes, "id": f"evt_f_{booking_id}_{number}"}
        )
        assert forged.status_code == 409, forged.text  # was 200: the booking confirmed unchecked
        assert forged.json()["code"] == "EVENT_MISMATCH"
        assert "sbx_auth_nope" not in forged.text and before.provider_reference not in forged.text
    assert await _payment(tenant.platform, booking_id) == before
    still = (await ada.http.get(f"/v1/bookings/{booking_id}")).json()
    assert (still["status"], still["next_action"]) == ("PENDING", waiting["next_action"])

    # The card holder's genuine check confirms it and the card is captured once, for 1001.
    done = await ada.http.post(waiting["next_action"]["url"], json={"approve": True})
    assert done.status_code == 202, done.text
    confirmed = await ada.wait_for(booking_id, "CONFIRMED", "REJECTED")
    assert confirmed["status"] == "CONFIRMED", confirmed
    assert confirmed["card_charged"] == {"amount_minor": 1001, "currency_code": "EUR"}

    async def captured() -> bool:
        return (await _payment(tenant.platform, booking_id)).status == "CAPTURED"

    await eventually(captured, message="the card was never captured")
    after = await _payment(tenant.platform, booking_id)
    assert (after.provider_reference, after.amount_minor) == (before.provider_reference, 1001)
