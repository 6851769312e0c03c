"""`make run`: the whole platform on this machine, from nothing, with one command.

Starts PostgreSQL and NATS (embedded unless DATABASE_URL / NATS_URL point at real
servers), applies every migration, starts each service and the gateway, loads the demo
data and prints each step, then where to look. Each process gets the port it had in the
last run (remembered in .data/ports.json, so printed URLs and bookmarks keep working)
when that port is free, else one the OS picks. Every process it starts is
supervised (`plumbing.supervisor`): one that dies, nats-server and PostgreSQL included, is
started again in place (same port, socket, data), with a back-off. Ctrl-C, SIGTERM, or the
death of the parent (`make`) stops every process it started. Data is kept in .data/ between
runs.

`--replicas N` (`make run REPLICAS=N`) starts N processes of every service and of the
gateway. They share nothing but PostgreSQL and JetStream (durable consumers, SKIP LOCKED
sweepers and outbox relays); callers get every replica's address as a comma-separated
list and spread their calls with client-side round robin (`plumbing.grpc_client`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plumbing.mailsink import MailSink
    from plumbing.supervisor import Supervisor

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("BOOKING_DATA_DIR", ROOT / ".data"))
PYTHON = sys.executable

# Start order: wallet, passes and bookings need the catalog's address, the gateway needs everyone's.
# The catalog needs the wallet's too (it asks whether wallets hold money before a company's
# currency changes): the wallet's ports are chosen before the catalog starts (`wallet_ports`).
SERVICES = ["catalog", "wallet", "passes", "payments", "bookings"]


@dataclass
class Child:
    name: str
    module: str
    env: dict[str, str]
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def port_file(self) -> Path:
        return DATA / "run" / f"{self.name}.port"

    @property
    def log_file(self) -> Path:
        return DATA / "logs" / f"{self.name}.log"

    def start(self) -> None:
        """Starts the process and waits until it serves (what the supervisor calls)."""
        self.spawn()
        self.wait_ready()

    def where(self) -> str:
        return f"port {self.port}"

    def spawn(self) -> None:
        self.port_file.unlink(missing_ok=True)
        env = {**os.environ, **self.env, "PORT_FILE": str(self.port_file)}
        # A restarted process takes its old port back, so its peers' addresses stay right.
        port_variable = "GATEWAY_PORT" if self.module == "gateway" else "GRPC_PORT"
        env[port_variable] = str(self.port)
        log = open(self.log_file, "ab")  # noqa: SIM115 - handed to the child
        self.process = subprocess.Popen(
            [PYTHON, "-m", self.module], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
        )

    def wait_ready(self, timeout: float = 60.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited during start-up; see {self.log_file}")
            if self.port_file.exists() and self.port_file.read_text().strip():
                self.port = int(self.port_file.read_text())
                return self.port
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start in {timeout:.0f} s; see {self.log_file}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait_stopped(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo data")
    parser.add_argument(
        "--replicas",
        type=int,
        default=int(os.environ.get("REPLICAS") or 1),
        help="processes of every service and of the gateway (default 1, or $REPLICAS)",
    )
    args = parser.parse_args()
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    # pgserver asks platformdirs for a runtime directory it does not need when XDG_RUNTIME_DIR
    # is unset (containers, ssh): the warning would be the first thing a newcomer reads.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

    from plumbing.devstack import start_infrastructure
    from plumbing.supervisor import Supervisor

    # SIGTERM (e.g. from a process manager) stops as cleanly as Ctrl-C; SIGINT is set too,
    # since a shell that starts us in the background has it ignored.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    parent = Parent()
    stop_with_parent()
    if parent.stopping():
        return
    for folder in ("run", "logs"):
        (DATA / folder).mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor()
    children: list[Child] = []
    infra = None
    try:
        print(f"starting the platform (data in {DATA}) ...", flush=True)
        infra = start_infrastructure(DATA, database="booking", supervisor=supervisor, report=say)
        migrate(infra.database_url)
        ports = PortMemory(DATA / "ports.json")
        mail = start_mail_sink()
        # The card provider's webhooks go to the gateway, which starts after payments: payments
        # is told the port the gateway will ask for, and restarted if it gets another one.
        webhook_port = ports.reuse("gateway") or free_port()
        base_env = {
            "DATABASE_URL": infra.database_url,
            "NATS_URL": infra.nats_url,
            "BOOKING_ENV": os.environ.get("BOOKING_ENV", "dev"),
            "PAYMENTS_WEBHOOK_URL": webhook_url(webhook_port),
            # Random per data folder, never the dev secrets in the source: anyone who can reach
            # the ports could otherwise sign a platform admin's token or a card provider's event.
            "PAYMENTS_WEBHOOK_SECRET": stack_secret(DATA, "PAYMENTS_WEBHOOK_SECRET"),
        }
        base_env.update(tracing_env())
        # The gateway's e-mails go to the local SMTP sink (gateway.notifications).
        mail_env = {"GATEWAY_SMTP_HOST": mail.host, "GATEWAY_SMTP_PORT": str(mail.port)}
        addresses = start_services(base_env, args.replicas, children, ports, report=say)
        gateway_env = {**base_env, **mail_env, **{f"{n.upper()}_ADDR": a for n, a in addresses.items()}}
        gateway_env["JWT_SECRET"] = stack_secret(DATA, "JWT_SECRET")
        # The customer e-mails link to the company sites' Find my booking (gateway.site.find_booking).
        gateway_env["GATEWAY_PUBLIC_URL"] = f"http://127.0.0.1:{webhook_port}"
        # Web Push for staff (gateway.push): the VAPID key pair made once under .data/.
        gateway_env["GATEWAY_VAPID_PRIVATE_KEY"] = vapid_private_key(DATA)
        if tracing_env():
            gateway_env["GATEWAY_TRACE_URL"] = os.environ.get("GATEWAY_TRACE_URL", JAEGER_TRACE_URL)
        gateways = start_replicas(
            "gateway", gateway_env, args.replicas, children, ports, first_port=webhook_port
        )
        if gateways[0].port != webhook_port:
            tell_payments_the_webhook_port(children, gateways[0].port)
        for child in gateways:
            say(f"{child.name:<10} HTTP on http://127.0.0.1:{child.port}")
        ports.remember(children)
        for child in children:
            supervisor.adopt(child)
        gateway_urls = [f"http://127.0.0.1:{child.port}" for child in gateways]
        demo = None
        if not args.no_demo:
            from tools.demo_data import demo_balances, load_demo_data

            # The platform admin is the one user made in the database; the rest is made over HTTP.
            demo = asyncio.run(platform_operator(infra.database_url))
            demo.update(
                asyncio.run(
                    load_demo_data(gateway_urls[0], (PLATFORM_OPERATOR_EMAIL, PLATFORM_OPERATOR_PASSWORD))
                )
            )
            demo.update(asyncio.run(demo_balances(gateway_urls[0], demo)))
            say(f"demo data  loaded: {demo['customer_email']} has {demo['wallet']} and a pass")
        print_welcome(gateway_urls, addresses, demo, infra.database_url, infra.nats_url, mail.port)
        supervise(supervisor, parent)
    except KeyboardInterrupt:
        print(f"\ngot {_signals_received[0] if _signals_received else 'SIGINT'}", flush=True)
    finally:
        # A second signal (make passing SIGTERM on, a second Ctrl-C) must not cut the stop
        # short: PostgreSQL and NATS run in sessions of their own and would be left behind.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, _note_signal)
        print("\nstopping ...", flush=True)
        # The services together first (adopted or not yet), then PostgreSQL and NATS.
        for child in reversed(children):
            child.stop()
        for child in reversed(children):
            child.wait_stopped()
        supervisor.stop_all()
        if infra is not None:
            infra.stop()
        print("stopped.", flush=True)


# `make run TRACING=1`: every process sends its spans over OTLP/HTTP to a local viewer. None can
# be installed offline without Docker (Jaeger ships no PyPI or Debian package):
# `docker compose -f deploy/compose.yaml --profile tracing up jaeger` (or any OTLP collector)
# listens on 4318, and the saga pages link each saga to Jaeger's UI.
OTLP_ENDPOINT = "http://127.0.0.1:4318"
JAEGER_TRACE_URL = "http://127.0.0.1:16686/trace/{trace_id}"


def tracing_env() -> dict[str, str]:
    if os.environ.get("TRACING", "") not in ("1", "true", "yes"):
        return {}
    return {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_ENDPOINT": os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", OTLP_ENDPOINT),
    }


PLATFORM_OPERATOR_EMAIL = "platform-ops@example.com"
PLATFORM_OPERATOR_PASSWORD = "ops12345"


async def platform_operator(database_url: str) -> dict[str, str]:
    """A platform admin (no company: dead letters hold every company's messages) and a token."""
    from gateway.auth import TokenIssuer
    from gateway.users import UserStore
    from plumbing.db import Database

    db = Database(database_url, pool_size=1)
    try:
        user = await UserStore(db).create_user(
            email=PLATFORM_OPERATOR_EMAIL, password=PLATFORM_OPERATOR_PASSWORD, role="PLATFORM_ADMIN"
        )
    finally:
        await db.close()
    secret = stack_secret(DATA, "JWT_SECRET")
    return {"platform_operator_token": TokenIssuer(secret, ttl_seconds=12 * 3600).issue(user)}


MAIL_FOLDER = DATA / "mail"


def start_mail_sink() -> MailSink:
    """A local SMTP sink (aiosmtpd) on a port the OS picks, in a thread of this process: it
    accepts every e-mail the gateway sends and writes each to .data/mail/ as an .eml file."""
    from plumbing.mailsink import MailSink

    sink = MailSink(folder=MAIL_FOLDER)
    sink.start_in_thread()
    say(f"{'mail sink':<10} SMTP on 127.0.0.1:{sink.port}, e-mails written to {shown_path(MAIL_FOLDER)}/")
    return sink


def say(line: str) -> None:
    """One step of the start-up, as it happens."""
    print(f"  {line}", flush=True)


def migrate(database_url: str) -> None:
    """Brings every schema to its newest revision, a line per schema."""
    from plumbing.migrations import migration_dirs, upgrade

    for schema, folder in migration_dirs().items():
        before = schema_revision(database_url, schema)
        upgrade(folder, database_url, schema)
        after = schema_revision(database_url, schema)
        change = "up to date" if before == after else f"migrated from {before or 'nothing'}"
        say(f"migrations {schema:<9} at {after} ({change})")


def schema_revision(database_url: str, schema: str) -> str | None:
    import psycopg

    with psycopg.connect(database_url) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", (f'"{schema}".alembic_version',)).fetchone()
        if not exists or exists[0] is None:
            return None
        # One row per head: a schema may have branches (the audit log's, plumbing.migrations).
        row = conn.execute(
            f"SELECT string_agg(version_num, '+' ORDER BY version_num) FROM \"{schema}\".alembic_version"
        ).fetchone()
    return str(row[0]) if row and row[0] else None


class PortMemory:
    """The port each process had in the last run (.data/ports.json): printed URLs, the curl
    example and bookmarks stay right across runs as long as nobody else took the port."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.last: dict[str, int] = {str(k): int(v) for k, v in json.loads(path.read_text()).items()}
        except (OSError, ValueError, AttributeError):
            self.last = {}

    @staticmethod
    def key(name: str) -> str:
        """A first replica (catalog-1) has the port of the single process (catalog), so a
        switch to REPLICAS=2 and back keeps the addresses that were printed."""
        return name.removesuffix("-1")

    def reuse(self, name: str) -> int:
        """The last run's port when it is free now, else 0 (the OS picks), said aloud."""
        port = self.last.get(self.key(name), 0)
        if port and not is_free(port):
            say(f"{name:<10} port {port} of the last run is taken by another process: the OS picks one")
            return 0
        return port

    def remember(self, children: list[Child]) -> None:
        self.last.update({self.key(child.name): child.port for child in children})
        self.path.write_text(json.dumps(self.last, indent=2, sort_keys=True) + "\n")


def replica_names(module: str, count: int) -> list[str]:
    """The processes of a module: the module's name alone, or module-1, module-2, ..."""
    return [module] if count == 1 else [f"{module}-{i}" for i in range(1, count + 1)]


def addresses_of(ports: list[int]) -> str:
    """What a *_ADDR variable carries: every replica's host:port, comma-separated."""
    return ",".join(f"127.0.0.1:{port}" for port in ports)


def start_services(
    env: dict[str, str],
    count: int,
    children: list[Child],
    ports: PortMemory,
    report: Callable[[str], None] | None = None,
) -> dict[str, str]:
    """Starts every service (`count` processes each) in SERVICES order, each told the addresses
    of those before it, and answers every service's *_ADDR value: its replicas' host:port,
    comma-separated. The catalog and the wallet ask each other: the catalog starts with the
    ports the wallet will ask for (its last run's, else free ones), and is restarted if the
    wallet gets others."""
    addresses: dict[str, str] = {}
    wallet_ports = [ports.reuse(n) or free_port() for n in replica_names("wallet", count)]
    promised = {"WALLET_ADDR": addresses_of(wallet_ports)}
    for name in SERVICES:
        peers = {f"{peer.upper()}_ADDR": address for peer, address in addresses.items()}
        if name == "catalog":
            peers.update(promised)
        replicas = start_replicas(
            name, {**env, **peers}, count, children, ports, wanted=wallet_ports if name == "wallet" else None
        )
        addresses[name] = addresses_of([child.port for child in replicas])
        if report:
            report(f"{name:<10} gRPC on {addresses[name]}")
    if addresses["wallet"] != promised["WALLET_ADDR"]:
        tell_catalog_the_wallet_address(children, addresses["wallet"])
    return addresses


def start_replicas(
    module: str,
    env: dict[str, str],
    count: int,
    children: list[Child],
    ports: PortMemory,
    first_port: int | None = None,
    wanted: list[int] | None = None,
) -> list[Child]:
    """Starts `count` processes of a module (named module-1, module-2, ... when more than one),
    on the `wanted` ports when given (a peer was started with them), else each on its last one."""
    replicas = [Child(name, module, env) for name in replica_names(module, count)]
    for index, child in enumerate(replicas):
        if wanted is not None:
            child.port = wanted[index]
        elif index == 0 and first_port is not None:
            child.port = first_port
        else:
            child.port = ports.reuse(child.name)
        start_on_its_port(child)
        children.append(child)
    return replicas


def start_on_its_port(child: Child) -> None:
    """Starts a child on the port it wants; when it cannot have it (another process took it
    after we looked), on a port the OS picks, bound by the child itself, so no race twice."""
    wanted = child.port
    try:
        child.start()
        return
    except RuntimeError:
        if not wanted:
            raise
        child.stop()
        child.wait_stopped()
    child.port = 0
    child.start()
    say(f"{child.name:<10} could not have port {wanted} (taken meanwhile?): the OS picked {child.port}")


def tell_payments_the_webhook_port(children: list[Child], port: int) -> None:
    """Payments was started with the port the gateway was to get; it got another one."""
    for child in children:
        if child.module == "payments":
            child.env = {**child.env, "PAYMENTS_WEBHOOK_URL": webhook_url(port)}
            child.stop()
            child.wait_stopped()
            child.start()  # on its own port again: bookings keeps its address
            say(f"{child.name:<10} restarted: card webhooks now go to port {port}")


def tell_catalog_the_wallet_address(children: list[Child], address: str) -> None:
    """The catalog was started with the wallet's ports to be; the wallet got others."""
    for child in children:
        if child.module == "catalog":
            child.env = {**child.env, "WALLET_ADDR": address}
            child.stop()
            child.wait_stopped()
            child.start()  # on its own port again: its callers keep its address
            say(f"{child.name:<10} restarted: the wallet is at {address}")


def vapid_private_key(data: Path) -> str:
    """GATEWAY_VAPID_PRIVATE_KEY when set, else the key pair made on the first run and kept in
    .data/vapid_private_key.pem (owner-only): a device subscribed stays subscribed across runs."""

    def made() -> str:
        from gateway.push.vapid import new_private_key_pem

        return new_private_key_pem()

    return _kept(
        "GATEWAY_VAPID_PRIVATE_KEY", data / "vapid_private_key.pem", made, "web push   VAPID key pair"
    )


def stack_secret(data: Path, variable: str) -> str:
    """The environment's `variable` when set, else a secret made on the first run and kept in
    .data/<variable lowercased> (owner-only), so tokens and sessions outlive a restart."""
    return _kept(
        variable, data / variable.lower(), lambda: secrets.token_urlsafe(48), f"{'secret':<10} {variable}"
    )


def _kept(variable: str, path: Path, make: Callable[[], str], what: str) -> str:
    """The environment's `variable` when set, else what `make` made on the first run, kept at
    `path` (owner-only from its creation: the file never holds the value readable by others)."""
    given = os.environ.get(variable)
    if given:
        return given
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(make())
        say(f"{what} made: {shown_path(path)}")
    return path.read_text()


def webhook_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/webhooks/payments/sandbox"


def is_free(port: int) -> bool:
    """Whether a listening socket could be bound to the port on 127.0.0.1 now."""
    with socket.socket() as probe:
        # As our servers bind: a port held only by closed connections (TIME_WAIT) is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


_signals_received: list[str] = []


def _note_signal(signum: int, frame: object) -> None:
    # Printed later, outside the handler: a print here could re-enter one in progress.
    _signals_received.append(signal.Signals(signum).name)


def _interrupt(signum: int, frame: object) -> None:
    _note_signal(signum, frame)
    raise KeyboardInterrupt


def supervise(supervisor: Supervisor, parent: Parent) -> None:
    """Restarts whatever dies until we are interrupted or our parent is stopping."""
    while (reason := parent.stopping()) is None:
        supervisor.check()
        time.sleep(0.2)
    print(f"\n{reason}", flush=True)


class Parent:
    """The process that started us (make, a shell): is it gone, or being stopped?

    make passes SIGTERM on to us, but on SIGINT sent to its PID alone it only waits for
    us to exit; its handler has then set SIGINT back to the default, which
    /proc/<pid>/status shows (SigCgt). So a make that stops catching a fatal signal it
    caught when we started is taken as make being stopped."""

    FATAL = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)

    def __init__(self) -> None:
        self.pid = os.getppid()
        try:
            self.is_make = Path(f"/proc/{self.pid}/comm").read_text().strip() in ("make", "gmake")
        except OSError:
            self.is_make = False
        self.caught = self._caught_fatal()

    def _caught_fatal(self) -> set[signal.Signals]:
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return set()
        caught = next(
            (int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:")), 0
        )
        return {sig for sig in self.FATAL if caught & (1 << (sig - 1))}

    def stopping(self) -> str | None:
        """Why we should stop, or None."""
        if os.getppid() != self.pid:
            return "the parent process is gone"
        if self.is_make and (lost := self.caught - self._caught_fatal()):
            return f"make got {', '.join(sorted(sig.name for sig in lost))}"
        return None


def stop_with_parent() -> None:
    """Asks Linux for SIGTERM when our parent dies (prctl PR_SET_PDEATHSIG), e.g. after
    `kill -9 <make's pid>`; elsewhere the supervision loop notices a little later."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)


def print_welcome(
    gateway_urls: list[str],
    addresses: dict[str, str],
    demo: dict[str, str] | None,
    database_url: str,
    nats_url: str,
    mail_port: int,
) -> None:
    from plumbing.devstack import without_password

    gateway_url = gateway_urls[0]
    lines = [
        "",
        "The booking platform is running. Ctrl-C stops everything.",
        "",
        f"  HTTP gateway      {'  '.join(gateway_urls)}",
        f"  API docs          {gateway_url}/docs",
        f"  Saga dashboard    {gateway_url}/ops/sagas  (log in as the company admin below)",
        f"  Dead letters      {gateway_url}/ops/dead-letters  (log in as the platform admin)",
        f"  Webhooks          {gateway_url}/ops/webhooks  (delivery log, redeliver, enable/disable)",
        f"  Push on a device  {gateway_url}/ops/push  (the console installs as an app: /ops/manifest.webmanifest)",
        f"  E-mails sent      {gateway_url}/ops/notifications",
        f"  SMTP sink         127.0.0.1:{mail_port}  (every e-mail the gateway sends; .eml files in"
        f" {shown_path(MAIL_FOLDER)}/)",
        "",
        "  gRPC services (reflection on; e.g. .venv/bin/grpcurl -plaintext ADDRESS list):",
        *(f"    {name:<9} {address}" for name, address in addresses.items()),
        "",
        f"  PostgreSQL        {without_password(database_url)}",
        f"                    {psql_command(without_password(database_url))}",
        f"  NATS JetStream    {without_password(nats_url)}",
        *(f"                    {line}" for line in nats_commands(without_password(nats_url))),
        f"  Logs              {DATA / 'logs'}  (JSON lines: trace, request and saga ids)",
    ]
    tracing = tracing_env()
    if tracing:
        lines += [
            f"  Traces            OTLP/HTTP to {tracing['OTEL_EXPORTER_OTLP_ENDPOINT']}; no viewer installs offline"
            " without Docker: docker compose -f deploy/compose.yaml --profile tracing up jaeger",
            "                    (Jaeger's UI on http://127.0.0.1:16686; each saga's page links its trace)",
        ]
    if demo:
        lines += [
            "",
            "Demo data:",
            f"  customer  {demo['customer_email']} / {demo['customer_password']}",
            f"            wallet {demo['wallet']}",
            f"            pass {demo['entitlement_id']}: {demo['pass']}",
            f"  company admin  {demo['operator_email']} / {demo['operator_password']}",
            f"  staff     {demo['staff_email']} / {demo['staff_password']}",
            f"  platform admin (dead letters)  {PLATFORM_OPERATOR_EMAIL} / {PLATFORM_OPERATOR_PASSWORD}",
            f"  session   {demo['session_id']}  ({demo['session_summary']})",
            f"  public site  {gateway_url}/site/{demo['company_id']}  (book as a guest, or sign in as the customer)",
            "",
            "Book a place and pay from the wallet:",
            "",
            f"  TOKEN=$(curl -s -X POST {gateway_url}/v1/auth/token -H 'Content-Type: application/json' \\",
            f'      -d \'{{"email": "{demo["customer_email"]}", "password": "{demo["customer_password"]}"}}\' \\',
            "      | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')",
            f'  curl -s -X POST {gateway_url}/v1/bookings -H "Authorization: Bearer $TOKEN" \\',
            "      -H 'Content-Type: application/json' -H \"Idempotency-Key: $(date +%s%N)\" \\",
            f'      -d \'{{"session_id": "{demo["session_id"]}", "quantity": 1, "payment": {{"use_wallet": true}}}}\'',
            f'  curl -s {gateway_url}/v1/bookings -H "Authorization: Bearer $TOKEN"   # PENDING, then CONFIRMED',
            f'  curl -s {gateway_url}/v1/wallet -H "Authorization: Bearer $TOKEN"',
        ]
    print("\n".join(lines), flush=True)


def psql_command(database_url: str) -> str:
    """The psql pgserver ships (the embedded server's version; no system psql needed)."""
    try:
        from pgserver._commands import POSTGRES_BIN_PATH
    except ImportError:
        return f"psql '{database_url}'"
    return f"{shown_path(POSTGRES_BIN_PATH / 'psql')} '{database_url}'"


def nats_commands(nats_url: str) -> list[str]:
    """The nats CLI when installed; else how to get it, and the same look with nats-py."""
    first = nats_url.split(",")[0]
    if shutil.which("nats"):
        return [f"nats -s {first} stream info SAGA"]
    # One line, so it can be pasted as printed; nats-py is in the virtualenv already.
    script = (
        "import asyncio, nats; run = asyncio.new_event_loop().run_until_complete;"
        f' nc = run(nats.connect("{first}")); print(run(nc.jetstream().stream_info("SAGA")).state);'
        " run(nc.close())"
    )
    return [
        f"{shown_path(Path(PYTHON))} -c '{script}'",
        f"(or nats -s {first} stream info SAGA with the nats CLI:"
        " https://github.com/nats-io/natscli#installation)",
    ]


def shown_path(path: Path) -> str:
    """Relative to the repository when inside it (shorter, and what `make run`'s cwd is)."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
