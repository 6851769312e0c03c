"""Liveness and readiness, with the services up and down."""

from __future__ import annotations

import pytest

from gateway import app as app_module
from gateway.clients import SERVICES, Clients
from plumbing.devstack import start_nats
from plumbing.testing import eventually, isolated_infrastructure

pytestmark = pytest.mark.integration


@pytest.fixture
def patient_database_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """/readyz gives its `SELECT 1` 2 s, which a busy machine can overrun: a test asserting that
    the database is SERVING alongside a service that is not gives it a minute."""
    monkeypatch.setattr(app_module, "READINESS_DATABASE_TIMEOUT_SECONDS", 60.0)


async def test_healthz_answers_without_any_dependency(http):
    reply = await http.get("/healthz")

    assert reply.status_code == 200
    assert reply.json()["status"] == "ok"


async def test_readyz_is_ready_when_every_service_serves_and_the_database_answers(http):
    async def ready():
        # Each health check has a 1 s deadline: on a busy machine one may miss it once.
        reply = await http.get("/readyz")
        return reply if reply.status_code == 200 else None

    reply = await eventually(ready, interval=0.2, message="the gateway never became ready")

    assert reply.status_code == 200
    assert reply.json() == {
        "status": "ready",
        "checks": {**{name: "SERVING" for name in SERVICES}, "database": "SERVING"},
    }


async def test_readyz_is_503_when_the_services_are_down(make_client, unused_tcp_port, patient_database_check):
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


async def test_readyz_is_503_while_a_service_has_lost_nats_and_ready_again_once_nats_is_back(
    make_client, database_url, tmp_path, patient_database_check
):
    from wallet.bootstrap import start
    from wallet.settings import Settings as WalletSettings

    # A database of its own, so the wallet's relay meets no other test's rows.
    async with isolated_infrastructure(database_url, "readyz") as (own_database, _):
        nats = start_nats(tmp_path / "nats")
        wallet = await start(WalletSettings(database_url=own_database, nats_url=nats.url))
        # Every name on the one real service: its health stands for all five.
        clients = Clients({name: wallet.address for name in SERVICES}, timeout=2)
        try:
            async with make_client(clients) as client:

                async def readiness() -> tuple[int, dict]:
                    reply = await client.get("/readyz")
                    return reply.status_code, reply.json()

                async def status_is(code: int):
                    status, body = await readiness()
                    return body if status == code else None

                async def every_check_not_serving():
                    body = await status_is(503)
                    # The five checks ask the one wallet in parallel: its health can flip
                    # between them, so a first 503 may still list some as SERVING.
                    if body and all(body["checks"][name] == "NOT_SERVING" for name in SERVICES):
                        return body
                    return None

                await eventually(lambda: status_is(200), timeout=60)

                nats.stop()
                problem = await eventually(every_check_not_serving, timeout=60)
                assert problem["code"] == "NOT_READY"
                not_serving = {name: "NOT_SERVING" for name in SERVICES}
                assert problem["checks"] == {**not_serving, "database": "SERVING"}

                nats.start()  # on the same port: the service's client reconnects
                ready = await eventually(lambda: status_is(200), timeout=60)
                assert ready["checks"]["wallet"] == "SERVING"
        finally:
            await clients.close()
            await wallet.stop(0)
            nats.stop()
