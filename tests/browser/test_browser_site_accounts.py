"""Customers' own accounts on the public booking site, in a real browser against the real
platform: a guest on a class's booking form creates an account (a mistyped password said on its
field first) and comes back to that form signed in; a customer who forgot the password asks for
a code, takes it from the e-mail (the platform's SMTP sink), types it with a new password and
signs in with that. axe, the phone viewport and screenshots on every page (check in conftest.py).
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.async_api import expect

from bookingplatform.catalog.v1 import catalog_pb2
from plumbing.mailsink import parts
from plumbing.testing import eventually
from tests.browser.conftest import DESKTOP, Console, check

pytestmark = pytest.mark.e2e

SLOW = 60_000  # ms


async def _visitor(browser, platform) -> Console:
    context = await browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(SLOW)
    page = await context.new_page()
    seen = Console(page, platform.gateway_url)
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    return seen


async def test_a_guest_signs_up_from_the_booking_form_and_comes_back_to_it_signed_in(
    platform, browser, tenant
):
    session = await tenant.session(capacity=6, price_minor=1500)
    visitor = await _visitor(browser, platform)
    page = visitor.page
    email = f"new-{uuid.uuid4().hex[:10]}@example.com"
    try:
        await page.goto(visitor.url(f"/site/{tenant.company_id}/book/session/{session.id}"))
        await page.get_by_role("link", name="Create an account").click()
        await page.wait_for_url(re.compile(r".*/account/signup\?next=.*"))
        await check(visitor, "site-signup")

        await page.get_by_label("E-mail").fill(email)
        await page.get_by_label("Your name").fill("Ada Newcomer")
        await page.get_by_label("Password", exact=True).fill("a long new password")
        await page.get_by_label("Password again").fill("a different password")
        await page.get_by_role("button", name="Create my account").click()
        again = page.get_by_label("Password again")
        await expect(again).to_have_attribute("aria-invalid", "true")
        await expect(page.locator("#f-password_confirm-error")).to_have_text(
            "The two passwords are not the same."
        )
        await expect(page.get_by_label("E-mail")).to_have_value(email)  # kept; the passwords are not
        await expect(page.get_by_label("Password", exact=True)).to_have_value("")
        await check(visitor, "site-signup-error")

        await page.get_by_label("Password", exact=True).fill("a long new password")
        await again.fill("a long new password")
        await page.get_by_role("button", name="Create my account").click()
        await page.wait_for_url(re.compile(rf".*/site/{tenant.company_id}/book/session/{session.id}$"))
        await expect(page.get_by_text(f"Signed in as {email}.")).to_be_visible()
        await expect(page.get_by_role("link", name="My account")).to_be_visible()
        await page.get_by_role("link", name="My account").click()
        await page.wait_for_url(re.compile(r".*/account$"))
        await expect(page.get_by_role("heading", level=1)).to_contain_text("My account")
    finally:
        await page.context.close()


async def test_a_forgotten_password_is_reset_with_the_code_from_the_e_mail(platform, browser, tenant):
    ann = await tenant.customer()
    email = (
        await platform.catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=ann.id))
    ).customer.email
    visitor = await _visitor(browser, platform)
    page = visitor.page
    try:
        await page.goto(visitor.url(f"/site/{tenant.company_id}/account/login"))
        await page.get_by_role("link", name="Forgot your password?").click()
        await page.wait_for_url(re.compile(r".*/account/password-reset$"))
        await check(visitor, "site-forgot")
        await page.get_by_label("E-mail").fill(email)
        await page.get_by_role("button", name="Send me a code").click()
        await expect(page.get_by_role("status")).to_contain_text("a code to reset its password is on its way")
        assert "/account/password-reset" in page.url and "code=" not in page.url
        await check(visitor, "site-reset-code")

        async def mailed() -> str | None:
            for received in platform.mail.to(email):
                if received.message["Subject"].startswith("Reset your password"):
                    found = re.search(r"\b[0-9a-f-]{36}\.[\w-]+", parts(received.message)["text"])
                    return found.group(0) if found else None
            return None

        code = await eventually(mailed, message=f"no reset e-mail reached {email}")
        await page.get_by_label("Code from the e-mail").fill(code)
        await page.get_by_label("New password", exact=True).fill("my brand new password")
        await page.get_by_label("New password again").fill("my brand new password")
        await page.get_by_role("button", name="Set the new password").click()
        await expect(page.get_by_role("status")).to_contain_text("Your password is changed")
        await expect(page.get_by_label("E-mail")).to_have_value(email)
        await check(visitor, "site-reset-done")

        await page.get_by_label("Password").fill("my brand new password")
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(re.compile(rf".*/site/{tenant.company_id}/account$"))
        await expect(page.get_by_role("link", name="My account")).to_be_visible()
    finally:
        await page.context.close()
