"""The public booking site in a real browser against the real platform: a guest finds a class on
the company's page, prices it with an extra (htmx re-prices in place), books with a card that
needs 3-D Secure, passes the sandbox's challenge page and watches the confirmation page turn
CONFIRMED over Server-Sent Events without reloading; another guest cancels and sees the refund
before confirming, and the page follows the cancellation live; a declined card is REJECTED with
the reason in words. axe, the phone viewport and screenshots on every page (check in conftest.py).
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta

import pytest
from playwright.async_api import expect

from bookingplatform.catalog.v1 import catalog_pb2
from tests.browser.conftest import DESKTOP, Console, check

pytestmark = pytest.mark.e2e

SLOW = 60_000  # ms: a saga confirms within this on a busy machine
ACTION_CARD = "4000 0000 0000 3220"  # services/payments sandbox: needs the 3-D Secure step
GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"


async def _visitor(browser, platform) -> Console:
    context = await browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(SLOW)
    page = await context.new_page()
    seen = Console(page, platform.gateway_url)
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    return seen


async def _book(
    visitor: Console, company_id: str, session_id: str, card: str, *, places: int = 1, email: str = ""
) -> str:
    """From the company's page to the booking's page; returns the booking id."""
    page = visitor.page
    await page.goto(visitor.url(f"/site/{company_id}"))
    await page.locator(f"a[href$='/book/session/{session_id}']").click()
    await page.wait_for_url(re.compile(rf".*/book/session/{session_id}$"))
    if places != 1:
        await page.get_by_label("Places").fill(str(places))
        await page.get_by_label("Places").dispatch_event("change")
    await page.get_by_label("Full name").fill("Ada Guest")
    await page.get_by_label("E-mail").fill(email or f"ada-{uuid.uuid4().hex[:8]}@example.com")
    await page.get_by_label("Card number").fill(card)
    await page.get_by_role("button", name="Book and pay").click()
    await page.wait_for_url(re.compile(rf".*/site/{company_id}/bookings/[0-9a-f-]{{36}}$"))
    return page.url.rsplit("/", 1)[1]


async def test_a_guest_books_passes_3ds_and_watches_the_booking_confirm_live(platform, browser, tenant):
    session = await tenant.session(capacity=6, price_minor=1500)
    visitor = await _visitor(browser, platform)
    page = visitor.page
    try:
        await page.goto(visitor.url(f"/site/{tenant.company_id}"))
        await expect(page.get_by_role("heading", level=1)).to_have_text("Test Studio")
        await expect(page.locator(f"#resource-{tenant.resource_id}")).to_contain_text("15.00 EUR per place")
        await check(visitor, "site-company")

        await page.locator(f"a[href$='/book/session/{session.id}']").click()
        await page.wait_for_url(re.compile(rf".*/book/session/{session.id}$"))
        quote = page.locator("#quote")
        await expect(quote).to_contain_text("15.00 EUR")
        await page.evaluate("() => { window.__stillHere = 'yes'; }")
        # Two places and a mat: htmx asks for the price again and swaps the quote in place.
        await page.get_by_label("Places").fill("2")
        await page.get_by_label("Places").dispatch_event("change")
        await expect(quote.locator(".total")).to_have_text("30.00 EUR")
        await page.get_by_label(re.compile("^Mat hire")).select_option(label="1")
        await expect(quote.locator(".total")).to_have_text("33.00 EUR")
        assert await page.evaluate("() => window.__stillHere") == "yes"
        await expect(quote).to_contain_text("Cancel at least 1 hour before the start: a full refund.")
        await check(visitor, "site-book")

        await page.get_by_label("Full name").fill("Ada Guest")
        await page.get_by_label("E-mail").fill(f"ada-{uuid.uuid4().hex[:8]}@example.com")
        await page.get_by_label("Card number").fill(ACTION_CARD)
        await page.get_by_role("button", name="Book and pay").click()
        await page.wait_for_url(re.compile(rf".*/site/{tenant.company_id}/bookings/[0-9a-f-]{{36}}$"))
        assert "token" not in page.url
        cookies = {c["name"]: c for c in await page.context.cookies()}
        manage = cookies["site_manage"]
        assert manage["httpOnly"] and manage["sameSite"] == "Strict"
        assert manage["path"] == page.url.removeprefix(visitor.base_url)
        await expect(page.locator("dl.summary")).to_contain_text("Studio, 2 places")
        await expect(page.locator("dl.summary")).to_contain_text("33.00 EUR")

        # The bank's check is offered on the page as soon as the payment asks for it (live).
        await page.evaluate("() => { window.__stillHere = 'yes'; }")
        confirm = page.get_by_role("link", name="Confirm the payment with your bank")
        await expect(confirm).to_be_visible()
        await expect(page.locator(".status-code")).to_have_text("PENDING")
        assert await page.evaluate("() => window.__stillHere") == "yes"

        # The guest passes the check in a second tab (the link's page); the first tab, left
        # open on the booking, turns CONFIRMED over SSE without a reload.
        bank = await page.context.new_page()
        bank.on("console", lambda m: visitor.errors.append(m.text) if m.type == "error" else None)
        await bank.goto(visitor.url(await confirm.get_attribute("href") or ""))
        await expect(bank.get_by_role("heading", level=1)).to_have_text("Card check (sandbox bank)")
        await check(Console(bank, visitor.base_url, visitor.errors), "site-card-check")
        started = time.monotonic()
        await bank.get_by_role("button", name="Confirm the payment").click()
        await bank.wait_for_url(page.url)
        await expect(page.locator(".status-code")).to_have_text("CONFIRMED")
        print(f"site: CONFIRMED shown live {time.monotonic() - started:.2f} s after the card check")
        await expect(page.locator(".status-words")).to_have_text("Your booking is confirmed.")
        await expect(confirm).to_have_count(0)
        assert await page.evaluate("() => window.__stillHere") == "yes"
        await expect(bank.locator(".status-code")).to_have_text("CONFIRMED")
        await expect(page.get_by_role("link", name="Cancel this booking")).to_be_visible()
        await check(visitor, "site-booking-confirmed")
    finally:
        await page.context.close()


async def test_a_guest_sees_the_refund_before_cancelling_and_the_page_follows_it(platform, browser, tenant):
    session = await tenant.session(capacity=6, price_minor=2000, starts_in=timedelta(days=3))
    visitor = await _visitor(browser, platform)
    page = visitor.page
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    try:
        reference = await _book(visitor, tenant.company_id, session.id, GOOD_CARD, email=email)
        booking_url = page.url
        await expect(page.locator(".status-code")).to_have_text("CONFIRMED")
        await page.get_by_role("link", name="Cancel this booking").click()
        await page.wait_for_url(re.compile(r".*/cancel$"))
        # The refund by the policy (free cancellation until an hour before), before confirming.
        await expect(page.locator(".refund-figure")).to_have_text(
            "If you cancel now: 100% refund, 20.00 EUR to your card."
        )
        await check(visitor, "site-cancel")
        await page.get_by_role("button", name="Yes, cancel the booking").click()
        await page.wait_for_url(booking_url)
        await page.evaluate("() => { window.__stillHere = 'yes'; }")
        await expect(page.locator(".status-code")).to_have_text("CANCELLED")
        await expect(page.locator(".status")).to_contain_text("Refund (100%): 20.00 EUR to your card")
        assert await page.evaluate("() => window.__stillHere") == "yes"
        await check(visitor, "site-booking-cancelled")
        # The guest opens it on another device, from the e-mail's Find my booking link.
        phone = await _visitor(browser, platform)
        try:
            await phone.page.goto(phone.url(f"/site/{tenant.company_id}/find?reference={reference}"))
            await expect(phone.page.get_by_label("Booking reference")).to_have_value(reference)
            await check(phone, "site-find")
            await phone.page.get_by_label("E-mail").fill(email.upper())
            await phone.page.get_by_role("button", name="Open my booking").click()
            await phone.page.wait_for_url(booking_url)
            await expect(phone.page.locator(".status-code")).to_have_text("CANCELLED")
        finally:
            await phone.page.context.close()
    finally:
        await page.context.close()


async def test_a_declined_card_is_rejected_with_the_reason_in_words(platform, browser, tenant):
    session = await tenant.session(capacity=6, price_minor=2000)
    visitor = await _visitor(browser, platform)
    page = visitor.page
    try:
        await _book(visitor, tenant.company_id, session.id, DECLINED_CARD)
        await expect(page.locator(".status-code")).to_have_text("REJECTED")
        await expect(page.locator(".reason")).to_have_text(
            "Your bank declined the card. No money was taken; try another card."
        )
        await check(visitor, "site-booking-rejected")
        # A wrong form is said on the page, the choice kept; another company's session is a 404 page.
        await page.goto(visitor.url(f"/site/{tenant.company_id}/book/session/{session.id}"))
        await page.get_by_label("Full name").fill("Ada Guest")
        await page.get_by_label("E-mail").fill("ada@example.com")
        await page.get_by_label("Card number").fill(" ")
        await page.get_by_label("Card number").evaluate("e => e.removeAttribute('required')")
        await page.get_by_role("button", name="Book and pay").click()
        await expect(page.get_by_role("alert").first).to_have_text("Enter the card number.")
        await expect(page.get_by_label("Full name")).to_have_value("Ada Guest")
        await check(visitor, "site-book-error")
        missing = await page.goto(visitor.url(f"/site/{tenant.company_id}/book/session/{uuid.uuid4()}"))
        assert missing is not None and missing.status == 404
        await expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
        await check(visitor, "site-not-found")
    finally:
        await page.context.close()


async def test_a_customer_signs_in_pays_from_the_wallet_and_sees_the_account(platform, browser, tenant):
    ann = await tenant.customer(main_minor=5000)
    email = (
        await platform.catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=ann.id))
    ).customer.email
    session = await tenant.session(capacity=6, price_minor=1500)
    visitor = await _visitor(browser, platform)
    page = visitor.page
    try:
        await page.goto(visitor.url(f"/site/{tenant.company_id}"))
        await page.get_by_role("link", name="Sign in").click()
        await page.wait_for_url(re.compile(r".*/account/login$"))
        await check(visitor, "site-login")
        await page.get_by_label("E-mail").fill(email)
        await page.get_by_label("Password").fill("secret-pass")
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(re.compile(r".*/account$"))
        await expect(page.locator(".wallet")).to_contain_text("50.00 EUR")
        await check(visitor, "site-account-empty")

        await page.goto(visitor.url(f"/site/{tenant.company_id}/book/session/{session.id}"))
        await page.get_by_role("radio", name=re.compile("From my wallet")).check()
        await check(visitor, "site-book-signed-in")
        await page.get_by_role("button", name="Book and pay").click()
        await page.wait_for_url(re.compile(rf".*/site/{tenant.company_id}/bookings/[0-9a-f-]{{36}}$"))
        booking_id = page.url.rsplit("/", 1)[1]
        await expect(page.locator(".status-code")).to_have_text("CONFIRMED")

        await page.get_by_role("link", name="My account").click()
        await page.wait_for_url(re.compile(r".*/account$"))
        await expect(page.locator(f"#booking-{booking_id}")).to_contain_text("CONFIRMED")
        await expect(page.locator(".wallet")).to_contain_text("35.00 EUR")
        await expect(page.locator("table.ledger")).to_contain_text("-15.00 EUR")
        await check(visitor, "site-account")
        await page.get_by_role("button", name="Sign out").click()
        await page.wait_for_url(re.compile(rf".*/site/{tenant.company_id}$"))
        await expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    finally:
        await page.context.close()


async def test_without_javascript_a_guest_prices_books_and_refreshes_to_the_confirmation(
    platform, browser, tenant
):
    session = await tenant.session(capacity=6, price_minor=1500)
    context = await browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    context.set_default_timeout(SLOW)
    page = await context.new_page()
    try:
        await page.goto(platform.gateway_url + f"/site/{tenant.company_id}/book/session/{session.id}")
        await page.get_by_label("Places").fill("3")
        await page.get_by_role("button", name="Update the price").click()
        await expect(page.locator("#quote .total")).to_have_text("45.00 EUR")
        await expect(page.get_by_label("Places")).to_have_value("3")
        await page.get_by_label("Full name").fill("Noah Script")
        await page.get_by_label("E-mail").fill(f"noah-{uuid.uuid4().hex[:8]}@example.com")
        await page.get_by_label("Card number").fill(GOOD_CARD)
        await page.get_by_role("button", name="Book and pay").click()
        await page.wait_for_url(re.compile(rf".*/site/{tenant.company_id}/bookings/[0-9a-f-]{{36}}$"))
        await expect(page.locator("dl.summary")).to_contain_text("Studio, 3 places")
        for _ in range(60):
            if await page.locator(".status-code").inner_text() == "CONFIRMED":
                break
            await page.wait_for_timeout(500)
            await page.reload()
        await expect(page.locator(".status-code")).to_have_text("CONFIRMED")
    finally:
        await context.close()
