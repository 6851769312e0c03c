"""What a customer sees of an extension (POST /v1/bookings/{id}/change asking for more time)
once its saga is done: an extension that could not be paid is undone and told by e-mail ("Your
change could not be made", with the reason in words, the period asked for and the period kept)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from plumbing.mailsink import parts
from tests.conftest import Customer, Tenant
from tests.test_e2e_change_period import change_done
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
