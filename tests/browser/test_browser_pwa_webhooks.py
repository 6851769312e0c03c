"""The installable console and the webhooks page in a real browser against the real platform:
the web app manifest is linked and served, the service worker registers (scope /ops/) on the
console and shows a push delivered to it (DevTools' deliverPushMessage) as its notification
naming the console page to open (never one off the console), the "Notifications on this
device" page registers a device's subscription with the gateway from the page's own script
and removes it again; a company admin sees a webhook
endpoint's deliveries with the receiver's status codes, redelivers one (asked to confirm) that
then succeeds, reads its attempts, and disables and enables the endpoint; a platform admin
names the company. axe, the phone viewport and screenshots on every page (check in
conftest.py)."""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.async_api import ConsoleMessage, expect
from sqlalchemy import text

from plumbing.testing import eventually

from .conftest import DESKTOP, PASSWORD, Console, check

pytestmark = pytest.mark.e2e


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1, port 0, answering `status` to every POST."""

    status: int = 500
    statuses: list[int] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.statuses.append(state.status)
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
async def company_console(platform, browser, tenant) -> AsyncIterator[Console]:
    """A company admin of the tenant, logged in through the login form."""
    email = f"admin-{uuid.uuid4().hex[:10]}@example.com"
    await platform.users.create_user(
        email=email, password=PASSWORD, role="COMPANY_ADMIN", company_id=tenant.company_id
    )
    context = await browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(60_000)
    page = await context.new_page()
    seen = Console(page, platform.gateway_url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.errors.append(message.text)

    page.on("console", on_console)
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto(seen.url("/ops/login"))
    await page.get_by_label("E-mail", exact=True).fill(email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(re.compile(r".*/ops/sagas.*"))
    try:
        yield seen
    finally:
        await context.close()


async def test_the_console_is_installable_its_worker_registers_and_a_device_subscribes(
    console, check_page, receiver
):
    page = console.page
    manifest = page.locator('link[rel="manifest"]')
    await expect(manifest).to_have_attribute("href", "/ops/manifest.webmanifest")
    await expect(page.locator('meta[name="theme-color"]')).to_have_attribute("content", "#0b57b0")
    served = await page.evaluate(
        "() => fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
    )
    assert served["display"] == "standalone" and served["start_url"] == "/ops/start"
    assert {i["sizes"] for i in served["icons"]} >= {"192x192", "512x512"}
    # The service worker registered by console.js, active for the console's pages.
    scope = await page.evaluate("() => navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == console.url("/ops/")
    assert await page.evaluate("() => navigator.serviceWorker.ready.then(r => r.active.scriptURL)") == (
        console.url("/ops/sw.js")
    )
    # A push delivered to the worker (DevTools' ServiceWorker.deliverPushMessage, as a push
    # service would) is shown as its notification, naming the console page a click opens.
    await page.context.grant_permissions(["notifications"], origin=console.base_url)
    cdp = await page.context.new_cdp_session(page)
    registrations: list[dict] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"])
    )
    await cdp.send("ServiceWorker.enable")
    await eventually(lambda: any(r["scopeURL"] == scope for r in registrations), message="no registration")
    registration = next(r for r in registrations if r["scopeURL"] == scope)
    shown_js = (
        "() => navigator.serviceWorker.ready.then(r => r.getNotifications())"
        ".then(ns => ns.map(n => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url})))"
    )

    async def push_until_shown(payload: dict) -> dict:
        """Delivers `payload` until its notification (by tag) is shown and returns it.

        DevTools hands the message to the worker and answers before it runs; on a loaded machine
        the worker's start can time out and the message is dropped unseen, where a push service
        would deliver again. So does this: the same tag replaces its notification, never adds one.
        """
        for _attempt in range(6):
            await cdp.send(
                "ServiceWorker.deliverPushMessage",
                {
                    "origin": console.base_url,
                    "registrationId": registration["registrationId"],
                    "data": json.dumps(payload),
                },
            )

            async def tagged() -> list | None:
                return [n for n in await page.evaluate(shown_js) if n["tag"] == payload["tag"]] or None

            try:
                [found] = await eventually(tagged, timeout=10, message=f"push {payload['tag']} not shown")
            except AssertionError:
                continue
            return found
        raise AssertionError(f"push {payload['tag']} was not shown after 6 deliveries, 10 s apart")

    booking_id = str(uuid.uuid4())
    notification = await push_until_shown(
        {
            "title": "Booking confirmed",
            "body": f"Booking {booking_id[:8]} is confirmed.",
            "url": f"/ops/push/open?booking_id={booking_id}",
            "tag": f"booking-{booking_id}",
        }
    )
    assert notification == {
        "title": "Booking confirmed",
        "body": f"Booking {booking_id[:8]} is confirmed.",
        "tag": f"booking-{booking_id}",
        "url": console.url(f"/ops/push/open?booking_id={booking_id}"),
    }
    assert len(await page.evaluate(shown_js)) == 1
    # A URL off the console (another origin, or outside /ops/) is never opened: the home page is.
    elsewhere = await push_until_shown(
        {"title": "Elsewhere", "url": "https://elsewhere.example/ops/x", "tag": "x"}
    )
    assert elsewhere["url"] == console.url("/ops/start")
    await cdp.detach()

    await page.goto(console.url("/ops/push"))
    await expect(page.locator("#push-status")).to_have_text(re.compile(r"Notifications are (on|off)"))
    await expect(page.get_by_role("button", name="Turn on notifications")).to_be_enabled()
    await check_page("push")

    # What PushManager.subscribe() answers, registered by the page's own script (its CSRF
    # token, its session): a headless Chromium has no push service of its own.
    device = ec.generate_private_key(ec.SECP256R1()).public_key()
    subscription = {
        "endpoint": f"{receiver.url}/push/{uuid.uuid4().hex}",
        "keys": {
            "p256dh": b64url(
                device.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
            ),
            "auth": b64url(os.urandom(16)),
        },
    }
    stored = await page.evaluate(
        "(s) => window.consolePush.register("
        "s, document.getElementById('push-panel').dataset.csrf, 'Test browser')",
        subscription,
    )
    assert stored["id"]
    await page.reload()
    row = page.locator(f"#device-{stored['id']}")
    await expect(row).to_contain_text("Test browser")
    await expect(row).to_contain_text("127.0.0.1")
    assert subscription["keys"]["auth"] not in await page.content()
    await check_page("push-device")
    await row.get_by_role("button", name="Remove device Test browser").click()
    await expect(page.locator(".notice-ok")).to_contain_text("The device was removed")
    await expect(page.locator(f"#device-{stored['id']}")).to_have_count(0)


async def test_a_company_admin_redelivers_a_failed_webhook_and_disables_its_endpoint(
    platform, tenant, company_console, receiver
):
    page = company_console.page
    admin_email = f"api-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(
        email=admin_email, password=PASSWORD, role="COMPANY_ADMIN", company_id=tenant.company_id
    )
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=60) as api:
        token = await api.post("/v1/auth/token", json={"email": admin_email, "password": PASSWORD})
        api.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        created = await api.post(
            "/v1/admin/webhooks/endpoints",
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={"url": f"{receiver.url}/hooks", "event_types": ["booking.confirmed"], "description": "CRM"},
        )
        assert created.status_code == 201, created.text
    endpoint = created.json()
    customer = await tenant.customer(main_minor=10_000)
    session = await tenant.session(price_minor=1000)
    booked = await customer.book(session.id, use_wallet=True)
    booking_id = booked.json()["id"]
    await customer.wait_for(booking_id, "CONFIRMED")

    async def failed_once() -> bool:
        async with platform.db.transaction() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT attempts, last_status_code FROM gateway.webhook_deliveries"
                        " WHERE endpoint_id = :e"
                    ),
                    {"e": endpoint["id"]},
                )
            ).first()
        return row is not None and row.attempts >= 1 and row.last_status_code == 500

    await eventually(failed_once, message="the first attempt was never recorded")

    await page.goto(company_console.url("/ops/webhooks"))
    section = page.locator("section.endpoint", has_text=endpoint["url"])
    await expect(section).to_contain_text("enabled")
    await expect(section).to_contain_text("booking.confirmed")
    await expect(section).to_contain_text("CRM")
    row = section.locator("tbody tr", has_text=booking_id[:8])
    await expect(row).to_contain_text("PENDING")
    await expect(row).to_contain_text("HTTP 500")
    assert endpoint["secret"] not in await page.content()
    await check(company_console, "webhooks")

    receiver.status = 200
    await row.get_by_role("button", name=re.compile("Redeliver booking.confirmed")).click()
    await expect(page.locator(".notice-ok")).to_contain_text("due again")

    async def succeeded() -> bool:
        await page.reload()
        return await page.locator("section.endpoint tbody tr", has_text="SUCCEEDED").count() == 1

    await eventually(succeeded, message="the redelivered webhook never succeeded")

    await page.locator("section.endpoint tbody tr").get_by_role("link", name="booking.confirmed").click()
    await expect(page.locator("h1")).to_contain_text("Delivery of booking.confirmed")
    attempts = page.locator("table.attempts tbody tr")
    await expect(attempts.first).to_contain_text("500")
    await expect(attempts.last).to_contain_text("200")
    await check(company_console, "webhook-delivery")

    await page.get_by_role("link", name="Webhooks").first.click()
    section = page.locator("section.endpoint", has_text=endpoint["url"])
    await section.get_by_role("button", name=f"Disable the endpoint {endpoint['url']}").click()
    await expect(page.locator(".notice-ok")).to_contain_text("The endpoint is disabled")
    await expect(section).to_contain_text("disabled")
    await expect(section).to_contain_text("by an admin")
    await section.get_by_role("button", name=f"Enable the endpoint {endpoint['url']}").click()
    await expect(page.locator(".notice-ok")).to_contain_text("The endpoint is enabled")
    await expect(section.locator(".badge").first).to_have_text("enabled")

    # A second endpoint registered here: its signing secret shown once, then deleted.
    second = f"{receiver.url}/second"
    await page.get_by_label("URL (https; the events are posted there)").fill(second)
    await page.get_by_label("booking.rejected").uncheck()
    await page.get_by_role("button", name="Register the endpoint").click()
    await expect(page.get_by_label("The signing secret")).not_to_have_value("")
    assert "secret" not in page.url
    section = page.locator("section.endpoint", has_text=second)
    await expect(section).not_to_contain_text("booking.rejected")
    await check(company_console, "webhook-created")
    await section.get_by_role("button", name=f"Delete the endpoint {second}").click()
    await expect(page.locator(".notice-ok")).to_contain_text("The endpoint is deleted")
    await expect(page.locator("section.endpoint", has_text=second)).to_have_count(0)


async def test_a_platform_admin_names_the_company_of_the_webhooks(console, check_page, platform, tenant):
    page = console.page
    await page.goto(console.url("/ops/webhooks"))
    await expect(page.locator("main")).to_contain_text("Name a company")
    await page.get_by_label("Company id").fill(tenant.company_id)
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator("main")).to_contain_text(f"The endpoints of company {tenant.company_id}")
    await expect(page.locator("main")).to_contain_text("No webhook endpoint yet.")
    await check_page("webhooks-platform")
