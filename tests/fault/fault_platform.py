"""The real platform as separate OS processes, for the fault suite (docs/saga.md "How it is tested").

A fresh embedded PostgreSQL (pgserver) and NATS JetStream in a temporary directory, every
schema migrated, and each service started with `python -m <service>`, learning its port from
PORT_FILE and restarted on that same port after a crash.

`DATABASE_URL` switches to a real PostgreSQL like `plumbing.devstack` does: each run gets a
fresh database there (dropped at the end) and the PostgreSQL restart fault is skipped. NATS
is different: the stream (`SAGA`) and durable consumer names are fixed by the services, so
runs sharing a server with other tests (the e2e platform fixture binds the same durables)
would steal each other's messages. The suite therefore starts its own nats-server even when
`NATS_URL` is set; `FAULT_NATS_URL` names a dedicated server instead (its NATS kill is then
skipped).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plumbing.devstack import (
    database_in,
    drop_database,
    ensure_database,
    nats_server_binary,
    pgserver_handle,
)
from plumbing.failpoints import CRASH_EXIT_CODE
from plumbing.migrations import migrate_all

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("catalog", "wallet", "passes", "payments", "bookings")
PARTICIPANTS = ("wallet", "passes", "payments")
# Durable consumers of the SAGA stream (the participants' and the orchestrator's).
SAGA_CONSUMERS = {"wallet": "saga.cmd.wallet", "passes": "saga.cmd.passes", "payments": "saga.cmd.payments"}
SAGA_CONSUMERS["bookings-saga"] = "saga.reply.bookings"
# The services' PullConsumer defaults (libs/plumbing/messaging.py).
MAX_DELIVER = 20
MAX_ACK_PENDING = 10_000


class Nats:
    """nats-server with JetStream, restartable on its first port with the same store."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = -1
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        ports_dir = self.data_dir / "ports"
        shutil.rmtree(ports_dir, ignore_errors=True)
        ports_dir.mkdir()
        log = open(self.data_dir / "nats.log", "ab")  # noqa: SIM115 - owned by the process
        self.process = subprocess.Popen(
            [
                nats_server_binary(),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-js",
                "-sd",
                str(self.data_dir / "jetstream"),
                "--ports_file_dir",
                str(ports_dir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited; see {self.data_dir / 'nats.log'}")
            for ports_file in ports_dir.glob("*.ports"):
                try:
                    ports = json.loads(ports_file.read_text())
                except json.JSONDecodeError:
                    continue
                self.port = int(ports["nats"][0].rsplit(":", 1)[1])
                return
            time.sleep(0.05)
        raise RuntimeError("nats-server did not report its port in time")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Postgres:
    """Embedded PostgreSQL (pgserver) restartable in place, or a database on DATABASE_URL."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.server: Any = None
        self.server_url = os.environ.get("DATABASE_URL", "")
        self.external = bool(self.server_url)
        self.name = f"booking_fault_{uuid.uuid4().hex[:8]}"
        self.url = ""
        self.restarts = 0

    def start(self) -> None:
        if not self.external:
            self.server = pgserver_handle(self.data_dir / "pg", "delete")
            self.server_url = self.server.get_uri()
        self.url = ensure_database(self.server_url, self.name)

    def restart(self) -> bool:
        """Stops the embedded server (`pg_ctl stop -m fast`) and starts it again on the same
        data directory and socket. (`pg_ctl restart` crashes on pgserver's `-h ""` option.)"""
        if self.external:
            return False
        self._pg_ctl(["-m", "fast", "stop"], start_after=True)
        self.restarts += 1
        return True

    def stop_server(self) -> bool:
        """Stops the embedded server for an outage (every connection is cut); False when the
        database is external and cannot be stopped."""
        if self.external:
            return False
        self._pg_ctl(["-m", "fast", "stop"], start_after=False)
        return True

    def start_server(self) -> None:
        """Starts the stopped embedded server again, on the same data directory and socket."""
        self._pg_ctl([], start_after=True)
        self.restarts += 1

    def _pg_ctl(self, stop: list[str], *, start_after: bool) -> None:
        from pgserver._commands import POSTGRES_BIN_PATH

        pgdata = Path(self.server.pgdata)
        socket_dir = _socket_dir((pgdata / "postmaster.opts").read_text().split('"'))
        pg_ctl = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-w"]
        # As root pgserver runs PostgreSQL as its own user. `runuser` rather than
        # subprocess(user=...): that forks without exec-ing at once, which crashed next to
        # gRPC's threads in this process.
        user = self.server.system_user
        as_user = ["runuser", "-u", user, "--"] if user else []
        start = ["-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(pgdata / "log"), "start"]
        actions = [action for action in (stop, start if start_after else []) if action]
        with open(pgdata / "restart.log", "ab") as log:
            for action in actions:
                subprocess.run([*as_user, *pg_ctl, *action], check=True, stdout=log, stderr=log, timeout=60)

    def stop(self) -> None:
        if self.external:
            drop_database(self.server_url, self.name)
        elif self.server is not None:
            self.server._cleanup()

    def admin_url(self) -> str:
        return database_in(self.server_url, "postgres")


def _free_port() -> int:
    """A port free on 127.0.0.1 now (a service started on it binds it itself)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _socket_dir(options: list[str]) -> str:
    """The `-k` value of a postmaster.opts split on quotes: `... "-k" "/path"`."""
    values = [part for part in options if part.strip()]
    return values[values.index("-k") + 1]


@dataclass
class Service:
    name: str
    env: dict[str, str]
    run_dir: Path
    # A script run instead of `python -m <name>` (the mutant wallet of the mutation check).
    script: Path | None = None
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    kills: int = 0
    crashes: int = 0  # exits by a failpoint
    restarts: int = 0
    paused: bool = False
    failpoints: str = ""  # armed for the next start only
    sticky_failpoints: str = ""  # armed on every start (the mutation check)...
    sticky_starts: int = -1  # ...or on this many starts only (-1: no limit)
    exits: list[int] = field(default_factory=list)
    _reaped: bool = False

    @property
    def port_file(self) -> Path:
        return self.run_dir / f"{self.name}.port"

    @property
    def log_file(self) -> Path:
        return self.run_dir / f"{self.name}.log"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port_file.unlink(missing_ok=True)
        env = {**os.environ, **self.env, "PORT_FILE": str(self.port_file), "GRPC_PORT": str(self.port)}
        sticky = self.sticky_failpoints if self.sticky_starts != 0 else ""
        if sticky and self.sticky_starts > 0:
            self.sticky_starts -= 1
        armed = ",".join(spec for spec in (self.failpoints, sticky) if spec)
        env["FAILPOINTS"] = armed
        self.failpoints = ""
        log = open(self.log_file, "ab")  # noqa: SIM115 - handed to the child
        log.write(f"---- start (port {self.port}, FAILPOINTS={armed!r})\n".encode())
        log.flush()
        command = [sys.executable, str(self.script)] if self.script else [sys.executable, "-m", self.name]
        self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        self.paused = False
        self._reaped = False

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited during start-up; see {self.log_file}")
            text = self.port_file.read_text().strip() if self.port_file.exists() else ""
            if text:
                self.port = int(text)
                return
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start in {timeout:.0f} s; see {self.log_file}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self.kills += 1
            self.paused = False
            self._reaped = True

    def pause(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGSTOP)
            self.paused = True

    def resume(self) -> None:
        if self.process is not None and self.paused:
            self.process.send_signal(signal.SIGCONT)
            self.paused = False

    def reap(self) -> int | None:
        """The exit code when the process died on its own (a failpoint or a crash), once."""
        if self.process is None or self._reaped:
            return None
        code = self.process.poll()
        if code is None:
            return None
        self._reaped = True
        self.exits.append(code)
        if code == CRASH_EXIT_CODE:
            self.crashes += 1
        return code

    def stop(self) -> None:
        self.resume()
        if self.alive():
            assert self.process is not None
            self.process.terminate()

    def wait_stopped(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


class Platform:
    """PostgreSQL, NATS and the five services as OS processes."""

    def __init__(
        self,
        data_dir: Path,
        *,
        ack_wait_seconds: float,
        service_env: dict[str, dict[str, str]] | None = None,
        service_scripts: dict[str, Path] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.ack_wait_seconds = ack_wait_seconds
        self.pg = Postgres(data_dir)
        self.external_nats = os.environ.get("FAULT_NATS_URL", "")
        self.nats = Nats(data_dir / "nats")
        self.services: dict[str, Service] = {}
        self.service_env = service_env or {}
        self.service_scripts = service_scripts or {}
        (data_dir / "run").mkdir(parents=True, exist_ok=True)

    @property
    def nats_url(self) -> str:
        return self.external_nats or self.nats.url

    @property
    def database_url(self) -> str:
        return self.pg.url

    def start(self) -> None:
        self.pg.start()
        migrate_all(self.pg.url)
        if not self.external_nats:
            self.nats.start()
        prepare_saga_consumers(self.nats_url, self.ack_wait_seconds)
        base = {
            "DATABASE_URL": self.pg.url,
            "NATS_URL": self.nats_url,
            "SAGA_SWEEP_INTERVAL_SECONDS": "0.25",
            "LOG_LEVEL": "INFO",
            "no_grpc_proxy": "127.0.0.1,localhost",
            "OTEL_SDK_DISABLED": "true",
            "BOOKING_ENV": os.environ.get("BOOKING_ENV", "dev"),
            # Should a service re-create a durable (e.g. deleted), it gets the same short wait.
            "NATS_CONSUMER_BACKOFF": f"{self.ack_wait_seconds:g}",
        }
        # The catalog asks the wallet (whether wallets hold money before a company's currency
        # changes) and the wallet asks the catalog: the wallet's port is chosen first.
        wallet_port = _free_port()
        for name in SERVICES:
            env = {**base, **self.service_env.get(name, {})}
            if name == "catalog":
                env["WALLET_ADDR"] = f"127.0.0.1:{wallet_port}"
            if name in ("wallet", "passes"):
                env["CATALOG_ADDR"] = self.services["catalog"].address
            if name == "bookings":
                env["CATALOG_ADDR"] = self.services["catalog"].address
                env["PASSES_ADDR"] = self.services["passes"].address
                env["PAYMENTS_ADDR"] = self.services["payments"].address
            service = Service(name, env, self.data_dir / "run", script=self.service_scripts.get(name))
            if name == "wallet":
                service.port = wallet_port
            self.services[name] = service
            service.start()
            service.wait_ready()

    def restart(self, name: str, *, failpoints: str = "") -> None:
        service = self.services[name]
        service.kill()
        service.failpoints = failpoints
        service.restarts += 1
        service.start()
        service.wait_ready()

    def start_again(self, name: str) -> None:
        """Starts a service that is down (killed or crashed) on its old port."""
        service = self.services[name]
        service.restarts += 1
        service.start()
        service.wait_ready()

    def stop(self) -> None:
        for service in reversed(self.services.values()):
            service.stop()
        for service in reversed(self.services.values()):
            service.wait_stopped()
        if not self.external_nats:
            self.nats.stop()
        self.pg.stop()

    def logs(self) -> str:
        return ", ".join(str(service.log_file) for service in self.services.values())


def prepare_saga_consumers(nats_url: str, ack_wait_seconds: float) -> None:
    """Creates the SAGA stream and the services' durable consumers before they start.

    The services bind to an existing durable as it is (nats-py `pull_subscribe`), so this is
    how the run gets a short `ack_wait` without any change to the services: the plumbing has
    no setting for it (30 s). Everything else matches `plumbing.messaging`.
    """
    import asyncio

    import nats
    from nats.js.api import AckPolicy, ConsumerConfig

    from plumbing import messaging

    async def prepare() -> None:
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            await messaging.ensure_stream(js, messaging.SAGA_STREAM, messaging.SAGA_SUBJECTS)
            for durable, subject in SAGA_CONSUMERS.items():
                await js.add_consumer(
                    messaging.SAGA_STREAM,
                    ConsumerConfig(
                        durable_name=durable,
                        name=durable,
                        filter_subject=subject,
                        ack_policy=AckPolicy.EXPLICIT,
                        ack_wait=ack_wait_seconds,
                        max_deliver=MAX_DELIVER,
                        max_ack_pending=MAX_ACK_PENDING,
                    ),
                )
        finally:
            await nc.close()

    asyncio.run(prepare())
