"""The management pages in a real browser against the real platform: a company admin creates
a resource with its policy and a weekly series of sessions and sees them listed, edits the
resource while a second tab's stale edit is refused ("changed by someone else"), archives
it, and another company's resource is a 404 page; a company's staff find a customer, credit
the wallet with a reason and see the ledger line, and grant a pass. axe, the phone viewport
and screenshots on every page (check in conftest.py)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import expect

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.passes.v1 import passes_pb2
from tests.browser.conftest import DESKTOP, PASSWORD, Console, check
from tests.conftest import eur

pytestmark = pytest.mark.e2e


async def _log_in(browser, platform, company_id: str, role: str) -> Console:
    email = f"{role.lower()}-{uuid.uuid4().hex[:10]}@example.com"
    await platform.users.create_user(email=email, password=PASSWORD, role=role, company_id=company_id)
    context = await browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(60_000)
    page = await context.new_page()
    seen = Console(page, platform.gateway_url)
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    await page.goto(seen.url("/ops/login"))
    await page.get_by_label("E-mail", exact=True).fill(email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(re.compile(r".*/ops/(sagas|calendar).*"))
    return seen


async def test_admin_creates_a_resource_and_a_weekly_series_and_a_stale_edit_is_refused(
    platform, browser, tenant
):
    console = await _log_in(browser, platform, tenant.company_id, "COMPANY_ADMIN")
    page = console.page
    try:
        await page.goto(console.url("/ops/manage/resources"))
        await expect(page.locator("#resources")).to_contain_text("Studio")
        await check(console, "manage-resources")

        # A new time-slot resource with its policy; a refund step with a bad percentage is
        # refused by the API and shown beside its field, with what was typed kept.
        await page.get_by_role("link", name="Sessions (places)").click()
        await page.get_by_label("Name", exact=True).fill("Pilates hall")
        await page.get_by_label("Capacity, people (0: not stated)").fill("14")
        await page.get_by_label("Amenities (comma separated)").fill("mats, showers")
        await page.get_by_label("Step 1: hours before").fill("24")
        await page.get_by_label("refund %").first.fill("150")
        await page.get_by_role("button", name="Create").click()
        await expect(page.locator(".notice-error")).to_contain_text("Some field is not valid")
        await expect(page.get_by_label("Name", exact=True)).to_have_value("Pilates hall")
        await check(console, "manage-resource-refused")
        await page.get_by_label("refund %").first.fill("100")
        await page.get_by_label("Step 2: hours before").fill("2")
        await page.get_by_label("refund %").nth(1).fill("50")
        await page.get_by_role("button", name="Create").click()
        await expect(page.locator(".notice-ok")).to_have_text("Created.")
        await expect(page.locator("h1")).to_have_text("Pilates hall")
        await expect(page.get_by_label("Step 2: hours before")).to_have_value("2")
        resource_id = page.url.split("/resources/")[1].split("?")[0]
        await check(console, "manage-resource")

        # A weekly series on Mondays and Wednesdays for two weeks: four sessions listed.
        await page.get_by_role("link", name="Sessions and series").click()
        monday = (datetime.now(UTC) + timedelta(days=7)).date()
        monday -= timedelta(days=monday.weekday())
        await page.get_by_label("Mon", exact=True).check()
        await page.get_by_label("Wed", exact=True).check()
        await page.get_by_label("First date").fill(monday.isoformat())
        await page.get_by_label("For so many weeks").fill("2")
        await page.locator("#series-start").fill("18:30")
        await page.locator("#series-length").fill("60")
        await page.locator("#series-capacity").fill("12")
        await page.locator("#series-price").fill("15.00")
        await page.get_by_role("button", name="Create the series").click()
        await expect(page.locator(".notice-ok")).to_have_text("Series created.")
        await page.get_by_label("From", exact=True).fill(monday.isoformat())
        await page.get_by_role("button", name="Show").click()
        rows = page.locator("#sessions tr[data-session]")
        await expect(rows).to_have_count(4)
        await expect(rows.first).to_contain_text("18:30")
        await expect(rows.first).to_contain_text("0 of 12 booked")
        await check(console, "manage-sessions")

        # One session cancelled with a reason.
        await rows.first.get_by_text("Cancel…").click()
        await rows.first.get_by_label("Reason").fill("Instructor ill")
        await rows.first.get_by_role("button", name="Cancel the session").click()
        await expect(page.locator(".notice-ok")).to_contain_text("Session cancelled")
        await expect(page.locator("#sessions tr[data-session]").first).to_contain_text("cancelled")

        # Another one gets fewer places and a new price.
        second = page.locator("#sessions tr[data-session]").nth(1)
        await second.get_by_text("Change…").click()
        await second.get_by_label("Places").fill("8")
        await second.get_by_label("Price a place").fill("17")
        await second.get_by_role("button", name="Save the session").click()
        await expect(page.locator(".notice-ok")).to_have_text("Session changed.")
        second = page.locator("#sessions tr[data-session]").nth(1)
        await expect(second).to_contain_text("0 of 8 booked")
        await expect(second).to_contain_text("17.00")

        # Two tabs edit the resource: the second, stale one is refused, nothing overwritten.
        other = await page.context.new_page()
        await other.goto(console.url(f"/ops/manage/resources/{resource_id}"))
        await page.goto(console.url(f"/ops/manage/resources/{resource_id}"))
        await page.get_by_label("Name", exact=True).fill("Pilates hall A")
        await page.get_by_role("button", name="Save", exact=True).click()
        await expect(page.locator(".notice-ok")).to_have_text("Saved.")
        await other.get_by_label("Name", exact=True).fill("Pilates hall B")
        await other.get_by_role("button", name="Save", exact=True).click()
        await expect(other.locator(".notice-error")).to_contain_text("Changed by someone else")
        await expect(other.locator(".notice-error")).to_contain_text("PRECONDITION_FAILED")
        await other.close()
        await page.reload()
        await expect(page.locator("h1")).to_have_text("Pilates hall A")

        # Archived: gone from the list, shown with the archived ones.
        await page.get_by_role("button", name="Archive Pilates hall A").click()
        await expect(page.locator(".notice-ok")).to_have_text("Archived.")
        await page.goto(console.url("/ops/manage/resources"))
        await expect(page.locator("#resources")).not_to_contain_text("Pilates hall A")
        await page.get_by_label("Archived ones too").check()
        await page.get_by_role("button", name="Show").click()
        await expect(page.locator(f"tr[data-resource='{resource_id}']")).to_contain_text("archived")

        # Another company's resource is a 404 page.
        theirs = (
            await platform.catalog.CreateCompany(
                catalog_pb2.CreateCompanyRequest(
                    request_id=str(uuid.uuid4()), name="Other", time_zone="UTC", currency_code="EUR"
                )
            )
        ).company
        their_resource = (
            await platform.catalog.CreateResource(
                catalog_pb2.CreateResourceRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=theirs.id,
                    name="Theirs",
                    booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                )
            )
        ).resource
        missing = await page.goto(console.url(f"/ops/manage/resources/{their_resource.id}"))
        assert missing is not None and missing.status == 404
        await expect(page.locator("h1")).to_have_text("Not found")
        await check(console, "manage-not-found")
    finally:
        await page.context.close()


async def test_staff_credit_a_wallet_and_grant_a_pass(platform, browser, tenant):
    customer = await tenant.customer(main_minor=3000)
    session = await tenant.session(price_minor=2000)
    booked = await customer.book(session.id, use_wallet=True)
    assert booked.status_code == 202, booked.text
    booking_id = (await customer.wait_for(booked.json()["id"], "CONFIRMED"))["id"]
    email = (
        await platform.catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=customer.id))
    ).customer.email
    await platform.passes.CreatePassProduct(
        passes_pb2.CreatePassProductRequest(
            request_id=str(uuid.uuid4()),
            company_id=tenant.company_id,
            name="Ten classes",
            credits=10,
            validity_days=60,
            price=eur(12000),
        )
    )
    console = await _log_in(browser, platform, tenant.company_id, "STAFF")
    page = console.page
    try:
        await page.goto(console.url("/ops/manage/customers"))
        await page.get_by_label("Name or e-mail starts with").fill(email[:8])
        await page.get_by_role("button", name="Find").click()
        row = page.locator(f"#customers tr[data-customer='{customer.id}']")
        await expect(row).to_contain_text(email)
        await check(console, "manage-customers")
        await row.get_by_role("link").click()
        await expect(page.locator("#balance")).to_contain_text("10.00 EUR")
        booking = page.locator("#bookings tbody tr").first
        await expect(booking).to_contain_text("CONFIRMED")
        await expect(booking.get_by_role("link")).to_have_attribute(
            "href", re.compile(f"booking_id={booking_id}")
        )

        # A credit without a reason is refused beside the field; with one, the ledger shows it.
        await page.get_by_label("Amount (EUR)").fill("25.50")
        await page.get_by_role("button", name="Apply").click()
        await expect(page.locator("#reason-error")).to_be_visible()
        await check(console, "manage-customer-refused")
        await page.get_by_label("Reason (kept in the ledger)").fill("Paid cash at the desk")
        await page.get_by_role("button", name="Apply").click()
        await expect(page.locator(".notice-ok")).to_have_text("Wallet credited.")
        await expect(page.locator("#balance")).to_contain_text("35.50 EUR")
        line = page.locator("#ledger tbody tr").first
        await expect(line).to_contain_text("25.50")
        await expect(line).to_contain_text("Paid cash at the desk")

        # A debit of more than the wallet holds is refused.
        await page.get_by_label("Debit (take)").check()
        await page.get_by_label("Amount (EUR)").fill("500")
        await page.get_by_label("Reason (kept in the ledger)").fill("Too much")
        await page.get_by_role("button", name="Apply").click()
        await expect(page.locator(".notice-error")).to_be_visible()
        await expect(page.locator("#balance")).to_contain_text("35.50 EUR")

        # A pass granted: listed with its credits.
        await page.get_by_label("Granted (free)").check()
        await page.get_by_role("button", name="Issue the pass").click()
        await expect(page.locator(".notice-ok")).to_have_text("Pass issued.")
        await expect(page.locator("#passes")).to_contain_text("Ten classes")
        await expect(page.locator("#passes")).to_contain_text("10 of 10")
        await check(console, "manage-customer")

        # A new customer at the desk, then their page.
        await page.goto(console.url("/ops/manage/customers"))
        await page.get_by_label("Name", exact=True).fill("Ada Desk")
        await page.get_by_label("E-mail", exact=True).fill(f"ada-{uuid.uuid4().hex[:8]}@example.com")
        await page.get_by_role("button", name="Add the customer").click()
        await expect(page.locator(".notice-ok")).to_have_text("Created.")
        await expect(page.locator("h1")).to_have_text("Ada Desk")
        await expect(page.locator("#balance")).to_contain_text("0.00")

        # Another company's customer is a 404 page.
        other = (
            await platform.catalog.CreateCompany(
                catalog_pb2.CreateCompanyRequest(
                    request_id=str(uuid.uuid4()), name="Other", time_zone="UTC", currency_code="EUR"
                )
            )
        ).company
        stranger = (
            await platform.catalog.CreateCustomer(
                catalog_pb2.CreateCustomerRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=other.id,
                    display_name="Stranger",
                    email=f"s-{uuid.uuid4().hex[:8]}@example.com",
                )
            )
        ).customer
        missing = await page.goto(console.url(f"/ops/manage/customers/{stranger.id}"))
        assert missing is not None and missing.status == 404
        await expect(page.locator("h1")).to_have_text("Not found")

        # Staff read resources but may not create one.
        await page.goto(console.url("/ops/manage/resources"))
        await expect(page.get_by_role("link", name="Sessions (places)")).to_have_count(0)
        refused = await page.goto(console.url("/ops/manage/resources/new"))
        assert refused is not None and refused.status == 403
    finally:
        await page.context.close()


async def test_admin_sets_nightly_and_hourly_prices(platform, browser, tenant):
    console = await _log_in(browser, platform, tenant.company_id, "COMPANY_ADMIN")
    page = console.page
    try:
        # A nightly resource: its policy's check-in and check-out times, a rate plan, prices of dates.
        await page.goto(console.url("/ops/manage/resources/new?model=NIGHTLY"))
        await page.get_by_label("Name", exact=True).fill("Sea cabin")
        await page.get_by_label("Minimum nights (0: none)").fill("2")
        await page.get_by_label("Check-in time").fill("16:00")
        await page.get_by_label("Check-out time").fill("10:00")
        await page.get_by_role("button", name="Create").click()
        await expect(page.locator(".notice-ok")).to_have_text("Created.")
        await expect(page.get_by_label("Minimum nights (0: none)")).to_have_value("2")
        for unit in ("Cabin 1", "Cabin 2"):
            await page.get_by_label("Unit name").fill(unit)
            await page.get_by_role("button", name="Add the unit").click()
            await expect(page.locator(".notice-ok")).to_have_text("Unit added.")
        await page.get_by_role("button", name="Archive Cabin 2").click()
        await expect(page.locator(".notice-ok")).to_have_text("Unit archived.")
        await expect(page.locator("#units")).to_contain_text("Cabin 1")
        await expect(page.locator("#units")).not_to_contain_text("Cabin 2")
        await page.get_by_label("Plan name").fill("Summer")
        await page.get_by_label("Default price a night (EUR)").fill("80")
        await page.get_by_role("button", name="Create the plan").click()
        await expect(page.locator(".notice-ok")).to_have_text("Rate plan created.")
        await expect(page.locator("h3", has_text="Summer")).to_contain_text("80.00 EUR a night")
        first = (datetime.now(UTC) + timedelta(days=10)).date()
        form = page.locator("form", has=page.get_by_role("button", name="Set the prices of Summer"))
        await form.get_by_label("From").fill(first.isoformat())
        await form.get_by_label("Until (inclusive)").fill((first + timedelta(days=2)).isoformat())
        await form.get_by_label("Price a night (EUR; empty clears)").fill("95.5")
        await form.get_by_role("button", name="Set the prices of Summer").click()
        await expect(page.locator(".notice-ok")).to_have_text("Daily prices saved.")
        await expect(page.locator("p.muted", has_text="Next 90 days")).to_contain_text(
            f"{first.isoformat()} 95.50"
        )
        await check(console, "manage-resource-nightly")

        # An hourly rental: its rate, and a bad amount refused beside the field.
        await page.goto(console.url("/ops/manage/resources/new?model=INTERVAL"))
        await page.get_by_label("Name", exact=True).fill("Sauna")
        await page.get_by_label("Hourly rate (EUR)").fill("30")
        await page.get_by_label("Start and length in steps of (minutes, 0: any)").fill("30")
        await page.get_by_role("button", name="Create").click()
        await expect(page.locator(".notice-ok")).to_have_text("Created.")
        rate = page.locator("#rate-form").get_by_label("Hourly rate (EUR)")
        await expect(rate).to_have_value("30.00")
        await rate.fill("12.345")
        await page.get_by_role("button", name="Save the rate").click()
        await expect(page.locator("#hourly_rate-error")).to_contain_text("two decimals")
        await page.locator("#rate-form").get_by_label("Hourly rate (EUR)").fill("35")
        await page.get_by_role("button", name="Save the rate").click()
        await expect(page.locator(".notice-ok")).to_have_text("Hourly rate saved.")
        await expect(page.locator("#rate-form").get_by_label("Hourly rate (EUR)")).to_have_value("35.00")
        await check(console, "manage-resource-interval")

        # A pass product created, then archived.
        await page.goto(console.url("/ops/manage/passes"))
        await page.get_by_label("Name", exact=True).fill("Five saunas")
        await page.get_by_label("Credits (bookings it pays for)").fill("5")
        await page.get_by_label("Price (EUR)").fill("abc")
        await page.get_by_role("button", name="Create the pass product").click()
        await expect(page.locator("#price-error")).to_be_visible()
        await page.get_by_label("Price (EUR)").fill("60")
        await page.get_by_role("button", name="Create the pass product").click()
        await expect(page.locator(".notice-ok")).to_have_text("Pass product created.")
        row = page.locator("#products tr", has_text="Five saunas")
        await expect(row).to_contain_text("60.00 EUR")
        await check(console, "manage-passes")
        await row.get_by_role("button", name="Archive Five saunas").click()
        await expect(page.locator(".notice-ok")).to_have_text("Pass product archived.")
        await expect(page.locator("#products")).not_to_contain_text("Five saunas")

        # An extra: a bad price beside its field, then created and archived.
        await page.get_by_role("link", name="Extras", exact=True).click()
        await page.get_by_label("Name", exact=True).fill("Bathrobe")
        await page.get_by_label("Price (EUR)").fill("4.999")
        await page.get_by_label("Priced per").select_option("PER_GUEST")
        await page.get_by_role("button", name="Create the extra").click()
        await expect(page.locator("#price-error")).to_be_visible()
        await expect(page.get_by_label("Priced per")).to_have_value("PER_GUEST")
        await page.get_by_label("Price (EUR)").fill("5")
        await page.get_by_role("button", name="Create the extra").click()
        await expect(page.locator(".notice-ok")).to_have_text("Extra created.")
        await expect(page.locator("#extras tr", has_text="Bathrobe")).to_contain_text("5.00 EUR a guest")
        await check(console, "manage-extras")
        await page.get_by_role("button", name="Archive Bathrobe").click()
        await expect(page.locator(".notice-ok")).to_have_text("Extra archived.")
        await expect(page.locator("#extras")).not_to_contain_text("Bathrobe")

        # The company: its currency is locked by the prices above (catalog's reason beside the
        # field, what was typed kept), then a contact phone saved.
        await page.get_by_role("link", name="Company", exact=True).click()
        await page.get_by_label("Currency", exact=False).fill("CHF")
        await page.get_by_label("Contact phone").fill("+49 30 5550100")
        await page.get_by_role("button", name="Save the company").click()
        await expect(page.locator("#currency_code-error")).to_contain_text("fixed")
        await expect(page.get_by_label("Contact phone")).to_have_value("+49 30 5550100")
        await check(console, "manage-company-refused")
        await page.get_by_label("Currency", exact=False).fill("EUR")
        await page.get_by_role("button", name="Save the company").click()
        await expect(page.locator(".notice-ok")).to_have_text("Company saved.")
        await expect(page.get_by_label("Contact phone")).to_have_value("+49 30 5550100")
        await check(console, "manage-company")

        # An API key: its secret shown once on the answer's page, then revoked after the question.
        await page.get_by_role("link", name="API keys", exact=True).click()
        await page.get_by_label("Name (what uses it, such as booking widget)").fill("Widget")
        await page.get_by_role("button", name="Make the key").click()
        await expect(page.get_by_label("The key")).to_have_value(re.compile(r"^bpk_[0-9a-f]+_[0-9a-f]+$"))
        assert "bpk_" not in page.url
        await check(console, "manage-api-key-made")
        page.once("dialog", lambda dialog: dialog.accept())
        await page.get_by_role("button", name="Revoke Widget").click()
        await expect(page.locator(".notice-ok")).to_contain_text("API key revoked")
        await expect(page.locator("#api-keys tr", has_text="Widget")).to_contain_text("revoked")
    finally:
        await page.context.close()


async def test_a_platform_admin_names_the_company(platform, console, tenant):
    page = console.page
    await page.goto(console.url("/ops/manage/resources"))
    await page.get_by_label("Company id").fill(tenant.company_id)
    await page.get_by_role("button", name="Show its resources").click()
    await expect(page.locator("#resources")).to_contain_text("Studio")
    await page.get_by_role("link", name="Studio", exact=True).click()
    await expect(page.locator("h1")).to_have_text("Studio")
    await page.get_by_role("link", name="Sessions and series").click()
    await expect(page.locator("h1")).to_have_text("Sessions of Studio")
    await page.goto(console.url(f"/ops/manage/customers?company_id={tenant.company_id}"))
    await page.get_by_label("Name", exact=True).fill("Pat Platform")
    await page.get_by_label("E-mail", exact=True).fill(f"pat-{uuid.uuid4().hex[:8]}@example.com")
    await page.get_by_role("button", name="Add the customer").click()
    await expect(page.locator("h1")).to_have_text("Pat Platform")
    await check(console, "manage-customer-platform")


HOSTILE = [
    "",
    " ",
    "-1",
    "99999999999999999999",
    "1e308",
    "NaN",
    "Infinity",
    "0x10",
    "12.345",
    "<script>",
    "'; --",
    "\u202e\u0000x",
    "x" * 6000,
    "2030-02-31",
    "25:61",
    "ZZZ",
    str(uuid.uuid4()),
]


async def test_hostile_form_values_never_answer_5xx(platform, browser, tenant):
    """Every management form posted by an admin with hostile values in every field answers
    a page or a 4xx, never a 5xx (on the real platform, through the browser's session)."""
    console = await _log_in(browser, platform, tenant.company_id, "COMPANY_ADMIN")
    page = console.page
    customer = await tenant.customer(main_minor=100)
    session = await tenant.session()
    try:
        await page.goto(console.url(f"/ops/manage/resources/{tenant.resource_id}"))
        csrf = await page.locator("input[name=csrf_token]").first.get_attribute("value")
        resource = f"/ops/manage/resources/{tenant.resource_id}"
        forms = {
            "/ops/manage/resources": [
                "name",
                "booking_model",
                "capacity",
                "policy.lead_time_minutes",
                "window_hours_0",
                "window_percent_0",
                "hourly_rate",
                "company_id",
            ],
            resource: ["name", "etag", "capacity", "policy.horizon_days", "amenities", "description"],
            f"{resource}/archive": ["etag"],
            f"{resource}/hourly-rate": ["hourly_rate", "etag"],
            f"{resource}/rate-plans": ["name", "default_nightly_price"],
            f"{resource}/units": ["name"],
            f"{resource}/sessions": ["date", "start_time", "duration_minutes", "capacity", "price", "from"],
            f"{resource}/series": [
                "day_MO",
                "start_date",
                "weeks",
                "start_time",
                "duration_minutes",
                "capacity",
                "price",
            ],
            f"/ops/manage/sessions/{session.id}/cancel": ["reason", "scope", "from"],
            f"/ops/manage/sessions/{session.id}": [
                "date",
                "start_time",
                "duration_minutes",
                "capacity",
                "price",
                "etag",
            ],
            "/ops/manage/customers": ["display_name", "email", "company_id"],
            f"/ops/manage/customers/{customer.id}": ["display_name", "email", "phone", "etag"],
            f"/ops/manage/customers/{customer.id}/wallet": ["amount", "reason", "balance", "direction"],
            f"/ops/manage/customers/{customer.id}/passes": ["product_id", "sale"],
            "/ops/manage/passes": ["name", "credits", "validity_days", "price"],
        }
        answers: dict[int, int] = {}
        for path, names in forms.items():
            for value in HOSTILE:
                data = {"csrf_token": csrf, **{name: value for name in names}}
                if path.endswith("/series"):
                    data["day_MO"] = "1"
                reply = await page.context.request.post(console.url(path), form=data, max_redirects=0)
                answers[reply.status] = answers.get(reply.status, 0) + 1
                assert reply.status < 500, (path, value[:40], reply.status, (await reply.text())[:300])
        print(f"hostile pages: management forms answered {dict(sorted(answers.items()))}")
    finally:
        await page.context.close()
