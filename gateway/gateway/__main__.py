"""`python -m gateway`: serve the gateway with uvicorn on GATEWAY_HOST:GATEWAY_PORT.

The socket is bound here (port 0 = the OS picks) and the real port is written to
$PORT_FILE once the app has started. uvicorn handles SIGTERM/SIGINT gracefully: it
stops accepting, finishes in-flight requests (10 s at most), then runs the lifespan
shutdown (channels and the database pool closed); the process then exits with 0.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from pathlib import Path

import uvicorn

from gateway import logredact
from gateway.app import create_app
from gateway.settings import Settings
from plumbing.logs import configure_logging
from plumbing.metrics import serve_from_env as serve_metrics_from_env
from plumbing.runtime import settle_garbage_collector
from plumbing.telemetry import setup_tracing

log = logging.getLogger("gateway")


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, port_file: str | None, port: int) -> None:
        super().__init__(config)
        self.port_file = port_file
        self.port = port

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        settle_garbage_collector()
        if self.port_file and not self.should_exit:
            Path(self.port_file).write_text(str(self.port))
        log.info("gateway serving HTTP on port %d", self.port)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def main() -> None:
    # plumbing's logging wants an upper-case level name; uvicorn wants lower case.
    os.environ["LOG_LEVEL"] = os.environ.get("LOG_LEVEL", "INFO").upper()
    configure_logging("gateway")
    setup_tracing("gateway")
    settings = Settings.from_env()
    sock = bind(settings.host, settings.port)
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        loop = "asyncio"
    config = uvicorn.Config(
        create_app(settings),
        http="httptools",
        loop=loop,
        log_level=settings.log_level,
        timeout_keep_alive=settings.keep_alive_seconds,
        # uvicorn's loggers keep no handler of their own: their lines (the access log too)
        # reach the root's, in the process's format (plumbing.logs).
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=10,
        proxy_headers=False,
    )
    logredact.install()
    server = _Server(config, settings.port_file, sock.getsockname()[1])
    serve_metrics_from_env()
    # uvicorn captures SIGTERM/SIGINT during serve() and re-raises them to the previous
    # handler once the graceful shutdown is done: make that a clean exit (status 0).
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda sig, _frame: log.info("gateway stopped by signal %d", sig))
    try:
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            runner.run(server.serve(sockets=[sock]))
    finally:
        sock.close()


if __name__ == "__main__":
    main()
