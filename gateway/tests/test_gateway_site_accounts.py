"""The public site's sign-up, forgotten password and reset pages (gateway.site.signup), through
the functions of the API's routes: a sign-up signs the customer in and goes back to a page of
the same site only; a guest who booked proves the address with the e-mailed code; "forgot
password" answers the same whether the account exists; the e-mailed code, typed, sets a new
password. Also: a signed-in customer's booking page does not call itself the only way in."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from sqlalchemy import text

from bookingplatform.bookings.v1 import bookings_pb2
from gateway.guest_links import GuestGrant, GuestLinks
from gateway.site.account import safe_next
from gateway.users import UserStore
from plumbing.testing import eventually

pytestmark = pytest.mark.integration

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "a long sign-up password"
GUEST_ONLY = "it is the only place to manage this booking from this browser"


async def _csrf(http: httpx.AsyncClient, path: str) -> str:
    page = await http.get(path)
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


async def _mailed(gateway_db, address: str, kind: str, pattern: str) -> str:
    """The code in the e-mail of `kind` written for `address` (the notifications' outgoing table)."""

    async def found() -> list[str]:
        async with gateway_db.transaction() as conn:
            bodies = (
                await conn.execute(
                    text(
                        "SELECT text_body FROM gateway.notification_messages"
                        " WHERE recipient = :address AND event_type = :kind"
                    ),
                    {"address": address, "kind": kind},
                )
            ).scalars()
            return [m.group(0) for m in (re.search(pattern, body) for body in bodies) if m]

    codes = await eventually(found, message=f"no {kind} e-mail for {address}")
    assert len(codes) == 1, codes
    return codes[0]


def _email() -> str:
    return f"new-{uuid.uuid4().hex[:12]}@example.com"


async def test_a_sign_up_signs_the_customer_in_and_returns_to_the_page_they_came_from(http, gateway_db):
    company = str(uuid.uuid4())
    site = f"/site/{company}"
    back = f"{site}/book/session/{uuid.uuid4()}"
    form = f"{site}/account/signup"
    page = await http.get(form, params={"next": back})
    assert page.status_code == 200 and "<h1>Create an account</h1>" in page.text
    assert f'name="next" value="{back}"' in page.text
    csrf = await _csrf(http, form)
    email = _email()
    fields = {"csrf_token": csrf, "email": email, "display_name": "Ada Lovelace", "next": back}

    differ = await http.post(form, data={**fields, "password": PASSWORD, "password_confirm": "other one!"})
    short = await http.post(form, data={**fields, "password": "short", "password_confirm": "short"})
    no_csrf = await http.post(form, data={**fields, "csrf_token": "x", "password": PASSWORD})

    # Refused with the reason tied to its field; what was typed is kept, never a password.
    assert differ.status_code == 400
    assert 'aria-invalid="true" aria-describedby="f-password_confirm-error"' in differ.text
    assert "The two passwords are not the same." in differ.text
    assert f'value="{email}"' in differ.text and 'value="Ada Lovelace"' in differ.text
    assert PASSWORD not in differ.text and f'name="next" value="{back}"' in differ.text
    assert short.status_code == 400 and 'id="f-password-error"' in short.text
    assert no_csrf.status_code == 403

    made = await http.post(form, data={**fields, "password": PASSWORD, "password_confirm": PASSWORD})
    assert made.status_code == 303, made.text
    assert made.headers["location"] == back
    assert "site_session=" in made.headers["set-cookie"] and "HttpOnly" in made.headers["set-cookie"]
    mine = await http.get(f"{site}/account")
    assert mine.status_code == 200 and "My account" in mine.text and email in mine.text
    user = await UserStore(gateway_db).get_by_email(email, company_id=company)
    assert user is not None and user.role.value == "CUSTOMER" and user.customer_id

    # The same address again, from another browser: said on the e-mail field.
    async with httpx.AsyncClient(transport=http._transport, base_url=http.base_url) as other:
        csrf = await _csrf(other, form)
        taken = await other.post(
            form, data={**fields, "csrf_token": csrf, "password": PASSWORD, "password_confirm": PASSWORD}
        )
    assert taken.status_code == 409
    assert 'id="f-email-error"' in taken.text and "has an account here" in taken.text


async def test_next_is_a_page_of_the_same_company_s_site_or_my_account(http):
    company = str(uuid.uuid4())
    home, account = f"/site/{company}", f"/site/{company}/account"
    assert safe_next(company, f"{home}/book/resource/x?check_in=2030-01-01") == (
        f"{home}/book/resource/x?check_in=2030-01-01"
    )
    assert safe_next(company, home) == home
    for hostile in (
        "",
        "https://evil.example/",
        "//evil.example/site",
        f"https://evil.example{home}/x",
        f"/site/{uuid.uuid4()}/account",
        f"{home}evil",
        f"{home}/../../ops",
        f"{home}//evil.example",
        f"{home}/\\evil.example",
        f"{home}/x\nLocation: y",
        f"{home}/x#frag",
        "/ops",
        "javascript:alert(1)",
        # A browser decodes an escaped dot before resolving `..`: these leave the company's site.
        f"{home}/%2e%2e/{uuid.uuid4()}/",
        f"{home}/%2E%2E/%2e%2e/ops/sagas",
        f"{home}/.%2e/x",
        f"{home}/%2e/x",
        f"{home}/./x",
        f"{home}/..",
        f"{home}/x%2f..%2f..%2fops",
        f"{home}/%5c%5cevil.example",
        f"{home}/%252e%252e/x",
    ):
        assert safe_next(company, hostile) == account, hostile

    form = f"{home}/account/signup"
    csrf = await _csrf(http, form)
    made = await http.post(
        form,
        data={
            "csrf_token": csrf,
            "email": _email(),
            "display_name": "Grace Hopper",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert made.status_code == 303 and made.headers["location"] == account


async def test_a_double_encoded_dot_dot_in_next_does_not_leave_the_company_s_site(http, make_account):
    ann = await make_account("CUSTOMER")
    home, account = f"/site/{ann.company_id}", f"/site/{ann.company_id}/account"
    other = uuid.uuid4()
    # `%252e` arrives as `%2e` once the query is decoded; a browser resolves `%2e%2e` as `..`.
    for raw, hostile in (
        (f"{home}/%252e%252e/{other}/", f"{home}/%2e%2e/{other}/"),
        (f"{home}/%252e%252e/%252e%252e/ops/sagas", f"{home}/%2e%2e/%2e%2e/ops/sagas"),
    ):
        for form in (f"{home}/account/login", f"{home}/account/signup"):
            shown = await http.get(f"{form}?next={raw}")
            assert shown.status_code == 200, shown.text
            assert "%2e" not in shown.text and f'name="next" value="{account}"' in shown.text
        async with httpx.AsyncClient(transport=http._transport, base_url=http.base_url) as fresh:
            csrf = await _csrf(fresh, f"{home}/account/login")
            signed = await fresh.post(
                f"{home}/account/login",
                data={"csrf_token": csrf, "email": ann.email, "password": ann.password, "next": hostile},
            )
            made = await fresh.post(
                f"{home}/account/signup",
                data={
                    "csrf_token": csrf,
                    "email": _email(),
                    "display_name": "Eve",
                    "password": PASSWORD,
                    "password_confirm": PASSWORD,
                    "next": hostile,
                },
            )
        assert signed.status_code == 303 and signed.headers["location"] == account
        assert made.status_code == 303 and made.headers["location"] == account


async def test_a_guest_who_booked_signs_up_with_the_code_e_mailed_to_the_address(
    http, fake_platform, gateway_db
):
    company = str(uuid.uuid4())
    email = _email()
    guest_id = str(uuid.uuid4())
    fake_platform.catalog.customers[(company, email)] = (guest_id, True)
    form = f"/site/{company}/account/signup"
    csrf = await _csrf(http, form)
    fields = {
        "csrf_token": csrf,
        "email": email,
        "display_name": "Guest Who Booked",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }

    asked = await http.post(form, data=fields)
    assert asked.status_code == 200, asked.text
    assert "We have sent a code to it" in asked.text and 'name="email_code"' in asked.text
    assert f'value="{email}"' in asked.text and PASSWORD not in asked.text
    code = await _mailed(gateway_db, email, "account.signup_code", r"\b[A-Z2-7]{4}-[A-Z2-7]{4}\b")

    wrong = await http.post(form, data={**fields, "code_step": "1", "email_code": "AAAA-AAAA"})
    assert wrong.status_code == 400
    assert 'aria-describedby="f-email_code-error f-email_code-hint"' in wrong.text
    assert "This code is wrong or expired" in wrong.text and 'name="email_code"' in wrong.text

    differ = await http.post(
        form, data={**fields, "code_step": "1", "email_code": code, "password_confirm": "not the same"}
    )
    assert differ.status_code == 400 and 'id="f-password_confirm-error"' in differ.text
    assert f'value="{code}"' in differ.text  # the code typed is kept, the passwords are not

    made = await http.post(form, data={**fields, "code_step": "1", "email_code": code.lower()})
    assert made.status_code == 303, made.text
    assert made.headers["location"] == f"/site/{company}/account"
    user = await UserStore(gateway_db).get_by_email(email, company_id=company)
    assert user is not None and user.customer_id == guest_id  # the guest's bookings are the account's


async def test_forgot_password_answers_the_same_and_the_typed_code_sets_a_new_password(
    http, make_account, gateway_db
):
    ann = await make_account("CUSTOMER")
    site = f"/site/{ann.company_id}"
    login = await http.get(f"{site}/account/login")
    assert f'href="{site}/account/password-reset"' in login.text
    assert f'href="{site}/account/signup"' in login.text
    forgot = f"{site}/account/password-reset"
    csrf = await _csrf(http, forgot)

    known = await http.post(forgot, data={"csrf_token": csrf, "email": ann.email})
    unknown_email = _email()
    unknown = await http.post(forgot, data={"csrf_token": csrf, "email": unknown_email})
    bad = await http.post(forgot, data={"csrf_token": csrf, "email": "not an address"})

    assert known.status_code == unknown.status_code == 200
    shown = CSRF.sub("", known.text).replace(ann.email, "@")
    assert shown == CSRF.sub("", unknown.text).replace(unknown_email, "@")
    assert "a code to reset its password is on its way" in known.text
    assert 'action="' + site + '/account/password-reset/code"' in known.text
    assert (
        bad.status_code == 400 and 'id="f-email-error"' in bad.text and 'value="not an address"' in bad.text
    )

    token = await _mailed(gateway_db, ann.email, "account.password_reset", r"\b[0-9a-f-]{36}\.[\w-]+")
    code_page = f"{site}/account/password-reset/code"
    assert (await http.get(code_page)).status_code == 200
    new = "my brand new password"
    fields = {"csrf_token": csrf, "password": new, "password_confirm": new}
    wrong = await http.post(code_page, data={**fields, "code": token + "x"})
    differ = await http.post(code_page, data={**fields, "code": token, "password_confirm": "not the same"})
    assert wrong.status_code == 400 and 'id="f-code-error"' in wrong.text and token not in wrong.text
    assert differ.status_code == 400 and 'id="f-password_confirm-error"' in differ.text
    assert f'value="{token}"' in differ.text and new not in differ.text  # the code kept, no password

    done = await http.post(code_page, data={**fields, "code": f" {token}\n"})
    assert done.status_code == 200, done.text
    assert "Your password is changed" in done.text and f'value="{ann.email}"' in done.text
    again = await http.post(code_page, data={**fields, "code": token})
    assert again.status_code == 400  # once

    old = await http.post(
        f"{site}/account/login", data={"csrf_token": csrf, "email": ann.email, "password": ann.password}
    )
    signed = await http.post(
        f"{site}/account/login", data={"csrf_token": csrf, "email": ann.email, "password": new}
    )
    assert old.status_code == 401
    assert signed.status_code == 303 and signed.headers["location"] == f"{site}/account"


async def test_forgot_password_is_rate_limited_like_the_api_s_reset(http):
    site = f"/site/{uuid.uuid4()}"
    forgot = f"{site}/account/password-reset"
    csrf = await _csrf(http, forgot)
    email = _email()
    answers = [await http.post(forgot, data={"csrf_token": csrf, "email": email}) for _ in range(6)]
    # GATEWAY_LOGIN_LIMIT_PER_ACCOUNT: 5/minute, the reset's own bucket.
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[-1].headers["retry-after"].isdigit()
    assert "Too many reset requests: try again in" in answers[-1].text
    assert f'value="{email}"' in answers[-1].text


async def test_only_a_guest_is_told_the_booking_page_is_the_only_way_back(
    http, make_account, fake_platform, jwt_secret
):
    ann = await make_account("CUSTOMER")
    site = f"/site/{ann.company_id}"
    booking_id = str(uuid.uuid4())
    fake_platform.bookings.bookings[booking_id] = bookings_pb2.Booking(
        id=booking_id,
        company_id=ann.company_id,
        customer_id=ann.customer_id,
        status=bookings_pb2.BOOKING_STATUS_CONFIRMED,
    )
    page = f"{site}/bookings/{booking_id}"
    grant = GuestGrant(booking_id=booking_id, company_id=ann.company_id, customer_id=ann.customer_id or "")
    manage = GuestLinks(jwt_secret, 3600).manage_token(grant)
    async with httpx.AsyncClient(transport=http._transport, base_url=http.base_url) as guest:
        guest.cookies.set("site_manage", manage, path=page)
        as_guest = await guest.get(page)
    assert as_guest.status_code == 200, as_guest.text
    assert GUEST_ONLY in as_guest.text

    csrf = await _csrf(http, f"{site}/account/login")
    signed = await http.post(
        f"{site}/account/login", data={"csrf_token": csrf, "email": ann.email, "password": ann.password}
    )
    assert signed.status_code == 303
    as_customer = await http.get(page)
    assert as_customer.status_code == 200, as_customer.text
    assert GUEST_ONLY not in as_customer.text and "Your booking" in as_customer.text
