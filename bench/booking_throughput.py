"""Booking throughput through the HTTP gateway with the full saga, against a one-transaction
"monolith" baseline measured in the same run (docs/architecture.md "Speed").

    .venv/bin/python bench/booking_throughput.py [--seconds 20] [--clients 32] [--replicas 1] ...
    make bench-throughput BENCH_ARGS="--seconds 10 --hot-attempts 2000"

The platform runs as `make run` runs it (one process per service and per gateway replica,
embedded PostgreSQL and NATS in a temporary folder; DATABASE_URL / NATS_URL switch to real
servers). Customers have money in their wallet, a pass and a registered card (tok_visa, the
sandbox's approving card); every booking is one place of a session. Steps, in this order:

1. wallet, closed loop (`--clients` connections, each books again as soon as it is answered,
   for `--seconds`): the peak, confirmed/s = confirmed bookings / (first created -> last
   confirmed). Its cost per confirmed booking: CPU ms of each process (/proc utime+stime:
   each service, the gateway, PostgreSQL's postmaster and backends, nats-server; the bench's
   own load generator apart), PostgreSQL transactions and rows written, NATS JetStream
   messages published per stream, gRPC calls served (counted by bench/rpc_count), and the
   commands the saga sent again after a deadline (step-log `command` rows of attempt > 1).
   The platform's pollers (relays, sweepers) cost CPU and transactions at idle too: their
   rate over a quiet 3 s before the step, times the step's length, is printed as the idle
   background's share of each figure.
2. monolith baseline: place + booking + wallet debit + ledger entry in one transaction,
   16 connections, `--baseline-seconds`; ratio = platform peak / baseline.
3. wallet, open loop at 1x and at 0.5x the peak (a request every 1/rate s whatever the
   answers, `--open-seconds` each): create -> confirmed p50/p95/p99 from the database (the
   booking's created_at -> the step log's `confirm` row).
4. overload, open loop at 2x and 5x the peak (`--overload-seconds` each): confirmed/s as a
   fraction of the peak, refused requests (429/503) and their p99 answer time, and after a
   settle period (`--settle` s at most) every accepted (202) booking must be CONFIRMED or
   REJECTED: any left PENDING is counted, any missing is a lost booking.
5. pass and card mixes: closed loop, `--mix-seconds` each, with their cost per booking.
   Then statements per booking: the embedded PostgreSQL has no pg_stat_statements, so a
   closed loop of `--statement-seconds` per payment (wallet, pass, card) runs with
   log_statement = all and the server log's lines are counted per process
   (application_name); logging slows it, so it is not timed.
6. hot slot: `--hot-attempts` attempts (10,000) on one session of `--hot-places` (500) by
   `--clients` connections, each attempt with its own Idempotency-Key: exactly 500 must be
   confirmed (anything else is a correctness bug: the script says so and exits 1); decisions
   per second = terminal answers (confirmed, rejected, refused at once) / elapsed.

The last line is machine-readable (the wallet case):

    RESULT confirmed_per_s=<n> ratio=<r> p99_ms_at_half=<ms>

Figures only; nothing about speed is asserted. Exit 1 on a hot-slot count other than the
places, or on an accepted booking the database does not have.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from grpc import aio

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from throughput_load import Answers, RequestMaker, closed_loop, open_loop  # noqa: E402
from throughput_probes import Probe, StatementLog, cost  # noqa: E402

REFUSED = (429, 503)


@dataclass
class Seeded:
    sessions: list[str]
    hot_session: str
    tokens: list[str]
    passes: list[str]  # entitlement per customer, same order as tokens
    cards: list[str]  # payment method per customer


async def seed(addresses: dict[str, str], database_url: str, customers: int, hot_places: int) -> Seeded:
    """A company with 40 big sessions and a hot one, `customers` customers with money, a
    pass and a card; their tokens."""
    from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
    from bookingplatform.common.v1 import money_pb2
    from bookingplatform.passes.v1 import passes_pb2, passes_pb2_grpc
    from bookingplatform.payments.v1 import payments_pb2, payments_pb2_grpc
    from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc
    from gateway.auth import TokenIssuer
    from gateway.settings import DEV_JWT_SECRET
    from gateway.users import UserStore
    from plumbing.db import Database

    eur = lambda minor: money_pb2.Money(amount_minor=minor, currency_code="EUR")  # noqa: E731
    key = lambda: str(uuid.uuid4())  # noqa: E731
    async with (
        aio.insecure_channel(addresses["catalog"]) as cc,
        aio.insecure_channel(addresses["wallet"]) as wc,
        aio.insecure_channel(addresses["passes"]) as pc,
        aio.insecure_channel(addresses["payments"]) as yc,
    ):
        catalog = catalog_pb2_grpc.CatalogServiceStub(cc)
        wallet = wallet_pb2_grpc.WalletServiceStub(wc)
        passes = passes_pb2_grpc.PassesServiceStub(pc)
        payments = payments_pb2_grpc.PaymentsServiceStub(yc)
        company = (
            await catalog.CreateCompany(
                catalog_pb2.CreateCompanyRequest(
                    request_id=key(), name="Bench", time_zone="UTC", currency_code="EUR"
                )
            )
        ).company
        resource = (
            await catalog.CreateResource(
                catalog_pb2.CreateResourceRequest(
                    request_id=key(),
                    company_id=company.id,
                    name="Hall",
                    booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                )
            )
        ).resource

        async def session(number: int, capacity: int) -> str:
            start = datetime.now(UTC) + timedelta(days=2, hours=number)
            request = catalog_pb2.CreateSessionRequest(
                request_id=key(), resource_id=resource.id, capacity=capacity, price=eur(100)
            )
            request.start_time.FromDatetime(start)
            request.end_time.FromDatetime(start + timedelta(hours=1))
            return str((await catalog.CreateSession(request)).session.id)

        sessions = [await session(number, 100_000) for number in range(40)]
        hot_session = await session(40, hot_places)
        product = (
            await passes.CreatePassProduct(
                passes_pb2.CreatePassProductRequest(
                    request_id=key(),
                    company_id=company.id,
                    name="Bench pass",
                    credits=10_000,
                    validity_days=30,
                    price=eur(15000),
                )
            )
        ).product
        db = Database(database_url, pool_size=2)
        store = UserStore(db)
        issuer = TokenIssuer(os.environ.get("JWT_SECRET") or DEV_JWT_SECRET, ttl_seconds=3600)
        seeded = Seeded(sessions, hot_session, [], [], [])
        for number in range(customers):
            customer = (
                await catalog.CreateCustomer(
                    catalog_pb2.CreateCustomerRequest(
                        request_id=key(),
                        company_id=company.id,
                        display_name=f"C{number}",
                        email=f"c{number}@bench.example",
                    )
                )
            ).customer
            await wallet.TopUpWallet(
                wallet_pb2.TopUpWalletRequest(
                    request_id=key(),
                    company_id=company.id,
                    customer_id=customer.id,
                    amount=eur(100_000_000),
                    balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
                )
            )
            granted = await passes.GrantPass(
                passes_pb2.GrantPassRequest(request_id=key(), product_id=product.id, customer_id=customer.id)
            )
            seeded.passes.append(str(granted.entitlement.id))
            method = await payments.CreatePaymentMethod(
                payments_pb2.CreatePaymentMethodRequest(
                    request_id=key(), company_id=company.id, customer_id=customer.id, card_token="tok_visa"
                )
            )
            seeded.cards.append(str(method.payment_method.id))
            user = await store.create_user(
                email=f"c{number}@bench.example",
                password="bench-pass",
                role="CUSTOMER",
                company_id=company.id,
                customer_id=customer.id,
            )
            seeded.tokens.append(issuer.issue(user))
        await db.close()
    return seeded


def requests(seeded: Seeded, payment: str, *, hot: bool = False) -> RequestMaker:
    """Request i: customer i % n books one place of a session (round robin over the 40, or
    the hot one), paid from the wallet, with the pass or by card."""

    def make(number: int) -> tuple[str, bytes]:
        customer = number % len(seeded.tokens)
        paid = {
            "wallet": {"use_wallet": True},
            "pass": {"entitlement_id": seeded.passes[customer]},
            "card": {"payment_method_id": seeded.cards[customer]},
        }[payment]
        session = seeded.hot_session if hot else seeded.sessions[number % len(seeded.sessions)]
        body = {"session_id": session, "quantity": 1, "payment": paid}
        return seeded.tokens[customer], json.dumps(body).encode()

    return make


@dataclass
class Outcome:
    """What the database says of the bookings a step's requests were answered 202 for."""

    statuses: dict[str, int]
    missing: int
    confirmed_per_s: float
    latencies_ms: list[float]
    last_decision: float  # wall clock of the last booking decided, 0 when none

    def count(self, status: str) -> int:
        return self.statuses.get(status, 0)

    def quantiles(self) -> tuple[float, float, float]:
        if len(self.latencies_ms) < 2:
            value = self.latencies_ms[0] if self.latencies_ms else 0.0
            return value, value, value
        cuts = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
        return cuts[49], cuts[94], cuts[98]


def settle(database_url: str, ids: list[str], timeout: float) -> None:
    """Waits until none of `ids` is PENDING and every saga has ended (finalize steps run
    after the confirmation), `timeout` s at most."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM bookings.bookings WHERE id = ANY(%s::uuid[]) AND status = 'PENDING'),"
                " (SELECT count(*) FROM bookings.sagas WHERE state NOT IN ('COMPLETED', 'COMPENSATED', 'AWAITING_PAYMENT'))",
                (ids,),
            ).fetchone()
            if row is not None and row[0] == 0 and row[1] == 0:
                return
            time.sleep(0.5)


def outcome(database_url: str, ids: list[str], since: float) -> Outcome:
    """Statuses of the accepted bookings, confirmed/s (from `since`, a wall-clock time, or
    the first creation if later, to the last confirmation) and create -> confirmed times."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        statuses: dict[str, int] = {
            str(status): int(count)
            for status, count in conn.execute(
                "SELECT status, count(*) FROM bookings.bookings WHERE id = ANY(%s::uuid[]) GROUP BY status",
                (ids,),
            ).fetchall()
        }
        rows = conn.execute(
            """
            SELECT b.created_at, coalesce(c.created_at, b.updated_at)
            FROM bookings.bookings b
            LEFT JOIN LATERAL (
                SELECT s.created_at FROM bookings.saga_steps s
                WHERE s.saga_id = b.saga_id AND s.step = 'booking' AND s.kind = 'effect' AND s.action = 'confirm'
                ORDER BY s.id LIMIT 1
            ) c ON true
            WHERE b.id = ANY(%s::uuid[]) AND b.status = 'CONFIRMED'
            """,
            (ids,),
        ).fetchall()
        last = conn.execute(
            "SELECT max(updated_at) FROM bookings.bookings WHERE id = ANY(%s::uuid[]) AND status <> 'PENDING'",
            (ids,),
        ).fetchone()
    last_decision = last[0].timestamp() if last and last[0] else 0.0
    found = sum(statuses.values())
    if not rows:
        return Outcome(statuses, len(ids) - found, 0.0, [], last_decision)
    first = max(min(created for created, _ in rows), datetime.fromtimestamp(since, UTC))
    span = max((max(confirmed for _, confirmed in rows) - first).total_seconds(), 1e-3)
    latencies = [(confirmed - created).total_seconds() * 1000 for created, confirmed in rows]
    return Outcome(statuses, len(ids) - found, len(rows) / span, latencies, last_decision)


STAGES = (
    ("command published", "create -> the wallet command's outbox row published"),
    ("debited", "-> the wallet's transaction that debits (its reply's outbox row written)"),
    ("reply published", "-> the wallet's reply published"),
    ("confirmed", "-> the bookings transaction that applies the reply and confirms"),
)


def stage_times(database_url: str, ids: list[str]) -> list[list[float]]:
    """Where a wallet booking's create -> confirmed time goes, stage by stage (ms), from the
    timestamps the rows keep: each is its transaction's start (`now()`), so a stage ends when
    the next transaction began. Only confirmed wallet bookings whose rows are all found."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            """
            SELECT b.created_at, cmd.published_at, rep.created_at, rep.published_at, c.created_at
            FROM bookings.bookings b
            JOIN LATERAL (
                SELECT st.message_id FROM bookings.saga_steps st
                WHERE st.saga_id = b.saga_id AND st.step = 'wallet' AND st.kind = 'command'
                ORDER BY st.id LIMIT 1
            ) sent ON true
            JOIN bookings.outbox cmd ON cmd.id = sent.message_id
            JOIN LATERAL (
                SELECT st.message_id, st.created_at FROM bookings.saga_steps st
                WHERE st.saga_id = b.saga_id AND st.step = 'wallet' AND st.kind = 'reply'
                ORDER BY st.id LIMIT 1
            ) r ON true
            JOIN wallet.outbox rep ON rep.id = r.message_id
            JOIN LATERAL (
                SELECT st.created_at FROM bookings.saga_steps st
                WHERE st.saga_id = b.saga_id AND st.step = 'booking' AND st.kind = 'effect'
                  AND st.action = 'confirm'
                ORDER BY st.id LIMIT 1
            ) c ON true
            WHERE b.id = ANY(%s::uuid[]) AND b.status = 'CONFIRMED'
              AND cmd.published_at IS NOT NULL AND rep.published_at IS NOT NULL
            """,
            (ids,),
        ).fetchall()
    stages: list[list[float]] = [[] for _ in STAGES]
    for times in rows:
        for index in range(len(STAGES)):
            stages[index].append(max((times[index + 1] - times[index]).total_seconds() * 1000, 0.0))
    return stages


def stage_line(database_url: str, ids: list[str]) -> str:
    stages = stage_times(database_url, ids)
    if not stages[0]:
        return "  stages: none found (the wallet's or bookings' outbox rows already swept?)"
    parts = ", ".join(
        f"{name} {statistics.median(values):.0f}/{p99(values):.0f}"
        for (name, _), values in zip(STAGES, stages, strict=True)
    )
    return f"  stages p50/p99 ms ({len(stages[0])} bookings): create -> {parts}"


def p99(values: list[float]) -> float:
    if not values:
        return 0.0
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[98]


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


class Bench:
    def __init__(self, args: argparse.Namespace, urls: list[str], database_url: str, probe: Probe) -> None:
        self.args = args
        self.urls = urls
        self.database_url = database_url
        self.probe = probe
        self.lost = 0

    def settled_outcome(self, answers: Answers) -> Outcome:
        settle(self.database_url, answers.accepted, self.args.settle)
        result = outcome(self.database_url, answers.accepted, answers.started)
        self.lost += result.missing
        return result

    def closed(self, title: str, make: RequestMaker, seconds: float) -> tuple[Outcome, Answers]:
        """A closed-loop step with its cost per confirmed booking."""
        idle = asyncio.run(self.probe.quiet_snapshot())
        before = idle[1]
        answers = asyncio.run(closed_loop(self.urls, make, self.args.clients, seconds=seconds))
        result = self.settled_outcome(answers)
        after = asyncio.run(self.probe.settled_snapshot())
        confirmed = result.count("CONFIRMED")
        p50, p95, p99_ = result.quantiles()
        print(
            f"{title}: closed loop, {self.args.clients} clients, {seconds:.0f} s: {answers.sent} requests ({answers.summary()})"
        )
        print(
            f"  {confirmed} confirmed, {result.confirmed_per_s:.1f} confirmed/s; create->confirmed p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99_:.0f} ms"
        )
        self.report_unfinished(result)
        for line in cost(before, after, confirmed, idle).lines():
            print(line)
        return result, answers

    def open(self, title: str, make: RequestMaker, rate: float, seconds: float) -> tuple[Outcome, Answers]:
        answers = asyncio.run(open_loop(self.urls, make, rate, seconds))
        result = self.settled_outcome(answers)
        p50, p95, p99_ = result.quantiles()
        offered = (answers.sent + answers.not_sent) / max(answers.elapsed, 1e-3)
        print(
            f"{title}: open loop at {rate:.1f}/s for {seconds:.0f} s (offered {offered:.1f}/s): "
            f"{answers.sent} requests ({answers.summary()})"
            + (f", {answers.not_sent} not sent (2000 in flight already)" if answers.not_sent else "")
        )
        accepted_ms = answers.times(202)
        print(
            f"  {result.count('CONFIRMED')} confirmed, {result.confirmed_per_s:.1f} confirmed/s; "
            f"create->confirmed p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99_:.0f} ms; "
            f"202 answered in p99 {p99(accepted_ms):.0f} ms"
        )
        if answers.accepted and not title.startswith("overload"):
            print(stage_line(self.database_url, answers.accepted))
        self.report_unfinished(result)
        return result, answers

    def statements(self, payment: str, make: RequestMaker, pgdata: Path | None) -> None:
        """Statements per booking from the server log, in a short step of their own."""
        if pgdata is None:
            print("statements: not counted (PostgreSQL from DATABASE_URL: its log is not ours to read)")
            return
        keep = self.args.statements_out
        if keep is not None and payment != "wallet":
            keep = keep.with_name(f"{keep.stem}-{payment}{keep.suffix}")
        log = StatementLog(self.database_url, pgdata, keep)
        log.start()
        try:
            answers = asyncio.run(
                closed_loop(self.urls, make, self.args.clients, seconds=self.args.statement_seconds)
            )
            result = self.settled_outcome(answers)
        finally:
            statements, control = log.stop()
        per = max(result.count("CONFIRMED"), 1)
        apps = sorted(set(statements) | set(control), key=lambda app: -(statements[app] + control[app]))
        detail = ", ".join(f"{app} {(statements[app] + control[app]) / per:.1f}" for app in apps)
        print(
            f"statements ({payment}, closed loop {self.args.statement_seconds:.0f} s"
            " with log_statement = all, not timed): "
            f"{result.count('CONFIRMED')} confirmed; per booking {sum(statements.values()) / per:.1f} statements"
            f" + {sum(control.values()) / per:.1f} BEGIN/COMMIT/SAVEPOINT; by process: {detail}"
        )

    def report_unfinished(self, result: Outcome) -> None:
        pending = result.count("PENDING")
        if pending or result.missing:
            print(
                f"  !! after settling ({self.args.settle:.0f} s at most): {pending} accepted bookings still PENDING,"
                f" {result.missing} accepted bookings missing from the database"
            )

    def overload(self, make: RequestMaker, peak: float, factor: float) -> None:
        result, answers = self.open(f"overload {factor:g}x", make, peak * factor, self.args.overload_seconds)
        refused = answers.count(*REFUSED)
        share = refused / max(answers.sent + answers.not_sent, 1)
        terminal = result.count("CONFIRMED") + result.count("REJECTED")
        print(
            f"  confirmed rate {result.confirmed_per_s / max(peak, 1e-9):.2f} of the peak; refused (429/503) "
            f"{refused} = {share:.1%}, answered in p99 {p99(answers.times(*REFUSED)):.0f} ms; "
            f"accepted {len(answers.accepted)}: {terminal} CONFIRMED or REJECTED, "
            f"{result.count('PENDING')} left PENDING, {result.missing} lost"
        )

    def hot_slot(self, make: RequestMaker) -> bool:
        """Exactly the places confirmed, whatever the number of attempts."""
        attempts, places = self.args.hot_attempts, self.args.hot_places
        answers = asyncio.run(closed_loop(self.urls, make, self.args.clients, attempts=attempts))
        settle(self.database_url, answers.accepted, self.args.settle)
        result = outcome(self.database_url, answers.accepted, answers.started)
        # From the first attempt to the last decision: the last answer or the last saga's end.
        elapsed = max(answers.elapsed, result.last_decision - answers.started)
        self.lost += result.missing
        confirmed, rejected = result.count("CONFIRMED"), result.count("REJECTED")
        refused_at_once = answers.count(409)
        decisions = confirmed + rejected + refused_at_once
        print(
            f"hot slot: {answers.sent} attempts on one session of {places} places by {self.args.clients} clients "
            f"({answers.summary()})"
        )
        print(
            f"  {confirmed} confirmed, {rejected} rejected by the saga, {refused_at_once} refused at once (409); "
            f"{decisions / max(elapsed, 1e-3):.0f} decisions/s ({decisions} in {elapsed:.1f} s)"
        )
        self.report_unfinished(result)
        if confirmed > places:
            print(
                f"  !!!!! CORRECTNESS BUG: {confirmed} bookings confirmed on a session of {places} places !!!!!"
            )
            return False
        if confirmed < places:
            # Not an oversell: places stay free when attempts were answered 503 (overload,
            # deadlines) or their sagas were rejected; the bench says so instead of failing.
            print(
                f"  not sold out: {places - confirmed} places left free ({rejected} rejected by the saga; "
                f"answers {answers.summary()})"
            )
        return True


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20, help="the closed-loop wallet peak")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--baseline-seconds", type=float, default=10)
    parser.add_argument("--open-seconds", type=float, default=15, help="each open-loop step at 1x and 0.5x")
    parser.add_argument("--overload-seconds", type=float, default=8, help="each overload step at 2x and 5x")
    parser.add_argument("--mix-seconds", type=float, default=10, help="each of the pass and card mixes")
    parser.add_argument("--statement-seconds", type=float, default=4, help="the statement-counting step")
    parser.add_argument(
        "--statements-out",
        type=Path,
        help="copy the wallet statement step's server log lines to this file (FILE-pass, FILE-card: the others)",
    )
    parser.add_argument("--hot-attempts", type=int, default=10_000)
    parser.add_argument("--hot-places", type=int, default=500)
    parser.add_argument("--settle", type=float, default=120, help="longest wait for a step's sagas to end")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="bp-bench-"))
    os.environ["BOOKING_DATA_DIR"] = str(data)
    from plumbing.devstack import start_infrastructure
    from plumbing.migrations import migrate_all
    from tools import stack

    infra = start_infrastructure(data, database="bench", fresh=True)
    if not os.environ.get("DATABASE_URL"):
        # Every replica's pools and the monolith's 16 connections at once: more than the
        # embedded server's default 100 with two replicas of everything.
        from plumbing.testing import make_room

        make_room(infra.database_url, data / "pg")
    children: list[stack.Child] = []
    healthy = True
    try:
        for folder in ("run", "logs", "rpc"):
            (data / folder).mkdir(parents=True, exist_ok=True)
        migrate_all(infra.database_url)
        env = {
            "DATABASE_URL": infra.database_url,
            "NATS_URL": infra.nats_url,
            "BOOKING_ENV": "dev",
            "LOG_LEVEL": "WARNING",
            # bench/rpc_count/sitecustomize.py counts the gRPC calls each process serves.
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(BENCH / "rpc_count"), os.environ.get("PYTHONPATH")])
            ),
            "BENCH_RPC_COUNT_DIR": str(data / "rpc"),
        }
        ports = stack.PortMemory(data / "ports.json")  # no file: every port from the OS
        addresses = stack.start_services(env, args.replicas, children, ports)
        peers = {f"{name.upper()}_ADDR": address for name, address in addresses.items()}
        gateways = stack.start_replicas("gateway", {**env, **peers}, args.replicas, children, ports)
        urls = [f"http://127.0.0.1:{child.port}" for child in gateways]
        first = {name: address.split(",")[0] for name, address in addresses.items()}
        seeded = asyncio.run(seed(first, infra.database_url, args.clients, args.hot_places))
        processes: dict[str, list[int]] = {}
        for child in children:
            assert child.process is not None
            processes.setdefault(child.module, []).append(child.process.pid)
        embedded = not os.environ.get("DATABASE_URL")
        probe = Probe(
            database_url=infra.database_url,
            nats_url=infra.nats_url,
            processes=processes,
            pgdata=data / "pg" if embedded else None,
            nats_data=data / "nats" if not os.environ.get("NATS_URL") else None,
            rpc_dir=data / "rpc",
        )
        bench = Bench(args, urls, infra.database_url, probe)
        print(
            f"platform: {args.replicas} replica(s) of each process, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
        )

        wallet, _ = bench.closed("wallet", requests(seeded, "wallet"), args.seconds)
        peak = wallet.confirmed_per_s
        baseline = asyncio.run(monolith(infra.database_url, args.baseline_seconds))
        ratio = peak / baseline if baseline else 0.0
        print(
            f"monolith baseline: {baseline:.0f} bookings/s (one transaction, 16 connections); ratio platform/monolith {ratio:.3f}"
        )

        bench.open("wallet at the peak rate", requests(seeded, "wallet"), peak, args.open_seconds)
        half, _ = bench.open(
            "wallet at half the peak rate", requests(seeded, "wallet"), peak / 2, args.open_seconds
        )
        p99_at_half = half.quantiles()[2]
        for factor in (2.0, 5.0):
            bench.overload(requests(seeded, "wallet"), peak, factor)

        bench.closed("pass", requests(seeded, "pass"), args.mix_seconds)
        bench.closed("card", requests(seeded, "card"), args.mix_seconds)
        for payment in ("wallet", "pass", "card"):
            bench.statements(payment, requests(seeded, payment), data / "pg" if embedded else None)
        healthy = bench.hot_slot(requests(seeded, "wallet", hot=True)) and healthy
        if bench.lost:
            print(f"!!!!! {bench.lost} bookings answered 202 are not in the database !!!!!")
            healthy = False
    finally:
        for child in reversed(children):
            child.stop()
        for child in reversed(children):
            child.wait_stopped()
        infra.stop()
    if healthy:  # else the processes' logs stay for a look
        shutil.rmtree(data, ignore_errors=True)
    else:
        print(f"logs of the platform's processes: {data / 'logs'}")
    print(f"RESULT confirmed_per_s={peak:.1f} ratio={ratio:.3f} p99_ms_at_half={p99_at_half:.0f}", flush=True)
    sys.exit(0 if healthy else 1)


if __name__ == "__main__":
    main()
