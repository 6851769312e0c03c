"""End to end through the HTTP gateway and the real services: customers sign up into a company
(a guest who booked before keeps the same customer once they prove the address with the code
e-mailed to it), staff invite customers, an API key calls
the admin API until revoked, one e-mail is a customer of two companies, and neither a customer
nor an admin of one company reaches another."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from bookingplatform.catalog.v1 import catalog_pb2
from plumbing.testing import eventually

pytestmark = pytest.mark.integration

PASSWORD = "a long enough password"


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def new_company(platform) -> str:
    return (
        await platform.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()),
                name="Other Studio",
                time_zone="Europe/Berlin",
                currency_code="EUR",
            )
        )
    ).company.id


async def admin_of(platform, http: httpx.AsyncClient, company_id: str, role: str = "COMPANY_ADMIN") -> dict:
    email = f"admin-{uuid.uuid4().hex[:10]}@example.com"
    await platform.users.create_user(email=email, password=PASSWORD, role=role, company_id=company_id)
    reply = await http.post(
        "/v1/auth/token", json={"email": email, "password": PASSWORD, "company_id": company_id}
    )
    assert reply.status_code == 200, reply.text
    return bearer(reply.json())


async def signup_code_mailed_to(platform, address: str) -> str:
    """The sign-up code in the e-mail the gateway sent to `address` (through its real SMTP)."""

    def code() -> str | None:
        for received in platform.mail.to(address):
            for part in received.message.walk():
                if part.get_content_type() == "text/plain":
                    found = re.search(r"\b[A-Z2-7]{4}-[A-Z2-7]{4}\b", part.get_payload(decode=True).decode())
                    if found:
                        return found.group(0)
        return None

    return await eventually(code, message=f"no sign-up code reached {address}")


@pytest.fixture
async def http(platform):
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30) as client:
        yield client


async def test_a_customer_signs_up_into_a_company_and_a_guest_keeps_their_customer(platform, tenant, http):
    guest_email = f"guest-{uuid.uuid4().hex[:8]}@example.com"
    guest = (
        await platform.catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                request_id=str(uuid.uuid4()),
                company_id=tenant.company_id,
                display_name="Walk In",
                email=guest_email,
                guest=True,
            )
        )
    ).customer
    fresh_email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    as_guest = {"email": guest_email, "password": PASSWORD, "display_name": "Walk In"}

    # Whoever types the guest's address gets no account of theirs: a code goes to the address.
    unproven = await http.post(f"/v1/companies/{tenant.company_id}/signup", json=as_guest)
    assert unproven.status_code == 409 and unproven.json()["code"] == "EMAIL_CODE_REQUIRED", unproven.text
    code = await signup_code_mailed_to(platform, guest_email)
    wrong = await http.post(
        f"/v1/companies/{tenant.company_id}/signup", json={**as_guest, "email_code": "AAAA-AAAA"}
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "EMAIL_CODE_INVALID"
    assert code not in unproven.text + wrong.text
    still_guest = await platform.catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=guest.id))
    assert still_guest.customer.guest is True

    signed_up = await http.post(
        f"/v1/companies/{tenant.company_id}/signup", json={**as_guest, "email_code": code.lower()}
    )
    fresh = await http.post(
        f"/v1/companies/{tenant.company_id}/signup",
        json={"email": fresh_email, "password": PASSWORD, "display_name": "New Person"},
    )
    again = await http.post(
        f"/v1/companies/{tenant.company_id}/signup",
        json={"email": fresh_email.upper(), "password": PASSWORD, "display_name": "New Person"},
    )
    nowhere = await http.post(
        f"/v1/companies/{uuid.uuid4()}/signup",
        json={"email": fresh_email, "password": PASSWORD, "display_name": "New Person"},
    )

    assert signed_up.status_code == 201, signed_up.text
    assert fresh.status_code == 201, fresh.text
    assert again.status_code == 409 and again.json()["code"] == "EMAIL_TAKEN"
    assert nowhere.status_code == 404 and nowhere.json()["code"] == "COMPANY_NOT_FOUND"
    wallet = await http.get("/v1/wallet", headers=bearer(fresh.json()))
    assert wallet.status_code == 200, wallet.text
    # Never funded, so no account of the wallet's own yet: zero in the company's currency.
    assert wallet.json()["main_balance"] == {"amount_minor": 0, "currency_code": "EUR"}
    assert wallet.json()["bonus_balance"] == {"amount_minor": 0, "currency_code": "EUR"}

    admin = await admin_of(platform, http, tenant.company_id)
    found = await http.get("/v1/admin/users", params={"email": guest_email}, headers=admin)
    [user] = found.json()["users"]
    assert user["customer_id"] == guest.id and user["role"] == "CUSTOMER"
    converted = await platform.catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=guest.id))
    assert converted.customer.guest is False
    [new_user] = (await http.get("/v1/admin/users", params={"email": fresh_email}, headers=admin)).json()[
        "users"
    ]
    customer = (
        await platform.catalog.GetCustomer(
            catalog_pb2.GetCustomerRequest(customer_id=new_user["customer_id"])
        )
    ).customer
    assert customer.company_id == tenant.company_id and customer.email == fresh_email


async def test_one_e_mail_is_a_customer_of_two_companies_and_never_logs_into_a_third(platform, tenant, http):
    other = await new_company(platform)
    third = await new_company(platform)
    email = f"twice-{uuid.uuid4().hex[:8]}@example.com"
    for company in (tenant.company_id, other):
        made = await http.post(
            f"/v1/companies/{company}/signup",
            json={"email": email, "password": PASSWORD, "display_name": "Twice"},
        )
        assert made.status_code == 201, made.text

    ambiguous = await http.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
    into_other = await http.post(
        "/v1/auth/token", json={"email": email, "password": PASSWORD, "company_id": other}
    )
    into_third = await http.post(
        "/v1/auth/token", json={"email": email, "password": PASSWORD, "company_id": third}
    )

    assert ambiguous.status_code == 400 and ambiguous.json()["code"] == "COMPANY_REQUIRED"
    assert into_other.status_code == 200
    assert into_third.status_code == 401


async def test_staff_invite_a_customer_who_accepts_and_books_as_that_company_s_customer(
    platform, tenant, http
):
    staff = await admin_of(platform, http, tenant.company_id, role="STAFF")
    email = f"invited-{uuid.uuid4().hex[:8]}@example.com"

    invited = await http.post(
        "/v1/admin/invites",
        json={"email": email, "role": "CUSTOMER", "display_name": "Invited One"},
        headers={**staff, **key()},
    )
    assert invited.status_code == 201, invited.text
    accepted = await http.post(
        "/v1/invites/accept", json={"token": invited.json()["token"], "password": PASSWORD}
    )
    assert accepted.status_code == 201, accepted.text

    wallet = await http.get("/v1/wallet", headers=bearer(accepted.json()))
    assert wallet.status_code == 200, wallet.text
    session = await tenant.session()
    booked = await http.post(
        "/v1/bookings",
        json={"session_id": session.id, "payment": {"use_wallet": True}},
        headers={**bearer(accepted.json()), **key()},
    )
    # Accepted for the saga (the empty wallet decides later): the customer is the company's.
    assert booked.status_code == 202, booked.text


async def test_an_api_key_calls_the_admin_api_of_its_company_until_it_is_revoked(platform, tenant, http):
    admin = await admin_of(platform, http, tenant.company_id)
    made = await http.post(
        "/v1/admin/api-keys", json={"name": "sync", "role": "STAFF"}, headers={**admin, **key()}
    )
    assert made.status_code == 201, made.text
    api_key = {"X-API-Key": made.json()["key"]}

    invited = await http.post(
        "/v1/admin/invites",
        json={"email": f"by-key-{uuid.uuid4().hex[:6]}@example.com", "role": "CUSTOMER"},
        headers={**api_key, **key()},
    )
    staff_invite = await http.post(
        "/v1/admin/invites",
        json={"email": f"by-key-{uuid.uuid4().hex[:6]}@example.com", "role": "STAFF"},
        headers={**api_key, **key()},
    )
    # An invitation makes its holder a person of the company: a key may not hand one out,
    # not even a customer's (it would have a person act under the key's authority).
    assert (invited.status_code, invited.json()["code"]) == (403, "PERMISSION_DENIED"), invited.text
    assert (staff_invite.status_code, staff_invite.json()["code"]) == (403, "PERMISSION_DENIED")

    revoked = await http.post(f"/v1/admin/api-keys/{made.json()['id']}/revoke", headers={**admin, **key()})
    assert revoked.status_code == 200
    refused = await http.get("/v1/admin/invites", headers=api_key)
    assert refused.status_code == 401


async def test_a_company_admin_cannot_reach_another_company(platform, tenant, http):
    other = await new_company(platform)
    admin = await admin_of(platform, http, tenant.company_id)
    other_admin = await admin_of(platform, http, other)
    theirs = await http.post(
        "/v1/admin/api-keys", json={"name": "theirs", "role": "STAFF"}, headers={**other_admin, **key()}
    )

    listed = await http.get("/v1/admin/users", params={"company_id": other}, headers=admin)
    keys = await http.get("/v1/admin/api-keys", params={"company_id": other}, headers=admin)
    revoke = await http.post(f"/v1/admin/api-keys/{theirs.json()['id']}/revoke", headers={**admin, **key()})
    invite = await http.post(
        "/v1/admin/invites",
        json={"email": "x@example.com", "role": "STAFF", "company_id": other},
        headers={**admin, **key()},
    )

    for refused in (listed, keys, invite):
        assert refused.status_code == 404 and refused.json()["code"] == "COMPANY_NOT_FOUND", refused.text
    assert revoke.status_code == 404 and revoke.json()["code"] == "API_KEY_NOT_FOUND"
