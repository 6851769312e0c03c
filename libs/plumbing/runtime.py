"""Process lifecycle shared by every service: signals, port file, graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plumbing import failpoints
from plumbing.grpc_server import GrpcServer
from plumbing.health import DependencyWatcher
from plumbing.logs import configure_logging
from plumbing.metrics import serve_from_env as serve_metrics_from_env
from plumbing.tasks import stop_tasks
from plumbing.telemetry import setup_tracing

if TYPE_CHECKING:
    from nats.aio.client import Client

    from plumbing.db import Database

log = logging.getLogger(__name__)


@dataclass
class RunningService:
    """A started service: its gRPC server, background loops and what to close last."""

    name: str
    grpc: GrpcServer
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.grpc.port

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.grpc.port}"

    def spawn(self, coroutine: Coroutine[Any, Any, Any], name: str) -> None:
        self.tasks.append(asyncio.create_task(coroutine, name=f"{self.name}:{name}"))

    def watch_dependencies(
        self, *, db: Database | None = None, nats: Client | None = None
    ) -> DependencyWatcher:
        """Keeps the gRPC health NOT_SERVING while the database or NATS is out of reach."""
        watcher = DependencyWatcher(self.grpc, db=db, nats=nats)
        self.closers.append(watcher.close)
        self.spawn(watcher.run_forever(), "health")
        return watcher

    async def stop(self, grace: float = 5.0) -> None:
        await self.grpc.stop(grace)
        await stop_tasks(self.tasks)
        for close in reversed(self.closers):
            with contextlib.suppress(Exception):
                await close()


# Allocations between two young-generation collections (CPython's default is 700). A request
# allocates thousands of short-lived objects (protobuf, dicts of a row, spans); at 700 the
# collector ran several times per request, 9 % of the gateway's samples in a profile.
YOUNG_GENERATION_THRESHOLD = 20_000


def settle_garbage_collector() -> None:
    """Called once a process has started: what it built to serve (modules, the app, pools,
    caches) is moved out of the collector's reach (`gc.freeze`), so later collections walk
    only what requests allocate, and young collections run less often. Reference counting
    frees nearly everything; the collector is only for cycles, which still get collected."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)


def run_service(name: str, start: Callable[[], Awaitable[RunningService]]) -> None:
    """Runs a service until SIGTERM/SIGINT; writes its port to $PORT_FILE when set."""
    configure_logging(name)
    setup_tracing(name)
    failpoints.configure(name)

    async def main() -> None:
        stop_requested = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop_requested.set)
        service = await start()
        settle_garbage_collector()
        serve_metrics_from_env()
        port_file = os.environ.get("PORT_FILE")
        if port_file:
            Path(port_file).write_text(str(service.port))
        log.info("%s serving gRPC on %s", name, service.address)
        await stop_requested.wait()
        log.info("%s stopping", name)
        await service.stop()

    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(main())


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (every deployment: requirements.txt), else
    asyncio's own. The services' loops mostly wait on sockets and run many short callbacks
    (gRPC, psycopg, NATS); uvloop does that in C, and a service spends less CPU per booking
    (README "Speed")."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a requirement; asyncio still works
        return None
    return uvloop.new_event_loop
