"""The gateway's own database (logins, Idempotency-Keys, ops sessions) stopped: 503
SERVICE_UNAVAILABLE with Retry-After, never 500, and everything works again once it is back.
A real PostgreSQL of the test's own is stopped and started."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from gateway.app import create_app
from gateway.clients import Clients
from gateway.problems import PROBLEM_JSON
from gateway.settings import Settings
from gateway.users import UserStore
from plumbing.db import Database
from plumbing.devstack import EmbeddedPostgres
from plumbing.migrations import migration_dirs, upgrade
from plumbing.testing import eventually

pytestmark = pytest.mark.integration


def settings_for(database_url: str, address: str = "127.0.0.1:1") -> Settings:
    return Settings(
        catalog_addr=address,
        bookings_addr=address,
        wallet_addr=address,
        passes_addr=address,
        payments_addr=address,
        database_url=database_url,
        jwt_secret="database-outage-tests-secret-0123456789abcdef",
    )


def client_for(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://gateway"
    )


def assert_unavailable(reply) -> None:
    assert reply.status_code == 503, reply.text
    assert reply.headers["content-type"] == PROBLEM_JSON
    assert reply.headers["retry-after"] == "1"
    assert reply.json()["code"] == "SERVICE_UNAVAILABLE"


async def test_login_and_a_cancellation_are_503_while_the_database_is_down_and_work_once_it_is_back(
    tmp_path, fake_platform, clients: Clients
):
    postgres = EmbeddedPostgres(tmp_path / "pg")
    postgres.start()
    db = Database(postgres.url, pool_size=2)
    try:
        await asyncio.to_thread(upgrade, migration_dirs()["gateway"], postgres.url, "gateway")
        email, password = f"outage-{uuid.uuid4().hex[:8]}@example.com", "correct horse battery staple"
        await UserStore(db).create_user(
            email=email,
            password=password,
            role="CUSTOMER",
            company_id=str(uuid.uuid4()),
            customer_id=str(uuid.uuid4()),
        )
        app = create_app(settings_for(postgres.url, fake_platform.address), clients=clients, db=db)
        async with client_for(app) as http:
            login = await http.post("/v1/auth/token", json={"email": email, "password": password})
            assert login.status_code == 200, login.text
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            booking = {"session_id": str(uuid.uuid4()), "quantity": 1, "payment": {"use_wallet": True}}

            postgres.stop()
            assert_unavailable(await http.post("/v1/auth/token", json={"email": email, "password": password}))
            # A booking's Idempotency-Key is kept by the bookings service: the gateway's own
            # database is not on its path, so booking goes on through the outage.
            created = await http.post(
                "/v1/bookings", json=booking, headers={**headers, "Idempotency-Key": str(uuid.uuid4())}
            )
            assert created.status_code == 202, created.text
            cancel = f"/v1/bookings/{created.json()['id']}/cancel"
            key = str(uuid.uuid4())
            assert_unavailable(await http.post(cancel, headers={**headers, "Idempotency-Key": key}))
            assert fake_platform.bookings.cancel_calls[key] == 0  # refused before any call
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"] == "UNAVAILABLE"

            postgres.start()  # same data directory and socket: the same URL

            async def logged_in():
                reply = await http.post("/v1/auth/token", json={"email": email, "password": password})
                return reply if reply.status_code == 200 else None

            await eventually(logged_in, message="login never worked again")
            cancelled = await http.post(cancel, headers={**headers, "Idempotency-Key": key})
            assert cancelled.status_code == 202, cancelled.text
            again = await http.post(cancel, headers={**headers, "Idempotency-Key": key})
            assert again.headers["idempotent-replayed"] == "true"
            assert fake_platform.bookings.cancel_calls[key] == 1
    finally:
        await db.close()
        postgres.stop()


def test_the_openapi_lists_503_on_every_route_but_liveness(database_url):
    schema = create_app(settings_for(database_url)).openapi()
    missing = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "503" not in operation["responses"] and path != "/healthz"
    ]
    assert missing == []
    assert "503" in schema["paths"]["/v1/auth/token"]["post"]["responses"]
    assert "503" not in schema["paths"]["/healthz"]["get"]["responses"]
