"""The business console's calendar at scale: the time to render the month heatmap and a day
view through the HTTP gateway with 100,000 bookings of one company in the database (n, p50,
p95, p99 ms).

    .venv/bin/python bench/console_calendar.py [--bookings 100000] [--runs 30]

The platform runs as `make run` runs it (one process per service and the gateway, embedded
PostgreSQL and NATS in a temporary folder), like bench/console.py. Seeded once, before any
timing:
- through the catalog's gRPC API: one company (Europe/Berlin) with 20 TIME_SLOT resources,
  4 NIGHTLY resources of 10 units each and 8 INTERVAL resources;
- with set-based SQL straight into the services' own tables, the rows the services write:
  20,000 customers, 3 sessions a day of 10 places per time-slot resource over 360 days (180
  back, 180 ahead), and `--bookings` bookings over those days with their sagas: 70 % places
  in the sessions (with `session_occupancy`), 10 % one-night stays (`unit_nights`, one unit a
  night at most) and 20 % one-hour rentals (`interval_holds`, never overlapping); 10 % of
  them cancelled (holding nothing), the past ones completed, the coming ones confirmed;
- one STAFF account of the company (its token signs every request).

Timed, sequentially, `--runs` requests per page after 5 warm-up ones, each the whole HTML
page: the month heatmap of the whole company (this month, and another month each request),
of one resource, and the day view of a day (every resource, about bookings / 360 bookings)
and of one time-slot resource. Then the EXPLAIN (ANALYZE, BUFFERS) summary of the heatmap's
queries in bookings (sessions' places, unit-nights, interval minutes) and of the day's
bookings. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import psycopg
from grpc import aio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import backoffice  # noqa: E402 (after the path above)

ZONE = ZoneInfo("Europe/Berlin")
SLOT_RESOURCES = 20
NIGHTLY_RESOURCES = 4
UNITS_PER_RESOURCE = 10
INTERVAL_RESOURCES = 8
CUSTOMERS = 20_000
DAYS_BACK = 180
DAYS = 360
SESSIONS_PER_DAY = 3  # at 08:00, 12:00 and 17:00 UTC
CAPACITY = 10
HOURS = 12  # interval rentals from 07:00 to 19:00 UTC, one hour each
SHARES = {"TIME_SLOT": 0.7, "NIGHTLY": 0.1, "INTERVAL": 0.2}


async def create_catalog(catalog_addr: str) -> tuple[str, dict[str, list[str]], dict[str, list[str]]]:
    """The company, its resources by model, and the units of each nightly resource."""
    from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc

    models = {
        "TIME_SLOT": (catalog_pb2.BOOKING_MODEL_TIME_SLOT, SLOT_RESOURCES, "Class room"),
        "NIGHTLY": (catalog_pb2.BOOKING_MODEL_NIGHTLY, NIGHTLY_RESOURCES, "Cabin type"),
        "INTERVAL": (catalog_pb2.BOOKING_MODEL_INTERVAL, INTERVAL_RESOURCES, "Court"),
    }
    async with aio.insecure_channel(catalog_addr) as channel:
        catalog = catalog_pb2_grpc.CatalogServiceStub(channel)
        company = (
            await catalog.CreateCompany(
                catalog_pb2.CreateCompanyRequest(
                    request_id=str(uuid.uuid4()),
                    name="Bench Calendar",
                    time_zone="Europe/Berlin",
                    currency_code="EUR",
                )
            )
        ).company.id
        resources: dict[str, list[str]] = {}
        for model, (value, count, name) in models.items():
            resources[model] = [
                (
                    await catalog.CreateResource(
                        catalog_pb2.CreateResourceRequest(
                            request_id=str(uuid.uuid4()),
                            company_id=company,
                            name=f"{name} {number + 1:02d}",
                            booking_model=value,
                        )
                    )
                ).resource.id
                for number in range(count)
            ]
        units: dict[str, list[str]] = {}
        for resource_id in resources["NIGHTLY"]:
            units[resource_id] = [
                (
                    await catalog.CreateUnit(
                        catalog_pb2.CreateUnitRequest(
                            request_id=str(uuid.uuid4()), resource_id=resource_id, name=f"Unit {number + 1}"
                        )
                    )
                ).unit.id
                for number in range(UNITS_PER_RESOURCE)
            ]
    return company, resources, units


def split(total: int) -> dict[str, int]:
    """Bookings per model: the shares, each within what the model can hold (the rest goes to
    the sessions)."""
    nightly = min(int(total * SHARES["NIGHTLY"]), NIGHTLY_RESOURCES * UNITS_PER_RESOURCE * DAYS)
    interval = min(int(total * SHARES["INTERVAL"]), INTERVAL_RESOURCES * DAYS * HOURS)
    slots = min(total - nightly - interval, SLOT_RESOURCES * SESSIONS_PER_DAY * DAYS * CAPACITY)
    return {"TIME_SLOT": slots, "NIGHTLY": nightly, "INTERVAL": interval}


def seed_sql(
    database_url: str, company: str, resources: dict[str, list[str]], units: dict[str, list[str]], total: int
) -> dict[str, int]:
    counts = split(total)
    first_day = datetime.now(UTC).date() - timedelta(days=DAYS_BACK)
    unit_rows = [(unit, resource) for resource, listed in units.items() for unit in listed]
    with psycopg.connect(database_url) as conn:
        conn.execute(
            """
            INSERT INTO catalog.customers (id, request_id, company_id, display_name, email, guest,
                                           created_at, phone, version)
            SELECT gen_random_uuid(), gen_random_uuid()::text, %(company)s,
                   (%(first)s::text[])[1 + (g * 7) %% %(nf)s] || ' ' || (%(last)s::text[])[1 + (g * 13 / 7) %% %(nl)s],
                   'guest.' || g || '@bench.example', false, now() - make_interval(mins => g), NULL, 1
            FROM generate_series(1, %(count)s) AS g
            """,
            {
                "company": company,
                "count": CUSTOMERS,
                "first": backoffice.FIRST_NAMES,
                "last": backoffice.LAST_NAMES,
                "nf": len(backoffice.FIRST_NAMES),
                "nl": len(backoffice.LAST_NAMES),
            },
        )
        conn.execute(
            """
            CREATE TEMPORARY TABLE people ON COMMIT DROP AS
            SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn
            FROM catalog.customers WHERE company_id = %(company)s
            """,
            {"company": company},
        )
        # What CreateSession writes: 3 a day per time-slot resource.
        conn.execute(
            """
            INSERT INTO catalog.sessions (id, request_id, company_id, resource_id, start_time, end_time,
                                          capacity, price_amount_minor, price_currency, status, created_at,
                                          version)
            SELECT gen_random_uuid(), gen_random_uuid()::text, %(company)s, r.id, t.starts,
                   t.starts + interval '1 hour', %(capacity)s, 1500, 'EUR', 'OPEN', now() - interval '400 days', 1
            FROM unnest(%(resources)s::uuid[]) AS r(id)
            CROSS JOIN generate_series(0, %(days)s - 1) AS d
            CROSS JOIN unnest(ARRAY[8, 12, 17]) AS h
            CROSS JOIN LATERAL (
                SELECT (CAST(%(first)s AS date) + d + make_interval(hours => h)) AT TIME ZONE 'UTC' AS starts
            ) AS t
            """,
            {
                "company": company,
                "capacity": CAPACITY,
                "resources": resources["TIME_SLOT"],
                "days": DAYS,
                "first": first_day,
            },
        )
        # The bookings: places in sessions (spread evenly), one-night stays (each unit-night
        # at most once: a stride coprime with their number), one-hour rentals (likewise).
        conn.execute(
            """
            CREATE TEMPORARY TABLE picked ON COMMIT DROP AS
            WITH s AS (
                SELECT id, resource_id, start_time, end_time, row_number() OVER (ORDER BY start_time, id) - 1 AS rn
                FROM catalog.sessions WHERE company_id = %(company)s
            ), n AS (SELECT count(*) AS n FROM s), slots AS (
                SELECT g, 'TIME_SLOT' AS model, s.resource_id, s.id AS session_id, NULL::uuid AS unit_id,
                       s.start_time, s.end_time, NULL::date AS night
                FROM generate_series(0, %(slots)s - 1) AS g
                CROSS JOIN n
                JOIN s ON s.rn = (g::bigint * 7919) %% n.n
            ), units AS (
                SELECT u.unit_id::uuid AS unit_id, u.resource_id::uuid AS resource_id,
                       row_number() OVER () - 1 AS rn
                FROM unnest(%(unit_ids)s::text[], %(unit_resources)s::text[]) AS u(unit_id, resource_id)
            ), nights AS (
                SELECT g, 'NIGHTLY' AS model, units.resource_id, NULL::uuid AS session_id, units.unit_id,
                       ((CAST(%(first)s AS date) + k.day) + time '15:00') AT TIME ZONE 'Europe/Berlin',
                       ((CAST(%(first)s AS date) + k.day + 1) + time '11:00') AT TIME ZONE 'Europe/Berlin',
                       CAST(%(first)s AS date) + k.day
                FROM generate_series(0, %(nights)s - 1) AS g
                CROSS JOIN LATERAL (SELECT (g::bigint * 7919) %% %(unit_nights)s AS cell) AS c
                CROSS JOIN LATERAL (SELECT (c.cell / %(unit_count)s)::int AS day,
                                           c.cell %% %(unit_count)s AS unit_rn) AS k
                JOIN units ON units.rn = k.unit_rn
            ), courts AS (
                SELECT id::uuid AS resource_id, row_number() OVER () - 1 AS rn
                FROM unnest(%(interval_ids)s::text[]) AS id
            ), rentals AS (
                SELECT g, 'INTERVAL' AS model, courts.resource_id, NULL::uuid AS session_id, NULL::uuid,
                       (CAST(%(first)s AS date) + k.day + make_interval(hours => 7 + k.hour)) AT TIME ZONE 'UTC',
                       (CAST(%(first)s AS date) + k.day + make_interval(hours => 8 + k.hour)) AT TIME ZONE 'UTC',
                       NULL::date
                FROM generate_series(0, %(rentals)s - 1) AS g
                CROSS JOIN LATERAL (SELECT (g::bigint * 7919) %% %(interval_cells)s AS cell) AS c
                CROSS JOIN LATERAL (SELECT (c.cell / (%(courts)s * %(hours)s))::int AS day,
                                           (c.cell / %(hours)s) %% %(courts)s AS court_rn,
                                           (c.cell %% %(hours)s)::int AS hour) AS k
                JOIN courts ON courts.rn = k.court_rn
            ), every AS (
                SELECT * FROM slots UNION ALL SELECT * FROM nights UNION ALL SELECT * FROM rentals
            )
            SELECT gen_random_uuid() AS id, gen_random_uuid() AS saga_id, every.model, every.resource_id,
                   every.session_id, every.unit_id, every.start_time, every.end_time, every.night,
                   people.id AS customer_id,
                   CASE
                       WHEN (every.g * 31) %% 100 < 10 THEN 'CANCELLED'
                       WHEN every.start_time > now() THEN 'CONFIRMED'
                       ELSE 'COMPLETED'
                   END AS status,
                   least(every.start_time, now()) - make_interval(hours => 1 + (every.g %% 500)::int) AS created_at
            FROM every
            JOIN people ON people.rn = (every.g::bigint * 104729 + length(every.model)) %% %(customers)s
            """,
            {
                "company": company,
                "first": first_day,
                "slots": counts["TIME_SLOT"],
                "nights": counts["NIGHTLY"],
                "rentals": counts["INTERVAL"],
                "unit_ids": [u for u, _ in unit_rows],
                "unit_resources": [r for _, r in unit_rows],
                "unit_count": len(unit_rows),
                "unit_nights": len(unit_rows) * DAYS,
                "interval_ids": resources["INTERVAL"],
                "courts": INTERVAL_RESOURCES,
                "hours": HOURS,
                "interval_cells": INTERVAL_RESOURCES * DAYS * HOURS,
                "customers": CUSTOMERS,
            },
        )
        conn.execute(
            """
            INSERT INTO bookings.bookings (id, company_id, customer_id, resource_id, session_id, unit_id,
                booking_model, quantity, start_time, end_time, status, currency, base_minor, total_minor,
                use_wallet, wallet_debited_minor, saga_id, free_cancellation_until, cancellation_windows,
                checked_in_at, quote_lines, check_in_date, check_out_date, request_id, request_hash,
                created_at, updated_at)
            SELECT id, %(company)s, customer_id, resource_id, session_id, unit_id, model, 1, start_time,
                   end_time, status, 'EUR', 1500, 1500, true, 1500, saga_id, start_time - interval '1 day',
                   '[]'::jsonb, CASE WHEN status = 'COMPLETED' THEN start_time END,
                   '[["booked", 1, 1500]]'::jsonb, night, night + 1, id::text, md5(id::text), created_at,
                   created_at
            FROM picked
            """,
            {"company": company},
        )
        conn.execute(
            """
            INSERT INTO bookings.sagas (id, booking_id, company_id, kind, state, data, created_at, updated_at)
            SELECT saga_id, id, %(company)s, 'booking', 'COMPLETED', '{}'::jsonb, created_at, created_at
            FROM picked
            """,
            {"company": company},
        )
        conn.execute(
            """
            INSERT INTO bookings.refund_requests (booking_id, saga_id, percent, card_minor, wallet_minor,
                                                  credits, status, created_at, updated_at)
            SELECT id, gen_random_uuid(), 100, 0, 1500, 0, 'REFUNDED', created_at, created_at
            FROM picked WHERE status = 'CANCELLED'
            """
        )
        # What a held place, night or period leaves (a cancelled booking holds nothing).
        conn.execute(
            """
            INSERT INTO bookings.session_occupancy (session_id, company_id, capacity, booked)
            SELECT s.id, s.company_id, s.capacity,
                   count(p.id) FILTER (WHERE p.status IN ('CONFIRMED', 'COMPLETED'))
            FROM catalog.sessions AS s LEFT JOIN picked AS p ON p.session_id = s.id
            WHERE s.company_id = %(company)s
            GROUP BY s.id, s.company_id, s.capacity
            """,
            {"company": company},
        )
        conn.execute(
            """
            INSERT INTO bookings.unit_nights (unit_id, night, booking_id, resource_id, company_id)
            SELECT unit_id, night, id, resource_id, %(company)s
            FROM picked WHERE model = 'NIGHTLY' AND status <> 'CANCELLED'
            """,
            {"company": company},
        )
        conn.execute(
            "INSERT INTO bookings.interval_resources (resource_id) SELECT unnest(%(ids)s::uuid[]) "
            "ON CONFLICT DO NOTHING",
            {"ids": resources["INTERVAL"]},
        )
        conn.execute(
            """
            INSERT INTO bookings.interval_holds (booking_id, resource_id, resource_key, company_id, blocked)
            SELECT p.id, p.resource_id, r.resource_key, %(company)s, tstzrange(p.start_time, p.end_time)
            FROM picked AS p JOIN bookings.interval_resources AS r ON r.resource_id = p.resource_id
            WHERE p.model = 'INTERVAL' AND p.status <> 'CANCELLED'
            """,
            {"company": company},
        )
        conn.execute(
            """
            INSERT INTO bookings.customer_active_bookings (customer_id, resource_id, active)
            SELECT customer_id, resource_id, count(*) FROM picked WHERE status = 'CONFIRMED'
            GROUP BY customer_id, resource_id
            """
        )
        conn.commit()
        conn.autocommit = True
        for table in (
            "catalog.customers",
            "catalog.sessions",
            "bookings.bookings",
            "bookings.sagas",
            "bookings.session_occupancy",
            "bookings.unit_nights",
            "bookings.interval_holds",
        ):
            conn.execute(f"VACUUM ANALYZE {table}")
        rows = conn.execute(
            "SELECT booking_model, count(*) FROM bookings.bookings WHERE company_id = %s GROUP BY 1 ORDER BY 1",
            (company,),
        ).fetchall()
    return {str(model): int(count) for model, count in rows}


async def staff_token(database_url: str, company_id: str) -> str:
    from gateway.auth import TokenIssuer
    from gateway.settings import DEV_JWT_SECRET
    from gateway.users import UserStore
    from plumbing.db import Database
    from plumbing.principal import Role

    db = Database(database_url, pool_size=1)
    try:
        user = await UserStore(db).create_user(
            email="desk@bench.example", password="bench-pass-123", role=Role.STAFF, company_id=company_id
        )
    finally:
        await db.close()
    return TokenIssuer(os.environ.get("JWT_SECRET") or DEV_JWT_SECRET, ttl_seconds=3600).issue(user)


Page = tuple[str, Callable[[int], tuple[str, dict[str, str]]]]  # label, request n -> (path, query)


def pages_of(resources: dict[str, list[str]]) -> list[Page]:
    today = datetime.now(ZONE).date()
    this_month = f"{today:%Y-%m}"
    day = today + timedelta(days=3)

    def month(n: int) -> str:
        first = date(today.year, today.month, 1)
        index = first.year * 12 + first.month - 1 + (n % 11) - 5  # five months back to five ahead
        return f"{index // 12:04d}-{index % 12 + 1:02d}"

    slot = resources["TIME_SLOT"][0]
    return [
        ("month heatmap, the company, this month", lambda n: ("/ops/calendar", {"month": this_month})),
        ("month heatmap, the company, 11 months", lambda n: ("/ops/calendar", {"month": month(n)})),
        (
            "month heatmap, one resource",
            lambda n: ("/ops/calendar", {"month": this_month, "resource_id": slot}),
        ),
        (
            "day view, every resource",
            lambda n: ("/ops/calendar/day", {"date": (day + timedelta(days=n % 7)).isoformat()}),
        ),
        (
            "day view, one time-slot resource",
            lambda n: ("/ops/calendar/day", {"date": day.isoformat(), "resource_id": slot}),
        ),
    ]


async def measure(gateway_url: str, token: str, pages: list[Page], runs: int) -> None:
    async with httpx.AsyncClient(
        base_url=gateway_url, headers={"Authorization": f"Bearer {token}"}, timeout=120
    ) as client:
        for label, url in pages:
            millis: list[float] = []
            size = 0
            for number in range(runs + 5):
                path, query = url(number)
                started = time.perf_counter()
                response = await client.get(path, params=query)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"{label}: {response.status_code} {response.text[:300]}")
                size = len(response.content)
                if number >= 5:
                    millis.append(elapsed)
            line = backoffice.summary(label, millis)[0].split("  p95 <")[0]
            print(f"{line}  ({size / 1024:.0f} KiB)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="bp-bench-"))
    os.environ["BOOKING_DATA_DIR"] = str(data)
    from plumbing.devstack import start_infrastructure
    from plumbing.migrations import migrate_all
    from tools import stack

    infra = start_infrastructure(data, database="bench_calendar", fresh=True)
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
        gateway_url = f"http://127.0.0.1:{gateway.port}"

        seeding = time.perf_counter()
        company, resources, units = asyncio.run(create_catalog(addresses["catalog"]))
        counts = seed_sql(infra.database_url, company, resources, units, args.bookings)
        print(
            f"seeded in {time.perf_counter() - seeding:.0f} s: {sum(counts.values()):,} bookings ("
            + ", ".join(f"{value:,} {model}" for model, value in counts.items())
            + f"); {args.runs} requests per page",
            flush=True,
        )
        token = asyncio.run(staff_token(infra.database_url, company))
        asyncio.run(measure(gateway_url, token, pages_of(resources), args.runs))
        today = datetime.now(ZONE).date()
        first = date(today.year, today.month, 1)
        day = today + timedelta(days=3)
        backoffice.explain(
            infra.database_url,
            [
                (
                    "SELECT resource_id, night, count(*) FROM bookings.unit_nights "
                    "WHERE resource_id = ANY(%(ids)s::uuid[]) AND night BETWEEN %(first)s AND %(last)s "
                    "GROUP BY resource_id, night",
                    {"ids": resources["NIGHTLY"], "first": first, "last": first + timedelta(days=30)},
                ),
                (
                    "SELECT resource_id, count(*) FROM bookings.interval_holds "
                    "WHERE resource_id = ANY(%(ids)s::uuid[]) "
                    "AND blocked && tstzrange(%(first)s::timestamptz, %(last)s::timestamptz) GROUP BY 1",
                    {"ids": resources["INTERVAL"], "first": first, "last": first + timedelta(days=31)},
                ),
                (
                    "SELECT * FROM bookings.bookings WHERE company_id = %(company)s "
                    "AND tstzrange(start_time, end_time) && tstzrange(%(lower)s::timestamptz, %(upper)s::timestamptz) "
                    "ORDER BY created_at DESC, id DESC LIMIT 201",
                    {"company": company, "lower": day, "upper": day + timedelta(days=1)},
                ),
            ],
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
