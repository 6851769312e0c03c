"""gRPC health that tells the truth: NOT_SERVING while the database or NATS is out of reach.

A service whose broker is dead still answers its RPCs, but every booking it starts stays
PENDING; its health must say so, so that the gateway's /readyz (and a load balancer) can.
`DependencyWatcher` checks every `interval` seconds: `SELECT 1` with a short timeout on a
connection of its own (the service's pool may be busy under load, which is not an outage)
and the NATS client's `is_connected` (false while it reconnects). Every service starts one
through `RunningService.watch_dependencies`.

The health of service `liveness` stays SERVING while the process runs (until its graceful
shutdown): that is what a liveness probe asks, so an outage of the database or NATS takes
the services out of rotation without having them restarted in a loop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from grpc_health.v1 import health_pb2
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

if TYPE_CHECKING:
    from nats.aio.client import Client

    from plumbing.db import Database
    from plumbing.grpc_server import GrpcServer

log = logging.getLogger(__name__)

LIVENESS = "liveness"
CHECK_INTERVAL = 1.0
CHECK_TIMEOUT = 2.0

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class DependencyWatcher:
    """Sets the server's health (overall and per service) from its dependencies' state."""

    def __init__(
        self,
        server: GrpcServer,
        *,
        db: Database | None = None,
        nats: Client | None = None,
        interval: float = CHECK_INTERVAL,
        timeout: float = CHECK_TIMEOUT,
    ) -> None:
        self.server = server
        self.nats = nats
        self.interval = interval
        self.timeout = timeout
        # One connection of its own, so a pool drained by load does not read as an outage.
        self.engine: AsyncEngine | None = (
            create_async_engine(db.engine.url, pool_size=1, max_overflow=0) if db is not None else None
        )
        self.down: dict[str, str] = {}  # dependency -> why, as last seen
        self._serving: bool | None = None

    async def check(self) -> dict[str, str]:
        """Checks every dependency once and updates the health; returns {dependency: why} of those down."""
        down: dict[str, str] = {}
        if self.engine is not None:
            try:
                async with asyncio.timeout(self.timeout):
                    async with self.engine.connect() as conn:
                        await conn.execute(text("SELECT 1"))
            except TimeoutError:
                down["database"] = f"no answer in {self.timeout:g} s"
            except Exception as error:
                down["database"] = _why(error)
        if self.nats is not None and not self.nats.is_connected:
            down["nats"] = "not connected (reconnecting)" if self.nats.is_reconnecting else "not connected"
        await self._publish(down)
        return down

    async def _publish(self, down: dict[str, str]) -> None:
        serving = not down
        if serving != self._serving:
            if serving:
                log.info("dependencies back; health SERVING")
            else:
                details = "; ".join(f"{name}: {why}" for name, why in down.items())
                log.warning("dependency down (%s); health NOT_SERVING", details)
            status = SERVING if serving else NOT_SERVING
            # Ignored by the servicer once a graceful shutdown has begun.
            for name in ("", *self.server.service_names):
                await self.server.health.set(name, status)
            self._serving = serving
        self.down = down

    async def run_forever(self) -> None:
        await self.server.health.set(LIVENESS, SERVING)
        while True:
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("health check failed")
            await asyncio.sleep(self.interval)

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()


def _why(error: Exception) -> str:
    """The first line of an error, short; connection errors name a socket, never a password."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {first[:200]}"
