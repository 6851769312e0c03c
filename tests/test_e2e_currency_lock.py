"""A company's currency does not change while its customers' wallets hold money (found by a tester):
a company with no price yet changed EUR to USD over PATCH /v1/admin/companies/{id} while a
customer's wallet held 50.00 EUR, after which the wallet stayed in EUR (the wallet takes credits
in the company's currency only and corrects an empty wallet only), so the balance could pay for
nothing priced in USD. Now the catalog asks the wallet (GetCompanyHoldings) and the gateway answers
409 CURRENCY_LOCKED, as it does once the company prices something; once the desk has taken the
money out, the change goes through and the next credit opens the wallet in the new currency."""

from __future__ import annotations

import uuid

import httpx
import pytest

pytestmark = pytest.mark.e2e


async def login(platform, role: str, company_id: str | None) -> httpx.AsyncClient:
    email = f"{role.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(email=email, password="secret-pass", role=role, company_id=company_id)
    client = httpx.AsyncClient(base_url=platform.gateway_url, timeout=30)
    token = await client.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


def key(**headers: str) -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4()), **headers}


def money(minor: int, currency: str) -> dict:
    return {"amount_minor": minor, "currency_code": currency}


async def change_currency(admin: httpx.AsyncClient, company_id: str, currency: str) -> httpx.Response:
    read = await admin.get(f"/v1/admin/companies/{company_id}")
    assert read.status_code == 200, read.text
    return await admin.patch(
        f"/v1/admin/companies/{company_id}",
        json={"currency_code": currency},
        headers=key(**{"If-Match": read.headers["ETag"]}),
    )


async def test_a_company_whose_wallets_hold_money_keeps_its_currency_until_the_money_is_out(platform):
    root = await login(platform, "PLATFORM_ADMIN", None)
    created = await root.post(
        "/v1/admin/companies",
        json={"name": "Harbour Kayaks", "time_zone": "Europe/Berlin", "currency_code": "EUR"},
        headers=key(),
    )
    assert created.status_code == 201, created.text
    company_id = created.json()["id"]
    admin = await login(platform, "COMPANY_ADMIN", company_id)
    customer = await admin.post(
        "/v1/admin/customers",
        json={"display_name": "Wanda", "email": f"wanda-{uuid.uuid4().hex[:8]}@example.com"},
        headers=key(),
    )
    assert customer.status_code == 201, customer.text
    wallet_url = f"/v1/admin/customers/{customer.json()['id']}/wallet"
    for kind, minor in (("MAIN", 5000), ("BONUS", 500)):
        credit = await admin.post(
            f"{wallet_url}/credits",
            json={"amount": money(minor, "EUR"), "balance": kind, "reason": "cash at the desk"},
            headers=key(),
        )
        assert credit.status_code == 201, credit.text

    # The company has no price, but the wallet holds 55.00 EUR: the currency stays (company
    # admin and platform admin alike).
    for who in (admin, root):
        locked = await change_currency(who, company_id, "USD")
        assert (locked.status_code, locked.json()["code"]) == (409, "CURRENCY_LOCKED"), locked.text
    assert (await admin.get(f"/v1/admin/companies/{company_id}")).json()["currency_code"] == "EUR"

    # The main balance taken out: the bonus alone still holds money.
    out = await admin.post(
        f"{wallet_url}/debits",
        json={"amount": money(5000, "EUR"), "balance": "MAIN", "reason": "paid back in cash"},
        headers=key(),
    )
    assert out.status_code == 201, out.text
    still = await change_currency(admin, company_id, "USD")
    assert (still.status_code, still.json()["code"]) == (409, "CURRENCY_LOCKED"), still.text

    out = await admin.post(
        f"{wallet_url}/debits",
        json={"amount": money(500, "EUR"), "balance": "BONUS", "reason": "bonus withdrawn"},
        headers=key(),
    )
    assert out.status_code == 201, out.text
    changed = await change_currency(admin, company_id, "USD")
    assert (changed.status_code, changed.json()["currency_code"]) == (200, "USD"), changed.text

    # Nothing was stranded: the empty wallet takes the new currency with its next credit, and an
    # old-currency credit is refused.
    old = await admin.post(
        f"{wallet_url}/credits", json={"amount": money(100, "EUR"), "reason": "late EUR"}, headers=key()
    )
    assert (old.status_code, old.json()["code"]) == (400, "CURRENCY_MISMATCH"), old.text
    new = await admin.post(
        f"{wallet_url}/credits", json={"amount": money(2000, "USD"), "reason": "20 USD"}, headers=key()
    )
    assert new.status_code == 201, new.text
    assert new.json()["main_balance"] == money(2000, "USD")
