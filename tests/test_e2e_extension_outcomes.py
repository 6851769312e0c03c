"""What a customer sees of an extension (POST /v1/bookings/{id}/change asking for more time):
an extension paid by a card that asks for 3-D Secure shows `next_action` on the booking while
it waits, and the customer completes (the change takes effect) or refuses it through the API;
an extension that could not be paid (wallet short, the check refused or left to time out) is
undone and told by e-mail ("Your change could not be made", with the reason in words, the
period asked for and the period kept)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from plumbing.mailsink import parts
from plumbing.testing import eventually
from tests.conftest import Customer, Tenant
from tests.test_e2e_change_period import change_done
from tests.test_e2e_customer_card_check import _waiting, money
from tests.test_e2e_notifications import email_of, mail_to

pytestmark = pytest.mark.e2e

NIGHT_MINOR = 10000


def once() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def cabin_of(tenant: Tenant, name: str = "Lakeside cabin") -> str:
    platform = tenant.platform
    cabin = (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=tenant.company_id, name=name, booking_model=catalog_pb2.BOOKING_MODEL_NIGHTLY
            )
        )
    ).resource
    await platform.catalog.CreateUnit(catalog_pb2.CreateUnitRequest(resource_id=cabin.id, name="Cabin 1"))
    await platform.catalog.CreateRatePlan(
        catalog_pb2.CreateRatePlanRequest(
            resource_id=cabin.id,
            name="Standard",
            default_nightly_price=money_pb2.Money(amount_minor=NIGHT_MINOR, currency_code="EUR"),
        )
    )
    return str(cabin.id)


async def stay_of(customer: Customer, cabin_id: str, check_in: date, nights: int, **payment) -> dict:
    """A stay booked over the API, as the customer's app books it; answered as created."""
    booked = await customer.http.post(
        "/v1/bookings",
        headers=once(),
        json={
            "resource_id": cabin_id,
            "check_in_date": check_in.isoformat(),
            "check_out_date": (check_in + timedelta(days=nights)).isoformat(),
            "payment": payment,
        },
    )
    assert booked.status_code == 202, booked.text
    return dict(booked.json())


async def test_an_extension_the_wallet_cannot_pay_emails_the_customer_why_and_what_is_kept_escaped(
    tenant: Tenant,
) -> None:
    platform = tenant.platform
    hostile = 'Cabin <b onmouseover="x()">Lake</b> & Co'
    cabin_id = await cabin_of(tenant, hostile)
    customer = await tenant.customer(main_minor=2 * NIGHT_MINOR)
    address = await email_of(platform, customer.id)
    check_in = datetime.now(UTC).date() + timedelta(days=30)
    booking = await stay_of(customer, cabin_id, check_in, 2, use_wallet=True)
    before = await customer.wait_for(booking["id"], "CONFIRMED")
    asked = check_in + timedelta(days=3)
    changed = await customer.http.post(
        f"/v1/bookings/{booking['id']}/change", headers=once(), json={"check_out_date": asked.isoformat()}
    )
    assert changed.status_code == 202, changed.text
    await change_done(platform, booking["id"])

    (failed,) = await mail_to(platform, address, subject_prefix="Your change could not be made")
    assert failed.message["Subject"].startswith(f"Your change could not be made: {hostile}, ")
    got = parts(failed.message)
    assert "Your change could not be made: the wallet did not hold enough money." in got["text"]
    assert "Asked for:" in got["text"] and "300.00 EUR" in got["text"]
    assert "Kept:" in got["text"] and "200.00 EUR" in got["text"]
    assert "Nothing was charged for the change" in got["text"]
    berlin = ZoneInfo("Europe/Berlin")
    kept_end = datetime.fromisoformat(str(before["end_time"])).astimezone(berlin)
    asked_end = kept_end + timedelta(days=1)
    assert f"{kept_end:%a %d %b %Y, %H:%M}" in got["text"]
    assert f"{asked_end:%a %d %b %Y, %H:%M}" in got["text"]
    assert hostile in got["text"]  # plain text is no markup
    assert "<b onmouseover" not in got["html"]
    assert "Cabin &lt;b onmouseover=&#34;x()&#34;&gt;Lake&lt;/b&gt; &amp; Co" in got["html"]
    assert "<strong>the wallet did not hold enough money.</strong>" in got["html"]
    assert not got["attachments"]  # the booking's calendar entry stands as it was
    # No "changed" and no "not completed" for it: one e-mail tells it.
    subjects = [r.message["Subject"] for r in platform.mail.to(address)]
    assert not any(s.startswith(("Your booking was changed", "Booking not completed")) for s in subjects)


ACTION_CARD = "tok_requiresAction"


async def card_stay(customer: Customer, cabin_id: str, check_in: date) -> dict:
    """A one-night stay paid by a card that asks for 3-D Secure, its check approved: CONFIRMED."""
    booking = await stay_of(customer, cabin_id, check_in, 1, card_token=ACTION_CARD)
    action = (await _waiting(customer, booking["id"]))["next_action"]
    assert (await customer.http.post(action["url"], json={"approve": True})).status_code == 202
    confirmed = await customer.wait_for(booking["id"], "CONFIRMED", "REJECTED")
    assert confirmed["status"] == "CONFIRMED", confirmed
    return confirmed


async def extend(customer: Customer, booking_id: str, check_out: date) -> dict:
    """Asks for the longer stay, again while the booking's own capture still runs (409
    BOOKING_FINALIZING); the 202 answer."""
    key = str(uuid.uuid4())

    async def answered() -> dict | None:
        response = await customer.http.post(
            f"/v1/bookings/{booking_id}/change",
            headers={"Idempotency-Key": key},
            json={"check_out_date": check_out.isoformat()},
        )
        if response.status_code == 409 and response.json()["code"] == "BOOKING_FINALIZING":
            return None
        assert response.status_code == 202, response.text
        return dict(response.json())

    return await eventually(answered, message="the booking never finished confirming")


async def payments_of(tenant: Tenant, booking_id: str) -> list[tuple[str, str, int]]:
    async with tenant.platform.db.transaction() as conn:
        rows = await conn.execute(
            text(
                "SELECT status, decline_reason, amount_minor FROM payments.payments"
                " WHERE booking_id = :b ORDER BY created_at"
            ),
            {"b": booking_id},
        )
        return [(row[0], row[1] or "", row[2]) for row in rows]


async def test_a_customer_completes_the_3ds_check_of_an_extension_and_the_change_applies(
    tenant: Tenant,
) -> None:
    # An extension paid by a card that asks for 3-D Secure: the change's answer and the booking
    # carry next_action while the extension's payment waits (the booking CONFIRMED, its period
    # still the old one); approving it through the API applies the change.
    cabin_id = await cabin_of(tenant)
    ada = await tenant.customer()
    mallory = await tenant.customer()
    check_in = datetime.now(UTC).date() + timedelta(days=40)
    booking = await card_stay(ada, cabin_id, check_in)
    booking_id = booking["id"]

    answer = await extend(ada, booking_id, check_in + timedelta(days=2))
    assert "next_action" in answer  # null at first: the card is asked a moment later
    waiting = await _waiting(ada, booking_id)
    action = waiting["next_action"]
    assert (waiting["status"], waiting["end_time"]) == ("CONFIRMED", booking["end_time"])
    assert action["type"] == "AUTHENTICATE_CARD"
    assert action["url"] == f"/v1/bookings/{booking_id}/authenticate"
    assert action["expire_time"] and action["payment_id"] != booking["payment_id"]
    assert "token" not in action
    foreign = await mallory.http.post(action["url"], json={"approve": True})
    assert (foreign.status_code, foreign.json()["code"]) == (404, "BOOKING_NOT_FOUND")

    done = await ada.http.post(action["url"], json={"approve": True})
    assert done.status_code == 202, done.text
    assert done.json() == {
        "payment_id": action["payment_id"],
        "booking_id": booking_id,
        "status": "REQUIRES_ACTION",
    }
    await change_done(tenant.platform, booking_id)
    extended = (await ada.http.get(f"/v1/bookings/{booking_id}")).json()
    assert extended["status"] == "CONFIRMED" and extended["next_action"] is None
    assert extended["end_time"] > booking["end_time"]
    assert (extended["total_price"], extended["card_charged"]) == (
        money(2 * NIGHT_MINOR),
        money(2 * NIGHT_MINOR),
    )
    again = await ada.http.post(action["url"], json={"approve": True})
    assert (again.status_code, again.json()["code"]) == (409, "PAYMENT_NOT_REQUIRING_ACTION")

    async def both_captured() -> list | None:
        found = await payments_of(tenant, booking_id)
        return found if [status for status, _, _ in found] == ["CAPTURED", "CAPTURED"] else None

    await eventually(both_captured, message="the extension's payment was never captured")


async def test_an_extension_whose_3ds_check_is_refused_or_left_is_undone_and_the_customer_told(
    tenant: Tenant,
) -> None:
    # Refusing the check gives the change up at once (the booking's cancel waits for it: 409
    # BOOKING_FINALIZING); leaving it lets it time out. Either way the change is undone, nothing
    # is charged for it, and the customer gets "Your change could not be made" saying why.
    platform = tenant.platform
    cabin_id = await cabin_of(tenant)
    bo = await tenant.customer()
    address = await email_of(platform, bo.id)
    check_in = datetime.now(UTC).date() + timedelta(days=50)
    booking = await card_stay(bo, cabin_id, check_in)
    booking_id = booking["id"]

    await extend(bo, booking_id, check_in + timedelta(days=2))
    refused = (await _waiting(bo, booking_id))["next_action"]
    cancel = await bo.http.post(
        f"/v1/bookings/{booking_id}/cancel", headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert (cancel.status_code, cancel.json()["code"]) == (409, "BOOKING_FINALIZING")
    assert (await bo.http.post(refused["url"], json={"approve": False})).status_code == 202
    await change_done(platform, booking_id)
    kept = (await bo.http.get(f"/v1/bookings/{booking_id}")).json()
    assert (kept["status"], kept["end_time"], kept["next_action"]) == ("CONFIRMED", booking["end_time"], None)
    assert (kept["total_price"], kept["card_charged"]) == (money(NIGHT_MINOR), money(NIGHT_MINOR))
    (told,) = await mail_to(platform, address, subject_prefix="Your change could not be made")
    assert "3-D Secure failed" in parts(told.message)["text"]

    # Asked again and left alone: the check times out (the tests' payments give it 8 s).
    await extend(bo, booking_id, check_in + timedelta(days=3))
    left = (await _waiting(bo, booking_id))["next_action"]
    assert left["payment_id"] != refused["payment_id"]
    await change_done(platform, booking_id)
    kept = (await bo.http.get(f"/v1/bookings/{booking_id}")).json()
    assert (kept["end_time"], kept["next_action"], kept["card_charged"]) == (
        booking["end_time"],
        None,
        money(NIGHT_MINOR),
    )
    mails = await mail_to(platform, address, count=2, subject_prefix="Your change could not be made")
    assert "not authenticated in time" in parts(mails[1].message)["text"]
    assert [(status, reason) for status, reason, _ in await payments_of(tenant, booking_id)] == [
        ("CAPTURED", ""),
        ("FAILED", "AUTHENTICATION_FAILED"),
        ("FAILED", "AUTHENTICATION_TIMEOUT"),
    ]
