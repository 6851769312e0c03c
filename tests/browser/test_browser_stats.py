"""The statistics page and the audit log viewer in Chromium: a company admin picks a period,
the page's figures equal `GET /v1/admin/stats`'s for it, the chart is drawn; a platform admin
chooses the company; the audit log is filtered through its form and an entry links to its
entity. Every page passes axe (no critical or serious violation) and fits a phone
(tests/browser/conftest.py's `check`; screenshots under artifacts/screenshots/)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.async_api import Browser, ConsoleMessage, expect

from tests.browser.conftest import DESKTOP, PASSWORD, Console, check

pytestmark = pytest.mark.e2e

PRICE = 2000


async def logged_in(platform, browser: Browser, role: str, company_id: str | None) -> tuple[Console, str]:
    """A user of the role, logged in through the login form; and a bearer token of theirs."""
    email = f"{role.lower()}-{uuid.uuid4().hex[:10]}@example.com"
    await platform.users.create_user(email=email, password=PASSWORD, role=role, company_id=company_id)
    context = await browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(60_000)
    page = await context.new_page()
    seen = Console(page, platform.gateway_url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.errors.append(message.text)

    page.on("console", on_console)
    await page.goto(seen.url("/ops/login"))
    await page.get_by_label("E-mail", exact=True).fill(email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(lambda url: "/ops/login" not in url)
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30) as http:
        token = await http.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return seen, token.json()["access_token"]


async def test_the_stats_page_shows_the_figures_of_the_json_for_the_period_picked(platform, browser, tenant):
    session = await tenant.session(capacity=8, price_minor=PRICE)
    customer = await tenant.customer(main_minor=20_000, bonus_minor=300)
    kept = await customer.book(session.id, quantity=3, use_wallet=True)
    await customer.wait_for(kept.json()["id"], "CONFIRMED")
    gone = await customer.book(session.id, use_wallet=True)
    await customer.wait_for(gone.json()["id"], "CONFIRMED")
    await customer.cancel(gone.json()["id"])
    await customer.wait_for(gone.json()["id"], "CANCELLED")

    console, token = await logged_in(platform, browser, "COMPANY_ADMIN", tenant.company_id)
    page = console.page
    try:
        await page.goto(console.url("/ops/stats"))
        await expect(page.locator("h1")).to_contain_text("Statistics")
        today = datetime.now(UTC).date()
        start, end = (today - timedelta(days=3)).isoformat(), (today + timedelta(days=10)).isoformat()
        await page.get_by_label("From", exact=True).fill(start)
        await page.get_by_label("To (inclusive)").fill(end)
        await page.get_by_role("button", name="Show").click()
        await page.wait_for_url(re.compile(rf".*from={start}.*to={end}.*"))
        await expect(page.locator("#stats-chart canvas")).to_have_count(1)  # uPlot drew it

        async with httpx.AsyncClient(
            base_url=platform.gateway_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as http:
            answer = (await http.get("/v1/admin/stats", params={"from": start, "to": end})).json()
        totals = answer["totals"]
        assert (totals["confirmed"], totals["active"], totals["cancelled"], totals["places_sold"]) == (
            2,
            1,
            1,
            3,
        )
        assert totals["revenue"]["total_minor"] == 3 * PRICE
        expected = {f"totals.{k}": str(v) for k, v in totals.items() if k not in ("revenue", "minutes_sold")}
        expected |= {f"totals.revenue.{k}": str(v) for k, v in totals["revenue"].items()}
        expected |= {f"occupancy.{k}": str(v) for k, v in answer["occupancy"].items()}
        shown = await page.eval_on_selector_all(
            "[data-figure^='totals.'], [data-figure^='occupancy.']",
            "els => els.map(el => [el.dataset.figure, el.dataset.minor ?? el.textContent.trim()])",
        )
        assert dict(shown) == expected
        [studio] = answer["resources"]
        row = page.locator(f"tr[data-resource='{studio['resource_id']}']")
        await expect(row.locator("[data-figure='sold']")).to_have_text(str(studio["sold"]))
        await expect(row.locator("[data-figure='capacity']")).to_have_text(str(studio["capacity"]))
        await expect(row.locator("[data-figure='occupancy_percent']")).to_have_text(
            str(studio["occupancy_percent"])
        )
        await check(console, "stats")

        # One resource, through the picker.
        await page.get_by_label("Resource", exact=True).select_option(label="Studio (time_slot)")
        await page.get_by_role("button", name="Show").click()
        await page.wait_for_url(re.compile(r".*resource_id=.*"))
        await expect(page.locator("h1")).to_contain_text("Studio")
        await expect(page.locator("[data-figure='totals.confirmed']")).to_have_text("2")
    finally:
        await page.context.close()


async def test_a_platform_admin_chooses_the_company(platform, browser, tenant):
    console, _ = await logged_in(platform, browser, "PLATFORM_ADMIN", None)
    page = console.page
    try:
        response = await page.goto(console.url("/ops/stats"))
        assert response is not None and response.status == 200
        await check(console, "stats-choose-company")
        await page.goto(console.url(f"/ops/stats?company_id={tenant.company_id}"))
        await expect(page.locator("#resources-table")).to_contain_text("Studio")
        await expect(page.locator("input[name=company_id][type=hidden]")).to_have_value(tenant.company_id)
    finally:
        await page.context.close()


async def test_the_audit_log_is_filtered_through_its_form_and_links_the_entity(platform, browser, tenant):
    session = await tenant.session(price_minor=PRICE)
    customer = await tenant.customer(main_minor=10_000)
    booked = await customer.book(session.id, use_wallet=True)
    booking_id = booked.json()["id"]
    await customer.wait_for(booking_id, "CONFIRMED")
    console, token = await logged_in(platform, browser, "COMPANY_ADMIN", tenant.company_id)
    page = console.page
    try:
        async with httpx.AsyncClient(
            base_url=platform.gateway_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as http:
            for _ in range(100):  # the entry reaches the gateway's log through NATS
                entries = (await http.get("/v1/admin/audit", params={"entity": "booking"})).json()["entries"]
                if entries:
                    break
                await page.wait_for_timeout(100)
        assert [e["entity_id"] for e in entries] == [booking_id]
        await page.goto(console.url("/ops/audit"))
        await page.get_by_label("Entity", exact=True).select_option("booking")
        await page.get_by_role("button", name="Show").click()
        await page.wait_for_url(re.compile(r".*entity=booking.*"))
        rows = page.locator("#audit-rows tbody tr[data-entry]")
        await expect(rows).to_have_count(1)
        await expect(rows.first).to_contain_text(booking_id)
        await check(console, "audit")
        await page.get_by_label("Entity", exact=True).select_option("session")
        await page.get_by_role("button", name="Show").click()
        await expect(page.locator("#audit-rows")).to_contain_text("No entry matches")
        await page.get_by_label("Entity", exact=True).select_option("booking")
        await page.get_by_role("button", name="Show").click()
        await page.locator("[data-entity-link]").first.click()
        await page.wait_for_url(re.compile(rf".*/ops/sagas\?q={booking_id}.*"))
        await expect(page.locator("#saga-rows")).to_contain_text(booking_id)
    finally:
        await page.context.close()
