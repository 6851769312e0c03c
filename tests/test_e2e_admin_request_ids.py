"""Two back-office callers who happen to send the same Idempotency-Key make two changes: the
request_id the gateway hands a service is derived from the caller as well as the key, so
neither gets the other's session (or pass product, or customer) nor REQUEST_ID_REUSED, while
each caller's own retry still answers its first result."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

pytestmark = pytest.mark.e2e


async def login(tenant, role: str) -> httpx.AsyncClient:
    email = f"{role.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    await tenant.platform.users.create_user(
        email=email, password="secret-pass", role=role, company_id=tenant.company_id
    )
    client = httpx.AsyncClient(base_url=tenant.platform.gateway_url, timeout=30)
    token = await client.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


async def test_two_admins_sending_one_idempotency_key_each_get_their_own_change(tenant) -> None:
    first, second = await login(tenant, "COMPANY_ADMIN"), await login(tenant, "COMPANY_ADMIN")
    try:
        shared = {"Idempotency-Key": f"shared-{uuid.uuid4()}"}
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
        session = {
            "resource_id": tenant.resource_id,
            "start_time": start.isoformat(),
            "end_time": (start + timedelta(hours=1)).isoformat(),
            "capacity": 6,
            "price": {"amount_minor": 1500, "currency_code": "EUR"},
        }
        # The same body: without the caller in the request_id, the second got the first's session.
        mine = await first.post("/v1/admin/sessions", json=session, headers=shared)
        theirs = await second.post("/v1/admin/sessions", json=session, headers=shared)
        assert (mine.status_code, theirs.status_code) == (201, 201), (mine.text, theirs.text)
        assert mine.json()["id"] != theirs.json()["id"]
        # A retry by the first caller is still its first answer.
        again = await first.post("/v1/admin/sessions", json=session, headers=shared)
        assert (again.status_code, again.json()["id"]) == (201, mine.json()["id"])

        # Another body under one key: without the caller, the service refused it as reused. (A
        # key names one request of its caller: each route here gets a key of its own.)
        shared = {"Idempotency-Key": f"shared-{uuid.uuid4()}"}
        product = {
            "name": "5 classes",
            "credits": 5,
            "validity_days": 30,
            "price": {"amount_minor": 6000, "currency_code": "EUR"},
        }
        made = await first.post("/v1/admin/pass-products", json=product, headers=shared)
        other = await second.post(
            "/v1/admin/pass-products", json={**product, "name": "10 classes"}, headers=shared
        )
        assert (made.status_code, other.status_code) == (201, 201), (made.text, other.text)
        assert (made.json()["name"], other.json()["name"]) == ("5 classes", "10 classes")

        shared = {"Idempotency-Key": f"shared-{uuid.uuid4()}"}
        customer = {"display_name": "Ada", "email": f"{uuid.uuid4().hex[:8]}@example.com"}
        created = await first.post("/v1/admin/customers", json=customer, headers=shared)
        other_customer = {"display_name": "Grace", "email": f"{uuid.uuid4().hex[:8]}@example.com"}
        created_too = await second.post("/v1/admin/customers", json=other_customer, headers=shared)
        assert (created.status_code, created_too.status_code) == (201, 201), (created.text, created_too.text)
        assert created.json()["id"] != created_too.json()["id"]
    finally:
        await first.aclose()
        await second.aclose()
