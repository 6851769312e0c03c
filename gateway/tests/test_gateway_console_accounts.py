"""Invitations are e-mailed (in the invitation's transaction) with the console's accept page and
the code to type there, never the code in a link; `/ops/invite` accepts them and logs the new
staff member in; `/ops/password-reset` and its confirm page reset a forgotten password."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from sqlalchemy import text

from gateway.app import create_app
from gateway.pages.sagas import csrf_token
from gateway.settings import Settings
from plumbing.testing import eventually

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"
URL = re.compile(r"""(?:https?://|href=")[^\s"<>]+""")
TOKEN = re.compile(r"\b[0-9a-f-]{36}\.[\w-]+")


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def mails(gateway_db, address: str, event_type: str) -> list[tuple[str, str, str]]:
    async with gateway_db.transaction() as conn:
        rows = await conn.execute(
            text(
                "SELECT subject, text_body, html_body FROM gateway.notification_messages"
                " WHERE recipient = :address AND event_type = :type ORDER BY created_at"
            ),
            {"address": address, "type": event_type},
        )
        return [(r.subject, r.text_body, r.html_body) for r in rows]


async def invite(http: httpx.AsyncClient, admin, role: str = "STAFF", **extra) -> tuple[str, str]:
    email = f"invited-{uuid.uuid4().hex[:8]}@example.com"
    made = await http.post(
        "/v1/admin/invites", json={"email": email, "role": role, **extra}, headers={**admin.headers, **key()}
    )
    assert made.status_code == 201, made.text
    return email, made.json()["token"]


async def test_an_invitation_is_e_mailed_with_its_code_to_type_and_no_secret_in_any_link(
    http, make_account, gateway_db
):
    admin = await make_account("COMPANY_ADMIN")
    email, token = await invite(http, admin, "STAFF", display_name="Grace Hopper")

    [(subject, body, html)] = await mails(gateway_db, email, "account.invitation")
    assert subject == f"{admin.email} invited you to Fake Studio"
    assert "join Fake Studio as a staff member" in body and admin.email in body
    assert "expires on" in body and "(Europe/Berlin)" in body
    # The accept page is linked; the code is given to type there, in no address.
    assert "http://gateway/ops/invite" in body and 'href="http://gateway/ops/invite"' in html
    assert token in body and token in html
    for link in URL.findall(body) + URL.findall(html):
        assert not TOKEN.search(link) and token.split(".")[1] not in link, link

    # A retry of the same request gives a new code (the first stops working): e-mailed too.
    headers = {**admin.headers, "Idempotency-Key": str(uuid.uuid4())}
    other = f"invited-{uuid.uuid4().hex[:8]}@example.com"
    first = await http.post("/v1/admin/invites", json={"email": other, "role": "STAFF"}, headers=headers)
    again = await http.post("/v1/admin/invites", json={"email": other, "role": "STAFF"}, headers=headers)
    reused = await http.post(
        "/v1/admin/invites", json={"email": f"x-{other}", "role": "STAFF"}, headers=headers
    )
    assert (first.status_code, again.status_code, reused.status_code) == (201, 200, 422)
    sent = await mails(gateway_db, other, "account.invitation")
    assert [first.json()["token"] in s[1] for s in sent] == [True, False]
    assert [again.json()["token"] in s[1] for s in sent] == [False, True]
    # The refused request made no invitation, and no e-mail for one.
    assert await mails(gateway_db, f"x-{other}", "account.invitation") == []


async def test_the_accept_page_creates_the_account_and_logs_staff_into_the_console(http, make_account):
    admin = await make_account("COMPANY_ADMIN")
    email, token = await invite(http, admin, "STAFF")

    page = await http.get("/ops/invite")
    assert page.status_code == 200
    for field in ("code", "display_name", "password", "password_confirm"):
        assert f'<label for="{field}">' in page.text and f'id="{field}"' in page.text

    form = {"code": token, "display_name": "Ada Staff", "password": "new password 1"}
    differ = await http.post("/ops/invite", data={**form, "password_confirm": "new password 2"})
    assert differ.status_code == 400
    assert 'aria-describedby="password_confirm-error"' in differ.text
    assert 'value="Ada Staff"' in differ.text and "new password" not in differ.text

    wrong = await http.post(
        "/ops/invite", data={**form, "code": token + "x", "password_confirm": form["password"]}
    )
    assert wrong.status_code == 404 and "gateway_ops_session" not in http.cookies
    assert "wrong, used, revoked or expired" in wrong.text
    assert 'aria-invalid="true" aria-describedby="code-hint code-error"' in wrong.text
    assert f'value="{token}x"' in wrong.text and 'value="Ada Staff"' in wrong.text
    assert "new password 1" not in wrong.text

    forged = await http.post(
        "/ops/invite",
        data={**form, "password_confirm": form["password"]},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert forged.status_code == 403

    accepted = await http.post("/ops/invite", data={**form, "password_confirm": form["password"]})
    assert accepted.status_code == 303, accepted.text
    assert accepted.headers["location"] == "/ops/calendar"
    # The login's session: a console page opens with the cookie alone (the calendar needs more
    # of the catalog than the fake platform has).
    home = await http.get("/ops/push")
    assert home.status_code == 200 and "STAFF" in home.text

    http.cookies.clear()
    twice = await http.post("/ops/invite", data={**form, "password_confirm": form["password"]})
    assert twice.status_code == 404
    login = await http.post("/ops/login", data={"email": email, "password": "new password 1"})
    assert login.status_code == 303


async def test_a_forgotten_password_is_reset_from_the_login_page(http, make_account, gateway_db):
    staff = await make_account("STAFF")
    login = await http.get("/ops/login")
    assert 'href="/ops/password-reset"' in login.text

    known = await http.post("/ops/password-reset", data={"email": staff.email, "company_id": ""})
    unknown = await http.post("/ops/password-reset", data={"email": "nobody@example.com", "company_id": ""})
    # The same answer whether the account exists or not.
    assert (known.status_code, unknown.status_code) == (200, 200)
    assert known.text.replace(staff.email, "X") == unknown.text.replace("nobody@example.com", "X")
    assert '<label for="code">' in known.text

    async def mailed() -> list[str]:
        found = (TOKEN.search(m[1]) for m in await mails(gateway_db, staff.email, "account.password_reset"))
        return [t.group(0) for t in found if t]

    [token] = await eventually(mailed, message="no reset e-mail")
    differ = await http.post(
        "/ops/password-reset/confirm",
        data={"code": token, "password": "fresh-pass-42", "password_confirm": "fresh-pass-43"},
    )
    wrong = await http.post(
        "/ops/password-reset/confirm",
        data={"code": token + "x", "password": "fresh-pass-42", "password_confirm": "fresh-pass-42"},
    )
    assert differ.status_code == 400 and "The two passwords differ" in differ.text
    assert (
        wrong.status_code == 400 and f'value="{token}x"' in wrong.text and "fresh-pass-42" not in wrong.text
    )

    done = await http.post(
        "/ops/password-reset/confirm",
        data={"code": token, "password": "fresh-pass-42", "password_confirm": "fresh-pass-42"},
    )
    assert done.status_code == 303 and done.headers["location"] == "/ops/login?reset=done"
    assert "Your password is set" in (await http.get(done.headers["location"])).text
    old = await http.post("/ops/login", data={"email": staff.email, "password": staff.password})
    new = await http.post("/ops/login", data={"email": staff.email, "password": "fresh-pass-42"})
    assert (old.status_code, new.status_code) == (401, 303)


async def test_a_company_admin_invites_staff_from_the_team_page(
    http, make_account, ops_login, jwt_secret, gateway_db
):
    admin = await make_account("COMPANY_ADMIN")
    colleague = await make_account("STAFF", company_id=admin.company_id)
    cookie = await ops_login(admin)
    csrf = csrf_token(jwt_secret, cookie)

    page = await http.get("/ops/team")
    assert (
        page.status_code == 200 and colleague.email in page.text and 'aria-current="page">Team' in page.text
    )
    email = f"team-{uuid.uuid4().hex[:8]}@example.com"
    form = {"csrf_token": csrf, "form_id": str(uuid.uuid4()), "email": email, "role": "COMPANY_ADMIN"}

    bad = await http.post("/ops/team", data={**form, "email": "not an address", "role": "CUSTOMER"})
    forged = await http.post("/ops/team", data={**form, "csrf_token": "x"})
    assert (
        bad.status_code == 400 and 'aria-describedby="email-error"' in bad.text and "role-error" in bad.text
    )
    assert forged.status_code == 403
    invited = await http.post("/ops/team", data={**form, "display_name": "New Admin"})
    assert invited.status_code == 303 and invited.headers["location"] == "/ops/team?done=invited"

    shown = await http.get(invited.headers["location"])
    [(subject, body, _html)] = await mails(gateway_db, email, "account.invitation")
    [code] = TOKEN.findall(body)
    assert "as a company admin" in body and subject.endswith("invited you to Fake Studio")
    assert f"{email} (New Admin)" in shown.text and code not in shown.text
    listed = await http.get("/v1/admin/invites", headers=admin.headers)
    assert [i["role"] for i in listed.json()["invites"] if i["email"] == email] == ["COMPANY_ADMIN"]

    # Staff do not manage the team.
    http.cookies.clear()
    await ops_login(colleague)
    assert (await http.get("/ops/team")).status_code == 403


async def test_a_reset_e_mail_names_the_page_to_type_its_code_on_and_no_address_holds_the_code(
    database_url, fake_platform, clients, gateway_db, make_account, jwt_secret
):
    """A customer types the code on the company site's code page, staff and admins on the
    console's, each under GATEWAY_PUBLIC_URL (not the Host a caller sent); no link holds it."""
    customer = await make_account()
    staff = await make_account("STAFF", company_id=customer.company_id)
    admin = await make_account("COMPANY_ADMIN")
    public = "https://book.example.com"
    address = fake_platform.address
    settings = Settings(
        catalog_addr=address,
        bookings_addr=address,
        wallet_addr=address,
        passes_addr=address,
        payments_addr=address,
        database_url=database_url,
        jwt_secret=jwt_secret,
        public_url=public,
    )
    app = create_app(settings, clients=clients, db=gateway_db)
    site_page = f"{public}/site/{customer.company_id}/account/password-reset/code"
    console_page = f"{public}/ops/password-reset/confirm"
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        evil = {"Host": "evil.example"}
        asked = [
            await http.post(
                "/v1/auth/password-reset",
                json={"email": customer.email, "company_id": customer.company_id},
                headers=evil,
            ),
            await http.post(
                "/v1/auth/password-reset",
                json={"email": staff.email, "company_id": staff.company_id},
                headers=evil,
            ),
            await http.post("/ops/password-reset", data={"email": admin.email, "company_id": ""}),
        ]
        assert [a.status_code for a in asked] == [202, 202, 200]
        # Both pages exist and ask for the code (typed, not read from the address).
        for page in (site_page, console_page):
            shown = await http.get(page.removeprefix(public))
            assert shown.status_code == 200 and 'name="code"' in shown.text, page

    for account, page, other in (
        (customer, site_page, console_page),
        (staff, console_page, site_page),
        (admin, console_page, site_page),
    ):

        async def mailed(address: str = account.email) -> list[tuple[str, str, str]]:
            return await mails(gateway_db, address, "account.password_reset")

        [(_subject, body, html)] = await eventually(mailed, message=f"no reset e-mail for {account.email}")
        [token] = TOKEN.findall(body)
        assert f"open this page:\n\n{page}\n" in body and f'<a href="{page}">{page}</a>' in html
        assert other not in body + html and "evil.example" not in body + html
        assert "where you asked for it" not in body and token in html
        for link in URL.findall(body) + URL.findall(html):
            assert not TOKEN.search(link) and token.split(".")[1] not in link, link


async def test_a_company_admin_revokes_a_pending_invitation_from_the_team_page(
    http, make_account, ops_login, jwt_secret
):
    admin = await make_account("COMPANY_ADMIN")
    outsider = await make_account("COMPANY_ADMIN")
    email, token = await invite(http, admin, "STAFF")
    theirs_email, _theirs_token = await invite(http, outsider, "STAFF")
    theirs = await http.get("/v1/admin/invites", headers=outsider.headers)
    [foreign] = [i["id"] for i in theirs.json()["invites"] if i["email"] == theirs_email]
    listed = await http.get("/v1/admin/invites", headers=admin.headers)
    [invite_id] = [i["id"] for i in listed.json()["invites"] if i["email"] == email]
    cookie = await ops_login(admin)
    csrf = csrf_token(jwt_secret, cookie)

    page = await http.get("/ops/team")
    action = f'action="/ops/team/invites/{invite_id}/revoke"'
    assert action in page.text and f'data-confirm="Revoke the invitation of {email}?' in page.text
    assert f'Revoke<span class="visually-hidden"> the invitation of {email}</span>' in page.text
    form = {"csrf_token": csrf, "form_id": str(uuid.uuid4())}

    forged = await http.post(f"/ops/team/invites/{invite_id}/revoke", data={**form, "csrf_token": "x"})
    cross = await http.post(f"/ops/team/invites/{foreign}/revoke", data=form)
    assert forged.status_code == 403
    assert cross.status_code == 404 and "No such invitation of your company" in cross.text
    revoked = await http.post(f"/ops/team/invites/{invite_id}/revoke", data=form)
    twice = await http.post(f"/ops/team/invites/{invite_id}/revoke", data=form)
    assert revoked.status_code == 303 and revoked.headers["location"] == "/ops/team?done=revoked"
    assert twice.status_code == 303
    shown = await http.get(revoked.headers["location"])
    assert "Invitation revoked" in shown.text and action not in shown.text and email not in shown.text
    # The other company's invitation is untouched, and the revoked code is refused.
    theirs = await http.get("/v1/admin/invites", headers=outsider.headers)
    assert [i["revoked_at"] for i in theirs.json()["invites"] if i["id"] == foreign] == [None]
    http.cookies.clear()
    accept = {"code": token, "display_name": "", "password": "new password 1"}
    refused = await http.post("/ops/invite", data={**accept, "password_confirm": accept["password"]})
    assert refused.status_code == 404 and "wrong, used, revoked or expired" in refused.text
