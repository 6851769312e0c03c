"""An invitation end to end in a real browser: a company admin invites a staff member on the
console's Team page, the invitation e-mail arrives at the SMTP sink with the console's accept
page and the code (in no link), the invitee opens the page, types the code, a name and a
password and is logged in to the console; then the same person forgets the password and resets
it from the login page. An invitation sent by mistake is revoked on the Team page (asked first)
and its code no longer works. Each page passes axe and fits a phone (conftest.check)."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.async_api import expect

from plumbing.mailsink import parts
from plumbing.testing import eventually
from tests.browser.conftest import DESKTOP, PASSWORD, Console, check

pytestmark = pytest.mark.e2e

TOKEN = re.compile(r"\b[0-9a-f-]{36}\.[\w-]+")


def mailed(platform, address: str, subject: str) -> dict | None:
    found = [r for r in platform.mail.to(address) if subject in str(r.message["Subject"])]
    return parts(found[-1].message) if found else None


async def test_an_invited_staff_member_accepts_on_the_console_and_later_resets_the_password(
    platform, tenant, browser
):
    admin_email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(
        email=admin_email,
        password=PASSWORD,
        role="COMPANY_ADMIN",
        company_id=tenant.company_id,
        display_name="Ada Admin",
    )
    invitee = f"staff-{uuid.uuid4().hex[:8]}@example.com"
    # The company admin invites from the console's Team page.
    admin_context = await browser.new_context(viewport=DESKTOP)
    admin_context.set_default_timeout(60_000)
    try:
        page = await admin_context.new_page()
        seen = Console(page, platform.gateway_url)
        page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
        await page.goto(seen.url("/ops/login"))
        await page.get_by_label("E-mail", exact=True).fill(admin_email)
        await page.get_by_label("Password", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url(re.compile(r".*/ops/sagas.*"))
        await page.get_by_role("link", name="Team").click()
        await expect(page.get_by_role("heading", name="Invite someone")).to_be_visible()
        await check(seen, "team")
        await page.get_by_label("E-mail").fill(invitee)
        await page.get_by_label("Role").select_option("STAFF")
        await page.get_by_role("button", name="Send the invitation").click()
        await expect(page.get_by_role("status")).to_contain_text("Invited")
        await expect(page.locator("table.team-invites")).to_contain_text(invitee)
        await check(seen, "team-invited")
    finally:
        await admin_context.close()

    mail = await eventually(
        lambda: mailed(platform, invitee, "invited you to Test Studio"), message="no invitation e-mail"
    )
    body = mail["text"]
    assert "Ada Admin invited you to join Test Studio as a staff member" in body
    [url] = re.findall(r"https?://\S+", body)
    [code] = TOKEN.findall(body)
    assert url == platform.gateway_url + "/ops/invite" and code not in url

    context = await browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(60_000)
    try:
        page = await context.new_page()
        seen = Console(page, platform.gateway_url)
        page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
        await page.goto(url)
        await check(seen, "invite-accept")

        # A mistyped code: a clear error on the field, what was typed kept but the passwords.
        await page.get_by_label("Invitation code").fill(code[:-2])
        await page.get_by_label("Your name").fill("Grace Staff")
        await page.get_by_label("Password", exact=True).fill("staff-pass-1")
        await page.get_by_label("Password again").fill("staff-pass-1")
        await page.get_by_role("button", name="Accept the invitation").click()
        await expect(page.locator("#code-error")).to_contain_text("wrong, used, revoked or expired")
        await expect(page.get_by_label("Your name")).to_have_value("Grace Staff")
        await expect(page.get_by_label("Password", exact=True)).to_have_value("")
        await check(seen, "invite-accept-wrong-code")

        await page.get_by_label("Invitation code").fill(code)
        await page.get_by_label("Password", exact=True).fill("staff-pass-1")
        await page.get_by_label("Password again").fill("staff-pass-1")
        await page.get_by_role("button", name="Accept the invitation").click()
        await page.wait_for_url(re.compile(r".*/ops/calendar.*"))
        await expect(page.get_by_role("button", name="Log out")).to_be_visible()

        # Forgotten: the login page's path to a new password, the code typed from the e-mail.
        await page.get_by_role("button", name="Log out").click()
        await page.wait_for_url(re.compile(r".*/ops/login.*"))
        await page.get_by_role("link", name="Forgot your password?").click()
        await check(seen, "password-reset")
        await page.get_by_label("E-mail").fill(invitee)
        await page.get_by_role("button", name="E-mail me a reset code").click()
        await expect(page.get_by_role("status")).to_contain_text(invitee)
        reset = await eventually(
            lambda: mailed(platform, invitee, "Reset your password"), message="no reset e-mail"
        )
        [reset_code] = TOKEN.findall(reset["text"])
        # The e-mail names the console's code page (a staff member's account), the code not in it.
        assert re.findall(r"https?://\S+", reset["text"]) == [
            platform.gateway_url + "/ops/password-reset/confirm"
        ]
        await page.get_by_label("Reset code").fill(reset_code)
        await page.get_by_label("New password", exact=True).fill("staff-pass-2")
        await page.get_by_label("New password again").fill("staff-pass-2")
        await check(seen, "password-reset-confirm")
        await page.get_by_role("button", name="Set the password").click()
        await page.wait_for_url(re.compile(r".*/ops/login\?reset=done"))
        await expect(page.get_by_role("status")).to_contain_text("Your password is set")
        await page.get_by_label("E-mail", exact=True).fill(invitee)
        await page.get_by_label("Password", exact=True).fill("staff-pass-2")
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url(re.compile(r".*/ops/calendar.*"))
    finally:
        await context.close()


async def test_an_invited_customer_accepts_on_the_same_page_and_is_sent_to_the_company_site(
    platform, tenant, browser
):
    # A customer's invitation points to the console's accept page too (the site has no accept
    # form); the customer gets no console session, but the way to the company site's login.
    admin_email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(
        email=admin_email, password=PASSWORD, role="COMPANY_ADMIN", company_id=tenant.company_id
    )
    invitee = f"customer-{uuid.uuid4().hex[:8]}@example.com"
    async with httpx.AsyncClient(base_url=platform.gateway_url) as http:
        login = await http.post(
            "/v1/auth/token",
            json={"email": admin_email, "password": PASSWORD, "company_id": tenant.company_id},
        )
        made = await http.post(
            "/v1/admin/invites",
            json={"email": invitee, "role": "CUSTOMER"},
            headers={
                "Authorization": f"Bearer {login.json()['access_token']}",
                "Idempotency-Key": str(uuid.uuid4()),
            },
        )
        assert made.status_code == 201, made.text
    mail = await eventually(
        lambda: mailed(platform, invitee, "invited you to Test Studio"), message="no invitation e-mail"
    )
    assert "as a customer" in mail["text"]
    [code] = TOKEN.findall(mail["text"])

    context = await browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(60_000)
    try:
        page = await context.new_page()
        seen = Console(page, platform.gateway_url)
        page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
        await page.goto(seen.url("/ops/invite"))
        await page.get_by_label("Invitation code").fill(code)
        await page.get_by_label("Your name").fill("Carla Customer")
        await page.get_by_label("Password", exact=True).fill("customer-pass-1")
        await page.get_by_label("Password again").fill("customer-pass-1")
        await page.get_by_role("button", name="Accept the invitation").click()
        await expect(page.get_by_role("heading", name="Your account is ready")).to_be_visible()
        await check(seen, "invite-done-customer")
        assert not [c for c in await context.cookies() if c["name"] == "gateway_ops_session"]
        await page.get_by_role("link", name="Log in on the company's site").click()
        await page.wait_for_url(re.compile(rf".*/site/{tenant.company_id}/account/login.*"))
    finally:
        await context.close()


async def test_a_company_admin_revokes_an_invitation_on_the_team_page_and_its_code_stops_working(
    platform, tenant, browser
):
    admin_email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(
        email=admin_email, password=PASSWORD, role="COMPANY_ADMIN", company_id=tenant.company_id
    )
    mistyped = f"staff-typo-{uuid.uuid4().hex[:8]}@example.com"
    context = await browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(60_000)
    try:
        page = await context.new_page()
        seen = Console(page, platform.gateway_url)
        page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
        await page.goto(seen.url("/ops/login"))
        await page.get_by_label("E-mail", exact=True).fill(admin_email)
        await page.get_by_label("Password", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url(re.compile(r".*/ops/sagas.*"))
        await page.goto(seen.url("/ops/team"))
        await page.get_by_label("E-mail").fill(mistyped)
        await page.get_by_label("Role").select_option("STAFF")
        await page.get_by_role("button", name="Send the invitation").click()
        await expect(page.locator("table.team-invites")).to_contain_text(mistyped)
        mail = await eventually(
            lambda: mailed(platform, mistyped, "invited you to Test Studio"), message="no invitation e-mail"
        )
        [code] = TOKEN.findall(mail["text"])

        revoke = page.get_by_role("button", name=f"Revoke the invitation of {mistyped}")
        # Asked first: answering no sends nothing.
        questions: list[str] = []

        async def dismissed(dialog) -> None:
            questions.append(dialog.message)
            await dialog.dismiss()

        page.once("dialog", dismissed)
        await revoke.click()
        await expect(page.locator("table.team-invites")).to_contain_text(mistyped)
        assert questions and mistyped in questions[0] and "stops working" in questions[0]

        page.once("dialog", lambda dialog: dialog.accept())
        await revoke.click()
        await page.wait_for_url(re.compile(r".*/ops/team\?done=revoked"))
        await expect(page.get_by_role("status")).to_contain_text("Invitation revoked")
        await expect(page.locator("table.team-invites")).not_to_contain_text(mistyped)
        await check(seen, "team-revoked")

        # The code from the e-mail is refused now, as a wrong one.
        await page.get_by_role("button", name="Log out").click()
        await page.wait_for_url(re.compile(r".*/ops/login.*"))
        await page.goto(seen.url("/ops/invite"))
        await page.get_by_label("Invitation code").fill(code)
        await page.get_by_label("Password", exact=True).fill("staff-pass-1")
        await page.get_by_label("Password again").fill("staff-pass-1")
        await page.get_by_role("button", name="Accept the invitation").click()
        await expect(page.locator("#code-error")).to_contain_text("wrong, used, revoked or expired")
        await check(seen, "invite-accept-revoked-code")
    finally:
        await context.close()
