"""The business console in a real browser against the real platform: a company's staff log in
and land on the calendar, the month heatmap shows a booked day with its figure, the day view
lists the booking, a booking made from a free cell for a customer found by search appears and
its saga confirms, check-in and cancellation (its refund shown first) from the day view swap
the booking's card in place; a company admin sees both the calendar and the sagas. axe, the
phone viewport and screenshots on every page (check in conftest.py)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Page, expect

from bookingplatform.catalog.v1 import catalog_pb2
from plumbing.testing import eventually
from tests.browser.conftest import DESKTOP, PASSWORD, Console, check
from tests.conftest import eur

pytestmark = pytest.mark.e2e

BERLIN = ZoneInfo("Europe/Berlin")  # the tenant's time zone (tests/conftest.py)
SLOW = 60_000  # ms: a saga confirms within this on a busy machine


async def _log_in(browser, platform, tenant, role: str) -> Console:
    email = f"{role.lower()}-{uuid.uuid4().hex[:10]}@example.com"
    await platform.users.create_user(email=email, password=PASSWORD, role=role, company_id=tenant.company_id)
    context = await browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(60_000)
    page = await context.new_page()
    seen = Console(page, platform.gateway_url)
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto(seen.url("/ops/login"))
    await page.get_by_label("E-mail", exact=True).fill(email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    return seen


def _card(page: Page, booking_id: str):
    return page.locator(f"#booking-{booking_id}")


async def test_staff_book_check_in_and_cancel_from_the_calendar(platform, browser, tenant):
    # A class starting in 40 minutes (check-in is open), 4 places, one booked by Ann.
    session = await tenant.session(capacity=4, price_minor=1000, starts_in=timedelta(minutes=40))
    day = session.start_time.ToDatetime().replace(tzinfo=ZoneInfo("UTC")).astimezone(BERLIN).date()
    ann = await tenant.customer(main_minor=5000)
    mine = await ann.book(session.id, use_wallet=True)
    assert mine.status_code == 202, mine.text
    ann_booking = (await ann.wait_for(mine.json()["id"], "CONFIRMED"))["id"]
    bob = await tenant.customer(main_minor=5000)
    bob_email = (
        await platform.catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=bob.id))
    ).customer.email

    console = await _log_in(browser, platform, tenant, "STAFF")
    page = console.page
    try:
        await page.wait_for_url(re.compile(r".*/ops/calendar$"))
        # The operators' pages are not for staff.
        refused = await page.goto(console.url("/ops/sagas"))
        assert refused is not None and refused.status == 403

        # The month: the company's mean (one resource: 1 of 4 places = 25%), then the studio's figure.
        await page.goto(console.url(f"/ops/calendar?month={day:%Y-%m}"))
        cell = page.locator(f"table.cal-month td[data-date='{day.isoformat()}']")
        await expect(cell).to_contain_text("25%")
        await expect(cell).to_contain_text("25% occupied on average (1 of 4 places booked)")
        await expect(cell).to_have_class(re.compile(r"heat-2"))
        await expect(page.locator("table.cal-strip tr", has_text="Every resource in places")).to_contain_text(
            "1/4"
        )
        await check(console, "calendar-company")
        await page.get_by_label("Show", exact=True).select_option(label="Studio (places)")
        await page.get_by_role("button", name="Show", exact=True).click()
        await expect(cell).to_contain_text("1/4")
        await expect(page.locator("table.cal-strip")).to_contain_text("1/4")
        await check(console, "calendar-resource")

        # The day: Ann's booking, and the session's free places.
        await cell.get_by_role("link").click()
        await page.wait_for_url(re.compile(rf".*/ops/calendar/day\?date={day.isoformat()}.*"))
        await expect(_card(page, ann_booking)).to_contain_text("CONFIRMED")
        await expect(_card(page, ann_booking).get_by_role("link", name="its saga")).to_have_count(0)
        await expect(page.locator(".slot-fig").first).to_contain_text("1/4 places booked")
        await check(console, "calendar-day")
        await page.evaluate("() => { window.__stillHere = 'yes'; }")

        # Check Ann in: the card is swapped in place (htmx), the page is not reloaded.
        await _card(page, ann_booking).get_by_role("button", name=re.compile("^Check in")).click()
        await expect(_card(page, ann_booking)).to_contain_text("CHECKED_IN")
        await expect(_card(page, ann_booking).locator(".check-in-state")).to_contain_text("Checked in at")
        await expect(_card(page, ann_booking).get_by_role("status")).to_contain_text("Checked in.")
        assert await page.evaluate("() => window.__stillHere") == "yes"

        # Book a place for Bob from the free cell, Bob found by search, paid from his wallet.
        await page.get_by_role("link", name=re.compile("^Book a place for a customer")).first.click()
        await page.wait_for_url(re.compile(r".*/ops/calendar/book\?.*"))
        await page.get_by_label("Customer's name or e-mail").fill(bob_email[:8])
        choice = page.get_by_label(re.compile(re.escape(bob_email)))
        await expect(choice).to_have_count(1)
        await choice.check()
        await page.get_by_label("From the customer's wallet (the booking saga runs)").check()
        await check(console, "calendar-book")
        await page.get_by_role("button", name="Book", exact=True).click()
        await page.wait_for_url(re.compile(r".*/ops/calendar/day\?.*done=book.*"))
        await expect(page.get_by_role("status").first).to_contain_text("Booked")
        new_card = page.locator(".booking-new")
        await expect(new_card).to_have_count(1)
        bob_booking = (await new_card.get_attribute("id") or "").removeprefix("booking-")
        assert bob_booking and bob_booking != ann_booking

        async def confirmed() -> bool:
            await page.reload()
            return "CONFIRMED" in await _card(page, bob_booking).inner_text()

        await eventually(confirmed, message="the booking made from the calendar never confirmed")
        saga = await bob.wait_for(bob_booking, "CONFIRMED")
        assert saga["wallet_debited"]["amount_minor"] == 1000
        await expect(page.locator(".slot-fig").first).to_contain_text("2/4 places booked")

        # Cancel Bob's booking: the refund is shown before confirming.
        card = _card(page, bob_booking)
        await card.locator("summary").click()
        await expect(card.locator(".refund")).to_contain_text("10.00 EUR to the wallet")
        await card.get_by_label("Why the company cancels").fill("browser: the class is overbooked")
        await card.get_by_role("button", name="Confirm cancellation").click()
        await expect(_card(page, bob_booking)).to_contain_text(re.compile("CANCELLING|CANCELLED"))
        await expect(_card(page, bob_booking).get_by_role("status")).to_contain_text("Cancellation started")
        await bob.wait_for(bob_booking, "CANCELLED")
        assert (await bob.wallet())["main_balance"]["amount_minor"] == 5000
    finally:
        await page.context.close()


async def test_a_company_admin_sees_the_calendar_and_the_sagas(platform, browser, tenant):
    session = await tenant.session(capacity=10, price_minor=1000, starts_in=timedelta(days=3))
    day = session.start_time.ToDatetime().replace(tzinfo=ZoneInfo("UTC")).astimezone(BERLIN).date()
    zoe = await tenant.customer(main_minor=5000)
    created = await zoe.book(session.id, quantity=3, use_wallet=True)
    booking = (await zoe.wait_for(created.json()["id"], "CONFIRMED"))["id"]

    console = await _log_in(browser, platform, tenant, "COMPANY_ADMIN")
    page = console.page
    try:
        await page.wait_for_url(re.compile(r".*/ops/sagas$"))
        await expect(page.locator("#saga-rows")).to_contain_text(booking)
        await page.goto(console.url(f"/ops/calendar?month={day:%Y-%m}"))
        cell = page.locator(f"table.cal-month td[data-date='{day.isoformat()}']")
        await expect(cell).to_contain_text("30%")
        await page.locator("table.cal-strip").get_by_role("link", name="Studio").click()
        await expect(cell).to_contain_text("3/10")
        await cell.get_by_role("link").click()
        await expect(_card(page, booking)).to_contain_text("CONFIRMED")
        await expect(_card(page, booking)).to_contain_text("Test Customer")
        await _card(page, booking).get_by_role("link", name="its saga").click()
        await page.wait_for_url(re.compile(r".*/ops/sagas/[0-9a-f-]{36}$"))
        await expect(page.locator(".facts")).to_contain_text("COMPLETED")
        await page.go_back()
        await check(console, "calendar-day-admin")
    finally:
        await page.context.close()


async def _book_for(page: Page, email: str, payment: str) -> str:
    """On the booking form: find the customer, choose the payment, book; the new booking's id."""
    await page.get_by_label("Customer's name or e-mail").fill(email[:8])
    choice = page.get_by_label(re.compile(re.escape(email)))
    await expect(choice).to_have_count(1)
    await choice.check()
    await page.get_by_label(payment).check()
    await page.get_by_role("button", name="Book", exact=True).click()
    await page.wait_for_url(re.compile(r".*/ops/calendar/day\?.*done=book.*"))
    booking_id = (await page.locator(".booking-new").get_attribute("id") or "").removeprefix("booking-")
    assert booking_id
    return booking_id


async def test_nights_and_minutes_on_the_heatmap_and_stays_and_rentals_booked_from_free_cells(
    platform, browser, tenant
):
    cabins = (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=tenant.company_id,
                name="Cabins",
                booking_model=catalog_pb2.BOOKING_MODEL_NIGHTLY,
                policy=catalog_pb2.ResourcePolicy(),
            )
        )
    ).resource
    for name in ("Cabin 1", "Cabin 2"):
        await platform.catalog.CreateUnit(
            catalog_pb2.CreateUnitRequest(request_id=str(uuid.uuid4()), resource_id=cabins.id, name=name)
        )
    await platform.catalog.CreateRatePlan(
        catalog_pb2.CreateRatePlanRequest(
            request_id=str(uuid.uuid4()),
            resource_id=cabins.id,
            name="Standard",
            default_nightly_price=eur(9000),
        )
    )
    kayak = (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=tenant.company_id,
                name="Kayak",
                booking_model=catalog_pb2.BOOKING_MODEL_INTERVAL,
                policy=catalog_pb2.ResourcePolicy(),
                hourly_rate=eur(1200),
            )
        )
    ).resource
    for name in ("Canoe", "Paddle board"):  # three interval resources: their free times load after the page
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=tenant.company_id,
                name=name,
                booking_model=catalog_pb2.BOOKING_MODEL_INTERVAL,
                policy=catalog_pb2.ResourcePolicy(),
                hourly_rate=eur(1500),
            )
        )
    day = datetime.now(BERLIN).date() + timedelta(days=5)
    cleo = await tenant.customer(main_minor=50_000)
    email = (
        await platform.catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=cleo.id))
    ).customer.email

    console = await _log_in(browser, platform, tenant, "STAFF")
    page = console.page
    try:
        await page.wait_for_url(re.compile(r".*/ops/calendar$"))
        await page.goto(console.url(f"/ops/calendar/day?date={day.isoformat()}&resource_id={cabins.id}"))
        await expect(page.get_by_role("heading", name=re.compile("Cabin 1"))).to_contain_text("free tonight")
        await page.get_by_role("link", name="Book Cabin 1 from this night").click()
        await expect(page.get_by_label("Nights")).to_have_value("1")
        stay = await _book_for(page, email, "Cash at the desk (confirmed at once)")
        await expect(page.get_by_role("status").first).to_contain_text("Booked: CONFIRMED.")
        await expect(_card(page, stay)).to_contain_text("CONFIRMED")
        await expect(_card(page, stay)).to_contain_text(
            f"{day.isoformat()} → {(day + timedelta(days=1)).isoformat()}"
        )
        await expect(page.get_by_role("heading", name=re.compile("Cabin 1"))).to_contain_text(
            "booked tonight"
        )
        await check(console, "calendar-day-nightly")

        await page.goto(console.url(f"/ops/calendar/day?date={day.isoformat()}"))
        kayak_times = page.get_by_role("list", name="Free times of Kayak")
        await expect(kayak_times).to_be_visible()  # fetched by htmx once the page showed
        await expect(page.get_by_role("list", name="Free times of Canoe")).to_be_visible()
        await check(console, "calendar-day-every-resource")
        await kayak_times.get_by_role("link").first.click()
        await page.get_by_label("From (local time)").fill("10:00")
        await page.get_by_label("Until (local time)").fill("11:30")
        await check(console, "calendar-book-interval")
        rental = await _book_for(page, email, "Cash at the desk (confirmed at once)")
        await expect(_card(page, rental)).to_contain_text("10:00\u201311:30")
        await expect(_card(page, rental)).to_contain_text("CONFIRMED")

        await page.goto(console.url(f"/ops/calendar?month={day:%Y-%m}&resource_id={cabins.id}"))
        cell = page.locator(f"table.cal-month td[data-date='{day.isoformat()}']")
        await expect(cell).to_contain_text("1/2")
        await expect(cell).to_have_class(re.compile(r"heat-3"))
        minutes = page.locator("table.cal-strip tr", has_text="Kayak")
        await expect(minutes).to_contain_text("90/")
        await page.goto(console.url(f"/ops/calendar?month={day:%Y-%m}&resource_id={kayak.id}"))
        await expect(cell).to_contain_text(re.compile(r"90/14[0-9]0"))
        await check(console, "calendar-interval")
    finally:
        await page.context.close()


async def test_a_staff_member_makes_their_own_calendar_feed_and_revokes_it(platform, browser, tenant):
    zoe = await tenant.customer(main_minor=5000)
    session = await tenant.session(capacity=10, price_minor=1000, starts_in=timedelta(days=2))
    created = await zoe.book(session.id, quantity=1, use_wallet=True)
    booking = (await zoe.wait_for(created.json()["id"], "CONFIRMED"))["id"]

    console = await _log_in(browser, platform, tenant, "STAFF")
    page = console.page
    try:
        await page.wait_for_url(re.compile(r".*/ops/calendar.*"))
        await page.get_by_role("link", name="Calendar feeds").click()
        await page.wait_for_url(re.compile(r".*/ops/feeds$"))
        await expect(page.locator("table.feeds")).to_contain_text("No feed yet.")
        await page.get_by_label("Name").fill("Studio shifts")
        await page.get_by_label("Bookings of").select_option(label="Studio")
        await page.get_by_role("button", name="Make the feed").click()
        address = page.get_by_label("Feed address")
        await expect(address).to_have_value(re.compile(r"^http://.*/feeds/calendar/calf_[\w-]+\.ics$"))
        url = await address.input_value()
        assert "calf_" not in page.url  # shown on the page, never in the address bar
        await expect(page.locator("table.feeds")).to_contain_text("Studio shifts")
        await check(console, "feeds-created")

        async with httpx.AsyncClient(timeout=30) as calendar_app:
            subscribed = await calendar_app.get(url)
            assert subscribed.status_code == 200 and f"booking-{booking}@booking-platform" in subscribed.text
            # A reload shows the list, not the address again.
            await page.goto(console.url("/ops/feeds"))
            await expect(page.get_by_label("Feed address")).to_have_count(0)
            await page.get_by_role("button", name="Revoke feed Studio shifts").click()
            await expect(page.get_by_role("status")).to_have_text(
                "The feed is revoked: its address answers nothing any more."
            )
            await expect(page.locator("table.feeds")).to_contain_text("revoked")
            assert (await calendar_app.get(url)).status_code == 404
    finally:
        await page.context.close()
