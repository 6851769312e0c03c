"""The back office at scale: 100,000 customers and 1,000 resources with their sessions and
bookings; prints the time of each search and list page through the HTTP gateway as a company
admin (n, p50, p95, p99 ms, and whether p95 < 50 ms).

    .venv/bin/python bench/backoffice.py [--runs 100]

The platform runs as `make run` runs it (one process per service and the gateway, embedded
PostgreSQL and NATS in a temporary folder; DATABASE_URL / NATS_URL switch to real servers, a
fresh database is created and dropped).

Seeding, once, before any timing (about a minute on 2 cores):
- through the catalog's gRPC API: 4 companies (one big) and 1,000 TIME_SLOT resources (700
  of the big company's, 100 of each other's);
- with set-based SQL (INSERT ... SELECT generate_series) straight into the services' own
  tables, the rows the services write: 100,000 customers (91,000 of the big company; 1 in 20 a
  guest; e-mails unique per company), 100 daily sessions per resource (50 days back, 50
  ahead), about 2 bookings per session with their booking sagas, session occupancy, active
  bookings per customer and the refunds of the cancelled ones, and 100,000 entries of the one
  audit log (`gateway.audit_log`, the gateway's copy of every service's entries);
- one COMPANY_ADMIN account of the big company (its token signs every request).

Timed, sequentially, `--runs` requests per page after 5 warm-up ones: the customer search by
name prefix and by e-mail prefix (a different prefix each request), the first and a deep
(cursor in the middle of the 91,000) page of customers, the first and a later page of
resources, the coming sessions of one resource (each with its bookings), bookings by status
and period, by resource, by customer, and the audit log (first page, by entity type). Where a
p95 is over 50 ms, the EXPLAIN (ANALYZE, BUFFERS) summary of the service's query is printed
(plan nodes and the execution time: which index, if any). Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from grpc import aio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CUSTOMERS = {"big": 91_000, "small": 3_000}  # the big company, and each of the 3 others
RESOURCES = {"big": 700, "small": 100}
SESSIONS_PER_RESOURCE = 100
AUDIT_ENTRIES = 100_000
TARGET_MS = 50.0

FIRST_NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hannah",
    "Ivan",
    "Julia",
    "Karl",
    "Lena",
    "Max",
    "Nina",
    "Oskar",
    "Paul",
    "Quentin",
    "Rosa",
    "Sofia",
    "Tom",
    "Ulla",
    "Vera",
    "Walter",
    "Xenia",
    "Yusuf",
    "Zoe",
    "Adam",
    "Bella",
    "Carlos",
    "Dana",
    "Elif",
    "Finn",
    "Gina",
    "Hugo",
    "Ines",
    "Jonas",
    "Kira",
    "Leon",
    "Mia",
    "Noah",
]
LAST_NAMES = [
    "Adler",
    "Bauer",
    "Becker",
    "Braun",
    "Fischer",
    "Frank",
    "Fuchs",
    "Graf",
    "Hahn",
    "Hartmann",
    "Hoffmann",
    "Huber",
    "Jung",
    "Kaiser",
    "Keller",
    "Klein",
    "Koch",
    "Koenig",
    "Krause",
    "Krueger",
    "Lange",
    "Lehmann",
    "Maier",
    "Meyer",
    "Mueller",
    "Neumann",
    "Otto",
    "Peters",
    "Richter",
    "Roth",
    "Schaefer",
    "Schmid",
    "Schmidt",
    "Schneider",
    "Schreiber",
    "Schulz",
    "Schwarz",
    "Sommer",
    "Stein",
    "Vogel",
    "Wagner",
    "Walter",
    "Weber",
    "Werner",
    "Wolf",
    "Zimmermann",
    "Nowak",
    "Rossi",
    "Garcia",
    "Silva",
    "Dubois",
    "Jensen",
    "Novak",
    "Horvat",
    "Kowalski",
    "Popescu",
    "Ivanova",
    "Nielsen",
    "Costa",
]


@dataclass
class Seeded:
    big_company: str
    resources: list[str]  # the big company's
    customers: list[str]  # a sample of the big company's
    deep_customer: tuple[str, str]  # (display_name, id) in the middle of the big company's list
    counts: dict[str, int]


async def create_catalog(catalog_addr: str) -> tuple[list[str], dict[str, list[str]]]:
    """Companies and resources through the catalog's gRPC API (a handful of rows: exact)."""
    from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc

    async with aio.insecure_channel(catalog_addr) as channel:
        catalog = catalog_pb2_grpc.CatalogServiceStub(channel)
        companies = [
            (
                await catalog.CreateCompany(
                    catalog_pb2.CreateCompanyRequest(
                        request_id=str(uuid.uuid4()),
                        name=name,
                        time_zone="Europe/Berlin",
                        currency_code="EUR",
                    )
                )
            ).company.id
            for name in ("Bench Big", "Bench Small 1", "Bench Small 2", "Bench Small 3")
        ]
        semaphore = asyncio.Semaphore(16)

        async def resource(company_id: str, number: int) -> str:
            async with semaphore:
                reply = await catalog.CreateResource(
                    catalog_pb2.CreateResourceRequest(
                        request_id=str(uuid.uuid4()),
                        company_id=company_id,
                        name=f"Room {number:04d}",
                        booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                    )
                )
                return reply.resource.id

        resources: dict[str, list[str]] = {}
        for index, company_id in enumerate(companies):
            count = RESOURCES["big"] if index == 0 else RESOURCES["small"]
            resources[company_id] = list(
                await asyncio.gather(*(resource(company_id, n) for n in range(count)))
            )
    return companies, resources


def seed_sql(database_url: str, companies: list[str]) -> dict[str, int]:
    """The bulk rows, set-based, as the services write them (see the module's docstring)."""
    with psycopg.connect(database_url) as conn:
        for index, company_id in enumerate(companies):
            count = CUSTOMERS["big"] if index == 0 else CUSTOMERS["small"]
            # What CreateCustomer writes (the guest path too: a guest keeps the e-mail it gave).
            conn.execute(
                """
                INSERT INTO catalog.customers (id, request_id, company_id, display_name, email, guest,
                                               created_at, phone, version)
                SELECT gen_random_uuid(), gen_random_uuid()::text, %(company)s,
                       f.name || ' ' || l.name,
                       lower(f.name) || '.' || lower(l.name) || '.' || g || '@' ||
                           (ARRAY['mail.example', 'post.example', 'web.example'])[1 + g %% 3],
                       g %% 20 = 0,
                       now() - make_interval(mins => g),
                       NULL, 1
                FROM generate_series(1, %(count)s) AS g
                CROSS JOIN LATERAL (SELECT (%(first)s::text[])[1 + (g * 7) %% %(nf)s] AS name) AS f
                CROSS JOIN LATERAL (SELECT (%(last)s::text[])[1 + (g * 13 / 7) %% %(nl)s] AS name) AS l
                """,
                {
                    "company": company_id,
                    "count": count,
                    "first": FIRST_NAMES,
                    "last": LAST_NAMES,
                    "nf": len(FIRST_NAMES),
                    "nl": len(LAST_NAMES),
                },
            )
        # What CreateSession writes: daily at 10:00 UTC, 50 days back and 50 ahead.
        conn.execute(
            """
            INSERT INTO catalog.sessions (id, request_id, company_id, resource_id, start_time, end_time,
                                          capacity, price_amount_minor, price_currency, status, created_at,
                                          version)
            SELECT gen_random_uuid(), gen_random_uuid()::text, r.company_id, r.id, t.starts,
                   t.starts + interval '1 hour', 20, 1500, 'EUR', 'OPEN', r.created_at, 1
            FROM catalog.resources AS r
            CROSS JOIN LATERAL (
                SELECT date_trunc('day', now()) + interval '10 hours' + make_interval(days => d) AS starts
                FROM generate_series(-%(half)s, %(half)s - 1) AS d
            ) AS t
            """,
            {"half": SESSIONS_PER_RESOURCE // 2},
        )
        # The bookings the saga leaves (0..3 a session, 1 place each, paid from the wallet,
        # finished), each by a customer of the session's company.
        conn.execute(
            """
            CREATE TEMPORARY TABLE picked ON COMMIT DROP AS
            WITH counts AS (
                SELECT company_id, count(*) AS n FROM catalog.customers GROUP BY company_id
            ), s AS (
                SELECT s.id, s.company_id, s.resource_id, s.start_time, s.end_time,
                       row_number() OVER (ORDER BY s.id) AS rn
                FROM catalog.sessions AS s
            ), sk AS (
                SELECT s.*, k, 1 + (s.rn * 7919 + k * 104729) % counts.n AS customer_rn
                FROM s CROSS JOIN generate_series(1, 3) AS k
                JOIN counts ON counts.company_id = s.company_id
                WHERE (s.rn * 17 + k) % 3 <> 0
            ), c AS (
                SELECT id, company_id, row_number() OVER (PARTITION BY company_id ORDER BY id) AS rn
                FROM catalog.customers
            )
            SELECT gen_random_uuid() AS id, gen_random_uuid() AS saga_id, sk.company_id, c.id AS customer_id,
                   sk.resource_id, sk.id AS session_id, sk.start_time, sk.end_time,
                   CASE
                       WHEN (sk.rn * 31 + k) % 100 < 15 THEN 'CANCELLED'
                       WHEN sk.start_time > now() THEN 'CONFIRMED'
                       WHEN (sk.rn * 31 + k) % 100 < 20 THEN 'NO_SHOW'
                       ELSE 'COMPLETED'
                   END AS status,
                   least(sk.start_time, now()) - make_interval(hours => 1 + ((sk.rn * 97 + k) % 1000)::int)
                       AS created_at
            FROM sk JOIN c ON c.company_id = sk.company_id AND c.rn = sk.customer_rn
            """
        )
        conn.execute(
            """
            INSERT INTO bookings.bookings (id, company_id, customer_id, resource_id, session_id, booking_model,
                quantity, start_time, end_time, status, currency, base_minor, total_minor, use_wallet,
                wallet_debited_minor, saga_id, free_cancellation_until, cancellation_windows,
                check_in_deadline, checked_in_at, quote_lines, request_id, request_hash, cancel_reason,
                created_at, updated_at)
            SELECT id, company_id, customer_id, resource_id, session_id, 'TIME_SLOT', 1, start_time, end_time,
                   status, 'EUR', 1500, 1500, true, 1500, saga_id, start_time - interval '1 day',
                   '[[1440, 100], [0, 0]]'::jsonb, NULL,
                   CASE WHEN status = 'COMPLETED' THEN start_time - interval '5 minutes' END,
                   '[["1 place(s)", 1, 1500]]'::jsonb,
                   id::text, md5(id::text), NULL, created_at,
                   CASE WHEN status = 'CONFIRMED' THEN created_at ELSE least(start_time, now()) END
            FROM picked
            """
        )
        conn.execute(
            """
            INSERT INTO bookings.sagas (id, booking_id, company_id, kind, state, data, created_at, updated_at)
            SELECT saga_id, id, company_id, 'booking', 'COMPLETED', '{}'::jsonb, created_at, created_at
            FROM picked
            """
        )
        conn.execute(
            """
            INSERT INTO bookings.refund_requests (booking_id, saga_id, percent, card_minor, wallet_minor,
                                                  credits, status, created_at, updated_at)
            SELECT id, gen_random_uuid(), 100, 0, 1500, 0, 'REFUNDED', created_at, created_at
            FROM picked WHERE status = 'CANCELLED'
            """
        )
        conn.execute(
            """
            INSERT INTO bookings.session_occupancy (session_id, company_id, capacity, booked)
            SELECT s.id, s.company_id, s.capacity,
                   count(p.id) FILTER (WHERE p.status IN ('CONFIRMED', 'COMPLETED', 'NO_SHOW'))
            FROM catalog.sessions AS s LEFT JOIN picked AS p ON p.session_id = s.id
            GROUP BY s.id, s.company_id, s.capacity
            """
        )
        conn.execute(
            """
            INSERT INTO bookings.customer_active_bookings (customer_id, resource_id, active)
            SELECT customer_id, resource_id, count(*) FROM picked WHERE status = 'CONFIRMED'
            GROUP BY customer_id, resource_id
            """
        )
        # The one audit log: what plumbing.audit.record writes and the gateway copies, spread
        # over the companies (most of the big one's) and the last 90 days.
        conn.execute(
            """
            INSERT INTO gateway.audit_log (id, occurred_at, service, company_id, actor_user_id,
                actor_api_key_id, actor_role, entity_type, entity_id, action, changed, reason,
                request_id, trace_id)
            SELECT gen_random_uuid(), now() - make_interval(secs => g * 77.7),
                   (ARRAY['catalog', 'bookings', 'wallet', 'passes'])[1 + g %% 4],
                   CASE WHEN g %% 10 = 0 THEN (%(companies)s::text[])[2 + g %% 3]
                        ELSE (%(companies)s::text[])[1] END,
                   'user-' || (g %% 25), NULL, (ARRAY['COMPANY_ADMIN', 'STAFF'])[1 + g %% 2],
                   (ARRAY['resource', 'booking', 'customer', 'wallet'])[1 + g %% 4], gen_random_uuid()::text,
                   (ARRAY['update', 'booking.cancel', 'create', 'wallet.credit'])[1 + g %% 4],
                   '{"before": {"name": "Old"}, "after": {"name": "New"}}'::jsonb, NULL,
                   gen_random_uuid()::text, md5(g::text)
            FROM generate_series(1, %(count)s) AS g
            """,
            {"companies": companies, "count": AUDIT_ENTRIES},
        )
        conn.commit()
        conn.autocommit = True
        for table in (
            "catalog.customers",
            "catalog.resources",
            "catalog.sessions",
            "bookings.bookings",
            "bookings.sagas",
            "bookings.refund_requests",
            "bookings.session_occupancy",
            "gateway.audit_log",
        ):
            conn.execute(f"VACUUM ANALYZE {table}")
        counts = {}
        for label, table in (
            ("customers", "catalog.customers"),
            ("resources", "catalog.resources"),
            ("sessions", "catalog.sessions"),
            ("bookings", "bookings.bookings"),
            ("audit entries", "gateway.audit_log"),
        ):
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            counts[label] = row[0] if row else 0
    return counts


def sample(database_url: str, company_id: str) -> tuple[list[str], tuple[str, str], list[str]]:
    with psycopg.connect(database_url) as conn:
        customers = [
            str(row[0])
            for row in conn.execute(
                "SELECT customer_id FROM bookings.bookings WHERE company_id = %s "
                "GROUP BY customer_id ORDER BY customer_id LIMIT 200",
                (company_id,),
            )
        ]
        middle = conn.execute(
            "SELECT display_name, id FROM catalog.customers WHERE company_id = %s "
            "ORDER BY display_name, id OFFSET %s LIMIT 1",
            (company_id, CUSTOMERS["big"] // 2),
        ).fetchone()
        assert middle is not None
        names = [
            row[0]
            for row in conn.execute(
                "SELECT display_name FROM catalog.customers WHERE company_id = %s "
                "ORDER BY md5(id::text) LIMIT 500",
                (company_id,),
            )
        ]
    return customers, (middle[0], str(middle[1])), names


async def admin_token(database_url: str, company_id: str) -> str:
    from gateway.auth import TokenIssuer
    from gateway.settings import DEV_JWT_SECRET
    from gateway.users import UserStore
    from plumbing.db import Database
    from plumbing.principal import Role

    db = Database(database_url, pool_size=1)
    try:
        user = await UserStore(db).create_user(
            email="admin@bench.example",
            password="bench-pass-123",
            role=Role.COMPANY_ADMIN,
            company_id=company_id,
        )
    finally:
        await db.close()
    return TokenIssuer(os.environ.get("JWT_SECRET") or DEV_JWT_SECRET, ttl_seconds=3600).issue(user)


@dataclass
class Page:
    label: str
    urls: Callable[[int], tuple[str, dict[str, str]]]  # request number -> (path, query)
    # The service's queries for request n (the slowest is explained when p95 is over target).
    explain: Callable[[int], list[tuple[str, dict[str, object]]]]


def summary(label: str, millis: list[float]) -> tuple[str, bool]:
    cuts = statistics.quantiles(millis, n=100, method="inclusive")
    p50, p95, p99 = statistics.median(millis), cuts[94], cuts[98]
    ok = p95 < TARGET_MS
    return (
        f"{label:<46} n={len(millis):<4} p50 {p50:6.1f}  p95 {p95:6.1f}  p99 {p99:6.1f} ms  "
        f"p95 < {TARGET_MS:.0f} ms: {'yes' if ok else 'NO'}",
        ok,
    )


def explain(database_url: str, queries: list[tuple[str, dict[str, object]]]) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        for sql, params in queries:
            plan = [row[0] for row in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)]
            keep = [
                line
                for line in plan
                if any(
                    word in line for word in ("Scan", "Sort", "Limit", "Join", "Execution Time", "Buffers")
                )
            ]
            print("    EXPLAIN (ANALYZE, BUFFERS): " + " ".join(sql.split())[:110])
            for line in keep[:14]:
                print("      " + line.rstrip())


async def measure(gateway_url: str, token: str, pages: list[Page], runs: int, database_url: str) -> None:
    async with httpx.AsyncClient(
        base_url=gateway_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as http:
        for page in pages:
            millis: list[float] = []
            for number in range(runs + 5):
                path, query = page.urls(number)
                started = time.perf_counter()
                response = await http.get(path, params=query)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"{page.label}: {response.status_code} {response.text[:300]}")
                if number >= 5:
                    millis.append(elapsed)
            line, ok = summary(page.label, millis)
            print(line, flush=True)
            if not ok:
                slowest = 5 + max(range(len(millis)), key=millis.__getitem__)
                explain(database_url, page.explain(slowest))


def pages_of(seeded: Seeded, names: list[str], resource_page_token: str, deep_token: str) -> list[Page]:
    company = seeded.big_company
    rng = random.Random(7)
    name_prefixes = [name[: rng.randint(2, 5)] for name in names]
    email_prefixes = [
        f"{name.split()[0].lower()}.{name.split()[1].lower()[: rng.randint(1, 4)]}" for name in names
    ]
    now = datetime.now(UTC)
    week_from, week_to = (now - timedelta(days=7)).isoformat(), (now + timedelta(days=7)).isoformat()
    past_from, past_to = (now - timedelta(days=40)).isoformat(), (now - timedelta(days=33)).isoformat()

    def customer_sql(prefix: str) -> list[tuple[str, dict[str, object]]]:
        return [
            (
                "WITH matches AS MATERIALIZED (SELECT id, display_name FROM catalog.customers "
                "WHERE company_id = %(c)s AND lower(display_name) LIKE %(p)s UNION SELECT id, display_name "
                "FROM catalog.customers WHERE company_id = %(c)s AND lower(email) LIKE %(p)s) "
                "SELECT * FROM catalog.customers WHERE id IN (SELECT id FROM matches "
                "ORDER BY display_name, id LIMIT 51) ORDER BY display_name, id",
                {"c": company, "p": prefix.lower() + "%"},
            )
        ]

    def bookings_sql(where: str, params: dict[str, object]) -> list[tuple[str, dict[str, object]]]:
        return [
            (
                f"SELECT * FROM bookings.bookings WHERE {where} ORDER BY created_at DESC, id DESC LIMIT 51",
                params,
            )
        ]

    return [
        Page(
            "customers: search by name prefix",
            lambda n: ("/v1/admin/customers", {"q": name_prefixes[n % len(name_prefixes)]}),
            lambda n: customer_sql(name_prefixes[n % len(name_prefixes)]),
        ),
        Page(
            "customers: search by e-mail prefix",
            lambda n: ("/v1/admin/customers", {"q": email_prefixes[n % len(email_prefixes)]}),
            lambda n: customer_sql(email_prefixes[n % len(email_prefixes)]),
        ),
        Page(
            "customers: first page (50)",
            lambda n: ("/v1/admin/customers", {}),
            lambda n: [
                (
                    "SELECT * FROM catalog.customers WHERE company_id = %(c)s "
                    "ORDER BY display_name, id LIMIT 51",
                    {"c": company},
                )
            ],
        ),
        Page(
            "customers: deep cursor page (after 45,500)",
            lambda n: ("/v1/admin/customers", {"page_token": deep_token}),
            lambda n: [
                (
                    "SELECT * FROM catalog.customers WHERE company_id = %(c)s AND "
                    "(display_name, id) > (%(n)s, %(i)s) ORDER BY display_name, id LIMIT 51",
                    {"c": company, "n": seeded.deep_customer[0], "i": seeded.deep_customer[1]},
                )
            ],
        ),
        Page(
            "resources: first page (50)",
            lambda n: ("/v1/admin/resources", {}),
            lambda n: [
                (
                    "SELECT * FROM catalog.resources WHERE company_id = %(c)s AND archived_at IS NULL "
                    "ORDER BY created_at, id LIMIT 51",
                    {"c": company},
                )
            ],
        ),
        Page(
            "resources: page 8 (cursor)",
            lambda n: ("/v1/admin/resources", {"page_token": resource_page_token}),
            lambda n: [],
        ),
        Page(
            "sessions of a resource, coming (20, with bookings)",
            lambda n: (
                "/v1/admin/sessions",
                {"resource_id": seeded.resources[n % len(seeded.resources)], "from": now.isoformat()},
            ),
            lambda n: [
                (
                    "SELECT * FROM catalog.sessions AS s WHERE company_id = %(c)s AND resource_id = %(r)s "
                    "AND start_time >= now() AND NOT EXISTS (SELECT 1 FROM catalog.resources AS r "
                    "WHERE r.id = s.resource_id AND r.archived_at IS NOT NULL) "
                    "ORDER BY start_time, id LIMIT 21",
                    {"c": company, "r": seeded.resources[n % len(seeded.resources)]},
                )
            ],
        ),
        Page(
            "bookings: company, first page",
            lambda n: ("/v1/admin/bookings", {}),
            lambda n: bookings_sql("company_id = %(c)s", {"c": company}),
        ),
        Page(
            "bookings: CONFIRMED, this week +-7 days",
            lambda n: ("/v1/admin/bookings", {"status": "CONFIRMED", "from": week_from, "to": week_to}),
            lambda n: bookings_sql(
                "company_id = %(c)s AND end_time > %(f)s AND start_time < %(t)s AND status = 'CONFIRMED'",
                {"c": company, "f": week_from, "t": week_to},
            ),
        ),
        Page(
            "bookings: a week 40 days ago, any status",
            lambda n: ("/v1/admin/bookings", {"from": past_from, "to": past_to}),
            lambda n: [
                (
                    "WITH k AS MATERIALIZED (SELECT id, created_at FROM bookings.bookings WHERE company_id = %(c)s "
                    "AND tstzrange(start_time, end_time) && tstzrange(%(f)s, %(t)s)) SELECT * FROM "
                    "bookings.bookings WHERE id IN (SELECT id FROM k ORDER BY created_at DESC, id DESC LIMIT 51) "
                    "ORDER BY created_at DESC, id DESC",
                    {"c": company, "f": past_from, "t": past_to},
                )
            ],
        ),
        Page(
            "bookings: NO_SHOW (rare status)",
            lambda n: ("/v1/admin/bookings", {"status": "NO_SHOW"}),
            lambda n: bookings_sql("company_id = %(c)s AND status = 'NO_SHOW'", {"c": company}),
        ),
        Page(
            "bookings: of a resource",
            lambda n: ("/v1/admin/bookings", {"resource_id": seeded.resources[n % len(seeded.resources)]}),
            lambda n: bookings_sql("resource_id = %(r)s", {"r": seeded.resources[n % len(seeded.resources)]}),
        ),
        Page(
            "bookings: of a customer",
            lambda n: ("/v1/admin/bookings", {"customer_id": seeded.customers[n % len(seeded.customers)]}),
            lambda n: bookings_sql("customer_id = %(u)s", {"u": seeded.customers[n % len(seeded.customers)]}),
        ),
        Page(
            "audit log: first page",
            lambda n: ("/v1/admin/audit", {}),
            lambda n: [
                (
                    "SELECT * FROM gateway.audit_log WHERE company_id = %(c)s "
                    "ORDER BY occurred_at DESC, id DESC LIMIT 51",
                    {"c": company},
                )
            ],
        ),
        Page(
            "audit log: by entity type and action",
            lambda n: ("/v1/admin/audit", {"entity": "booking", "action": "booking.cancel"}),
            lambda n: [
                (
                    "SELECT * FROM gateway.audit_log WHERE company_id = %(c)s AND entity_type = 'booking' "
                    "AND action = 'booking.cancel' ORDER BY occurred_at DESC, id DESC LIMIT 51",
                    {"c": company},
                )
            ],
        ),
    ]


async def resource_page(gateway_url: str, token: str, pages: int) -> str:
    """The page token of the `pages`-th page of the big company's resources."""
    token_of_page = ""
    async with httpx.AsyncClient(base_url=gateway_url, headers={"Authorization": f"Bearer {token}"}) as http:
        for _ in range(pages):
            query = {"page_token": token_of_page} if token_of_page else {}
            body = (await http.get("/v1/admin/resources", params=query)).raise_for_status().json()
            token_of_page = body["next_page_token"]
    return token_of_page


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="bp-bench-"))
    os.environ["BOOKING_DATA_DIR"] = str(data)
    from plumbing.devstack import start_infrastructure
    from plumbing.migrations import migrate_all
    from plumbing.paging import encode_page_token
    from tools import stack

    infra = start_infrastructure(data, database="bench_backoffice", fresh=True)
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
        ports = stack.PortMemory(data / "ports.json")  # no file: every port from the OS
        addresses = stack.start_services(env, 1, children, ports)
        peers = {f"{name.upper()}_ADDR": address for name, address in addresses.items()}
        gateway = stack.start_replicas("gateway", {**env, **peers}, 1, children, ports)[0]
        gateway_url = f"http://127.0.0.1:{gateway.port}"

        seeding = time.perf_counter()
        companies, resources = asyncio.run(create_catalog(addresses["catalog"]))
        counts = seed_sql(infra.database_url, companies)
        customers, deep, names = sample(infra.database_url, companies[0])
        seeded = Seeded(companies[0], resources[companies[0]], customers, deep, counts)
        print(
            f"seeded in {time.perf_counter() - seeding:.0f} s: "
            + ", ".join(f"{value:,} {label}" for label, value in counts.items())
            + f" (company admin of the company with {CUSTOMERS['big']:,} customers and "
            f"{RESOURCES['big']} resources)",
            flush=True,
        )
        token = asyncio.run(admin_token(infra.database_url, companies[0]))
        deep_token = encode_page_token(deep[0], uuid.UUID(deep[1]))
        resource_token = asyncio.run(resource_page(gateway_url, token, 7))
        pages = pages_of(seeded, names, resource_token, deep_token)
        print(f"{args.runs} requests per page after 5 warm-up ones, one at a time, through the gateway")
        asyncio.run(measure(gateway_url, token, pages, args.runs, infra.database_url))
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
