"""The operators' console at scale: the time to render the saga dashboard and a saga's page,
the business statistics (page and JSON) and the audit log viewer through the HTTP gateway with
200,000 bookings and their sagas in the database (n, p50, p95, p99 ms).

    .venv/bin/python bench/console.py [--runs 50] [--only sagas|business] [--small]

The platform and the data are bench/backoffice.py's (one process per service and the
gateway, embedded PostgreSQL and NATS in a temporary folder; 4 companies, 1,000 resources,
about 200,000 bookings each with its booking saga, seeded with set-based SQL in about a
minute). Timed, one request at a time after 5 warm-up ones, each a whole HTML page as a
browser gets it (the total of the matches, the counts by kind and state, the first 50 rows):
- a company admin of the big company: the dashboard for the last 24 hours, for all time, a
  search by a booking id and by a customer id, the needs-attention filter, a saga's page;
- a platform admin: the dashboard for all time over every company;
- the business pages of the big company's admin (about 140,000 of the bookings, 100 days of
  sessions): the statistics page (`/ops/stats`) for the last 30 days and for the 100 days
  seeded, `GET /v1/admin/stats` for a year and for one resource over the 100 days, and the
  audit log viewer (`/ops/audit`: the first page, one entity type). The statistics read the
  read model `bookings.stats_hourly` that the trigger filled as the seed inserted the bookings
  (its row count is printed), never the bookings.
Then the EXPLAIN (ANALYZE, BUFFERS) summary of the all-time counts and first page, and of
the statistics' scan of the read model for a year. Figures only; nothing is asserted.

`--only business` times the business pages only, `--only sagas` the saga pages only;
`--small` seeds about 1/35 of the data (a check that the script runs, in about a minute).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import backoffice  # noqa: E402 (after the path above)
from bookings.adapters.stats import _OF_COMPANY  # noqa: E402

# bookings' own statement (SQLAlchemy's :name binds, as psycopg's %(name)s).
_STATS_SQL = re.sub(r"(?<!:):(\w+)", r"%(\1)s", str(_OF_COMPANY))


async def platform_admin_token(database_url: str) -> str:
    from gateway.auth import TokenIssuer
    from gateway.settings import DEV_JWT_SECRET
    from gateway.users import UserStore
    from plumbing.db import Database
    from plumbing.principal import Role

    db = Database(database_url, pool_size=1)
    try:
        user = await UserStore(db).create_user(
            email="ops@bench.example", password="bench-pass-123", role=Role.PLATFORM_ADMIN, company_id=None
        )
    finally:
        await db.close()
    return TokenIssuer(os.environ.get("JWT_SECRET") or DEV_JWT_SECRET, ttl_seconds=3600).issue(user)


Page = tuple[str, str, Callable[[int], tuple[str, dict[str, str]]]]  # label, who, request n -> url

# --small: the same world, about 1/35 of it.
SMALL = {
    "CUSTOMERS": {"big": 2_600, "small": 100},
    "RESOURCES": {"big": 20, "small": 3},
    "AUDIT_ENTRIES": 3_000,
}


def business_pages_of(database_url: str, company: str) -> list[Page]:
    """The statistics (page and JSON) and the audit log viewer of the big company's admin."""
    with psycopg.connect(database_url) as conn:
        resources = [
            str(row[0])
            for row in conn.execute(
                "SELECT DISTINCT resource_id FROM bookings.bookings WHERE company_id = %s LIMIT 50",
                (company,),
            )
        ]
    today = datetime.now(UTC).date()
    seeded = {"from": str(today - timedelta(days=50)), "to": str(today + timedelta(days=49))}
    year = {"from": str(today - timedelta(days=182)), "to": str(today + timedelta(days=183))}
    return [
        ("stats page, last 30 days", "company", lambda n: ("/ops/stats", {})),
        ("stats page, the 100 days seeded", "company", lambda n: ("/ops/stats", seeded)),
        ("stats JSON, a year", "company", lambda n: ("/v1/admin/stats", year)),
        (
            "stats JSON, one resource, 100 days",
            "company",
            lambda n: ("/v1/admin/stats", {**seeded, "resource_id": resources[n % len(resources)]}),
        ),
        ("audit log page, first page", "company", lambda n: ("/ops/audit", {})),
        ("audit log page, one entity type", "company", lambda n: ("/ops/audit", {"entity": "booking"})),
    ]


def pages_of(database_url: str, company: str) -> list[Page]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT id, customer_id, saga_id FROM bookings.bookings WHERE company_id = %s "
            "ORDER BY md5(id::text) LIMIT 200",
            (company,),
        ).fetchall()
    bookings = [str(r[0]) for r in rows]
    customers = [str(r[1]) for r in rows]
    sagas = [str(r[2]) for r in rows]
    return [
        ("dashboard, last 24 hours", "company", lambda n: ("/ops/sagas", {})),
        ("dashboard, all time", "company", lambda n: ("/ops/sagas", {"range": "all"})),
        (
            "search by booking id",
            "company",
            lambda n: ("/ops/sagas", {"range": "all", "q": bookings[n % 200]}),
        ),
        (
            "search by customer id",
            "company",
            lambda n: ("/ops/sagas", {"range": "all", "q": customers[n % 200]}),
        ),
        (
            "needs attention, all time",
            "company",
            lambda n: ("/ops/sagas", {"range": "all", "needs_attention": "true"}),
        ),
        ("a saga's page", "company", lambda n: (f"/ops/sagas/{sagas[n % 200]}", {})),
        ("dashboard, every company, all time", "platform", lambda n: ("/ops/sagas", {"range": "all"})),
    ]


async def measure(gateway_url: str, tokens: dict[str, str], pages: list[Page], runs: int) -> None:
    clients = {
        who: httpx.AsyncClient(base_url=gateway_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        for who, token in tokens.items()
    }
    try:
        for label, who, url in pages:
            millis: list[float] = []
            for number in range(runs + 5):
                path, query = url(number)
                started = time.perf_counter()
                response = await clients[who].get(path, params=query)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"{label}: {response.status_code} {response.text[:300]}")
                if number >= 5:
                    millis.append(elapsed)
            print(backoffice.summary(label, millis)[0], flush=True)
    finally:
        for client in clients.values():
            await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--only", choices=("all", "sagas", "business"), default="all")
    parser.add_argument("--small", action="store_true", help="about 1/35 of the data: a quick check")
    args = parser.parse_args()
    if args.small:
        for name, value in SMALL.items():
            setattr(backoffice, name, value)

    data = Path(tempfile.mkdtemp(prefix="bp-bench-"))
    os.environ["BOOKING_DATA_DIR"] = str(data)
    from plumbing.devstack import start_infrastructure
    from plumbing.migrations import migrate_all
    from tools import stack

    infra = start_infrastructure(data, database="bench_console", fresh=True)
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
        companies, _ = asyncio.run(backoffice.create_catalog(addresses["catalog"]))
        counts = backoffice.seed_sql(infra.database_url, companies)
        print(
            f"seeded in {time.perf_counter() - seeding:.0f} s: "
            + ", ".join(f"{value:,} {label}" for label, value in counts.items()),
            flush=True,
        )
        with psycopg.connect(infra.database_url) as conn:
            row = conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE company_id = %s) FROM bookings.sagas",
                (companies[0],),
            ).fetchone()
        assert row is not None
        print(f"{row[0]:,} sagas, {row[1]:,} of the big company; {args.runs} requests per page", flush=True)
        tokens = {
            "company": asyncio.run(backoffice.admin_token(infra.database_url, companies[0])),
            "platform": asyncio.run(platform_admin_token(infra.database_url)),
        }
        with psycopg.connect(infra.database_url, autocommit=True) as conn:
            conn.execute("ANALYZE bookings.stats_hourly")  # filled by the trigger as the seed inserted
            model = conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE company_id = %s) FROM bookings.stats_hourly",
                (companies[0],),
            ).fetchone()
            big = conn.execute(
                "SELECT count(*) FROM bookings.bookings WHERE company_id = %s", (companies[0],)
            ).fetchone()
        assert model is not None and big is not None
        print(
            f"{big[0]:,} bookings of the big company; the statistics' read model holds {model[0]:,} rows"
            f" ({model[1]:,} of the big company)",
            flush=True,
        )
        pages: list[Page] = []
        if args.only in ("all", "sagas"):
            pages += pages_of(infra.database_url, companies[0])
        if args.only in ("all", "business"):
            pages += business_pages_of(infra.database_url, companies[0])
        asyncio.run(measure(gateway_url, tokens, pages, args.runs))
        # Where the all-time dashboard's time goes: the company's counts by kind and state.
        backoffice.explain(
            infra.database_url,
            [
                (
                    "SELECT kind, state, count(*) FROM bookings.sagas WHERE company_id = %(company)s "
                    "GROUP BY kind, state",
                    {"company": companies[0]},
                ),
                (
                    "SELECT * FROM bookings.sagas WHERE company_id = %(company)s "
                    "ORDER BY created_at DESC, id DESC LIMIT 51",
                    {"company": companies[0]},
                ),
                # The statistics of a year: one scan of the read model's hours, three groupings.
                (
                    _STATS_SQL,
                    {
                        "company_id": companies[0],
                        "lower": datetime.now(UTC) - timedelta(days=182),
                        "upper": datetime.now(UTC) + timedelta(days=184),
                        "zone": "Europe/Berlin",
                    },
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
