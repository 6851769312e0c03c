"""CPU per execution of the statements one booking with the wallet saga runs, in this process
(SQLAlchemy building and compiling the SQL, psycopg sending it; PostgreSQL's own work is
another process and not counted). Figures only; nothing is asserted.

    .venv/bin/python bench/statement_cost.py [--runs 300] [--parts references,functions,transaction]

- references: one outbox row written five ways, so the cost of the uncacheable
  `postgresql.insert(...).on_conflict_do_nothing()` (compiled again on every execution:
  SQLAlchemy 2.0 gives that construct no cache key) shows against a prebuilt `text()`, the
  core `sqlalchemy.insert` (cached) and psycopg directly;
- functions: the repository and plumbing functions as they are in this tree (outbox, inbox,
  audit, bookings' booking, places, saga and step log, wallet's claim and ledger); run it
  before and after a change to compare;
- transaction: a transaction's overhead, checkout + `SELECT 1` + commit, with and without
  the pool's pre-ping (the round trip every checkout paid before), and the same through
  psycopg alone, CPU and wall time.

Each figure is the median of 3 rounds of `--runs` calls, each round in one transaction
rolled back at its end; CPU is this process's (time.process_time). Runs on an embedded
PostgreSQL in a temporary folder (DATABASE_URL: a database on that server instead).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert as core_insert  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.dialects.postgresql import insert as pg_insert  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncConnection  # noqa: E402

from plumbing.db import Database  # noqa: E402

Call = Callable[[AsyncConnection], Awaitable[Any]]


def new_id() -> str:
    return str(uuid.uuid4())


async def cost(db: Database, call: Call, runs: int) -> float:
    """CPU µs per call: the median of three rounds, each in one transaction rolled back."""
    rounds = []
    for _ in range(3):
        async with db.engine.connect() as conn:
            transaction = await conn.begin()
            await call(conn)  # warm: the first execution compiles what can be cached
            started = time.process_time()
            for _ in range(runs):
                await call(conn)
            rounds.append((time.process_time() - started) / runs * 1e6)
            await transaction.rollback()
    return statistics.median(rounds)


def show(name: str, figure: float, unit: str = "µs CPU") -> None:
    print(f"  {name:<62} {figure:8.0f} {unit}")


async def references(db: Database, url: str, runs: int) -> None:
    import psycopg

    from bookings.adapters.tables import outbox

    payload = b"\x0a\x24" + new_id().encode()
    print("references: one outbox row")

    async def postgresql_insert(conn: AsyncConnection) -> object:
        return await conn.execute(
            pg_insert(outbox)
            .values(id=new_id(), subject="saga.cmd.wallet", payload=payload, headers={})
            .on_conflict_do_nothing()
        )

    prebuilt_text = text(
        "INSERT INTO bookings.outbox (id, subject, payload, headers) "
        "VALUES (:id, :subject, :payload, CAST(:headers AS jsonb)) ON CONFLICT DO NOTHING"
    )

    async def text_insert(conn: AsyncConnection) -> object:
        return await conn.execute(
            prebuilt_text, {"id": new_id(), "subject": "saga.cmd.wallet", "payload": payload, "headers": "{}"}
        )

    async def core_per_call(conn: AsyncConnection) -> object:
        return await conn.execute(
            core_insert(outbox).values(id=new_id(), subject="saga.cmd.wallet", payload=payload, headers={})
        )

    prebuilt_core = core_insert(outbox)

    async def core_prebuilt(conn: AsyncConnection) -> object:
        return await conn.execute(
            prebuilt_core, {"id": new_id(), "subject": "saga.cmd.wallet", "payload": payload, "headers": {}}
        )

    show("postgresql.insert(...).on_conflict_do_nothing() per call", await cost(db, postgresql_insert, runs))
    show("text() prebuilt once (same ON CONFLICT)", await cost(db, text_insert, runs))
    show("sqlalchemy.insert(...).values(...) per call (no ON CONFLICT)", await cost(db, core_per_call, runs))
    show("sqlalchemy.insert(table) prebuilt, values at execute", await cost(db, core_prebuilt, runs))

    rounds = []
    async with await psycopg.AsyncConnection.connect(url) as raw:
        for _ in range(3):
            async with raw.transaction(force_rollback=True):
                started = time.process_time()
                for _ in range(runs):
                    await raw.execute(
                        "INSERT INTO bookings.outbox (id, subject, payload, headers) "
                        "VALUES (%s, %s, %s, '{}'::jsonb) ON CONFLICT DO NOTHING",
                        (new_id(), "saga.cmd.wallet", payload),
                    )
                rounds.append((time.process_time() - started) / runs * 1e6)
    show("psycopg directly", statistics.median(rounds))


def _booking(customer_id: str) -> Any:
    from bookings.domain.model import Booking, BookingModel, BookingStatus, PaymentPlan

    start = datetime.now(UTC) + timedelta(days=2)
    return Booking(
        id=new_id(),
        company_id=new_id(),
        customer_id=customer_id,
        resource_id=new_id(),
        session_id=new_id(),
        booking_model=BookingModel.TIME_SLOT,
        quantity=1,
        start_time=start,
        end_time=start + timedelta(hours=1),
        status=BookingStatus.PENDING,
        total_minor=100,
        base_minor=100,
        currency="EUR",
        plan=PaymentPlan(entitlement_id="", use_wallet=True, payment_method_id="", pay_later=False),
        saga_id=new_id(),
        free_cancellation_until=start,
        cancellation_windows=((1440, 100),),
        quote_lines=(("1 place", 1, 100),),
    )


async def functions(db: Database, wallet_db: Database, runs: int) -> None:
    from bookingplatform.saga.v1 import saga_pb2
    from bookings.adapters import repository as bookings_repo
    from bookings.adapters import tables as bookings_tables
    from bookings.domain.saga import Saga, SagaKind
    from bookings.domain.step_log import StepKind, StepLogEntry
    from plumbing import audit
    from plumbing.outbox import Outbox, record_in_inbox
    from plumbing.principal import Principal, Role, acting_as
    from plumbing.saga_protocol import StepAction
    from wallet.adapters import repository as wallet_repo
    from wallet.adapters import tables as wallet_tables
    from wallet.domain.commands import SagaStep
    from wallet.domain.model import Outcome, Split, TransactionKind

    def saga_step(saga_id: str) -> SagaStep:
        """A wallet step command of a new saga (the claim takes its business key)."""
        return SagaStep(
            saga_id=saga_id,
            action=StepAction.EXECUTE,
            company_id=new_id(),
            customer_id=new_id(),
            booking_id=new_id(),
            amount=5,
            currency="EUR",
        )

    print("this tree's functions")
    message = saga_pb2.StepCommand(saga_id=new_id(), step="wallet")
    outbox = Outbox(bookings_tables.outbox)
    show(
        "plumbing.outbox Outbox.add",
        await cost(db, lambda conn: outbox.add(conn, "saga.cmd.wallet", message), runs),
    )
    show(
        "plumbing.outbox record_in_inbox",
        await cost(db, lambda conn: record_in_inbox(conn, bookings_tables.inbox, new_id(), "s"), runs),
    )

    async def audited(conn: AsyncConnection) -> object:
        with acting_as(Principal(role=Role.CUSTOMER, company_id=new_id(), customer_id=new_id())):
            return await audit.record(
                conn,
                company_id=new_id(),
                entity_type="booking",
                entity_id=new_id(),
                action="create",
                after={"status": "PENDING", "total_minor": 100},
            )

    show("plumbing.audit record (audit_log + outbox)", await cost(db, audited, runs))
    customer = new_id()
    show(
        "bookings insert_booking",
        await cost(
            db, lambda conn: bookings_repo.insert_booking(conn, _booking(customer), new_id(), "h"), runs
        ),
    )
    session_id = new_id()
    show(
        "bookings hold_places (insert ON CONFLICT + update)",
        await cost(
            db,
            lambda conn: bookings_repo.hold_places(
                conn, session_id=session_id, company_id=new_id(), capacity=10**9, quantity=1
            ),
            runs,
        ),
    )
    show(
        "bookings count_active_booking (insert ON CONFLICT + update)",
        await cost(
            db,
            lambda conn: bookings_repo.count_active_booking(
                conn, customer_id=customer, resource_id=new_id(), limit=0
            ),
            runs,
        ),
    )

    async def booking_and_saga(conn: AsyncConnection, *, steps: int) -> None:
        booking = _booking(customer)
        await bookings_repo.insert_booking(conn, booking, new_id(), "h")
        saga = Saga(
            id=booking.saga_id, booking_id=booking.id, kind=SagaKind.BOOKING, currency="EUR", total_minor=100
        )
        await bookings_repo.insert_saga(
            conn, saga, company_id=booking.company_id, trace_id="", deadline_in=timedelta(seconds=30)
        )
        entry = StepLogEntry(step="wallet", kind=StepKind.COMMAND, action="EXECUTE", attempt=1)
        await bookings_repo.log_steps(conn, saga.id, [entry] * steps)

    show(
        "bookings insert_booking + insert_saga",
        await cost(db, lambda conn: booking_and_saga(conn, steps=0), runs),
    )
    show(
        "bookings insert_booking + insert_saga + log_steps x4",
        await cost(db, lambda conn: booking_and_saga(conn, steps=4), runs),
    )
    show(
        "wallet claim_operation",
        await cost(
            wallet_db,
            lambda conn: wallet_repo.claim_operation(conn, saga_step(new_id()), StepAction.EXECUTE),
            runs,
        ),
    )
    accounts = wallet_tables.accounts
    account_ids: list[str] = []
    async with wallet_db.transaction() as conn:
        company, owner = new_id(), new_id()
        for kind in ("MAIN", "BONUS"):
            created = await conn.execute(
                accounts.insert()
                .values(id=new_id(), company_id=company, customer_id=owner, kind=kind, currency="EUR")
                .returning(accounts.c.id)
            )
            account_ids.append(str(created.scalar_one()))

    async def ledger(conn: AsyncConnection, transaction_id: str | None = None) -> None:
        transaction_id = transaction_id or new_id()
        await wallet_repo.insert_transaction(
            conn,
            transaction_id=transaction_id,
            company_id=new_id(),
            kind=TransactionKind.DEBIT,
            business_key=new_id(),
            booking_id=new_id(),
        )
        await wallet_repo.add_entries(conn, transaction_id, [(account_ids[0], -5), (account_ids[1], 5)])

    show("wallet insert_transaction + add_entries (2 rows)", await cost(wallet_db, ledger, runs))

    async def claimed_debit(conn: AsyncConnection) -> str:
        saga_id = new_id()
        await wallet_repo.claim_operation(conn, saga_step(saga_id), StepAction.EXECUTE)
        return saga_id

    async def debit_recorded_in_three(conn: AsyncConnection) -> None:
        saga_id = await claimed_debit(conn)
        transaction_id = new_id()
        await ledger(conn, transaction_id)
        await wallet_repo.complete_operation(
            conn,
            saga_id=saga_id,
            action=StepAction.EXECUTE,
            outcome=Outcome.SUCCEEDED,
            moved=Split(main=5),
            transaction_id=transaction_id,
        )

    show(
        "wallet claim + transaction, entries, outcome in 3 statements",
        await cost(wallet_db, debit_recorded_in_three, runs),
    )

    async def debit_recorded_in_one(conn: AsyncConnection) -> None:
        saga_id = await claimed_debit(conn)
        await wallet_repo.complete_operation_with_transaction(
            conn,
            saga_id=saga_id,
            action=StepAction.EXECUTE,
            moved=Split(main=5),
            transaction_id=new_id(),
            company_id=new_id(),
            kind=TransactionKind.DEBIT,
            business_key=new_id(),
            booking_id=new_id(),
            entries=[(account_ids[0], -5), (account_ids[1], 5)],
        )

    show(
        "wallet claim + complete_operation_with_transaction (2 entries)",
        await cost(wallet_db, debit_recorded_in_one, runs),
    )


async def transactions(url: str, runs: int) -> None:
    """CPU and wall µs per `Database.transaction()` running `SELECT 1`, with and without the
    pool's pre-ping (switched on here as `pool_pre_ping=True` did)."""
    print("a transaction: checkout + SELECT 1 + commit")
    select_one = text("SELECT 1")
    for pre_ping in (True, False):
        db = Database(url, pool_size=2, application_name="bookings")
        db.engine.pool._pre_ping = pre_ping
        cpu, wall = [], []
        try:
            for _ in range(3):
                started, started_wall = time.process_time(), time.perf_counter()
                for _ in range(runs):
                    async with db.transaction() as conn:
                        await conn.execute(select_one)
                cpu.append((time.process_time() - started) / runs * 1e6)
                wall.append((time.perf_counter() - started_wall) / runs * 1e6)
        finally:
            await db.close()
        name = f"Database.transaction() {'with' if pre_ping else 'without'} pre-ping"
        show(name, statistics.median(cpu))
        show("", statistics.median(wall), "µs wall")
    # The same transaction through psycopg alone: what SQLAlchemy's engine, pool and
    # greenlet bridge add to each one.
    import psycopg

    raw = await psycopg.AsyncConnection.connect(url)
    cpu, wall = [], []
    try:
        for _ in range(3):
            started, started_wall = time.process_time(), time.perf_counter()
            for _ in range(runs):
                async with raw.transaction():
                    await raw.execute("SELECT 1")
            cpu.append((time.process_time() - started) / runs * 1e6)
            wall.append((time.perf_counter() - started_wall) / runs * 1e6)
    finally:
        await raw.close()
    show("psycopg directly (BEGIN, SELECT 1, COMMIT)", statistics.median(cpu))
    show("", statistics.median(wall), "µs wall")


async def measure(url: str, runs: int, parts: set[str]) -> None:
    db = Database(url, pool_size=2, application_name="bookings")
    wallet_db = Database(url, pool_size=2, application_name="wallet")
    print(f"per call: the median of 3 rounds of {runs} calls")
    try:
        if "references" in parts:
            await references(db, url, runs)
        if "functions" in parts:
            await functions(db, wallet_db, runs)
    finally:
        await db.close()
        await wallet_db.close()
    if "transaction" in parts:
        await transactions(url, runs)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--parts", default="references,functions,transaction")
    args = parser.parse_args()

    from plumbing.devstack import drop_database, ensure_database, start_postgres, stop_postgres
    from plumbing.migrations import migrate_all

    with tempfile.TemporaryDirectory(prefix="bp-bench-sql-") as data_dir:
        server_url = os.environ.get("DATABASE_URL")
        server = None
        if not server_url:
            server_url, server = start_postgres(Path(data_dir) / "pg", cleanup="delete")
        name = f"bench_sql_{uuid.uuid4().hex[:8]}"
        url = ensure_database(server_url, name)
        try:
            migrate_all(url)
            asyncio.run(measure(url, args.runs, set(args.parts.split(","))))
        finally:
            drop_database(server_url, name)
            if server is not None:
                stop_postgres(server)


if __name__ == "__main__":
    main()
