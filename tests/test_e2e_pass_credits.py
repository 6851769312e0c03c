"""What a pass credit pays for: a place in a session ("10 classes"), never a stay or a rental.

A credit has no worth in nights or hours: one credit paid for 29 nights of a cabin or a week of
a kayak. Bookings refuses such a plan before holding anything; a stay or a rental paid with a
pass before is kept as it was, but its period is not changed (shortened, the pass's cover
stayed above its price)."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from plumbing.testing import eventually
from tests.test_e2e_reservation_engine import cabins, count, kayak

pytestmark = pytest.mark.e2e


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def pass_credits(customer, entitlement_id: str) -> tuple[int, int, int]:
    passes = (await customer.http.get("/v1/passes")).json()["entitlements"]
    found = next(e for e in passes if e["id"] == entitlement_id)
    return found["credits_used"], found["credits_held"], found["credits_available"]


async def test_a_pass_pays_for_no_stay_or_rental_and_nothing_is_held(platform, tenant):
    cabin, _ = await cabins(platform, tenant.company_id, nightly=3333)
    boat = await kayak(platform, tenant.company_id, hourly=1000)
    guest = await tenant.customer(main_minor=300_000)
    entitlement = await tenant.grant_pass(guest.id, credits=10)
    check_in = date.today() + timedelta(days=30)
    nights = {
        "check_in_date": check_in.isoformat(),
        "check_out_date": (check_in + timedelta(days=29)).isoformat(),
    }
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=40)
    week = {"start_time": start.isoformat(), "end_time": (start + timedelta(days=7)).isoformat()}

    for target in ({"resource_id": cabin.id, **nights}, {"resource_id": boat.id, **week}):
        refused = await guest.http.post(
            "/v1/bookings", headers=key(), json={**target, "payment": {"entitlement_id": entitlement}}
        )
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "PASS_NOT_VALID_FOR_BOOKING_MODEL"

    # Nothing was held or written: no booking, the pass untouched, the nights and the week free.
    assert (
        await count(platform, "SELECT count(*) FROM bookings.bookings WHERE customer_id = :c", c=guest.id)
        == 0
    )
    assert await pass_credits(guest, entitlement) == (0, 0, 10)
    for target in ({"resource_id": cabin.id, **nights}, {"resource_id": boat.id, **week}):
        paid = await guest.http.post(
            "/v1/bookings", headers=key(), json={**target, "payment": {"use_wallet": True}}
        )
        assert paid.status_code == 202, paid.text
        assert (await guest.wait_for(paid.json()["id"], "CONFIRMED", "REJECTED"))["status"] == "CONFIRMED"
    # A place in a session is what a credit buys.
    session = await tenant.session(price_minor=1500)
    place = await guest.book(session.id, entitlement_id=entitlement)
    assert place.status_code == 202, place.text
    booked = await guest.wait_for(place.json()["id"], "CONFIRMED", "REJECTED")
    assert (booked["status"], booked["pass_covered"]["amount_minor"]) == ("CONFIRMED", 1500)


async def test_a_rental_paid_with_a_pass_before_keeps_its_period_and_is_still_cancelled(platform, tenant):
    boat = await kayak(platform, tenant.company_id, hourly=1001)
    rower = await tenant.customer(main_minor=10_000)
    entitlement = await tenant.grant_pass(rower.id, credits=10)
    start = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(days=10)
    made = await rower.http.post(
        "/v1/bookings",
        headers=key(),
        json={
            "resource_id": boat.id,
            "start_time": start.isoformat(),
            "end_time": (start + timedelta(hours=4)).isoformat(),
            "payment": {"use_wallet": True},
        },
    )
    assert made.status_code == 202, made.text
    booking_id = (await rower.wait_for(made.json()["id"], "CONFIRMED"))["id"]
    # As a release before this one stored a pass-paid rental: the whole price covered by the pass.
    async with platform.db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE bookings.bookings SET entitlement_id = :e, use_wallet = false,"
                " wallet_debited_minor = 0, pass_covered_minor = total_minor WHERE id = :b"
            ),
            {"e": entitlement, "b": booking_id},
        )

    for hours in (1, 5):
        changed = await rower.http.post(
            f"/v1/bookings/{booking_id}/change",
            headers=key(),
            json={"end_time": (start + timedelta(hours=hours)).isoformat()},
        )
        assert changed.status_code == 409, changed.text
        assert changed.json()["code"] == "CHANGE_PAID_BY_PASS"
    kept = (await rower.http.get(f"/v1/bookings/{booking_id}")).json()
    assert (kept["end_time"], kept["total_price"]["amount_minor"], kept["pass_covered"]["amount_minor"]) == (
        (start + timedelta(hours=4)).isoformat().replace("+00:00", "Z"),
        4004,
        4004,
    )

    cancelled = await rower.cancel(booking_id)
    assert cancelled.status_code in (200, 202), cancelled.text

    async def done() -> bool:
        return (await rower.http.get(f"/v1/bookings/{booking_id}")).json()["status"] == "CANCELLED"

    await eventually(done, message="the rental paid with a pass was never cancelled")


async def _refund_credits(platform, booking_id: str) -> int | None:
    async with platform.db.transaction() as conn:
        return (
            await conn.execute(
                text("SELECT credits FROM bookings.refund_requests WHERE booking_id = :b"), {"b": booking_id}
            )
        ).scalar()


async def test_a_cancellation_gives_back_only_the_credits_the_pass_step_took(platform, tenant):
    """A free place booked with a pass is confirmed without a pass step: its cancellation gave
    back `quantity` credits that never left the pass (refund_requests, the event, the webhook
    and the e-mail said so). Now only what the pass step took comes back: none for the free
    place; the places of a priced session, and of a free one with a paid extra (the pass step
    ran, covering nothing), as before."""
    guest = await tenant.customer(main_minor=10_000)
    entitlement = await tenant.grant_pass(guest.id, credits=10)
    free = await tenant.session(price_minor=0)
    priced = await tenant.session(price_minor=1500)

    async def booked(session_id: str, **payment) -> str:
        made = await guest.http.post(
            "/v1/bookings",
            headers=key(),
            json={
                "session_id": session_id,
                "quantity": 2,
                "payment": {"entitlement_id": entitlement, **payment},
            },
        )
        assert made.status_code == 202, made.text
        confirmed = await guest.wait_for(made.json()["id"], "CONFIRMED", "REJECTED")
        assert confirmed["status"] == "CONFIRMED", confirmed
        return str(confirmed["id"])

    free_one = await booked(free.id)
    assert await pass_credits(guest, entitlement) == (0, 0, 10)
    preview = await guest.http.get(f"/v1/bookings/{free_one}/cancellation-preview")
    assert preview.status_code == 200, preview.text
    assert preview.json()["credits"] == 0
    assert (await guest.cancel(free_one)).status_code in (200, 202)
    await guest.wait_for(free_one, "CANCELLED")
    assert await _refund_credits(platform, free_one) == 0
    assert await pass_credits(guest, entitlement) == (0, 0, 10)

    priced_one = await booked(priced.id)
    with_extra = await guest.http.post(
        "/v1/bookings",
        headers=key(),
        json={
            "session_id": free.id,
            "quantity": 2,
            "extras": [{"extra_id": tenant.extra_id, "quantity": 1}],
            "payment": {"entitlement_id": entitlement, "use_wallet": True},
        },
    )
    assert with_extra.status_code == 202, with_extra.text
    extra_one = (await guest.wait_for(with_extra.json()["id"], "CONFIRMED"))["id"]

    async def four_used() -> bool:
        return (await pass_credits(guest, entitlement))[0] == 4

    await eventually(four_used, message="the pass steps never consumed the four credits")
    for booking_id in (priced_one, extra_one):
        preview = await guest.http.get(f"/v1/bookings/{booking_id}/cancellation-preview")
        assert preview.json()["credits"] == 2, preview.text
        assert (await guest.cancel(booking_id)).status_code in (200, 202)
        await guest.wait_for(booking_id, "CANCELLED")
        assert await _refund_credits(platform, booking_id) == 2

    async def all_back() -> bool:
        return await pass_credits(guest, entitlement) == (0, 0, 10)

    await eventually(all_back, message="the pass never got its four credits back")
