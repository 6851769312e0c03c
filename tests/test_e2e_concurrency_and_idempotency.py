"""End to end: the last places under concurrent requests, and Idempotency-Key replays."""

import asyncio

import pytest
from sqlalchemy import text

pytestmark = pytest.mark.e2e


async def test_concurrent_requests_for_the_last_places_confirm_exactly_the_capacity(tenant):
    capacity, contenders = 3, 12
    session = await tenant.session(capacity=capacity, price_minor=1000)
    customers = [await tenant.customer(main_minor=1000) for _ in range(contenders)]

    responses = await asyncio.gather(*(c.book(session.id, use_wallet=True) for c in customers))

    accepted = [(c, r.json()) for c, r in zip(customers, responses, strict=True) if r.status_code == 202]
    refused = [r for r in responses if r.status_code != 202]
    assert len(accepted) == capacity
    assert len(refused) == contenders - capacity
    for response in refused:
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "SESSION_FULL"
    confirmed = [await c.wait_for(b["id"], "CONFIRMED", "REJECTED") for c, b in accepted]
    assert [b["status"] for b in confirmed] == ["CONFIRMED"] * capacity
    async with tenant.platform.db.transaction() as conn:
        booked = (
            await conn.execute(
                text("SELECT booked FROM bookings.session_occupancy WHERE session_id = :id"),
                {"id": session.id},
            )
        ).scalar_one()
    assert booked == capacity
    losers = [c for c, r in zip(customers, responses, strict=True) if r.status_code != 202]
    for loser in losers:
        assert (await loser.wallet())["main_balance"]["amount_minor"] == 1000


async def test_repeating_a_request_with_its_idempotency_key_returns_the_same_booking_once(tenant):
    session = await tenant.session(capacity=5, price_minor=1000)
    hal = await tenant.customer(main_minor=5000)

    first = await hal.book(session.id, use_wallet=True, key="same-key")
    again = await hal.book(session.id, use_wallet=True, key="same-key")

    assert first.status_code == 202, first.text
    assert again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    await hal.wait_for(first.json()["id"], "CONFIRMED")
    listed = (await hal.http.get("/v1/bookings")).json()
    assert [b["id"] for b in listed["bookings"]] == [first.json()["id"]]
    assert (await hal.wallet())["main_balance"]["amount_minor"] == 4000


async def test_the_same_idempotency_key_with_another_body_is_refused(tenant):
    session = await tenant.session(capacity=5, price_minor=1000)
    ivy = await tenant.customer(main_minor=5000)
    await ivy.book(session.id, use_wallet=True, key="k-1")

    other = await ivy.book(session.id, quantity=2, use_wallet=True, key="k-1")

    assert other.status_code == 422
    assert other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_bad_input_gets_a_problem_with_a_stable_code(tenant):
    jon = await tenant.customer()
    missing_key = await jon.http.post("/v1/bookings", json={"session_id": "x", "quantity": 1})
    assert missing_key.status_code == 400
    assert missing_key.json()["code"] in ("IDEMPOTENCY_KEY_REQUIRED", "VALIDATION_FAILED")

    unknown = await jon.book("00000000-0000-4000-8000-000000000000", use_wallet=True)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "SESSION_NOT_FOUND"

    no_source = await jon.book((await tenant.session()).id)
    assert no_source.status_code == 400
    assert no_source.json()["code"] == "PAYMENT_PLAN_INSUFFICIENT"
