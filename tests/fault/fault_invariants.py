"""The invariants of docs/saga.md "How it is tested", checked by SQL after quiescence.

Every check returns a `Check` with its violations (empty = holds). Expected values come from
what the workload did (opening top-ups, which sessions refund) and from the bookings as the
orchestrator recorded them; actual values come from each participant's own tables.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections import defaultdict
from typing import Any

import psycopg
from fault_workload import World

from bookings.domain import saga as saga_machine
from tools.invariants import (  # shared with tools/backup.py's restore validation
    HOLDING,
    SCHEMAS,
    TERMINAL,
    Check,
    check_outboxes,
    rows,
    unfinished_work,
)

__all__ = ["SCHEMAS", "Check", "check_outboxes", "unfinished_work"]


def bookings_with_refund(conn: psycopg.Connection[Any], world: World) -> list[Any]:
    return rows(
        conn,
        """
        SELECT b.*, s.state AS saga_state
        FROM bookings.bookings b JOIN bookings.sagas s ON s.id = b.saga_id
        WHERE b.company_id = %s
        """,
        world.company_id,
    )


def check_all(conn: psycopg.Connection[Any], world: World) -> list[Check]:
    percent = {session.id: session.refund_percent for session in world.sessions}
    bookings = bookings_with_refund(conn, world)
    return [
        check_money(conn, world, bookings, percent),
        check_card(conn, bookings, percent),
        check_passes(conn, world, bookings, percent),
        check_places(conn, world),
        check_termination(conn, world),
        check_duplicates(conn, world),
        check_outboxes(conn),
        check_replay(conn, world),
    ]


def _wallet_net(booking: Any, percent: dict[str, int]) -> int:
    """What should have left the customer's wallet for this booking, after refunds."""
    paid = int(booking.wallet_debited_minor) + int(booking.bonus_debited_minor)
    if booking.status == "CONFIRMED":
        return paid
    if booking.status == "CANCELLED":
        return paid - paid * percent[str(booking.session_id)] // 100
    return 0


def check_money(
    conn: psycopg.Connection[Any], world: World, bookings: list[Any], percent: dict[str, int]
) -> Check:
    check = Check("money")
    accounts = rows(
        conn,
        """
        SELECT a.customer_id, a.kind, a.balance,
               COALESCE(SUM(e.amount), 0) AS entries,
               COALESCE(SUM(e.amount) FILTER (WHERE t.kind = 'TOP_UP'), 0) AS top_ups
        FROM wallet.accounts a
        LEFT JOIN wallet.ledger_entries e ON e.account_id = a.id
        LEFT JOIN wallet.ledger_transactions t ON t.id = e.transaction_id
        WHERE a.company_id = %s AND a.customer_id IS NOT NULL
        GROUP BY a.customer_id, a.kind, a.balance
        """,
        world.company_id,
    )
    balance: dict[str, int] = defaultdict(int)
    for account in accounts:
        customer = str(account.customer_id)
        balance[customer] += int(account.balance)
        if int(account.balance) < 0:
            check.fail(f"customer {customer} {account.kind} balance is negative: {account.balance}")
        if int(account.balance) != int(account.entries):
            check.fail(
                f"customer {customer} {account.kind} balance {account.balance} != sum of its ledger "
                f"entries {account.entries}"
            )
    expected_out: dict[str, int] = defaultdict(int)
    for booking in bookings:
        expected_out[str(booking.customer_id)] += _wallet_net(booking, percent)
    total_expected = total_actual = 0
    for customer in world.customers:
        opening = customer.main_minor + customer.bonus_minor
        actual_out = opening - balance.get(customer.id, 0)
        total_expected += expected_out[customer.id]
        total_actual += actual_out
        if actual_out != expected_out[customer.id]:
            check.fail(
                f"customer {customer.id}: {actual_out} left the wallet, the bookings account for "
                f"{expected_out[customer.id]} (opening {opening}, balance {balance.get(customer.id, 0)})"
            )
    clearing = rows(
        conn,
        """
        SELECT COALESCE(SUM(e.amount), 0) AS total FROM wallet.ledger_entries e
        JOIN wallet.accounts a ON a.id = e.account_id
        WHERE a.company_id = %s AND a.kind = 'CLEARING'
        """,
        world.company_id,
    )[0].total
    if int(clearing) != total_expected:
        check.fail(
            f"CLEARING holds {clearing}, confirmed bookings minus refunds account for {total_expected}"
        )
    unbalanced = rows(
        conn,
        """
        SELECT t.id FROM wallet.ledger_transactions t JOIN wallet.ledger_entries e ON e.transaction_id = t.id
        WHERE t.company_id = %s GROUP BY t.id HAVING SUM(e.amount) <> 0
        """,
        world.company_id,
    )
    for row in unbalanced:
        check.fail(f"ledger transaction {row.id} does not sum to zero")
    check.note = f"left wallets {total_actual}, expected {total_expected}"
    return check


def check_card(conn: psycopg.Connection[Any], bookings: list[Any], percent: dict[str, int]) -> Check:
    check = Check("card")
    payments: dict[str, list[Any]] = defaultdict(list)
    for payment in rows(conn, "SELECT * FROM payments.payments WHERE booking_id IS NOT NULL"):
        payments[str(payment.booking_id)].append(payment)
    expected_total = actual_total = 0
    for booking in bookings:
        found = payments.get(str(booking.id), [])
        card = int(booking.card_charged_minor)
        live = [p for p in found if p.status in ("AUTHORIZED", "CAPTURED", "REFUNDED")]
        for payment in found:
            if payment.status == "AUTHORIZED":
                check.fail(
                    f"payment {payment.id} of {booking.status} booking {booking.id} is left AUTHORIZED"
                )
            if payment.status in ("CAPTURED", "REFUNDED"):
                actual_total += int(payment.amount_minor) - int(payment.refunded_minor)
        if booking.status == "CONFIRMED":
            expected_total += card
            captured = [p for p in live if p.status == "CAPTURED" and int(p.refunded_minor) == 0]
            if card and (len(captured) != 1 or int(captured[0].amount_minor) != card):
                check.fail(f"confirmed booking {booking.id} charged {card} by card; payments {_brief(found)}")
            if not card and live:
                check.fail(f"confirmed booking {booking.id} paid nothing by card; payments {_brief(found)}")
        elif booking.status == "CANCELLED":
            refund = card * percent[str(booking.session_id)] // 100
            expected_total += card - refund
            if card and (len(live) != 1 or int(live[0].refunded_minor) != refund):
                check.fail(
                    f"cancelled booking {booking.id}: {refund} of {card} should be refunded; "
                    f"payments {_brief(found)}"
                )
        elif live:
            check.fail(f"{booking.status} booking {booking.id} has a live payment: {_brief(found)}")
    if expected_total != actual_total:
        check.fail(f"cards were charged {actual_total} net, confirmed bookings account for {expected_total}")
    check.note = f"captured net {actual_total}, expected {expected_total}"
    return check


def _brief(payments: list[Any]) -> str:
    return str([(p.status, int(p.amount_minor), int(p.refunded_minor)) for p in payments])


def check_passes(
    conn: psycopg.Connection[Any], world: World, bookings: list[Any], percent: dict[str, int]
) -> Check:
    check = Check("passes")
    expected: dict[str, int] = defaultdict(int)
    for booking in bookings:
        if not booking.entitlement_id or not int(booking.pass_covered_minor):
            continue
        keeps_credit = booking.status == "CONFIRMED" or (
            booking.status == "CANCELLED" and percent[str(booking.session_id)] < 100
        )
        if keeps_credit:
            expected[str(booking.entitlement_id)] += int(booking.quantity)
    for customer in world.customers:
        if not customer.entitlement_id:
            continue
        [entitlement] = rows(
            conn,
            "SELECT credits_used, credits_held FROM passes.entitlements WHERE id = %s",
            customer.entitlement_id,
        )
        if int(entitlement.credits_used) != expected[customer.entitlement_id]:
            check.fail(
                f"entitlement {customer.entitlement_id}: {entitlement.credits_used} credits used, confirmed "
                f"pass bookings account for {expected[customer.entitlement_id]}"
            )
        if int(entitlement.credits_held):
            check.fail(
                f"entitlement {customer.entitlement_id} still holds {entitlement.credits_held} credits"
            )
    for hold in rows(
        conn,
        "SELECT saga_id, booking_id FROM passes.credit_holds WHERE state = 'HELD' AND company_id = %s",
        world.company_id,
    ):
        check.fail(f"credit hold of saga {hold.saga_id} (booking {hold.booking_id}) left HELD")
    check.note = f"credits used {sum(expected.values())}"
    return check


def check_places(conn: psycopg.Connection[Any], world: World) -> Check:
    check = Check("places")
    sold = 0
    for session in world.sessions:
        occupancy = rows(
            conn, "SELECT capacity, booked FROM bookings.session_occupancy WHERE session_id = %s", session.id
        )
        [holding] = rows(
            conn,
            "SELECT COALESCE(SUM(quantity), 0) AS places FROM bookings.bookings "
            "WHERE session_id = %s AND status = ANY(%s)",
            session.id,
            list(HOLDING),
        )
        booked = int(occupancy[0].booked) if occupancy else 0
        sold += booked
        if booked != int(holding.places):
            check.fail(f"session {session.id}: {booked} places booked, bookings hold {holding.places}")
        if booked > session.capacity or int(holding.places) > session.capacity:
            check.fail(f"session {session.id} sold {holding.places} of {session.capacity} places")
    check.note = f"places sold {sold}"
    return check


def check_termination(conn: psycopg.Connection[Any], world: World) -> Check:
    check = Check("termination")
    sagas = rows(
        conn,
        """
        SELECT s.id, s.kind, s.state, s.current_step,
               EXTRACT(EPOCH FROM (GREATEST(s.updated_at, MAX(l.created_at)) - s.created_at)) AS seconds
        FROM bookings.sagas s LEFT JOIN bookings.saga_steps l ON l.saga_id = s.id
        WHERE s.company_id = %s GROUP BY s.id
        """,
        world.company_id,
    )
    longest = 0.0
    for saga in sagas:
        if saga.state not in TERMINAL:
            check.fail(f"{saga.kind} saga {saga.id} is {saga.state} at step {saga.current_step!r}")
        else:
            longest = max(longest, float(saga.seconds or 0))
    for booking in rows(
        conn,
        "SELECT id, status FROM bookings.bookings "
        "WHERE company_id = %s AND status IN ('PENDING', 'CANCELLING')",
        world.company_id,
    ):
        check.fail(f"booking {booking.id} stayed {booking.status}")
    check.note = f"longest to terminal {longest:.1f} s"
    check.value = longest
    return check


def check_duplicates(conn: psycopg.Connection[Any], world: World) -> Check:
    """No effect twice per business key, counted by booking so a re-keyed repeat shows too."""
    check = Check("no-duplicate-effects")
    for row in rows(
        conn,
        """
        SELECT booking_id, COUNT(*) AS n, array_agg(business_key) AS keys FROM wallet.ledger_transactions
        WHERE company_id = %s AND kind = 'DEBIT' GROUP BY booking_id HAVING COUNT(*) > 1
        """,
        world.company_id,
    ):
        check.fail(f"wallet: {row.n} DEBIT transactions for booking {row.booking_id}: {row.keys}")
    for row in rows(
        conn,
        """
        SELECT booking_id, COUNT(*) AS n FROM payments.payments
        WHERE company_id = %s AND booking_id IS NOT NULL GROUP BY booking_id HAVING COUNT(*) > 1
        """,
        world.company_id,
    ):
        check.fail(f"payments: {row.n} payments for booking {row.booking_id}")
    for row in rows(
        conn,
        """
        SELECT booking_id, COUNT(*) AS n FROM passes.credit_holds
        WHERE company_id = %s AND state <> 'TOMBSTONE' GROUP BY booking_id HAVING COUNT(*) > 1
        """,
        world.company_id,
    ):
        check.fail(f"passes: {row.n} credit holds for booking {row.booking_id}")
    for row in rows(
        conn,
        """
        SELECT b.id, COUNT(*) FILTER (WHERE l.action = 'hold') AS holds,
               COUNT(*) FILTER (WHERE l.action = 'release') AS releases
        FROM bookings.bookings b JOIN bookings.sagas s ON s.booking_id = b.id
        JOIN bookings.saga_steps l ON l.saga_id = s.id AND l.step = 'place' AND l.kind = 'effect'
        WHERE b.company_id = %s GROUP BY b.id HAVING COUNT(*) FILTER (WHERE l.action = 'hold') <> 1
            OR COUNT(*) FILTER (WHERE l.action = 'release') > 1
        """,
        world.company_id,
    ):
        check.fail(f"bookings: booking {row.id} held its places {row.holds}x, released {row.releases}x")
    return check


# -- replay ------------------------------------------------------------------------------


def _participant_amounts(
    conn: psycopg.Connection[Any], world: World
) -> dict[tuple[str, str], tuple[int, int, str]]:
    """What each participant recorded for its EXECUTE of a saga: (amount, bonus, reference).

    The step log keeps outcomes but no amounts; the amounts decide the state machine's path
    (a wallet that paid it all skips the card), so they are read from the participants.
    """
    found: dict[tuple[str, str], tuple[int, int, str]] = {}
    for row in rows(
        conn,
        "SELECT saga_id, bonus_amount, main_amount, transaction_id FROM wallet.saga_operations "
        "WHERE action = 'EXECUTE' AND company_id = %s",
        world.company_id,
    ):
        found[(str(row.saga_id), "wallet")] = (
            int(row.bonus_amount) + int(row.main_amount),
            int(row.bonus_amount),
            str(row.transaction_id or ""),
        )
    for row in rows(
        conn, "SELECT saga_id, amount_minor, reference FROM passes.saga_operations WHERE action = 'EXECUTE'"
    ):
        found[(str(row.saga_id), "passes")] = (int(row.amount_minor), 0, row.reference or "")
    for row in rows(
        conn, "SELECT saga_id, amount_minor, payment_id FROM payments.saga_steps WHERE action = 'EXECUTE'"
    ):
        found[(str(row.saga_id), "payments")] = (int(row.amount_minor), 0, str(row.payment_id or ""))
    return found


def replay_saga(
    saga_row: Any, booking: Any, steps: list[Any], amounts: dict[tuple[str, str], tuple[int, int, str]]
) -> tuple[str, list[str]]:
    """Feeds a saga's step log through the state machine; returns the end state and problems."""
    Saga, Reply, Action = saga_machine.Saga, saga_machine.Reply, saga_machine.Action
    problems: list[str] = []
    if saga_row.kind == "booking":
        options: dict[str, Any] = dict(
            saga_id=str(saga_row.id),
            booking_id=str(booking.id),
            currency=booking.currency,
            total_minor=int(booking.total_minor),
            base_minor=int(booking.base_minor),
            credits=int(booking.quantity),
            use_pass=bool(booking.entitlement_id),
            use_wallet=bool(booking.use_wallet),
            use_card=bool(booking.payment_method_id),
        )
        if "pay_later" in inspect.signature(Saga.for_booking).parameters and hasattr(booking, "pay_later"):
            options["pay_later"] = bool(booking.pay_later)
        saga, _ = Saga.for_booking(**options)
    else:
        data = saga_row.data
        saga, _ = Saga.for_cancellation(
            saga_id=str(saga_row.id),
            booking_id=str(booking.id),
            currency=booking.currency,
            refund_card_minor=int(data.get("refund_minor", {}).get("payments", 0)),
            refund_wallet_minor=int(data.get("refund_minor", {}).get("wallet", 0)),
            return_credits=int(data.get("credits", 0)),
        )
    reply_takes_attempt = "attempt" in {f.name for f in dataclasses.fields(Reply)}
    for step in steps:
        if step.kind == "command":
            if step.step == saga.current_step and step.action == saga.action.value:
                saga.attempt = int(step.attempt)
        elif step.kind in ("reply", "ignored"):
            succeeded = step.outcome == "SUCCEEDED"
            amount, bonus, reference = (0, 0, "")
            if step.action == "execute" and succeeded:
                amount, bonus, reference = amounts.get((str(saga_row.id), step.step), (0, 0, ""))
            extra = {"attempt": int(step.attempt)} if reply_takes_attempt else {}
            reply = Reply(
                step=step.step,
                action=Action(step.action),
                succeeded=succeeded,
                reason="" if succeeded else step.outcome,
                amount_minor=amount,
                bonus_minor=bonus,
                reference=reference,
                **extra,
            )
            applied = saga.apply(reply).applied
            if applied != (step.kind == "reply"):
                problems.append(
                    f"log row {step.id} ({step.kind} {step.step} {step.action}) replays as applied={applied}"
                )
        elif step.kind == "timeout" and _gives_up(saga, int(step.attempt)):
            saga.give_up_execution("STEP_TIMED_OUT")
    return saga.state.value, problems


def _gives_up(saga: Any, attempt: int) -> bool:
    """The sweeper's rule: a step still running before the pivot after too many attempts."""
    return (
        saga.action is saga_machine.Action.EXECUTE
        and saga.state.value == "RUNNING"
        and attempt >= saga_machine.MAX_EXECUTE_ATTEMPTS
    )


def check_replay(conn: psycopg.Connection[Any], world: World) -> Check:
    check = Check("replay")
    amounts = _participant_amounts(conn, world)
    bookings = {
        str(b.id): b
        for b in rows(conn, "SELECT * FROM bookings.bookings WHERE company_id = %s", world.company_id)
    }
    steps: dict[str, list[Any]] = defaultdict(list)
    for step in rows(
        conn,
        "SELECT l.* FROM bookings.saga_steps l JOIN bookings.sagas s ON s.id = l.saga_id "
        "WHERE s.company_id = %s ORDER BY l.id",
        world.company_id,
    ):
        steps[str(step.saga_id)].append(step)
    sagas = rows(conn, "SELECT * FROM bookings.sagas WHERE company_id = %s", world.company_id)
    for saga_row in sagas:
        state, problems = replay_saga(
            saga_row, bookings[str(saga_row.booking_id)], steps[str(saga_row.id)], amounts
        )
        if state != saga_row.state:
            check.fail(
                f"{saga_row.kind} saga {saga_row.id} is {saga_row.state}, its step log replays to {state}"
            )
        for problem in problems[:3]:
            check.fail(f"{saga_row.kind} saga {saga_row.id}: {problem}")
    check.note = f"{len(sagas)} sagas replayed"
    return check


# -- outages -----------------------------------------------------------------------------


def check_accepted_kept(conn: psycopg.Connection[Any], world: World, booking_ids: list[str]) -> Check:
    """Every booking the platform accepted (CreateBooking answered it) is still there."""
    check = Check("accepted-kept")
    found = {
        str(row.id)
        for row in rows(conn, "SELECT id FROM bookings.bookings WHERE company_id = %s", world.company_id)
    }
    for booking_id in booking_ids:
        if booking_id not in found:
            check.fail(f"accepted booking {booking_id} is gone")
    check.note = f"{len(booking_ids)} accepted"
    return check


def check_no_step_timed_out(conn: psycopg.Connection[Any], world: World) -> Check:
    """No booking rejected for STEP_TIMED_OUT: with NATS down a command waits in the outbox,
    and a step's deadline only runs from the publish of its command."""
    check = Check("no-step-timed-out")
    for row in rows(
        conn,
        "SELECT id FROM bookings.bookings WHERE company_id = %s AND reject_reason = 'STEP_TIMED_OUT'",
        world.company_id,
    ):
        check.fail(f"booking {row.id} was rejected for STEP_TIMED_OUT")
    return check


def booking_outcomes(conn: psycopg.Connection[Any], world: World) -> dict[str, int]:
    """Bookings by status (a rejection with its reason)."""
    return {
        row.outcome: int(row.n)
        for row in rows(
            conn,
            """
            SELECT status || COALESCE(':' || NULLIF(reject_reason, ''), '') AS outcome, COUNT(*) AS n
            FROM bookings.bookings WHERE company_id = %s GROUP BY 1
            """,
            world.company_id,
        )
    }


def bookings_created_between(conn: psycopg.Connection[Any], world: World, start: Any, end: Any) -> int:
    [row] = rows(
        conn,
        "SELECT COUNT(*) AS n FROM bookings.bookings WHERE company_id = %s AND created_at BETWEEN %s AND %s",
        world.company_id,
        start,
        end,
    )
    return int(row.n)
