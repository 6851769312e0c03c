"""Liveness and readiness, with the services up and down."""

from __future__ import annotations

import pytest

from gateway.clients import SERVICES, Clients

pytestmark = pytest.mark.integration


async def test_healthz_answers_without_any_dependency(http):
    reply = await http.get("/healthz")

    assert reply.status_code == 200
    assert reply.json()["status"] == "ok"


async def test_readyz_is_ready_when_every_service_serves_and_the_database_answers(http):
    reply = await http.get("/readyz")

    assert reply.status_code == 200
    assert reply.json() == {
        "status": "ready",
        "checks": {**{name: "SERVING" for name in SERVICES}, "database": "SERVING"},
    }


async def test_readyz_is_503_when_the_services_are_down(make_client, unused_tcp_port):
    dead = f"127.0.0.1:{unused_tcp_port}"
    clients = Clients({name: dead for name in SERVICES}, timeout=1)
    try:
        async with make_client(clients, address=dead) as client:
            reply = await client.get("/readyz")
    finally:
        await clients.close()

    assert reply.status_code == 503
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert problem["code"] == "NOT_READY"
    assert problem["checks"]["bookings"] == "UNAVAILABLE"
    assert problem["checks"]["database"] == "SERVING"
