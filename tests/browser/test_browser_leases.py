"""Real-time coordination in two browsers (gateway.leases): two staff of one company on the
day view of a rental. Ann opens the booking form of a free cell: Bob's day view shows it held
by her, live (SSE, no reload); Bob's start of the same cell is refused naming her, and so is a
booking he posts past the page; Ann cancels and Bob can take it; Bob closes his tab
(sendBeacon) and the hold is gone from Ann's view. Another company's resource is a 404. axe,
the phone viewport and screenshots on the pages touched (check in conftest.py)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect

from bookingplatform.catalog.v1 import catalog_pb2
from tests.browser.conftest import DESKTOP, PASSWORD, Console, check
from tests.conftest import eur

pytestmark = pytest.mark.e2e

BERLIN = ZoneInfo("Europe/Berlin")  # the tenant's time zone (tests/conftest.py)


async def _log_in(browser, platform, company_id: str, name: str) -> tuple[Console, str]:
    email = f"{name}-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(email=email, password=PASSWORD, role="STAFF", company_id=company_id)
    context = await browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(60_000)
    page = await context.new_page()
    seen = Console(page, platform.gateway_url)
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    await page.goto(seen.url("/ops/login"))
    await page.get_by_label("E-mail", exact=True).fill(email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(re.compile(r".*/ops/calendar$"))
    return seen, email


async def _rental(platform, company_id: str, name: str) -> str:
    return (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=company_id,
                name=name,
                booking_model=catalog_pb2.BOOKING_MODEL_INTERVAL,
                policy=catalog_pb2.ResourcePolicy(),
                hourly_rate=eur(1500),
            )
        )
    ).resource.id


def _first_free_cell(page: Page):
    return page.locator("ul.gaps").get_by_role("link").first


async def test_a_hold_is_seen_live_by_another_browser_and_refuses_the_conflicting_start(
    platform, browser, tenant
):
    canoe = await _rental(platform, tenant.company_id, "Canoe")
    day = datetime.now(BERLIN).date() + timedelta(days=6)
    day_url = f"/ops/calendar/day?date={day.isoformat()}&resource_id={canoe}"
    ann, ann_email = await _log_in(browser, platform, tenant.company_id, "ann")
    bob, bob_email = await _log_in(browser, platform, tenant.company_id, "bob")
    holds_of_canoe = f"#holds-{canoe}"
    try:
        await bob.page.goto(bob.url(day_url))
        await expect(_first_free_cell(bob.page)).to_be_visible()
        await expect(bob.page.locator(holds_of_canoe)).not_to_contain_text("Held")
        await bob.page.evaluate("() => { window.__stillHere = 'yes'; }")

        # Ann starts a booking from the first free cell: she holds it.
        await ann.page.goto(ann.url(day_url))
        await _first_free_cell(ann.page).click()
        await ann.page.wait_for_url(re.compile(r".*/ops/calendar/book\?.*"))
        await expect(ann.page.locator(".lease-status")).to_contain_text("You hold Canoe")
        await check(ann, "leases-book-held-by-me")

        # Bob sees it held, by Ann, since when, without reloading his page.
        held = bob.page.locator(holds_of_canoe)
        await expect(held).to_contain_text("being booked by")
        await expect(held).to_contain_text(ann_email)
        await expect(held.locator("time")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
        assert await bob.page.evaluate("() => window.__stillHere") == "yes"
        await check(bob, "leases-day-held")

        # A booking Bob posts past the page (the form's fields, his own CSRF token) is refused
        # by the server too.
        start_time = await ann.page.get_by_label("From (local time)").input_value()
        end_time = await ann.page.get_by_label("Until (local time)").input_value()
        csrf = await bob.page.locator("#day-live").get_attribute("data-csrf")
        posted = await bob.page.request.post(
            bob.url("/ops/calendar/bookings"),
            form={
                "csrf_token": csrf or "",
                "request_key": str(uuid.uuid4()),
                "date": day.isoformat(),
                "kind": "INTERVAL",
                "resource_id": canoe,
                "customer_id": str(uuid.uuid4()),
                "start_time": start_time,
                "end_time": end_time,
                "payment": "desk-CASH",
            },
            max_redirects=0,
        )
        assert posted.status == 303, await posted.text()
        assert "error=LEASE_HELD" in posted.headers["location"]

        # Bob's start of the same cell is refused, naming Ann; no form is offered.
        await _first_free_cell(bob.page).click()
        await bob.page.wait_for_url(re.compile(r".*/ops/calendar/book\?.*"))
        refusal = bob.page.get_by_role("alert")
        await expect(refusal).to_contain_text(ann_email)
        await expect(refusal).to_contain_text("LEASE_HELD")
        await expect(bob.page.get_by_role("button", name="Book", exact=True)).to_have_count(0)
        # A rental can be started from the end of Ann's hold instead.
        await expect(
            bob.page.get_by_role("link", name=re.compile(r"^Book Canoe from \d\d:\d\d instead"))
        ).to_be_visible()
        await check(bob, "leases-book-refused")

        # Ann cancels: the hold is released, and Bob can take the cell.
        await ann.page.get_by_role("button", name="Cancel and release").click()
        await ann.page.wait_for_url(re.compile(r".*/ops/calendar/day\?.*"))
        await expect(ann.page.locator(holds_of_canoe)).not_to_contain_text("Held")
        await bob.page.get_by_role("link", name="Try again").click()
        await expect(bob.page.locator(".lease-status")).to_contain_text("You hold Canoe")

        # Ann (on her day view) sees Bob's hold live; her start is refused naming Bob.
        await expect(ann.page.locator(holds_of_canoe)).to_contain_text(bob_email)
        await ann.page.evaluate("() => { window.__stillHere = 'yes'; }")

        # Bob closes his tab: the page's beacon releases, and Ann's view shows it free.
        await bob.page.close()
        await expect(ann.page.locator(holds_of_canoe)).not_to_contain_text("Held")
        assert await ann.page.evaluate("() => window.__stillHere") == "yes"
        await _first_free_cell(ann.page).click()
        await expect(ann.page.locator(".lease-status")).to_contain_text("You hold Canoe")

        # Another company's resource cannot be held (nor shown): 404.
        other = (
            await platform.catalog.CreateCompany(
                catalog_pb2.CreateCompanyRequest(
                    request_id=str(uuid.uuid4()),
                    name="Other Studio",
                    time_zone="Europe/Berlin",
                    currency_code="EUR",
                )
            )
        ).company.id
        theirs = await _rental(platform, other, "Their canoe")
        csrf = await ann.page.locator("#lease").get_attribute("data-csrf")
        refused = await ann.page.request.post(
            ann.url("/ops/calendar/leases"),
            form={"csrf_token": csrf or "", "date": day.isoformat(), "resource_id": theirs},
        )
        assert refused.status == 404, await refused.text()
        assert (await refused.json())["code"] == "RESOURCE_NOT_FOUND"
        ours = await ann.page.request.post(
            ann.url("/ops/calendar/leases"),
            form={"csrf_token": csrf or "", "date": day.isoformat(), "resource_id": canoe},
        )
        assert ours.status == 200, await ours.text()  # her own hold, taken again
    finally:
        await ann.page.context.close()
        await bob.page.context.close()


async def test_opening_a_cancellation_holds_the_booking_and_refuses_the_other_s_edit(
    platform, browser, tenant
):
    # A class starting in 40 minutes (check-in is open), Dora's place in it confirmed.
    session = await tenant.session(capacity=4, price_minor=1000, starts_in=timedelta(minutes=40))
    day = session.start_time.ToDatetime().replace(tzinfo=ZoneInfo("UTC")).astimezone(BERLIN).date()
    dora = await tenant.customer(main_minor=5000)
    made = await dora.book(session.id, use_wallet=True)
    assert made.status_code == 202, made.text
    booking = (await dora.wait_for(made.json()["id"], "CONFIRMED"))["id"]
    day_url = f"/ops/calendar/day?date={day.isoformat()}&resource_id={tenant.resource_id}"
    ann, ann_email = await _log_in(browser, platform, tenant.company_id, "ann")
    bob, bob_email = await _log_in(browser, platform, tenant.company_id, "bob")
    holds = f"#holds-{tenant.resource_id}"
    try:
        for console in (ann, bob):
            await console.page.goto(console.url(day_url))
            await expect(console.page.locator(f"#booking-{booking}")).to_contain_text("CONFIRMED")

        # Bob opens Dora's cancellation: Ann sees the booking being edited by him, live.
        await bob.page.locator(f"#booking-{booking} summary").click()
        await expect(ann.page.locator(holds)).to_contain_text("being edited by")
        await expect(ann.page.locator(holds)).to_contain_text(bob_email)
        await expect(bob.page.locator(holds)).to_contain_text("being edited by you")

        # Ann's opening of the same cancellation is refused naming Bob, and closed again.
        card = ann.page.locator(f"#booking-{booking}")
        await card.locator("summary").click()
        await expect(card.locator(".lease-refused")).to_contain_text(bob_email)
        await expect(card.locator("details")).not_to_have_attribute("open", "")
        await check(ann, "leases-day-edit-refused")
        # Her check-in is refused by the server, the card swapped in place with the holder.
        await card.get_by_role("button", name=re.compile("^Check in")).click()
        await expect(ann.page.locator(f"#booking-{booking}").get_by_role("alert")).to_contain_text(
            "LEASE_HELD"
        )
        await expect(ann.page.locator(f"#booking-{booking}")).to_contain_text("CONFIRMED")
        # The session's other places stay bookable: Bob holds Dora's booking, not the class.
        await ann.page.get_by_role("link", name=re.compile("^Book a place for a customer")).first.click()
        await expect(ann.page.locator(".lease-status")).to_contain_text("You hold Studio")
        await ann.page.go_back()
        await expect(ann.page.locator(holds)).not_to_contain_text("being booked")

        # Bob closes the cancellation: released; Ann opens it and cancels Dora's place.
        await bob.page.locator(f"#booking-{booking} summary").click()
        await expect(ann.page.locator(holds)).not_to_contain_text("Held")
        card = ann.page.locator(f"#booking-{booking}")
        await card.locator("summary").click()
        await expect(bob.page.locator(holds)).to_contain_text(ann_email)
        await expect(card.locator(".lease-refused")).to_have_count(0)
        await card.get_by_label("Why the company cancels").fill("browser: the instructor is ill")
        await card.get_by_role("button", name="Confirm cancellation").click()
        await expect(ann.page.locator(f"#booking-{booking}")).to_contain_text(
            re.compile("CANCELLING|CANCELLED")
        )
        await expect(bob.page.locator(holds)).not_to_contain_text("Held")  # released on save
        await dora.wait_for(booking, "CANCELLED")
    finally:
        await ann.page.context.close()
        await bob.page.context.close()
