"""The console page of the e-mails sent (/ops/notifications) in a real browser: a platform
operator finds a booking's e-mails (the customer's sent, one refused for good FAILED with the
server's answer), filters them by status, and the page passes axe and fits a phone
(check_page in conftest.py)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect
from sqlalchemy import text

from bookingplatform.catalog.v1 import catalog_pb2
from plumbing.testing import eventually

pytestmark = pytest.mark.e2e


async def test_an_operator_sees_a_booking_s_e_mails_sent_and_failed_and_filters_them(
    platform, tenant, console, check_page
):
    page = console.page
    ann = await tenant.customer(main_minor=10_000)
    address = (
        await platform.catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=ann.id))
    ).customer.email
    admin_email = f"admin-{ann.id[:8]}@example.com"
    await platform.users.create_user(
        email=admin_email, password="secret-pass", role="COMPANY_ADMIN", company_id=tenant.company_id
    )
    platform.mail.refuse(admin_email, "550 5.1.1 No such mailbox here")
    session = await tenant.session(price_minor=1500)
    booked = await ann.book(session.id, use_wallet=True)
    booking_id = booked.json()["id"]
    await ann.wait_for(booking_id, "CONFIRMED")
    await eventually(lambda: platform.mail.to(address), message="the customer's e-mail never arrived")

    async def outcomes_recorded() -> bool:
        async with platform.db.transaction() as conn:
            found = await conn.execute(
                text("SELECT recipient, status FROM gateway.notification_messages WHERE booking_id = :b"),
                {"b": booking_id},
            )
            return {(r.recipient, r.status) for r in found} == {(address, "SENT"), (admin_email, "FAILED")}

    await eventually(outcomes_recorded, message="the e-mails' outcomes were never recorded")

    await page.goto(console.url(f"/ops/notifications?booking_id={booking_id}"))
    customer_row = page.locator("tr", has_text=address)
    await expect(customer_row).to_contain_text("SENT")
    await expect(customer_row).to_contain_text("booking.confirmed")
    await expect(customer_row).to_contain_text("Booking confirmed: Studio")
    staff_row = page.locator("tr", has_text=admin_email)
    await expect(staff_row).to_contain_text("FAILED")
    await expect(staff_row).to_contain_text("SMTP 550 5.1.1 No such mailbox here")
    await check_page("notifications")

    await page.get_by_label("Status").select_option("FAILED")
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator("tr", has_text=admin_email)).to_contain_text("FAILED")
    await expect(page.locator("tr", has_text=address)).to_have_count(0)
    await check_page("notifications-failed")
