"""A pass product priced before its company changed currency is not sold in the old one (found by a
tester): a company priced "10 classes" at 99.00 EUR, changed its currency to USD (the catalog
allows it: pass products are not its prices), and the desk still sold the pass for 99.00 EUR.
Now passes refuses the sale 409 PASS_PRODUCT_CURRENCY_MISMATCH, the console's pass products page
says the product is priced in EUR while the company uses USD and offers a new price, and once
repriced the pass sells in USD."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

pytestmark = pytest.mark.e2e

PASSWORD = "secret-pass"


async def login(platform, role: str, company_id: str | None) -> httpx.AsyncClient:
    email = f"{role.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(email=email, password=PASSWORD, role=role, company_id=company_id)
    client = httpx.AsyncClient(base_url=platform.gateway_url, timeout=30)
    token = await client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


def key(**headers: str) -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4()), **headers}


async def test_a_pass_product_in_the_old_currency_is_repriced_before_it_sells(platform) -> None:
    root = await login(platform, "PLATFORM_ADMIN", None)
    created = await root.post(
        "/v1/admin/companies",
        json={"name": "Harbour Yoga", "time_zone": "Europe/Berlin", "currency_code": "EUR"},
        headers=key(),
    )
    assert created.status_code == 201, created.text
    company_id = created.json()["id"]
    admin = await login(platform, "COMPANY_ADMIN", company_id)
    product = await admin.post(
        "/v1/admin/pass-products",
        json={
            "name": "10 classes",
            "credits": 10,
            "validity_days": 90,
            "price": {"amount_minor": 9900, "currency_code": "EUR"},
        },
        headers=key(),
    )
    assert product.status_code == 201, product.text
    product_id = product.json()["id"]
    customer = await admin.post(
        "/v1/admin/customers",
        json={"display_name": "Wanda", "email": f"wanda-{uuid.uuid4().hex[:8]}@example.com"},
        headers=key(),
    )
    assert customer.status_code == 201, customer.text
    passes_url = f"/v1/admin/customers/{customer.json()['id']}/passes"

    read = await admin.get(f"/v1/admin/companies/{company_id}")
    changed = await admin.patch(
        f"/v1/admin/companies/{company_id}",
        json={"currency_code": "USD"},
        headers=key(**{"If-Match": read.headers["ETag"]}),
    )
    assert (changed.status_code, changed.json()["currency_code"]) == (200, "USD"), changed.text

    for sale in ("CASH", "EXTERNAL"):
        refused = await admin.post(passes_url, json={"product_id": product_id, "sale": sale}, headers=key())
        assert (refused.status_code, refused.json()["code"]) == (409, "PASS_PRODUCT_CURRENCY_MISMATCH"), (
            refused.text
        )
    assert (await admin.get(passes_url)).json()["passes"] == []

    # The console says so and offers a price in USD.
    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(
        email=email, password=PASSWORD, role="COMPANY_ADMIN", company_id=company_id
    )
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=60) as console:
        assert (
            await console.post("/ops/login", data={"email": email, "password": PASSWORD})
        ).status_code == 303
        page = await console.get("/ops/manage/passes")
        assert page.status_code == 200, page.text
        assert "Priced in EUR; the company now uses USD &mdash; reprice or archive" in page.text
        form = re.search(
            rf'action="/ops/manage/passes/{product_id}/price"[^>]*>\s*'
            r'<input type="hidden" name="csrf_token" value="([^"]+)">\s*'
            r'<input type="hidden" name="request_key" value="([^"]+)">\s*'
            r'<input type="hidden" name="etag" value="([^"]+)">',
            page.text,
        )
        assert form is not None, page.text
        csrf, request_key, etag = form.groups()
        repriced = await console.post(
            f"/ops/manage/passes/{product_id}/price",
            data={"csrf_token": csrf, "request_key": request_key, "etag": etag, "price": "109.00"},
        )
        assert repriced.status_code == 303, repriced.text
        after = await console.get(repriced.headers["location"])
        assert "Pass product repriced." in after.text
        assert "data-stale-currency" not in after.text
        assert "109.00 USD" in after.text

    sold = await admin.post(passes_url, json={"product_id": product_id, "sale": "CASH"}, headers=key())
    assert sold.status_code == 201, sold.text
    assert sold.json()["paid"] == {"amount_minor": 10900, "currency_code": "USD"}
