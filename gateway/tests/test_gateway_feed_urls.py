"""A calendar feed's secret URL is answered under GATEWAY_PUBLIC_URL, never under the Host
header a caller chose (a hostile tester: Host: evil.example answered
http://evil.example/feeds/calendar/calf_....ics)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from gateway.app import create_app
from gateway.clients import Clients
from gateway.settings import Settings
from plumbing.db import Database

PUBLIC_URL = "https://book.example.com"


async def test_a_feed_url_is_under_the_public_url_whatever_the_host_header(
    database_url: str,
    fake_platform: Any,
    clients: Clients,
    gateway_db: Database,
    make_account: Any,
    jwt_secret: str,
) -> None:
    staff = await make_account("STAFF")
    address = fake_platform.address
    settings = Settings(
        catalog_addr=address,
        bookings_addr=address,
        wallet_addr=address,
        passes_addr=address,
        payments_addr=address,
        database_url=database_url,
        jwt_secret=jwt_secret,
        public_url=PUBLIC_URL,
    )
    app = create_app(settings, clients=clients, db=gateway_db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        for path in ("/v1/me/calendar-feeds", "/v1/admin/calendar-feeds"):
            account = staff if path.startswith("/v1/me") else await make_account("COMPANY_ADMIN")
            made = await http.post(
                path,
                json={"name": "Shifts"},
                headers={**account.headers, "Idempotency-Key": str(uuid.uuid4()), "Host": "evil.example"},
            )
            assert made.status_code == 201, made.text
            url = made.json()["url"]
            assert url.startswith(f"{PUBLIC_URL}/feeds/calendar/calf_") and url.endswith(".ics"), url
            assert "evil.example" not in made.text
