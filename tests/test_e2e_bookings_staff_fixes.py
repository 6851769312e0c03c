"""Bookings at the edges of the desk and the company, over HTTP through the real services: a
customer's shortening of a rental paid at the desk, the company giving up a customer's unpaid
pay-later booking, a resource without a rate plan, and a session's cancellation reason."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.test_e2e_admin_front_desk import key, login
from tests.test_e2e_reservation_engine import kayak

pytestmark = pytest.mark.e2e


async def sagas(platform, booking_id: str) -> list[tuple[str, str]]:
    async with platform.db.transaction() as conn:
        rows = await conn.execute(
            text("SELECT kind, state FROM bookings.sagas WHERE booking_id = :b ORDER BY created_at"),
            {"b": booking_id},
        )
        return [(row[0], row[1]) for row in rows]


async def test_a_customer_cannot_shorten_a_rental_paid_at_the_desk_the_desk_keeps_the_figures(
    tenant, platform
):
    staff, _ = await login(platform, "STAFF", tenant.company_id)
    boat = await kayak(platform, tenant.company_id, hourly=1000)
    rower = await tenant.customer()
    start = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(days=10)
    made = await staff.post(
        "/v1/admin/bookings",
        json={
            "customer_id": rower.id,
            "resource_id": boat.id,
            "start_time": start.isoformat(),
            "end_time": (start + timedelta(hours=2)).isoformat(),
            "payment": {"desk": "CASH"},
        },
        headers=key(),
    )
    assert made.status_code == 202, made.text
    booking = made.json()
    assert (booking["status"], booking["desk_paid"]["amount_minor"]) == ("CONFIRMED", 2000)

    shortened = await rower.http.post(
        f"/v1/bookings/{booking['id']}/change",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        json={"end_time": (start + timedelta(hours=1)).isoformat()},
    )

    assert shortened.status_code == 409, shortened.text
    assert shortened.json()["code"] == "CHANGE_PAID_AT_DESK"
    assert "Retry-After" not in shortened.headers
    after = (await staff.get(f"/v1/admin/bookings/{booking['id']}")).json()
    assert (after["end_time"], after["total_price"]["amount_minor"], after["desk_paid"]["amount_minor"]) == (
        booking["end_time"],
        2000,
        2000,
    )
    assert [kind for kind, _ in await sagas(platform, booking["id"])] == ["booking"]
    # The desk's way: the company cancels and hands back what was paid for what was booked.
    cancelled = await staff.post(
        f"/v1/admin/bookings/{booking['id']}/cancellation", json={"reason": "shorter ride"}, headers=key()
    )
    assert cancelled.status_code == 200, cancelled.text
    refunded = (await staff.get(f"/v1/admin/bookings/{booking['id']}")).json()
    assert refunded["refund_at_desk"]["amount_minor"] == 2000
