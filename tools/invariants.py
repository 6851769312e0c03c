"""Invariants of docs/saga.md checked by SQL alone, on any database of the platform.

Shared by the fault suite (tests/fault/fault_invariants.py adds the checks that need its
workload's knowledge: opening balances, refund percentages, the step-log replay) and by the
restore drill (`tools/backup.py restore` validates a restored database with `check_database`
before it is switched to). Every check returns a `Check` with its violations (empty = holds).

These hold at any instant, sagas in flight included: each effect commits with its own
bookkeeping (a ledger transaction with its entries, places with their booking, a credit hold
with the entitlement's counters), so a consistent snapshot such as a `pg_dump` shows them whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row

TERMINAL = ("COMPLETED", "COMPENSATED")
HOLDING = ("PENDING", "PENDING_PAYMENT", "CONFIRMED", "CANCELLING")
SCHEMAS = ("catalog", "bookings", "wallet", "passes", "payments")


@dataclass
class Check:
    name: str
    violations: list[str] = field(default_factory=list)
    note: str = ""
    value: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.violations

    def fail(self, message: str) -> None:
        self.violations.append(message)


def rows(conn: psycopg.Connection[Any], sql: str, *params: Any) -> list[Any]:
    with conn.cursor(row_factory=namedtuple_row) as cursor:
        cursor.execute(sql, params)  # type: ignore[arg-type]
        return cursor.fetchall()


def check_outboxes(conn: psycopg.Connection[Any]) -> Check:
    """Every outbox drained (after quiescence: nothing left unsent)."""
    check = Check("outboxes-drained")
    for schema in SCHEMAS:
        [row] = rows(conn, f"SELECT COUNT(*) AS n FROM {schema}.outbox WHERE published_at IS NULL")
        if row.n:
            check.fail(f"{schema}.outbox has {row.n} unsent messages")
    return check


def unfinished_work(conn: psycopg.Connection[Any]) -> list[str]:
    """What keeps the platform from being quiescent, as far as the database tells."""
    waiting = []
    [sagas] = rows(
        conn, "SELECT COUNT(*) AS n FROM bookings.sagas WHERE state NOT IN ('COMPLETED', 'COMPENSATED')"
    )
    if sagas.n:
        waiting.append(f"{sagas.n} sagas running")
    for schema in SCHEMAS:
        [row] = rows(conn, f"SELECT COUNT(*) AS n FROM {schema}.outbox WHERE published_at IS NULL")
        if row.n:
            waiting.append(f"{row.n} unsent in {schema}.outbox")
    return waiting


# -- any instant ---------------------------------------------------------------------------


def outbox_schemas(conn: psycopg.Connection[Any]) -> list[str]:
    """Every schema with an outbox table (the services' and the gateway's)."""
    found = rows(
        conn,
        "SELECT table_schema AS name FROM information_schema.tables "
        "WHERE table_name = 'outbox' ORDER BY table_schema",
    )
    return [row.name for row in found]


def outbox_counts(conn: psycopg.Connection[Any]) -> dict[str, dict[str, int]]:
    """Per schema: outbox rows in all and those not yet published."""
    counts = {}
    for schema in outbox_schemas(conn):
        [row] = rows(
            conn,
            "SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE published_at IS NULL) AS unsent "
            f'FROM "{schema}".outbox',
        )
        counts[schema] = {"total": int(row.total), "unsent": int(row.unsent)}
    return counts


def check_ledger(conn: psycopg.Connection[Any]) -> Check:
    """Money: every account's balance is the sum of its entries, no customer balance is
    negative, and every ledger transaction sums to zero."""
    check = Check("ledger")
    for account in rows(
        conn,
        """
        SELECT a.id, a.kind, a.customer_id, a.balance, COALESCE(SUM(e.amount), 0) AS entries
        FROM wallet.accounts a LEFT JOIN wallet.ledger_entries e ON e.account_id = a.id
        GROUP BY a.id
        HAVING a.balance <> COALESCE(SUM(e.amount), 0) OR (a.customer_id IS NOT NULL AND a.balance < 0)
        """,
    ):
        check.fail(
            f"account {account.id} ({account.kind}) balance {account.balance}, entries {account.entries}"
        )
    for row in rows(
        conn,
        "SELECT transaction_id FROM wallet.ledger_entries GROUP BY transaction_id HAVING SUM(amount) <> 0",
    ):
        check.fail(f"ledger transaction {row.transaction_id} does not sum to zero")
    [total] = rows(conn, "SELECT COUNT(*) AS n FROM wallet.ledger_transactions")
    check.note = f"{total.n} ledger transactions"
    return check


def check_session_places(conn: psycopg.Connection[Any]) -> Check:
    """Places: every session's places booked are the places its holding bookings hold, within
    its capacity."""
    check = Check("places")
    sold = 0
    for row in rows(
        conn,
        """
        SELECT o.session_id, o.capacity, o.booked,
               COALESCE((SELECT SUM(b.quantity) FROM bookings.bookings b
                         WHERE b.session_id = o.session_id AND b.status = ANY(%s)), 0) AS holding
        FROM bookings.session_occupancy o
        """,
        list(HOLDING),
    ):
        sold += int(row.booked)
        if int(row.booked) != int(row.holding):
            check.fail(f"session {row.session_id}: {row.booked} places booked, bookings hold {row.holding}")
        if int(row.booked) > int(row.capacity):
            check.fail(f"session {row.session_id} sold {row.booked} of {row.capacity} places")
    check.note = f"places sold {sold}"
    return check


def check_pass_credits(conn: psycopg.Connection[Any]) -> Check:
    """Pass credits: used and held within each entitlement's total, held = its HELD holds."""
    check = Check("pass-credits")
    for row in rows(
        conn,
        """
        SELECT e.id, e.credits_total, e.credits_used, e.credits_held,
               COALESCE((SELECT SUM(h.credits) FROM passes.credit_holds h
                         WHERE h.entitlement_id = e.id AND h.state = 'HELD'), 0) AS held
        FROM passes.entitlements e
        """,
    ):
        if min(int(row.credits_used), int(row.credits_held)) < 0:
            check.fail(
                f"entitlement {row.id}: negative credits {row.credits_used} used, {row.credits_held} held"
            )
        if int(row.credits_used) + int(row.credits_held) > int(row.credits_total):
            check.fail(
                f"entitlement {row.id}: {row.credits_used} used + {row.credits_held} held "
                f"> {row.credits_total}"
            )
        if int(row.credits_held) != int(row.held):
            check.fail(f"entitlement {row.id} holds {row.credits_held} credits, its HELD holds {row.held}")
    return check


def check_no_duplicate_effects(conn: psycopg.Connection[Any]) -> Check:
    """No effect twice per booking: one DEBIT, one payment, one credit hold."""
    check = Check("no-duplicate-effects")
    for row in rows(
        conn,
        "SELECT booking_id, COUNT(*) AS n FROM wallet.ledger_transactions WHERE kind = 'DEBIT' "
        "GROUP BY booking_id HAVING COUNT(*) > 1",
    ):
        check.fail(f"wallet: {row.n} DEBIT transactions for booking {row.booking_id}")
    for row in rows(
        conn,
        "SELECT booking_id, COUNT(*) AS n FROM payments.payments WHERE booking_id IS NOT NULL "
        "GROUP BY booking_id HAVING COUNT(*) > 1",
    ):
        check.fail(f"payments: {row.n} payments for booking {row.booking_id}")
    for row in rows(
        conn,
        "SELECT booking_id, COUNT(*) AS n FROM passes.credit_holds WHERE state <> 'TOMBSTONE' "
        "GROUP BY booking_id HAVING COUNT(*) > 1",
    ):
        check.fail(f"passes: {row.n} credit holds for booking {row.booking_id}")
    return check


def check_sagas_have_bookings(conn: psycopg.Connection[Any]) -> Check:
    """Every saga belongs to a booking that is there (nothing half-restored)."""
    check = Check("sagas-have-bookings")
    for row in rows(
        conn,
        "SELECT s.id FROM bookings.sagas s LEFT JOIN bookings.bookings b ON b.id = s.booking_id "
        "WHERE b.id IS NULL",
    ):
        check.fail(f"saga {row.id} names a booking that is not there")
    return check


def check_database(conn: psycopg.Connection[Any]) -> list[Check]:
    """Every invariant that holds at any instant, for a restored database's validation."""
    return [
        check_ledger(conn),
        check_session_places(conn),
        check_pass_credits(conn),
        check_no_duplicate_effects(conn),
        check_sagas_have_bookings(conn),
    ]


def saga_states(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Sagas by state (what was in flight at a backup shows here)."""
    return {
        row.state: int(row.n)
        for row in rows(conn, "SELECT state, COUNT(*) AS n FROM bookings.sagas GROUP BY state ORDER BY state")
    }
