"""E-mail notifications: the time from a booking's confirmation to its e-mail reaching an SMTP
server (n, p50, p95, p99, max ms), bookings made one at a time and then in a burst.

    .venv/bin/python bench/notifications.py [--bookings 30] [--burst 30]

The platform runs as `make run` runs it (one process per service and the gateway, embedded
PostgreSQL and NATS in a temporary folder), the gateway sending to a local SMTP sink in this
process (plumbing.mailsink). A customer books sessions paid from the wallet over the gateway.
Measured per booking, for the customer's e-mail: the event's time (bookings' `now()` of the
move to CONFIRMED, kept as the message row's `occurred_at`) to the sink's arrival time (one
clock: the same machine), and the 202 of `POST /v1/bookings` to the arrival; then the legs
from the gateway's table. Figures only; nothing is asserted but that every booking's e-mail
came, once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from grpc import aio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SINK: Any = None  # the SMTP sink (plumbing.mailsink.MailSink), started by main()


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
                    name="Bench Mail",
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

    from plumbing.mailsink import MailSink

    sink: MailSink = SINK
    buyer = {"Authorization": f"Bearer {await customer_token(database_url, company, customer)}"}
    address = "c@bench.example"
    async with httpx.AsyncClient(base_url=gateway_url, timeout=60) as http:

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
            while len(sink.to(address)) < count:
                if time.monotonic() > deadline:
                    raise SystemExit(f"only {len(sink.to(address))} of {count} e-mails came")
                await asyncio.sleep(0.005)

        accepted: dict[str, float] = {}
        for session_id in sessions[:sequential]:
            booking_id, at = await book(session_id)
            accepted[booking_id] = at
            await arrived(len(accepted))
        first = len(sink.to(address))
        for booking_id, at in await asyncio.gather(*(book(s) for s in sessions[sequential:])):
            accepted[booking_id] = at
        await arrived(len(accepted))

    rows = message_rows(database_url)
    mails = sink.to(address)
    phases = {"one at a time": mails[:first], f"a burst of {burst}": mails[first:]}
    seen: set[str] = set()
    for phase, arrivals in phases.items():
        from_confirmation, from_accepted = [], []
        for mail in arrivals:
            row_id = str(mail.message["Message-ID"]).strip().removeprefix("<notification-").split("@")[0]
            booking_id, occurred_at = rows[row_id]
            seen.add(booking_id)
            from_confirmation.append((mail.at - occurred_at) * 1000)
            from_accepted.append((mail.at - accepted[booking_id]) * 1000)
        print(summary(f"{phase}: confirmation -> e-mail", from_confirmation), flush=True)
        print(summary(f"{phase}: 202 -> e-mail", from_accepted), flush=True)
    assert seen == set(accepted) and len(mails) == len(accepted), "an e-mail missing or twice"
    print(f"{len(accepted)} bookings, {len(mails)} e-mails", flush=True)
    where_the_time_goes(database_url)


def message_rows(database_url: str) -> dict[str, tuple[str, float]]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        found = conn.execute(
            "SELECT id::text, booking_id::text, extract(epoch FROM occurred_at)"
            " FROM gateway.notification_messages WHERE audience = 'CUSTOMER'"
        )
        return {row[0]: (row[1], float(row[2])) for row in found}


def where_the_time_goes(database_url: str) -> None:
    """The two legs, from the gateway's table: bookings' event (relay, NATS, the gateway's
    consumer reading the booking, company, resource and customer) until the row is written,
    and written until the SMTP server accepted it."""
    import psycopg

    legs = {
        "confirmation -> message row written": (
            "SELECT extract(epoch FROM created_at - occurred_at) * 1000 FROM gateway.notification_messages"
            " WHERE audience = 'CUSTOMER'"
        ),
        "message row written -> SMTP accepted": (
            "SELECT extract(epoch FROM sent_at - created_at) * 1000 FROM gateway.notification_messages"
            " WHERE audience = 'CUSTOMER'"
        ),
    }
    with psycopg.connect(database_url) as conn:
        for label, sql in legs.items():
            print(summary(label, [float(row[0]) for row in conn.execute(sql)]), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bookings", type=int, default=30, help="one at a time")
    parser.add_argument("--burst", type=int, default=30, help="then this many at once")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="bp-bench-"))
    os.environ["BOOKING_DATA_DIR"] = str(data)
    from plumbing.devstack import start_infrastructure
    from plumbing.migrations import migrate_all
    from tools import stack

    infra = start_infrastructure(data, database="bench_notifications", fresh=True)
    from plumbing.mailsink import MailSink

    global SINK
    SINK = MailSink()
    SINK.start_in_thread()
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
        mail = {"GATEWAY_SMTP_HOST": SINK.host, "GATEWAY_SMTP_PORT": str(SINK.port)}
        gateway = stack.start_replicas("gateway", {**env, **peers, **mail}, 1, children, ports)[0]
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
