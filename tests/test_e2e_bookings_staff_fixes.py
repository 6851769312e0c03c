"""Bookings at the edges of the desk and the company, over HTTP through the real services: a
customer's shortening of a rental paid at the desk, the company giving up a customer's unpaid
pay-later booking, a resource without a rate plan, and a session's cancellation reason."""

import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from bookingplatform.catalog.v1 import catalog_pb2
from tests.test_e2e_admin_front_desk import key, login
from tests.test_e2e_operator_and_pay_later import (
    money,
    operator_for,  # noqa: F401 (a fixture)
    pending_payment_booking,
    places_booked,
    saga_until,
)
from tests.test_e2e_reservation_engine import kayak

pytestmark = pytest.mark.e2e


async def sagas(platform, booking_id: str) -> list[tuple[str, str]]:
    async with platform.db.transaction() as conn:
        rows = await conn.execute(
            text("SELECT kind, state FROM bookings.sagas WHERE booking_id = :b ORDER BY created_at"),
            {"b": booking_id},
        )
        return [(row[0], row[1]) for row in rows]


async def test_a_customer_cannot_change_a_rental_paid_at_the_desk_the_desk_keeps_the_figures(
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
    # Nor lengthen it: the difference would be owed at the desk too (it was accepted, held the
    # time, then given up by a change saga with nothing to pay from).
    lengthened = await rower.http.post(
        f"/v1/bookings/{booking['id']}/change",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        json={"end_time": (start + timedelta(hours=3)).isoformat()},
    )
    assert lengthened.status_code == 409, lengthened.text
    assert lengthened.json()["code"] == "CHANGE_PAID_AT_DESK"
    assert [kind for kind, _ in await sagas(platform, booking["id"])] == ["booking"]
    # The desk's way: the company cancels and hands back what was paid for what was booked.
    cancelled = await staff.post(
        f"/v1/admin/bookings/{booking['id']}/cancellation", json={"reason": "shorter ride"}, headers=key()
    )
    assert cancelled.status_code == 200, cancelled.text
    refunded = (await staff.get(f"/v1/admin/bookings/{booking['id']}")).json()
    assert refunded["refund_at_desk"]["amount_minor"] == 2000


async def test_the_company_gives_up_a_customers_unpaid_pay_later_booking(tenant, platform, operator_for):  # noqa: F811
    """Staff could not cancel a PENDING_PAYMENT booking (409 BOOKING_NOT_CANCELLABLE): now it is
    given up as the customer's own cancel gives it up, REJECTED CANCELLED_BY_COMPANY with the
    staff's reason, the place released, the wallet step compensated once, audited."""
    staff, staff_id = await login(platform, "STAFF", tenant.company_id)
    session = await tenant.session(price_minor=2000, capacity=1)
    ana = await tenant.customer(main_minor=500)
    booking = await pending_payment_booking(tenant, ana, session.id)
    assert booking["status"] == "PENDING_PAYMENT"
    assert await places_booked(platform, session.id) == 1
    # The preview says what the cancellation then does: gives it up, nothing to refund (it
    # was a 409 "cannot be cancelled" while the cancellation went through).
    for preview in (
        await staff.get(f"/v1/admin/bookings/{booking['id']}/cancellation-preview"),
        await ana.http.get(f"/v1/bookings/{booking['id']}/cancellation-preview"),
    ):
        assert preview.status_code == 200, preview.text
        shown = preview.json()
        assert (shown["percent"], shown["credits"]) == (100, 0), shown
        assert shown["card"] == shown["wallet"] == shown["at_desk"] == money(0), shown
    idempotency = key()

    cancelled = await staff.post(
        f"/v1/admin/bookings/{booking['id']}/cancellation", json={"reason": "never paid"}, headers=idempotency
    )

    assert cancelled.status_code == 200, cancelled.text
    final = await ana.wait_for(booking["id"], "REJECTED", "CANCELLED", "CONFIRMED")
    assert (final["status"], final["reject_reason"]) == ("REJECTED", "CANCELLED_BY_COMPANY"), final
    assert (final["wallet_debited"], final["card_charged"]) == (money(0), money(0))
    seen = (await staff.get(f"/v1/admin/bookings/{booking['id']}")).json()
    assert (seen["cancel_reason"], seen["refund_at_desk"]) == ("never paid", None)
    assert await places_booked(platform, session.id) == 0
    operator = await operator_for(tenant.company_id)
    saga = await saga_until(operator, booking["saga_id"], "COMPENSATED")
    steps = [(s["step"], s["kind"], s["action"], s["outcome"]) for s in saga["steps"]]
    assert ("booking", "effect", "give_up_unpaid", "CANCELLED_BY_COMPANY") in steps
    assert [s for s in steps if s[1] == "command" and s[2] == "compensate"] == [
        ("wallet", "command", "compensate", "")
    ]
    # Again (a retry, or another click): the booking as it is, nothing compensated twice.
    again = await staff.post(
        f"/v1/admin/bookings/{booking['id']}/cancellation", json={"reason": "never paid"}, headers=key()
    )
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["reject_reason"]) == ("REJECTED", "CANCELLED_BY_COMPANY")
    saga = await saga_until(operator, booking["saga_id"], "COMPENSATED")
    compensations = [s for s in saga["steps"] if s["kind"] == "command" and s["action"] == "compensate"]
    assert len(compensations) == 1
    async with platform.db.transaction() as conn:
        audited = (
            await conn.execute(
                text(
                    "SELECT action, actor_user_id, reason, changed->'after'->>'reject_reason'"
                    " FROM bookings.audit_log WHERE entity_id = :id AND action LIKE 'cancel%'"
                ),
                {"id": booking["id"]},
            )
        ).all()
    assert [tuple(row) for row in audited] == [
        ("cancel_by_company", staff_id, "never paid", "CANCELLED_BY_COMPANY")
    ]


async def test_a_stay_without_a_rate_plan_is_409_no_rate_plan_not_retry_later(tenant, platform):
    """The catalog's NO_RATE_PLAN (FAILED_PRECONDITION) was turned into 503 "retry later"
    (Retry-After: 1) for a quote, a desk booking and the site's booking page."""
    staff, _ = await login(platform, "STAFF", tenant.company_id)
    cabin = (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=tenant.company_id,
                name="Unpriced cabin",
                booking_model=catalog_pb2.BOOKING_MODEL_NIGHTLY,
            )
        )
    ).resource
    await platform.catalog.CreateUnit(catalog_pb2.CreateUnitRequest(resource_id=cabin.id, name="Cabin 1"))
    guest = await tenant.customer()
    check_in = date.today() + timedelta(days=30)
    stay = {
        "resource_id": cabin.id,
        "check_in_date": check_in.isoformat(),
        "check_out_date": (check_in + timedelta(days=2)).isoformat(),
        "guests": 1,
    }

    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30) as anonymous:
        quoted = await anonymous.post("/v1/quotes", json=stay)
        page = await anonymous.get(
            f"/site/{tenant.company_id}/book/resource/{cabin.id}",
            params={"check_in": stay["check_in_date"], "check_out": stay["check_out_date"], "guests": 1},
        )
    booked = await staff.post(
        "/v1/admin/bookings",
        json={**stay, "customer_id": guest.id, "payment": {"desk": "CASH"}},
        headers=key(),
    )

    for answer in (quoted, booked):
        assert answer.status_code == 409, answer.text
        assert answer.json()["code"] == "NO_RATE_PLAN"
        assert "Retry-After" not in answer.headers
    # The site's page says so instead of "retry later".
    assert (page.status_code, "Retry-After" in page.headers) == (200, False), page.text
    assert "has no rate plan" in page.text
    assert await count_bookings(platform, cabin.id) == 0


async def count_bookings(platform, resource_id: str) -> int:
    async with platform.db.transaction() as conn:
        return (
            await conn.execute(
                text("SELECT count(*) FROM bookings.bookings WHERE resource_id = :r"), {"r": resource_id}
            )
        ).scalar_one()


async def test_bookings_cancelled_with_their_session_carry_the_sessions_reason(tenant, platform):
    staff, _ = await login(platform, "STAFF", tenant.company_id)
    session = await tenant.session(price_minor=2000)
    ada = await tenant.customer(main_minor=5000)
    made = await ada.book(session.id, use_wallet=True)
    assert made.status_code == 202, made.text
    booking = await ada.wait_for(made.json()["id"], "CONFIRMED", "REJECTED")
    assert booking["status"] == "CONFIRMED"

    await platform.catalog.CancelSession(
        catalog_pb2.CancelSessionRequest(
            request_id=str(uuid.uuid4()), session_id=session.id, reason="Teacher ill"
        )
    )

    final = await ada.wait_for(booking["id"], "CANCELLED")
    assert final["refund"]["percent"] == 100
    seen = (await staff.get(f"/v1/admin/bookings/{booking['id']}")).json()
    assert seen["cancel_reason"] == "Teacher ill"
