"""`make run`'s demo data is made over HTTP through the generated client (tools/demo_data.py),
and a second run finds what the first made: the same company, no money added twice."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tools.demo_data import demo_balances, load_demo_data

pytestmark = pytest.mark.e2e


async def test_the_demo_data_is_made_over_http_and_a_second_run_changes_nothing(platform):
    email, password = f"platform-{uuid.uuid4().hex[:8]}@example.com", "platform-password"
    await platform.users.create_user(email=email, password=password, role="PLATFORM_ADMIN")

    first = await load_demo_data(platform.gateway_url, (email, password))
    again = await load_demo_data(platform.gateway_url, (email, password))
    balances = await demo_balances(platform.gateway_url, again)

    assert again == first
    assert balances["wallet"] == "50.00 EUR + 10.00 EUR bonus"
    assert balances["pass"].startswith("10 of 10 classes left, valid until ")
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30) as http:
        tokens = {}
        for person in ("operator", "staff", "customer"):
            reply = await http.post(
                "/v1/auth/token",
                json={
                    "email": first[f"{person}_email"],
                    "password": first[f"{person}_password"],
                    "company_id": first["company_id"],
                },
            )
            assert reply.status_code == 200, (person, reply.text)
            tokens[person] = reply.json()["access_token"]
        team = await http.get("/v1/admin/users", headers={"Authorization": f"Bearer {tokens['operator']}"})
        sessions = await http.get(
            "/v1/sessions", params={"company_id": first["company_id"], "page_size": 100}
        )
    roles = {user["email"]: user["role"] for user in team.json()["users"]}
    assert roles == {
        first["operator_email"]: "COMPANY_ADMIN",
        first["staff_email"]: "STAFF",
        first["customer_email"]: "CUSTOMER",
    }
    assert len(sessions.json()["sessions"]) == 14  # two a day for a week, made once
