"""What one CreateBooking costs in calls and transactions: catalog RPCs served per booking (by
method) and bookings' database transactions per booking. Counts, not times.

    .venv/bin/python bench/booking_path_counts.py [--bookings 50] [--ttl 5]

Runs on an embedded PostgreSQL and NATS (plumbing.devstack; DATABASE_URL / NATS_URL switch
to real servers, a fresh database is created and dropped), with the real catalog and
bookings servers in this process, called over gRPC on loopback as a CUSTOMER principal (so
the tenancy guard runs as it does behind the gateway). Every booking is one place of a
time-slot session paid from the wallet; no participant runs, so each saga waits on its first
step (the sweepers are slowed to once an hour: they add nothing to the counts).

Counted, per booking, in three cases (`--bookings` each):
- one session, a new customer each time (many people booking one class);
- one session, the same customer each time (one person's repeated bookings);
- a new session each time (the first booking of every session: nothing cached).

Catalog RPCs are counted where catalog serves them (its servicer's methods); bookings'
transactions are every `Database.transaction` of the bookings schema, split into those of the
request (the gRPC handler's task) and the rest (the outbox relay publishing the saga's first
command). To count another version of the code, put its source roots first on PYTHONPATH,
e.g. a `git worktree` of an older commit:

    PYTHONPATH=$W/gen:$W/libs:$W/services/bookings:$W/services/catalog \\
        .venv/bin/python bench/booking_path_counts.py

Each case also prints the median time of a CreateBooking (sequential calls on loopback, all
servers in one process: a rough figure on a busy machine). Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import functools
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from grpc import aio

import bookings.bootstrap
import catalog.bootstrap
from bookingplatform.bookings.v1 import bookings_pb2, bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from catalog.entrypoints.grpc_api import CatalogApi
from plumbing.db import Database
from plumbing.devstack import start_infrastructure
from plumbing.migrations import migrate_all
from plumbing.principal import METADATA_KEY, Principal, Role

catalog_calls: collections.Counter[str] = collections.Counter()
transactions: collections.Counter[str] = collections.Counter()
latencies: list[float] = []


def count_catalog_calls() -> None:
    """Wraps every RPC of the catalog's servicer class (before the server is built) to count it."""
    for method in catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"].methods:
        original = getattr(CatalogApi, method.name)

        @functools.wraps(original)
        async def counted(
            self: Any, request: Any, context: Any, _name: str = method.name, _f: Any = original
        ) -> Any:
            catalog_calls[_name] += 1
            return await _f(self, request, context)

        setattr(CatalogApi, method.name, counted)


def count_transactions() -> None:
    """Counts the bookings schema's transactions: of a request, or of a background task
    (named `bookings:<loop>` by plumbing.runtime)."""
    original = Database.transaction

    @contextlib.asynccontextmanager
    async def counted(self: Database) -> AsyncIterator[Any]:
        if self.schema == "bookings":
            task = asyncio.current_task()
            name = task.get_name() if task is not None else ""
            transactions["background" if name.startswith("bookings:") else "request"] += 1
        async with original(self) as conn:
            yield conn

    Database.transaction = counted  # type: ignore[method-assign]


def bookings_settings(database_url: str, nats_url: str, catalog_addr: str, ttl: float | None) -> Any:
    values: dict[str, Any] = {
        "database_url": database_url,
        "nats_url": nats_url,
        "catalog_addr": catalog_addr,
        "sweep_interval_seconds": 3600.0,
        "lifecycle_sweep_seconds": 3600.0,
    }
    names = {field.name for field in dataclasses.fields(bookings.bootstrap.Settings)}
    if ttl is not None and "catalog_cache_ttl_seconds" in names:  # older code has no cache
        values["catalog_cache_ttl_seconds"] = ttl
    return bookings.bootstrap.Settings(**values)


async def new_session(catalog_stub: Any, resource_id: str) -> Any:
    request = catalog_pb2.CreateSessionRequest(
        resource_id=resource_id,
        capacity=10_000,
        price=money_pb2.Money(amount_minor=1000, currency_code="EUR"),
    )
    request.start_time.FromDatetime(datetime.now(UTC) + timedelta(days=3))
    request.end_time.FromDatetime(datetime.now(UTC) + timedelta(days=3, hours=1))
    return (await catalog_stub.CreateSession(request)).session


async def new_customer(catalog_stub: Any, company_id: str) -> str:
    reply = await catalog_stub.CreateCustomer(
        catalog_pb2.CreateCustomerRequest(
            company_id=company_id, display_name="Bench", email=f"{uuid.uuid4().hex[:12]}@example.com"
        )
    )
    return str(reply.customer.id)


async def book(stub: Any, company_id: str, customer_id: str, session_id: str) -> None:
    me = Principal(role=Role.CUSTOMER, company_id=company_id, customer_id=customer_id)
    started = time.perf_counter()
    await stub.CreateBooking(
        bookings_pb2.CreateBookingRequest(
            request_id=str(uuid.uuid4()),
            customer_id=customer_id,
            session_id=session_id,
            quantity=1,
            payment_plan=bookings_pb2.PaymentPlan(use_wallet=True),
        ),
        metadata=[(METADATA_KEY, me.encode())],
    )
    latencies.append(time.perf_counter() - started)


async def measure(label: str, bookings_made: int, run: Any) -> None:
    await asyncio.sleep(0.5)  # the relay of the seeding's events is done
    catalog_calls.clear()
    transactions.clear()
    latencies.clear()
    await run()
    await asyncio.sleep(1.0)  # the relay publishes the last saga commands
    rpcs = sum(catalog_calls.values())
    by_method = ", ".join(
        f"{name} {count / bookings_made:.2f}" for name, count in sorted(catalog_calls.items())
    )
    print(
        f"{label:<44} catalog RPCs/booking {rpcs / bookings_made:5.2f} ({by_method or 'none'}); "
        f"bookings transactions/booking: request {transactions['request'] / bookings_made:.2f}, "
        f"background {transactions['background'] / bookings_made:.2f}; "
        f"CreateBooking p50 {statistics.median(latencies) * 1000:.1f} ms"
    )


async def main(count: int, ttl: float | None) -> None:
    count_catalog_calls()
    count_transactions()
    with tempfile.TemporaryDirectory(prefix="bp-bench-") as data_dir:
        infra = start_infrastructure(Path(data_dir), database="bench_path_counts", fresh=True)
        try:
            migrate_all(infra.database_url)
            catalog_service = await catalog.bootstrap.start(
                catalog.bootstrap.Settings(database_url=infra.database_url, nats_url=infra.nats_url)
            )
            booking_service = await bookings.bootstrap.start(
                bookings_settings(infra.database_url, infra.nats_url, catalog_service.address, ttl)
            )
            channel = aio.insecure_channel(booking_service.address)
            catalog_channel = aio.insecure_channel(catalog_service.address)
            try:
                stub = bookings_pb2_grpc.BookingsServiceStub(channel)
                catalog_stub = catalog_pb2_grpc.CatalogServiceStub(catalog_channel)
                company = (
                    await catalog_stub.CreateCompany(
                        catalog_pb2.CreateCompanyRequest(
                            name="Bench", time_zone="Europe/Berlin", currency_code="EUR"
                        )
                    )
                ).company
                resource = (
                    await catalog_stub.CreateResource(
                        catalog_pb2.CreateResourceRequest(
                            company_id=company.id,
                            name="Hall",
                            booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                        )
                    )
                ).resource
                session = await new_session(catalog_stub, resource.id)
                customers = [await new_customer(catalog_stub, company.id) for _ in range(count)]
                regular = await new_customer(catalog_stub, company.id)
                sessions = [await new_session(catalog_stub, resource.id) for _ in range(count)]
                await book(stub, company.id, regular, session.id)  # warms what the code keeps

                async def new_customers() -> None:
                    for customer in customers:
                        await book(stub, company.id, customer, session.id)

                async def same_customer() -> None:
                    for _ in range(count):
                        await book(stub, company.id, regular, session.id)

                async def new_sessions() -> None:
                    for fresh in sessions:
                        await book(stub, company.id, regular, fresh.id)

                print(f"{count} bookings per case, catalog cache TTL {ttl if ttl is not None else 'default'}")
                await measure("one session, a new customer each time", count, new_customers)
                await measure("one session, the same customer each time", count, same_customer)
                await measure("a new session each time", count, new_sessions)
            finally:
                await channel.close()
                await catalog_channel.close()
                await booking_service.stop(0.2)
                await catalog_service.stop(0.2)
        finally:
            infra.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=50)
    parser.add_argument("--ttl", type=float, default=None, help="catalog cache TTL (default: the setting's)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.bookings, arguments.ttl))
