"""GetAvailability over a month for 200 resources: prints the time per call (median, p95).

    .venv/bin/python bench/availability.py [--runs 50] [--resources 200] [--days 31]

Runs on an embedded PostgreSQL and NATS (plumbing.devstack; DATABASE_URL / NATS_URL switch
to real servers, a fresh database is created and dropped), with the real catalog and
bookings servers in this process, called over gRPC on loopback.

Seeding, once, before any timing:
- through the catalog's gRPC API: one company (Europe/Berlin), the resources (a third each
  TIME_SLOT, NIGHTLY, INTERVAL), 3 sessions a day on each TIME_SLOT resource, 5 units per
  NIGHTLY resource;
- with SQL, set-based, the rows the reservation engine writes: `session_occupancy` (every
  session partly booked), bookings with their `unit_nights` (stays of 1-4 nights, about 70 %
  of unit-nights taken) and bookings with their `interval_holds` (3 rentals of 1-3 hours
  with 15-minute buffers a day per INTERVAL resource).

Timed: `--runs` calls of GetAvailability for every resource over `--days` days (after one
warm-up call, whose time is printed separately as "first call": every catalog cache is cold
then), the same with the session listings not cached (each call lists every session from
the catalog again; zones, models and units stay cached), the same with no resource ids
(the company's resources), and ListFreeSlots on one day of one INTERVAL resource. Figures
only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from grpc import aio
from sqlalchemy import text

import bookings.bootstrap
import catalog.bootstrap
from bookingplatform.bookings.v1 import bookings_pb2, bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from bookings.adapters import catalog_availability
from plumbing.db import Database
from plumbing.devstack import start_infrastructure
from plumbing.migrations import migrate_all

ZONE = "Europe/Berlin"
TZ = ZoneInfo(ZONE)
SESSIONS_PER_DAY = (9, 13, 18)  # local hours
UNITS_PER_RESOURCE = 5
RENTALS_PER_DAY = ((8, 1), (11, 3), (16, 2))  # (local start hour, hours)
BUFFER_MINUTES = 15


def local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ).astimezone(UTC)


async def gather_limited(calls, limit: int = 32) -> list:
    """Runs the calls (functions returning an awaitable), at most `limit` at a time."""
    semaphore = asyncio.Semaphore(limit)

    async def one(call):
        async with semaphore:
            return await call()

    return await asyncio.gather(*(one(call) for call in calls))


async def seed(catalog, db: Database, resources: int, first: date, days: int, rng: random.Random) -> tuple:
    company = (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="Bench", time_zone=ZONE, currency_code="EUR"
            )
        )
    ).company
    models = [
        (catalog_pb2.BOOKING_MODEL_TIME_SLOT, "TIME_SLOT"),
        (catalog_pb2.BOOKING_MODEL_NIGHTLY, "NIGHTLY"),
        (catalog_pb2.BOOKING_MODEL_INTERVAL, "INTERVAL"),
    ]
    created = await gather_limited(
        lambda n=n: catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=company.id,
                name=f"Resource {n}",
                booking_model=models[n % 3][0],
            )
        )
        for n in range(resources)
    )
    by_model: dict[str, list[str]] = {"TIME_SLOT": [], "NIGHTLY": [], "INTERVAL": []}
    for n, reply in enumerate(created):
        by_model[models[n % 3][1]].append(reply.resource.id)
    dates = [first + timedelta(days=offset) for offset in range(days)]

    def session_request(resource_id: str, day: date, hour: int):
        request = catalog_pb2.CreateSessionRequest(
            request_id=str(uuid.uuid4()),
            resource_id=resource_id,
            capacity=12,
            price=money_pb2.Money(amount_minor=1500, currency_code="EUR"),
        )
        request.start_time.FromDatetime(local(day, hour))
        request.end_time.FromDatetime(local(day, hour + 1))
        return catalog.CreateSession(request)

    sessions = await gather_limited(
        lambda resource_id=resource_id, day=day, hour=hour: session_request(resource_id, day, hour)
        for resource_id in by_model["TIME_SLOT"]
        for day in dates
        for hour in SESSIONS_PER_DAY
    )
    units = await gather_limited(
        lambda resource_id=resource_id, n=n: catalog.CreateUnit(
            catalog_pb2.CreateUnitRequest(
                request_id=str(uuid.uuid4()), resource_id=resource_id, name=f"Unit {n}"
            )
        )
        for resource_id in by_model["NIGHTLY"]
        for n in range(UNITS_PER_RESOURCE)
    )

    booking_rows: list[dict] = []
    nights: list[tuple[str, date, str, str]] = []  # unit, night, booking, resource
    for reply in units:
        unit = reply.unit
        night = first - timedelta(days=rng.randint(0, 3))
        while night < first + timedelta(days=days):
            length = rng.randint(1, 4)
            if rng.random() < 0.7:
                booking_id = str(uuid.uuid4())
                booking_rows.append(
                    booking_row(
                        booking_id,
                        company.id,
                        unit.resource_id,
                        "NIGHTLY",
                        local(night, 15),
                        local(night + timedelta(days=length), 11),
                    )
                )
                nights += [
                    (unit.id, night + timedelta(days=n), booking_id, unit.resource_id) for n in range(length)
                ]
            night += timedelta(days=length)
    holds: list[tuple[str, str, datetime, datetime]] = []  # booking, resource, lower, upper
    for resource_id in by_model["INTERVAL"]:
        for day in dates:
            for hour, hours in RENTALS_PER_DAY:
                booking_id = str(uuid.uuid4())
                start, end = local(day, hour), local(day, hour + hours)
                booking_rows.append(booking_row(booking_id, company.id, resource_id, "INTERVAL", start, end))
                buffer = timedelta(minutes=BUFFER_MINUTES)
                holds.append((booking_id, resource_id, start - buffer, end + buffer))

    async with db.transaction() as conn:
        await conn.execute(
            text(
                "INSERT INTO bookings.session_occupancy (session_id, company_id, capacity, booked) "
                "SELECT s, CAST(:company AS uuid), 12, b "
                "FROM unnest(CAST(:sessions AS uuid[]), CAST(:booked AS int[])) AS t(s, b)"
            ),
            {
                "company": company.id,
                "sessions": [reply.session.id for reply in sessions],
                "booked": [rng.randint(0, 12) for _ in sessions],
            },
        )
        await conn.execute(
            text(
                """
                INSERT INTO bookings.bookings (id, company_id, customer_id, resource_id, booking_model,
                    quantity, start_time, end_time, status, currency, base_minor, total_minor, use_wallet,
                    saga_id, free_cancellation_until, request_id, request_hash)
                SELECT id, CAST(:company AS uuid), gen_random_uuid(), resource_id, model, 1, starts, ends,
                    'CONFIRMED', 'EUR', 0, 0, true, gen_random_uuid(), starts, id::text, ''
                FROM unnest(CAST(:ids AS uuid[]), CAST(:resources AS uuid[]), CAST(:models AS text[]),
                            CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[]))
                     AS t(id, resource_id, model, starts, ends)
                """
            ),
            {
                "company": company.id,
                "ids": [row["id"] for row in booking_rows],
                "resources": [row["resource_id"] for row in booking_rows],
                "models": [row["model"] for row in booking_rows],
                "starts": [row["start"] for row in booking_rows],
                "ends": [row["end"] for row in booking_rows],
            },
        )
        await conn.execute(
            text(
                "INSERT INTO bookings.unit_nights (unit_id, night, booking_id, resource_id, company_id) "
                "SELECT u, n, b, r, CAST(:company AS uuid) "
                "FROM unnest(CAST(:units AS uuid[]), CAST(:nights AS date[]), CAST(:bookings AS uuid[]), "
                "CAST(:resources AS uuid[])) AS t(u, n, b, r)"
            ),
            {
                "company": company.id,
                "units": [row[0] for row in nights],
                "nights": [row[1] for row in nights],
                "bookings": [row[2] for row in nights],
                "resources": [row[3] for row in nights],
            },
        )
        await conn.execute(
            text(
                "INSERT INTO bookings.interval_resources (resource_id) "
                "SELECT unnest(CAST(:resources AS uuid[])) ON CONFLICT DO NOTHING"
            ),
            {"resources": by_model["INTERVAL"]},
        )
        await conn.execute(
            text(
                """
                INSERT INTO bookings.interval_holds
                    (booking_id, resource_id, resource_key, company_id, blocked)
                SELECT b, r, k.resource_key, CAST(:company AS uuid), tstzrange(lo, hi)
                FROM unnest(CAST(:bookings AS uuid[]), CAST(:resources AS uuid[]),
                            CAST(:lowers AS timestamptz[]), CAST(:uppers AS timestamptz[])) AS t(b, r, lo, hi)
                JOIN bookings.interval_resources AS k ON k.resource_id = t.r
                """
            ),
            {
                "company": company.id,
                "bookings": [row[0] for row in holds],
                "resources": [row[1] for row in holds],
                "lowers": [row[2] for row in holds],
                "uppers": [row[3] for row in holds],
            },
        )
        await conn.execute(
            text("ANALYZE bookings.session_occupancy, bookings.unit_nights, bookings.interval_holds")
        )
    counts = {
        "resources": resources,
        "sessions": len(sessions),
        "units": len(units),
        "unit nights booked": len(nights),
        "interval holds": len(holds),
    }
    return company, [resource_id for ids in by_model.values() for resource_id in ids], by_model, counts


def booking_row(
    booking_id: str, company_id: str, resource_id: str, model: str, start: datetime, end: datetime
):
    return {
        "id": booking_id,
        "company_id": company_id,
        "resource_id": resource_id,
        "model": model,
        "start": start,
        "end": end,
    }


def summary(label: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return (
        f"{label:<44} median {statistics.median(ordered) * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms   "
        f"min {ordered[0] * 1000:8.1f} ms   (n={len(ordered)})"
    )


async def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    reply = await call
    return time.perf_counter() - started, reply


async def main(runs: int, resources: int, days: int) -> None:
    rng = random.Random(42)
    default_ttl = catalog_availability.SESSIONS_TTL_SECONDS
    with tempfile.TemporaryDirectory(prefix="bp-bench-") as data_dir:
        infra = start_infrastructure(Path(data_dir), database="bench_availability", fresh=True)
        try:
            migrate_all(infra.database_url)
            catalog_service = await catalog.bootstrap.start(
                catalog.bootstrap.Settings(database_url=infra.database_url, nats_url=infra.nats_url)
            )
            booking_service = await bookings.bootstrap.start(
                bookings.bootstrap.Settings(
                    database_url=infra.database_url,
                    nats_url=infra.nats_url,
                    catalog_addr=catalog_service.address,
                )
            )
            channel = aio.insecure_channel(booking_service.address)
            catalog_channel = aio.insecure_channel(catalog_service.address)
            db = Database(infra.database_url, pool_size=4)
            try:
                stub = bookings_pb2_grpc.BookingsServiceStub(channel)
                catalog_stub = catalog_pb2_grpc.CatalogServiceStub(catalog_channel)
                first = date.today() + timedelta(days=7)
                last = first + timedelta(days=days - 1)
                seeding = time.perf_counter()
                company, resource_ids, by_model, counts = await seed(
                    catalog_stub, db, resources, first, days, rng
                )
                print(
                    f"seeded in {time.perf_counter() - seeding:.1f} s: "
                    + ", ".join(f"{v} {k}" for k, v in counts.items())
                )
                print(f"range {first} .. {last} ({days} days), company time zone {ZONE}, {runs} runs each")

                request = bookings_pb2.GetAvailabilityRequest(
                    company_id=company.id,
                    resource_ids=resource_ids,
                    start_date=first.isoformat(),
                    end_date=last.isoformat(),
                )
                cold, reply = await timed(stub.GetAvailability(request))
                cells = sum(len(resource.days) for resource in reply.resources)
                print(
                    f"{'GetAvailability, first call (cold caches)':<44} {cold * 1000:8.1f} ms   "
                    f"({len(reply.resources)} resources x {days} days = {cells} cells)"
                )
                explicit = [(await timed(stub.GetAvailability(request)))[0] for _ in range(runs)]
                print(summary(f"GetAvailability, {len(resource_ids)} resource ids", explicit))
                # The same with every session listed from the catalog again (no session cache).
                catalog_availability.SESSIONS_TTL_SECONDS = 0.0
                uncached = [(await timed(stub.GetAvailability(request)))[0] for _ in range(runs)]
                catalog_availability.SESSIONS_TTL_SECONDS = default_ttl
                print(summary("GetAvailability, sessions not cached", uncached))
                everything = bookings_pb2.GetAvailabilityRequest(
                    company_id=company.id, start_date=first.isoformat(), end_date=last.isoformat()
                )
                implicit = [(await timed(stub.GetAvailability(everything)))[0] for _ in range(runs)]
                print(summary("GetAvailability, no ids (company's resources)", implicit))
                free = bookings_pb2.ListFreeSlotsRequest(
                    resource_id=by_model["INTERVAL"][0], date=(first + timedelta(days=3)).isoformat()
                )
                slots = [(await timed(stub.ListFreeSlots(free)))[0] for _ in range(runs)]
                print(summary("ListFreeSlots, one interval resource and day", slots))
            finally:
                await db.close()
                await channel.close()
                await catalog_channel.close()
                await booking_service.stop(0.2)
                await catalog_service.stop(0.2)
        finally:
            infra.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--resources", type=int, default=200)
    parser.add_argument("--days", type=int, default=31)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, arguments.resources, arguments.days))
    sys.exit(0)
