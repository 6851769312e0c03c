"""gRPC health follows the service's dependencies: NATS and PostgreSQL stopped and started again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from plumbing import messaging
from plumbing.db import Database
from plumbing.devstack import EmbeddedPostgres, start_nats
from plumbing.grpc_server import create_server
from plumbing.health import LIVENESS, DependencyWatcher
from plumbing.testing import eventually

pytestmark = pytest.mark.integration

SERVICE = "bookingplatform.test.v1.HealthProbe"


async def health_of(address: str, service: str = "") -> str:
    """The service's health; "" while the server does not know the name (NOT_FOUND)."""
    async with grpc.aio.insecure_channel(address) as channel:
        try:
            reply = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=5
            )
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return ""
            raise
    return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)


async def statuses(address: str) -> tuple[str, str]:
    return await health_of(address), await health_of(address, SERVICE)


def down(watcher: DependencyWatcher, dependency: str):
    async def check() -> bool:
        return dependency in await watcher.check()

    return check


def recovered(watcher: DependencyWatcher):
    async def check() -> bool:
        return await watcher.check() == {}

    return check


async def test_health_is_not_serving_while_nats_is_down_and_serving_once_it_is_back(database_url, tmp_path):
    nats = start_nats(tmp_path / "nats")
    nc = await messaging.connect(nats.url, "health-test")
    db = Database(database_url, pool_size=1)
    server = await create_server([], [SERVICE])
    watcher = DependencyWatcher(server, db=db, nats=nc)
    address = f"127.0.0.1:{server.port}"
    loop = asyncio.create_task(watcher.run_forever())
    try:
        await eventually(lambda: health_of(address, LIVENESS), timeout=30)
        assert await watcher.check() == {}
        assert await statuses(address) == ("SERVING", "SERVING")

        url = nats.url
        nats.stop()
        await eventually(down(watcher, "nats"), timeout=30)
        assert set(watcher.down) == {"nats"}  # the database is fine
        assert await statuses(address) == ("NOT_SERVING", "NOT_SERVING")
        assert await health_of(address, LIVENESS) == "SERVING"  # not a reason to be restarted

        nats.start()
        assert nats.url == url  # the same port, so the client's reconnect finds it
        await eventually(recovered(watcher), timeout=60)
        assert await statuses(address) == ("SERVING", "SERVING")
    finally:
        loop.cancel()
        await server.stop(0)
        await watcher.close()
        await nc.close()
        await db.close()
        nats.stop()


async def test_health_is_not_serving_while_the_database_is_down_and_serving_once_it_is_back(tmp_path: Path):
    postgres = EmbeddedPostgres(tmp_path / "pg")
    postgres.start()
    db = Database(postgres.url, pool_size=1)
    server = await create_server([], [SERVICE])
    watcher = DependencyWatcher(server, db=db, timeout=2)
    address = f"127.0.0.1:{server.port}"
    try:
        assert await watcher.check() == {}
        assert await statuses(address) == ("SERVING", "SERVING")

        postgres.stop()
        await eventually(down(watcher, "database"), timeout=30)
        assert set(watcher.down) == {"database"}
        assert await statuses(address) == ("NOT_SERVING", "NOT_SERVING")

        postgres.start()  # same data directory and socket: the same URL
        await eventually(recovered(watcher), timeout=60)
        assert await statuses(address) == ("SERVING", "SERVING")
    finally:
        await server.stop(0)
        await watcher.close()
        await db.close()
        postgres.stop()
