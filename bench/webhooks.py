"""Webhooks to client apps: the time from a booking's confirmation to the signed POST reaching
a receiver (n, p50, p95, p99, max ms), bookings made one at a time and then in a burst.

    .venv/bin/python bench/webhooks.py [--bookings 50] [--burst 50]

The platform runs as `make run` runs it (one process per service and the gateway, embedded
PostgreSQL and NATS in a temporary folder, BOOKING_ENV=dev so a local receiver is allowed).
A company admin registers one endpoint for `booking.confirmed`, pointing at an HTTP receiver
in this process (answers 204 at once); a customer books sessions paid from the wallet over
the gateway. Measured per booking: the event's `created_at` (bookings' `now()` of the move
to CONFIRMED) to the receiver's arrival time (one clock: the same machine), and the 202 of
`POST /v1/bookings` to the arrival. Every delivery's signature is checked; figures only,
nothing is asserted but that every booking's webhook came, once.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from grpc import aio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import backoffice  # noqa: E402 (after the path above)


class Receiver:
    def __init__(self) -> None:
        self.arrivals: list[tuple[float, dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.arrivals.append((time.time(), dict(self.headers.items()), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def verified(secret: str, body: bytes, header: str) -> bool:
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


def summary(label: str, millis: list[float]) -> str:
    ordered = sorted(millis)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return (
        f"{label:<44} n={len(ordered):>4}  p50={statistics.median(ordered):7.1f}  "
        f"p95={pct(0.95):7.1f}  p99={pct(0.99):7.1f}  max={ordered[-1]:7.1f} ms"
    )


async def customer_token(database_url: str, company_id: str, customer_id: str) -> str:
    from gateway.auth import TokenIssuer
    from gateway.settings import DEV_JWT_SECRET
    from gateway.users import UserStore
    from plumbing.db import Database

    db = Database(database_url, pool_size=1)
    try:
        user = await UserStore(db).create_user(
            email="customer@bench.example",
            password="bench-pass-123",
            role="CUSTOMER",
            company_id=company_id,
            customer_id=customer_id,
        )
    finally:
        await db.close()
    return TokenIssuer(os.environ.get("JWT_SECRET") or DEV_JWT_SECRET, ttl_seconds=3600).issue(user)


async def run(
    addresses: dict[str, str], gateway_url: str, database_url: str, sequential: int, burst: int
) -> None:
    from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
    from bookingplatform.common.v1 import money_pb2
    from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc

    def eur(minor: int) -> money_pb2.Money:
        return money_pb2.Money(amount_minor=minor, currency_code="EUR")

    async with (
        aio.insecure_channel(addresses["catalog"]) as cc,
        aio.insecure_channel(addresses["wallet"]) as wc,
    ):
        catalog = catalog_pb2_grpc.CatalogServiceStub(cc)
        company = (
            await catalog.CreateCompany(
                catalog_pb2.CreateCompanyRequest(
                    request_id=str(uuid.uuid4()),
                    name="Bench Hooks",
                    time_zone="Europe/Berlin",
                    currency_code="EUR",
                )
            )
        ).company.id
        resource = (
            await catalog.CreateResource(
                catalog_pb2.CreateResourceRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=company,
                    name="Studio",
                    booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                )
            )
        ).resource.id
        customer = (
            await catalog.CreateCustomer(
                catalog_pb2.CreateCustomerRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=company,
                    display_name="Bench",
                    email="c@bench.example",
                )
            )
        ).customer.id
        await wallet_pb2_grpc.WalletServiceStub(wc).TopUpWallet(
            wallet_pb2.TopUpWalletRequest(
                request_id=str(uuid.uuid4()),
                company_id=company,
                customer_id=customer,
                amount=eur(100_000_000),
                balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
            )
        )
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
        sessions = []
        for n in range(sequential + burst):
            request = catalog_pb2.CreateSessionRequest(
                request_id=str(uuid.uuid4()), resource_id=resource, capacity=5, price=eur(100)
            )
            request.start_time.FromDatetime(start + timedelta(hours=n))
            request.end_time.FromDatetime(start + timedelta(hours=n, minutes=30))
            sessions.append((await catalog.CreateSession(request)).session.id)

    receiver = Receiver()
    admin = {"Authorization": f"Bearer {await backoffice.admin_token(database_url, company)}"}
    buyer = {"Authorization": f"Bearer {await customer_token(database_url, company, customer)}"}
    async with httpx.AsyncClient(base_url=gateway_url, timeout=60) as http:
        made = await http.post(
            "/v1/admin/webhooks/endpoints",
            headers={**admin, "Idempotency-Key": str(uuid.uuid4())},
            json={"url": receiver.url, "event_types": ["booking.confirmed"]},
        )
        assert made.status_code == 201, made.text
        secret = made.json()["secret"]

        async def book(session_id: str) -> tuple[str, float]:
            response = await http.post(
                "/v1/bookings",
                headers={**buyer, "Idempotency-Key": str(uuid.uuid4())},
                json={"session_id": session_id, "payment": {"use_wallet": True}},
            )
            assert response.status_code == 202, response.text
            return response.json()["id"], time.time()

        async def arrived(count: int) -> None:
            deadline = time.monotonic() + 120
            while len(receiver.arrivals) < count:
                if time.monotonic() > deadline:
                    raise SystemExit(f"only {len(receiver.arrivals)} of {count} webhooks came")
                await asyncio.sleep(0.005)

        accepted: dict[str, float] = {}
        for session_id in sessions[:sequential]:
            booking_id, at = await book(session_id)
            accepted[booking_id] = at
            await arrived(len(accepted))
        first = len(receiver.arrivals)
        for booking_id, at in await asyncio.gather(*(book(s) for s in sessions[sequential:])):
            accepted[booking_id] = at
        await arrived(len(accepted))

    phases = {"one at a time": receiver.arrivals[:first], f"a burst of {burst}": receiver.arrivals[first:]}
    seen: set[str] = set()
    for phase, arrivals in phases.items():
        from_confirmation, from_accepted = [], []
        for at, headers, body in arrivals:
            assert verified(secret, body, headers["Webhook-Signature"]), "a bad signature"
            event = json.loads(body)
            seen.add(event["data"]["booking_id"])
            from_confirmation.append((at - datetime.fromisoformat(event["created_at"]).timestamp()) * 1000)
            from_accepted.append((at - accepted[event["data"]["booking_id"]]) * 1000)
        print(summary(f"{phase}: confirmation -> webhook", from_confirmation), flush=True)
        print(summary(f"{phase}: 202 -> webhook", from_accepted), flush=True)
    assert seen == set(accepted) and len(receiver.arrivals) == len(accepted), "a webhook missing or twice"
    print(f"{len(accepted)} bookings, {len(receiver.arrivals)} webhooks, every signature valid", flush=True)
    where_the_time_goes(database_url)


def where_the_time_goes(database_url: str) -> None:
    """The two legs, from the gateway's tables: bookings' event (relay, NATS, the gateway's
    consumer) until it is stored, and stored until the POST's answer is recorded."""
    import psycopg

    legs = {
        "event: confirmation -> stored in the gateway": (
            "SELECT extract(epoch FROM received_at - occurred_at) * 1000 FROM gateway.webhook_events"
        ),
        "delivery: stored -> first attempt recorded": (
            "SELECT extract(epoch FROM a.attempted_at - d.created_at) * 1000 FROM gateway.webhook_deliveries d"
            " JOIN gateway.webhook_attempts a ON a.delivery_id = d.id AND a.attempt = 1"
        ),
    }
    with psycopg.connect(database_url) as conn:
        for label, sql in legs.items():
            print(summary(label, [float(row[0]) for row in conn.execute(sql)]), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bookings", type=int, default=50, help="one at a time")
    parser.add_argument("--burst", type=int, default=50, help="then this many at once")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="bp-bench-"))
    os.environ["BOOKING_DATA_DIR"] = str(data)
    from plumbing.devstack import start_infrastructure
    from plumbing.migrations import migrate_all
    from tools import stack

    infra = start_infrastructure(data, database="bench_webhooks", fresh=True)
    children: list[stack.Child] = []
    finished = False
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
        ports = stack.PortMemory(data / "ports.json")
        addresses = stack.start_services(env, 1, children, ports)
        peers = {f"{name.upper()}_ADDR": address for name, address in addresses.items()}
        gateway = stack.start_replicas("gateway", {**env, **peers}, 1, children, ports)[0]
        asyncio.run(
            run(addresses, f"http://127.0.0.1:{gateway.port}", infra.database_url, args.bookings, args.burst)
        )
        finished = True
    finally:
        for child in reversed(children):
            child.stop()
        for child in reversed(children):
            child.wait_stopped()
        infra.stop()
        if finished:
            shutil.rmtree(data, ignore_errors=True)
        else:
            print(f"the processes' logs are in {data / 'logs'}", file=sys.stderr)


if __name__ == "__main__":
    main()
