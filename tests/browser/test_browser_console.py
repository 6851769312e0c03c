"""The operators' console in a real browser against the real platform: the dashboard's counts
and its live rows, a compensated saga's timeline, retry and force-compensate from the detail
page, a dead letter replayed from its page, and a company admin kept to their company and
out of the dead letters; axe, the phone viewport and screenshots on
every page (check_page in conftest.py)."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.async_api import expect

from plumbing import messaging
from plumbing.testing import eventually

pytestmark = pytest.mark.e2e

CARD_DECLINED = "4000000000000002"
LIVE = 60_000  # ms: a saga appears within this on a busy machine


async def test_the_dashboard_counts_a_company_s_sagas_and_shows_a_new_booking_live(
    tenant, console, check_page
):
    page = console.page
    session = await tenant.session(price_minor=1000)
    ann = await tenant.customer(main_minor=10_000)
    first = await ann.book(session.id, use_wallet=True)
    await ann.wait_for(first.json()["id"], "CONFIRMED")

    await page.goto(console.url(f"/ops/sagas?company_id={tenant.company_id}"))
    summary = page.locator("#summary")
    await expect(summary.locator(".total")).to_contain_text("1 saga matches")
    await expect(summary.locator("tr.state-COMPLETED td")).to_have_text("1")
    await expect(page.locator("#saga-rows")).to_contain_text(first.json()["id"])
    # The charts of the range, drawn by the vendored uPlot, with their figures in words: the
    # sagas per bucket, and how long those that ended took (p50, p95).
    await expect(page.locator("#saga-chart-1 canvas")).to_be_visible()
    await expect(page.locator("figure.chart figcaption").first).to_contain_text("1 started, 1 now completed")
    await expect(page.locator("#saga-chart-2 canvas")).to_be_visible()
    await expect(page.locator("figure.chart figcaption").nth(1)).to_contain_text("slowest bucket's p95")
    await expect(summary.locator("table.reasons")).to_contain_text("None compensated.")
    await check_page("sagas")
    # Nothing below may reload the page: a marker in the window must survive.
    await page.evaluate("() => { window.__stillHere = 'yes'; }")

    second = await ann.book(session.id, use_wallet=True)
    assert second.status_code == 202, second.text

    await expect(page.locator("#saga-rows")).to_contain_text(second.json()["id"], timeout=LIVE)
    await expect(summary.locator(".total")).to_contain_text("2 sagas match", timeout=LIVE)
    await expect(summary.locator("tr.state-COMPLETED td")).to_have_text("2", timeout=LIVE)
    await expect(page.locator("figure.chart figcaption").first).to_contain_text("2 started", timeout=LIVE)
    await expect(page.locator("#saga-chart-1 canvas")).to_be_visible()
    assert await page.evaluate("() => window.__stillHere") == "yes"

    # Search by the booking's id finds its one saga; a link of the counts filters by state.
    await page.get_by_label("Saga, booking, customer or payment id").fill(second.json()["id"])
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator("#summary .total")).to_contain_text("1 saga matches")
    await expect(page.locator("#saga-rows tr")).to_have_count(1)


async def test_a_compensated_saga_shows_its_timeline_and_offers_no_action(tenant, console, check_page):
    page = console.page
    session = await tenant.session(price_minor=4000)
    dee = await tenant.customer(main_minor=1500)
    created = await dee.book(session.id, use_wallet=True, card_token=CARD_DECLINED)
    booking = await dee.wait_for(created.json()["id"], "REJECTED")

    await page.goto(console.url(f"/ops/sagas/{booking['saga_id']}"))

    await expect(page.locator(".facts")).to_contain_text("COMPENSATED")
    await expect(page.locator(".facts")).to_contain_text("CARD_DECLINED")
    # The trace of the request that started it (no viewer configured here: the id, unlinked).
    await expect(page.locator(".facts")).to_contain_text(re.compile(r"Trace\s*[0-9a-f]{32}"))
    timeline = page.locator("svg.timeline-svg")
    await expect(timeline).to_be_visible()
    # Wallet debited then refunded, the card declined: bars from command to reply.
    await expect(timeline.locator(".bar-ok")).to_have_count(2)
    await expect(timeline.locator(".bar-failed")).to_have_count(1)
    steps = page.locator("table.steps-table")
    await expect(steps).to_contain_text("wallet execute")
    await expect(steps).to_contain_text("payments execute")
    await expect(steps).to_contain_text("wallet compensate")
    await expect(steps.locator("tr", has_text="wallet execute")).to_contain_text("15.00")
    await expect(page.get_by_text("No action applies")).to_be_visible()
    await expect(page.locator("form[action$='/retry']")).to_have_count(0)
    await expect(page.get_by_role("link", name="the customer's sagas")).to_be_visible()
    await check_page("saga-compensated")

    # The company's dashboard counts it among the compensated, under its reason.
    await page.goto(console.url(f"/ops/sagas?company_id={tenant.company_id}"))
    reasons = page.locator("#summary table.reasons")
    await expect(reasons.locator("tr", has_text="CARD_DECLINED").locator("td")).to_have_text("1")


async def test_an_operator_retries_then_force_compensates_a_saga_awaiting_payment(
    tenant, console, check_page
):
    page = console.page
    session = await tenant.session(price_minor=2000)
    max_ = await tenant.customer(main_minor=100)
    created = await max_.book(session.id, use_wallet=True, pay_later=True)
    booking = await max_.wait_for(created.json()["id"], "PENDING_PAYMENT")
    detail = console.url(f"/ops/sagas/{booking['saga_id']}")

    await page.goto(detail)
    await expect(page.locator(".facts")).to_contain_text("AWAITING_PAYMENT")
    await expect(page.locator(".pending")).to_contain_text("wallet")
    await check_page("saga-awaiting-payment")
    await page.get_by_label("Reason for “Retry step”").fill("browser: the customer says they topped up")
    await page.get_by_role("button", name="Retry step").click()

    await expect(page.get_by_role("status")).to_contain_text("Retry step: the current step was re-sent.")
    await expect(page.locator("table.log")).to_contain_text("browser: the customer says they topped up")

    await page.get_by_label("Reason for “Force compensate”").fill("browser: customer asked to drop it")
    await page.get_by_role("button", name="Force compensate").click()
    await expect(page.get_by_role("status")).to_contain_text("Force compensate: compensation started.")

    async def compensated() -> bool:
        await page.goto(detail)
        return "COMPENSATED" in (await page.locator(".facts").inner_text())

    await eventually(compensated, message="the saga never compensated")
    log = page.locator("table.log")
    await expect(log.locator("tr.kind-operator")).to_have_count(2)
    await expect(log).to_contain_text("browser: customer asked to drop it")
    await expect(page.locator(".facts")).to_contain_text("FORCED_BY_OPERATOR")
    assert (await max_.wait_for(booking["id"], "REJECTED"))["reject_reason"] == "FORCED_BY_OPERATOR"


async def test_an_operator_replays_a_saga_s_dead_letter_and_goes_back_to_the_saga(
    tenant, console, check_page, nats_url
):
    page = console.page
    session = await tenant.session(price_minor=1000)
    eve = await tenant.customer(main_minor=5000)
    created = await eve.book(session.id, use_wallet=True)
    booking = await eve.wait_for(created.json()["id"], "CONFIRMED")
    saga_id = booking["saga_id"]
    # A command of this saga the wallet cannot decode: terminated into the wallet's DLQ.
    nc = await messaging.connect(nats_url, "browser-dead-letter")
    try:
        await nc.jetstream().publish(
            messaging.command_subject("wallet"),
            b"\x0a\xff",
            headers={"Nats-Msg-Id": f"{saga_id}:wallet:execute:{uuid.uuid4().hex[:6]}"},
        )
    finally:
        await nc.close()

    await page.goto(console.url(f"/ops/sagas/{saga_id}"))
    await page.get_by_role("link", name="Dead letters of this saga").click()
    rows = page.locator("table.dead-letters tbody tr", has_text=saga_id)

    async def listed() -> bool:
        await page.reload()
        return await rows.count() >= 1

    await eventually(listed, message="the dead letter never showed on the page")
    await check_page("dead-letters")
    await rows.get_by_role("button", name=re.compile("^Replay dead letter")).click()

    await expect(page.get_by_role("status")).to_contain_text("Replayed")
    await expect(rows.first).to_contain_text("Replayed")
    await rows.first.get_by_role("link").click()
    await page.wait_for_url(re.compile(f".*/ops/sagas/{saga_id}$"))
    await expect(page.locator("h1")).to_contain_text(saga_id)


async def test_a_company_admin_sees_only_their_company_and_no_dead_letters(platform, browser, tenant):
    session = await tenant.session(price_minor=1000)
    zoe = await tenant.customer(main_minor=5000)
    mine = await zoe.book(session.id, use_wallet=True)
    await zoe.wait_for(mine.json()["id"], "CONFIRMED")
    email = f"admin-{uuid.uuid4().hex[:10]}@example.com"
    await platform.users.create_user(
        email=email, password="secret-pass", role="COMPANY_ADMIN", company_id=tenant.company_id
    )
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        await page.goto(f"{platform.gateway_url}/ops/login")
        await page.get_by_label("E-mail", exact=True).fill(email)
        await page.get_by_label("Password", exact=True).fill("secret-pass")
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url(re.compile(r".*/ops/sagas$"))

        await expect(page.locator("#saga-rows")).to_contain_text(mine.json()["id"])
        await expect(page.locator("#summary .total")).to_contain_text("1 saga matches")
        await expect(page.get_by_role("link", name="Dead letters")).to_have_count(0)
        await expect(page.get_by_label("Company id")).to_have_count(0)
        refused = await page.goto(f"{platform.gateway_url}/ops/dead-letters")
        assert refused is not None and refused.status == 403
        await page.goto(f"{platform.gateway_url}/ops/sagas")
        await page.get_by_role("button", name="Log out").click()
        await page.wait_for_url(re.compile(r".*/ops/login$"))
        await page.goto(f"{platform.gateway_url}/ops/sagas")
        assert "/ops/login" in page.url
    finally:
        await context.close()
