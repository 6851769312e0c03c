"""Confirmed bookings per second through the HTTP gateway with the full wallet saga, and the
create -> confirmed latency, against a single-transaction "monolith" baseline measured in the
same run (docs/architecture.md "Speed"). The ratio is the figure that counts.

    .venv/bin/python bench/booking_throughput.py [--seconds 20] [--clients 32] [--replicas 1]

The platform runs as `make run` runs it (one process per service and per gateway replica,
embedded PostgreSQL and NATS in a temporary folder; DATABASE_URL / NATS_URL switch to real
servers). Load: `--clients` concurrent HTTP clients booking one place each, paid from the
wallet, for `--seconds`. Latency is read from the database (created_at -> the CONFIRMED
update). The baseline does place + booking + wallet debit + ledger entry in one transaction
with 16 connections. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from grpc import aio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def seed(addresses: dict[str, str], database_url: str, customers: int) -> tuple[list[str], list[str]]:
    """A company with 40 big sessions and `customers` customers with money; their tokens."""
    from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
    from bookingplatform.common.v1 import money_pb2
    from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc
    from gateway.auth import TokenIssuer
    from gateway.settings import DEV_JWT_SECRET
    from gateway.users import UserStore
    from plumbing.db import Database

    eur = lambda minor: money_pb2.Money(amount_minor=minor, currency_code="EUR")  # noqa: E731
    async with (
        aio.insecure_channel(addresses["catalog"]) as cc,
        aio.insecure_channel(addresses["wallet"]) as wc,
    ):
        catalog = catalog_pb2_grpc.CatalogServiceStub(cc)
        wallet = wallet_pb2_grpc.WalletServiceStub(wc)
        company = (
            await catalog.CreateCompany(
                catalog_pb2.CreateCompanyRequest(name="Bench", time_zone="UTC", currency_code="EUR")
            )
        ).company
        resource = (
            await catalog.CreateResource(
                catalog_pb2.CreateResourceRequest(
                    company_id=company.id, name="Hall", booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT
                )
            )
        ).resource
        sessions = []
        for number in range(40):
            start = datetime.now(UTC) + timedelta(days=2, hours=number)
            request = catalog_pb2.CreateSessionRequest(
                resource_id=resource.id, capacity=100_000, price=eur(100)
            )
            request.start_time.FromDatetime(start)
            request.end_time.FromDatetime(start + timedelta(hours=1))
            sessions.append((await catalog.CreateSession(request)).session.id)
        db = Database(database_url, pool_size=2)
        store = UserStore(db)
        issuer = TokenIssuer(os.environ.get("JWT_SECRET") or DEV_JWT_SECRET, ttl_seconds=3600)
        tokens = []
        for number in range(customers):
            customer = (
                await catalog.CreateCustomer(
                    catalog_pb2.CreateCustomerRequest(
                        company_id=company.id, display_name=f"C{number}", email=f"c{number}@bench.example"
                    )
                )
            ).customer
            await wallet.TopUpWallet(
                wallet_pb2.TopUpWalletRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=company.id,
                    customer_id=customer.id,
                    amount=eur(100_000_000),
                    balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
                )
            )
            user = await store.create_user(
                email=f"c{number}@bench.example",
                password="bench-pass",
                role="CUSTOMER",
                company_id=company.id,
                customer_id=customer.id,
            )
            tokens.append(issuer.issue(user))
        await db.close()
    return sessions, tokens


class KeepAliveClient:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams: the load generator shares
    the 2 cores with the platform, and httpx alone would eat one of them."""

    def __init__(self, url: str, token: str) -> None:
        self.host, port = url.removeprefix("http://").split(":")
        self.port = int(port)
        self.token = token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {self.token}\r\n"
            f"Idempotency-Key: {uuid.uuid4()}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def load(
    gateway_urls: list[str], sessions: list[str], tokens: list[str], clients: int, seconds: float
) -> int:
    deadline = time.monotonic() + seconds
    sent = 0

    async def client(number: int) -> None:
        nonlocal sent
        http = KeepAliveClient(gateway_urls[number % len(gateway_urls)], tokens[number % len(tokens)])
        try:
            while time.monotonic() < deadline:
                body = json.dumps(
                    {
                        "session_id": sessions[sent % len(sessions)],
                        "quantity": 1,
                        "payment": {"use_wallet": True},
                    }
                ).encode()
                status, answer = await http.post("/v1/bookings", body)
                if status != 202:
                    raise RuntimeError(answer.decode())
                sent += 1
        finally:
            await http.close()

    await asyncio.gather(*(client(number) for number in range(clients)))
    return sent


def confirmed_figures(database_url: str, sent: int, timeout: float = 120.0) -> tuple[float, list[float]]:
    """Waits for every saga to finish; (confirmed per second, latencies in ms)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pending = conn.execute(
                "SELECT count(*) FROM bookings.bookings WHERE status = 'PENDING'"
            ).fetchone()
            if pending and pending[0] == 0:
                break
            time.sleep(0.5)
        rows = conn.execute(
            "SELECT created_at, updated_at FROM bookings.bookings WHERE status = 'CONFIRMED' ORDER BY created_at"
        ).fetchall()
        # Where the time goes: the wallet command's wait from the booking's transaction to
        # the reply's (relay + JetStream + wallet + its relay), then on to the confirmation.
        gaps = conn.execute(
            """
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.created_at - b.created_at)),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM b.updated_at - r.created_at))
            FROM bookings.bookings b
            JOIN bookings.saga_steps r ON r.saga_id = b.saga_id AND r.kind = 'reply' AND r.step = 'wallet'
            WHERE b.status = 'CONFIRMED'
            """
        ).fetchone()
        if gaps and gaps[0] is not None:
            print(
                f"  median: created -> wallet reply applied {gaps[0] * 1000:.0f} ms, "
                f"reply -> confirmed {gaps[1] * 1000:.0f} ms"
            )
    if not rows:
        return 0.0, []
    span = (max(r[1] for r in rows) - rows[0][0]).total_seconds()
    latencies = [(updated - created).total_seconds() * 1000 for created, updated in rows]
    return len(rows) / span, latencies


async def monolith(database_url: str, seconds: float, connections: int = 16) -> float:
    """Place + booking + wallet debit + ledger entry in one transaction: the baseline."""
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as setup:
        await setup.execute(
            """
            DROP SCHEMA IF EXISTS monolith CASCADE; CREATE SCHEMA monolith;
            CREATE TABLE monolith.sessions (id int PRIMARY KEY, capacity int, booked int CHECK (booked <= capacity));
            CREATE TABLE monolith.wallets (id int PRIMARY KEY, balance bigint CHECK (balance >= 0));
            CREATE TABLE monolith.bookings (id uuid PRIMARY KEY, session_id int, wallet_id int,
                amount bigint, status text, created_at timestamptz DEFAULT now());
            CREATE TABLE monolith.ledger (id bigserial PRIMARY KEY, wallet_id int, booking_id uuid, amount bigint);
            INSERT INTO monolith.sessions SELECT g, 1000000, 0 FROM generate_series(1, 40) g;
            INSERT INTO monolith.wallets SELECT g, 100000000 FROM generate_series(1, 64) g;
            """
        )
    deadline = time.monotonic() + seconds
    done = 0

    async def worker(number: int) -> None:
        nonlocal done
        async with await psycopg.AsyncConnection.connect(database_url) as conn:
            while time.monotonic() < deadline:
                booking = uuid.uuid4()
                async with conn.transaction():
                    await conn.execute(
                        "UPDATE monolith.sessions SET booked = booked + 1 WHERE id = %s AND booked + 1 <= capacity",
                        (done % 40 + 1,),
                    )
                    await conn.execute(
                        "UPDATE monolith.wallets SET balance = balance - 100 WHERE id = %s AND balance >= 100",
                        (number % 64 + 1,),
                    )
                    await conn.execute(
                        "INSERT INTO monolith.bookings VALUES (%s, %s, %s, 100, 'CONFIRMED')",
                        (booking, done % 40 + 1, number % 64 + 1),
                    )
                    await conn.execute(
                        "INSERT INTO monolith.ledger (wallet_id, booking_id, amount) VALUES (%s, %s, -100)",
                        (number % 64 + 1, booking),
                    )
                done += 1

    started = time.monotonic()
    await asyncio.gather(*(worker(number) for number in range(connections)))
    return done / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--replicas", type=int, default=1)
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="bp-bench-"))
    os.environ["BOOKING_DATA_DIR"] = str(data)
    from plumbing.devstack import start_infrastructure
    from plumbing.migrations import migrate_all
    from tools import stack

    infra = start_infrastructure(data, database="bench", fresh=True)
    children: list[stack.Child] = []
    try:
        for folder in ("run", "logs"):
            (data / folder).mkdir(parents=True, exist_ok=True)
        migrate_all(infra.database_url)
        env = {
            "DATABASE_URL": infra.database_url,
            "NATS_URL": infra.nats_url,
            "BOOKING_ENV": "dev",
            "LOG_LEVEL": "WARNING",
        }
        ports = stack.PortMemory(data / "ports.json")  # no file: every port from the OS
        addresses: dict[str, str] = {}
        for name in stack.SERVICES:
            peers = {f"{peer.upper()}_ADDR": address for peer, address in addresses.items()}
            replicas = stack.start_replicas(name, {**env, **peers}, args.replicas, children, ports)
            addresses[name] = ",".join(f"127.0.0.1:{child.port}" for child in replicas)
        peers = {f"{name.upper()}_ADDR": address for name, address in addresses.items()}
        gateways = stack.start_replicas("gateway", {**env, **peers}, args.replicas, children, ports)
        gateway_urls = [f"http://127.0.0.1:{child.port}" for child in gateways]
        first = {name: address.split(",")[0] for name, address in addresses.items()}
        sessions, tokens = asyncio.run(seed(first, infra.database_url, customers=args.clients))

        sent = asyncio.run(load(gateway_urls, sessions, tokens, args.clients, args.seconds))
        rate, latencies = confirmed_figures(infra.database_url, sent)
        baseline = asyncio.run(monolith(infra.database_url, args.seconds))
        quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
        print(
            f"platform: {sent} bookings sent by {args.clients} clients in {args.seconds:.0f} s "
            f"({args.replicas} replica(s) of each process)"
        )
        print(f"  confirmed: {len(latencies)}, {rate:.0f} confirmed bookings/s")
        print(f"  create->confirmed: p50 {quantiles[49]:.0f} ms, p99 {quantiles[98]:.0f} ms")
        print(f"monolith baseline: {baseline:.0f} bookings/s (one transaction, 16 connections)")
        print(f"ratio platform/monolith: {rate / baseline:.2f}")
    finally:
        for child in reversed(children):
            child.stop()
        for child in reversed(children):
            child.wait_stopped()
        infra.stop()


if __name__ == "__main__":
    main()
