"""The front desk over HTTP, as a staff member: find and edit a customer, credit and debit the
wallet with a reason (the ledger shows who and why), sell a pass at the desk, book a walk-in
paid in cash (CONFIRMED at once, no wallet or card movement), cancel a booking as the company
with a full refund, check in, and override a no-show; another company's staff see none of it.

Times: a booking's own times are moved by SQL (`shift`), as the lifecycle tests do, so a
booking is inside its check-in window or past its start without waiting for real hours."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text

from bookingplatform.passes.v1 import passes_pb2
from plumbing.testing import eventually
from tests.conftest import eur

pytestmark = pytest.mark.e2e


async def login(platform, role: str, company_id: str) -> tuple[httpx.AsyncClient, str]:
    email = f"{role.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    user = await platform.users.create_user(
        email=email, password="secret-pass", role=role, company_id=company_id
    )
    client = httpx.AsyncClient(base_url=platform.gateway_url, timeout=30)
    token = await client.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client, str(user.id)


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def shift(platform, booking_id: str, starts_in: timedelta) -> None:
    """Moves a booking's times together so that it starts `starts_in` from now."""
    async with platform.db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE bookings.bookings SET"
                " end_time = end_time + (now() + :starts_in - start_time),"
                " free_cancellation_until = free_cancellation_until + (now() + :starts_in - start_time),"
                " start_time = now() + :starts_in"
                " WHERE id = :id"
            ),
            {"id": booking_id, "starts_in": starts_in},
        )


async def test_the_front_desk_serves_a_walk_in_from_wallet_to_no_show(tenant, platform):
    staff, staff_id = await login(platform, "STAFF", tenant.company_id)
    session = await tenant.session(capacity=10, price_minor=2000)

    # A new customer at the desk: created, found by e-mail prefix, edited at the version read.
    email = f"walkin-{uuid.uuid4().hex[:8]}@example.com"
    created = await staff.post(
        "/v1/admin/customers", json={"display_name": "Wanda Walk-In", "email": email}, headers=key()
    )
    assert created.status_code == 201, created.text
    customer = created.json()
    found = await staff.get("/v1/admin/customers", params={"q": email[:10].upper()})
    assert [c["id"] for c in found.json()["customers"]] == [customer["id"]]
    assert found.json()["has_more"] is False
    etag = created.headers["ETag"]
    edited = await staff.patch(
        f"/v1/admin/customers/{customer['id']}",
        json={"phone": "+49 30 1234567"},
        headers={**key(), "If-Match": etag},
    )
    assert (edited.status_code, edited.json()["phone"]) == (200, "+49 30 1234567"), edited.text
    stale = await staff.patch(
        f"/v1/admin/customers/{customer['id']}", json={"phone": "0"}, headers={**key(), "If-Match": etag}
    )
    assert (stale.status_code, stale.json()["code"]) == (412, "PRECONDITION_FAILED")
    customer_url = f"/v1/admin/customers/{customer['id']}"

    # The wallet: credited and debited with a reason; the ledger shows who and why.
    credit = await staff.post(
        f"{customer_url}/wallet/credits",
        json={"amount": {"amount_minor": 5000, "currency_code": "EUR"}, "reason": "50 EUR cash at the desk"},
        headers=key(),
    )
    assert credit.status_code == 201, credit.text
    debit = await staff.post(
        f"{customer_url}/wallet/debits",
        json={"amount": {"amount_minor": 1000, "currency_code": "EUR"}, "reason": "over-credit corrected"},
        headers=key(),
    )
    assert (debit.status_code, debit.json()["main_balance"]["amount_minor"]) == (201, 4000), debit.text
    too_much = await staff.post(
        f"{customer_url}/wallet/debits",
        json={"amount": {"amount_minor": 99_999, "currency_code": "EUR"}, "reason": "typo"},
        headers=key(),
    )
    assert (too_much.status_code, too_much.json()["code"]) == (409, "INSUFFICIENT_FUNDS")
    ledger = (await staff.get(f"{customer_url}/wallet")).json()
    assert [
        (e["kind"], e["amount"]["amount_minor"], e["reason"], e["actor_user_id"]) for e in ledger["entries"]
    ] == [
        ("ADJUSTMENT", -1000, "over-credit corrected", staff_id),
        ("TOP_UP", 5000, "50 EUR cash at the desk", staff_id),
    ]

    # A pass sold at the desk: the price is recorded as paid, the wallet does not move.
    product = (
        await platform.passes.CreatePassProduct(
            passes_pb2.CreatePassProductRequest(
                request_id=str(uuid.uuid4()),
                company_id=tenant.company_id,
                name="5 classes",
                credits=5,
                validity_days=60,
                price=eur(8000),
            )
        )
    ).product
    sold = await staff.post(
        f"{customer_url}/passes", json={"product_id": product.id, "sale": "CASH"}, headers=key()
    )
    assert sold.status_code == 201, sold.text
    assert (sold.json()["sale"], sold.json()["paid"]["amount_minor"], sold.json()["credits_available"]) == (
        "CASH",
        8000,
        5,
    )
    assert [p["id"] for p in (await staff.get(f"{customer_url}/passes")).json()["passes"]] == [
        sold.json()["id"]
    ]

    # A walk-in paid in cash: CONFIRMED at once, the staff member recorded, no money moved.
    walk_in = await staff.post(
        "/v1/admin/bookings",
        json={"customer_id": customer["id"], "session_id": session.id, "payment": {"desk": "CASH"}},
        headers=key(),
    )
    assert walk_in.status_code == 202, walk_in.text
    booking = walk_in.json()
    assert (booking["status"], booking["desk_payment"], booking["desk_paid"]["amount_minor"]) == (
        "CONFIRMED",
        "CASH",
        2000,
    )
    assert booking["booked_by_user_id"] == staff_id
    assert (booking["wallet_debited"]["amount_minor"], booking["card_charged"]["amount_minor"]) == (0, 0)
    after_walk_in = (await staff.get(f"{customer_url}/wallet")).json()
    assert after_walk_in["wallet"]["main_balance"]["amount_minor"] == 4000
    assert len(after_walk_in["entries"]) == 2
    async with platform.db.transaction() as conn:
        payments = (
            await conn.execute(
                text("SELECT count(*) FROM payments.payments WHERE booking_id = :id"), {"id": booking["id"]}
            )
        ).scalar()
    assert payments == 0

    # Booked from the wallet by staff, then cancelled by the company after the customer's free
    # cancellation ended: everything comes back.
    from_wallet = await staff.post(
        "/v1/admin/bookings",
        json={"customer_id": customer["id"], "session_id": session.id, "payment": {"use_wallet": True}},
        headers=key(),
    )
    assert from_wallet.status_code == 202, from_wallet.text
    wallet_booking = from_wallet.json()["id"]

    async def status_of(booking_id: str, *wanted: str) -> dict | None:
        read = (await staff.get(f"/v1/admin/bookings/{booking_id}")).json()
        return read if read["status"] in wanted else None

    await eventually(lambda: status_of(wallet_booking, "CONFIRMED"))
    await shift(platform, wallet_booking, timedelta(minutes=10))
    cancel_key = key()

    async def cancelled_by_company() -> httpx.Response | None:
        answer = await staff.post(
            f"/v1/admin/bookings/{wallet_booking}/cancellation",
            json={"reason": "studio flooded"},
            headers=cancel_key,
        )
        return None if answer.status_code == 409 and answer.json()["code"] == "BOOKING_FINALIZING" else answer

    cancel = await eventually(cancelled_by_company)
    assert cancel.status_code == 200, cancel.text
    assert (cancel.json()["refund"]["percent"], cancel.json()["cancel_reason"]) == (100, "studio flooded")
    done = await eventually(lambda: status_of(wallet_booking, "CANCELLED"))
    assert done["refund"]["wallet"]["amount_minor"] == 2000
    refunded = (await staff.get(f"{customer_url}/wallet")).json()["wallet"]
    assert refunded["main_balance"]["amount_minor"] == 4000

    # Check-in of the walk-in once it is close to its start.
    await shift(platform, booking["id"], timedelta(minutes=10))
    checked_in = await staff.post(f"/v1/admin/bookings/{booking['id']}/check-in", headers=key())
    assert (checked_in.status_code, checked_in.json()["status"]) == (200, "CHECKED_IN"), checked_in.text

    # A no-show overridden: marked once the time has begun, then overturned.
    late = await staff.post(
        "/v1/admin/bookings",
        json={"customer_id": customer["id"], "session_id": session.id, "payment": {"desk": "EXTERNAL"}},
        headers=key(),
    )
    late_id = late.json()["id"]
    early = await staff.post(
        f"/v1/admin/bookings/{late_id}/no-show", json={"no_show": True, "reason": "not here"}, headers=key()
    )
    assert (early.status_code, early.json()["code"]) == (409, "BOOKING_NOT_STARTED")
    await shift(platform, late_id, timedelta(minutes=-5))
    no_show = await staff.post(
        f"/v1/admin/bookings/{late_id}/no-show", json={"no_show": True, "reason": "not here"}, headers=key()
    )
    assert (no_show.status_code, no_show.json()["status"]) == (200, "NO_SHOW"), no_show.text
    came = await staff.post(
        f"/v1/admin/bookings/{late_id}/no-show",
        json={"no_show": False, "reason": "came late, seen at the door"},
        headers=key(),
    )
    assert (came.json()["status"], came.json()["no_show_override_reason"]) == (
        "CHECKED_IN",
        "came late, seen at the door",
    )

    # The company's list by status; the customer's bookings by status.
    cancelled = await staff.get(
        "/v1/admin/bookings", params={"status": "CANCELLED", "customer_id": customer["id"]}
    )
    assert [b["id"] for b in cancelled.json()["bookings"]] == [wallet_booking]
    checked = await staff.get(f"{customer_url}/bookings", params=[("status", "CHECKED_IN")])
    assert {b["id"] for b in checked.json()["bookings"]} == {booking["id"], late_id}

    # The audit log names the staff member for each change.
    async with platform.db.transaction() as conn:
        audited = (
            await conn.execute(
                text(
                    "SELECT action, actor_user_id FROM bookings.audit_log"
                    " WHERE company_id = :company AND entity_type = 'booking' ORDER BY occurred_at"
                ),
                {"company": tenant.company_id},
            )
        ).all()
    assert {row.action for row in audited} >= {
        "create_on_behalf",
        "cancel_by_company",
        "check_in",
        "override_no_show",
    }
    assert {row.actor_user_id for row in audited} == {staff_id}

    # Another company's staff see none of it.
    stranger, _ = await login(platform, "STAFF", str(uuid.uuid4()))
    assert (await stranger.get(customer_url)).json()["code"] == "CUSTOMER_NOT_FOUND"
    assert (await stranger.get(f"/v1/admin/bookings/{booking['id']}")).json()["code"] == "BOOKING_NOT_FOUND"
    foreign = await stranger.post(
        f"{customer_url}/wallet/credits",
        json={"amount": {"amount_minor": 1, "currency_code": "EUR"}, "reason": "x"},
        headers=key(),
    )
    assert (foreign.status_code, foreign.json()["code"]) == (404, "CUSTOMER_NOT_FOUND")


async def test_customers_filter_their_own_bookings_by_status(tenant):
    customer = await tenant.customer(main_minor=10_000)
    session = await tenant.session()
    booked = await customer.book(session.id, use_wallet=True)
    await customer.wait_for(booked.json()["id"], "CONFIRMED")
    confirmed = await customer.http.get("/v1/bookings", params={"status": "CONFIRMED"})
    cancelled = await customer.http.get("/v1/bookings", params={"status": "CANCELLED"})
    bad = await customer.http.get("/v1/bookings", params={"status": "LOST"})
    assert [b["id"] for b in confirmed.json()["bookings"]] == [booked.json()["id"]]
    assert confirmed.json()["has_more"] is False
    assert cancelled.json()["bookings"] == []
    assert bad.status_code == 400


async def test_two_staff_members_equal_idempotency_keys_make_two_bookings(tenant, platform):
    # A key is the client's own choice: the desk's and the admin's equal keys are two requests.
    staff, _ = await login(platform, "STAFF", tenant.company_id)
    admin, _ = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    session = await tenant.session(capacity=10, price_minor=2000)
    customer = await tenant.customer()
    shared = key()

    by_staff = await staff.post(
        "/v1/admin/bookings",
        json={"customer_id": customer.id, "session_id": session.id, "payment": {"desk": "CASH"}},
        headers=shared,
    )
    by_admin = await admin.post(
        "/v1/admin/bookings",
        json={
            "customer_id": customer.id,
            "session_id": session.id,
            "quantity": 2,
            "payment": {"desk": "CASH"},
        },
        headers=shared,
    )
    again = await staff.post(
        "/v1/admin/bookings",
        json={"customer_id": customer.id, "session_id": session.id, "payment": {"desk": "CASH"}},
        headers=shared,
    )

    assert by_staff.status_code == 202, by_staff.text
    assert by_admin.status_code == 202, by_admin.text
    assert by_admin.json()["id"] != by_staff.json()["id"] and by_admin.json()["quantity"] == 2
    assert (again.status_code, again.json()["id"]) == (202, by_staff.json()["id"])  # its own replay
