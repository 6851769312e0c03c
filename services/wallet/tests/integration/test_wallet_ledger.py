"""The double-entry ledger: every transaction sums to zero, balances equal their entries,
and PostgreSQL refuses anything else."""

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from bookingplatform.saga.v1 import saga_pb2
from plumbing.saga_protocol import StepAction
from wallet.adapters import repository as repo
from wallet.domain.model import Outcome, Split, SystemAccountKind, TransactionKind
from wallet.entrypoints.saga import step_from_proto

pytestmark = pytest.mark.integration


async def scalar(db, sql, **params):
    async with db.transaction() as conn:
        return (await conn.execute(text(sql), params)).scalar()


async def run_a_day_of_business(run_step, command, fund, company_id, customers):
    """Top-ups, debits (full, partial, refused), compensations and refunds for a company."""
    for customer_id in customers:
        await fund(company_id, customer_id, main=900, bonus=150)
        ids = {"company_id": company_id, "customer_id": customer_id}
        kept, compensated = str(uuid.uuid4()), str(uuid.uuid4())
        await run_step(command(saga_pb2.STEP_ACTION_EXECUTE, booking_id=kept, amount=400, **ids))
        await run_step(command(saga_pb2.STEP_ACTION_EXECUTE, saga_id=compensated, amount=300, **ids))
        await run_step(command(saga_pb2.STEP_ACTION_COMPENSATE, saga_id=compensated, **ids))
        await run_step(command(saga_pb2.STEP_ACTION_EXECUTE, amount=10_000, **ids))
        await run_step(command(saga_pb2.STEP_ACTION_REFUND, booking_id=kept, amount=250, **ids))
        await run_step(command(saga_pb2.STEP_ACTION_EXECUTE, amount=10_000, allow_partial=True, **ids))


async def test_every_ledger_transaction_sums_to_zero(db, run_step, command, fund, company_id):
    customers = [str(uuid.uuid4()) for _ in range(3)]
    await run_a_day_of_business(run_step, command, fund, company_id, customers)
    kinds = await scalar(
        db,
        "SELECT array_agg(DISTINCT kind ORDER BY kind) FROM wallet.ledger_transactions WHERE company_id = :c",
        c=company_id,
    )
    assert kinds == ["DEBIT", "REFUND", "TOP_UP"]
    unbalanced = await scalar(
        db,
        """
        SELECT count(*) FROM (
            SELECT t.id FROM wallet.ledger_transactions t
            LEFT JOIN wallet.ledger_entries e ON e.transaction_id = t.id
            GROUP BY t.id HAVING COALESCE(SUM(e.amount), 0) <> 0 OR count(e.id) < 2
        ) AS bad
        """,
    )
    assert unbalanced == 0


async def test_balances_equal_their_entries_and_system_accounts_mirror_customers(
    db, run_step, command, fund, wallet_of, ledger_balance, company_id
):
    customers = [str(uuid.uuid4()) for _ in range(2)]
    await run_a_day_of_business(run_step, command, fund, company_id, customers)
    customer_total = 0
    for customer_id in customers:
        wallet = await wallet_of(company_id, customer_id)
        # 1050 in; 400 kept minus 250 refunded; then the partial debit takes the rest.
        assert (wallet.bonus_balance, wallet.main_balance) == (0, 0)
        assert await ledger_balance(company_id, customer_id) == {"BONUS": 0, "MAIN": 0}
        customer_total += wallet.bonus_balance + wallet.main_balance
    funding = await scalar(
        db,
        """
        SELECT SUM(e.amount) FROM wallet.ledger_entries e JOIN wallet.accounts a ON a.id = e.account_id
        WHERE a.company_id = :c AND a.kind = 'FUNDING'
        """,
        c=company_id,
    )
    clearing = await scalar(
        db,
        """
        SELECT SUM(e.amount) FROM wallet.ledger_entries e JOIN wallet.accounts a ON a.id = e.account_id
        WHERE a.company_id = :c AND a.kind = 'CLEARING'
        """,
        c=company_id,
    )
    assert funding == -2 * 1050
    assert clearing == 2 * 1050  # everything topped up ended in clearing (money held for bookings)
    assert customer_total + clearing + funding == 0


async def test_the_database_refuses_an_unbalanced_ledger_transaction(db, fund, company_id, customer_id):
    await fund(company_id, customer_id, main=100)
    account_id = await scalar(
        db,
        "SELECT id FROM wallet.accounts WHERE customer_id = :u AND kind = 'MAIN'",
        u=customer_id,
    )
    with pytest.raises(IntegrityError, match="does not balance"):
        async with db.transaction() as conn:
            transaction_id = str(uuid.uuid4())
            await conn.execute(
                text(
                    "INSERT INTO wallet.ledger_transactions (id, company_id, kind, business_key)"
                    " VALUES (:t, :c, 'TOP_UP', :k)"
                ),
                {"t": transaction_id, "c": company_id, "k": f"test:{transaction_id}"},
            )
            await conn.execute(
                text(
                    "INSERT INTO wallet.ledger_entries (transaction_id, account_id, amount)"
                    " VALUES (:t, :a, 5)"
                ),
                {"t": transaction_id, "a": account_id},
            )


async def test_the_database_refuses_a_negative_customer_balance(db, fund, company_id, customer_id):
    await fund(company_id, customer_id, main=100)
    with pytest.raises(IntegrityError, match="ck_accounts_balance_non_negative"):
        async with db.transaction() as conn:
            await conn.execute(
                text(
                    "UPDATE wallet.accounts SET balance = balance - 101"
                    " WHERE customer_id = :u AND kind = 'MAIN'"
                ),
                {"u": customer_id},
            )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE wallet.ledger_entries SET amount = amount * 2 WHERE transaction_id IN "
        "(SELECT id FROM wallet.ledger_transactions WHERE company_id = :c)",
        "DELETE FROM wallet.ledger_transactions WHERE company_id = :c",
    ],
)
async def test_the_ledger_is_append_only(db, fund, company_id, customer_id, statement):
    await fund(company_id, customer_id, main=100)
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.transaction() as conn:
            await conn.execute(text(statement), {"c": company_id})


async def test_a_system_account_is_remembered_only_once_committed(db, company_id):
    clearing = SystemAccountKind.CLEARING
    cache_key = (company_id, clearing.value, "EUR")
    # Made by a transaction that rolls back: asked twice in it (the second call meets its own
    # row), remembered neither time, so the next transaction does not get a vanished id.
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            first = await repo.ensure_system_account(conn, company_id, clearing, "EUR")
            assert await repo.ensure_system_account(conn, company_id, clearing, "EUR") == first
            raise RuntimeError("roll back")
    assert cache_key not in repo._system_accounts
    async with db.transaction() as conn:
        made = await repo.ensure_system_account(conn, company_id, clearing, "EUR")
    assert made != first
    assert cache_key not in repo._system_accounts  # made by that transaction: not yet known
    # Committed now: the next transaction reads it and remembers it, later ones ask nothing.
    async with db.transaction() as conn:
        assert await repo.ensure_system_account(conn, company_id, clearing, "EUR") == made
    assert repo._system_accounts[cache_key] == made
    # A wrong remembered id is refused by the entries' foreign key and forgotten.
    repo._system_accounts[cache_key] = str(uuid.uuid4())
    with pytest.raises(IntegrityError):
        async with db.transaction() as conn:
            wrong = await repo.ensure_system_account(conn, company_id, clearing, "EUR")
            transaction_id = str(uuid.uuid4())
            await repo.insert_transaction(
                conn,
                transaction_id=transaction_id,
                company_id=company_id,
                kind=TransactionKind.DEBIT,
                business_key=f"test:{transaction_id}",
            )
            await repo.add_entries(conn, transaction_id, [(wrong, 5), (made, -5)])
    assert cache_key not in repo._system_accounts


async def saga_writes(db, saga_id):
    """The ledger transactions of a saga (with their entries) and its recorded operations."""
    async with db.transaction() as conn:
        transactions = (
            await conn.execute(
                text(
                    "SELECT id, company_id, kind, business_key, booking_id, reason, actor_user_id"
                    " FROM wallet.ledger_transactions WHERE business_key LIKE :key"
                ),
                {"key": f"saga:{saga_id}:%"},
            )
        ).all()
        entries = (
            await conn.execute(
                text(
                    "SELECT e.transaction_id, a.kind, e.amount FROM wallet.ledger_entries e"
                    " JOIN wallet.accounts a ON a.id = e.account_id"
                    " WHERE e.transaction_id = ANY(CAST(:ids AS uuid[])) ORDER BY e.id"
                ),
                {"ids": [str(row.id) for row in transactions]},
            )
        ).all()
        operations = (
            await conn.execute(
                text(
                    "SELECT action, outcome, reason, bonus_amount, main_amount, transaction_id"
                    " FROM wallet.saga_operations WHERE saga_id = :s ORDER BY action"
                ),
                {"s": saga_id},
            )
        ).all()
    return transactions, entries, operations


async def test_a_recorded_debit_writes_its_transaction_entries_and_outcome(
    db, run_step, command, fund, company_id, customer_id
):
    await fund(company_id, customer_id, main=1000, bonus=300)
    execute = command(
        saga_pb2.STEP_ACTION_EXECUTE, company_id=company_id, customer_id=customer_id, amount=500
    )
    reply = await run_step(execute)
    transactions, entries, operations = await saga_writes(db, execute.saga_id)
    [txn] = transactions
    assert reply.reference == str(txn.id)
    assert (str(txn.company_id), txn.kind, str(txn.booking_id), txn.reason, txn.actor_user_id) == (
        company_id,
        "DEBIT",
        execute.booking_id,
        None,
        None,
    )
    assert txn.business_key == f"saga:{execute.saga_id}:wallet:EXECUTE"
    assert [(entry.kind, entry.amount) for entry in entries] == [
        ("BONUS", -300),
        ("MAIN", -200),
        ("CLEARING", 500),
    ]
    assert {str(entry.transaction_id) for entry in entries} == {str(txn.id)}
    assert [tuple(operation) for operation in operations] == [("EXECUTE", "SUCCEEDED", "", 300, 200, txn.id)]
    # The compensation gives it back the same way: a REFUND transaction recorded with its operation.
    await run_step(
        command(
            saga_pb2.STEP_ACTION_COMPENSATE,
            saga_id=execute.saga_id,
            company_id=company_id,
            customer_id=customer_id,
        )
    )
    transactions, entries, operations = await saga_writes(db, execute.saga_id)
    [refund] = [row for row in transactions if row.kind == "REFUND"]
    assert [(entry.kind, entry.amount) for entry in entries if entry.transaction_id == refund.id] == [
        ("MAIN", 200),
        ("BONUS", 300),
        ("CLEARING", -500),
    ]
    assert tuple(operations[0]) == ("COMPENSATE", "SUCCEEDED", "", 300, 200, refund.id)


async def test_a_used_ledger_key_is_refused_and_the_debit_writes_nothing(
    db, run_step, command, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=1000)
    execute = command(
        saga_pb2.STEP_ACTION_EXECUTE, company_id=company_id, customer_id=customer_id, amount=400
    )
    # A balanced transaction already holding the debit's ledger key (between system accounts).
    async with db.transaction() as conn:
        clearing = await repo.ensure_system_account(conn, company_id, SystemAccountKind.CLEARING, "EUR")
        funding = await repo.ensure_system_account(conn, company_id, SystemAccountKind.FUNDING, "EUR")
        taken = str(uuid.uuid4())
        assert await repo.insert_transaction(
            conn,
            transaction_id=taken,
            company_id=company_id,
            kind=TransactionKind.DEBIT,
            business_key=f"saga:{execute.saga_id}:wallet:EXECUTE",
        )
        await repo.add_entries(conn, taken, [(clearing, 5), (funding, -5)])
    with pytest.raises(RuntimeError, match=f"ledger key of {execute.saga_id}/EXECUTE already used"):
        await run_step(execute)
    transactions, entries, operations = await saga_writes(db, execute.saga_id)
    assert [str(row.id) for row in transactions] == [taken]
    assert [(entry.kind, entry.amount) for entry in entries] == [("CLEARING", 5), ("FUNDING", -5)]
    assert operations == []
    assert (await wallet_of(company_id, customer_id)).main_balance == 1000
    # In the statement itself: a taken key writes neither entries nor the decision.
    async with db.engine.connect() as conn, conn.begin() as transaction:
        assert await repo.claim_operation(conn, step_from_proto(execute), StepAction.EXECUTE)
        decided = await repo.complete_operation_with_transaction(
            conn,
            saga_id=execute.saga_id,
            action=StepAction.EXECUTE,
            moved=Split(main=5),
            transaction_id=str(uuid.uuid4()),
            company_id=company_id,
            kind=TransactionKind.DEBIT,
            business_key=f"saga:{execute.saga_id}:wallet:EXECUTE",
            booking_id=execute.booking_id,
            entries=[(clearing, 5), (funding, -5)],
        )
        assert decided is None
        operation = await repo.get_operation(conn, execute.saga_id, StepAction.EXECUTE)
        assert operation is not None
        assert (operation.outcome, operation.transaction_id) == (Outcome.PENDING, None)
        await transaction.rollback()
    transactions, entries, _ = await saga_writes(db, execute.saga_id)
    assert ([str(row.id) for row in transactions], len(entries)) == ([taken], 2)


async def test_an_operation_no_longer_pending_is_not_recorded_again(db, company_id, customer_id):
    saga_id = str(uuid.uuid4())
    with pytest.raises(RuntimeError, match=f"operation {saga_id}/EXECUTE is not pending"):
        async with db.transaction() as conn:
            clearing = await repo.ensure_system_account(conn, company_id, SystemAccountKind.CLEARING, "EUR")
            funding = await repo.ensure_system_account(conn, company_id, SystemAccountKind.FUNDING, "EUR")
            await repo.complete_operation_with_transaction(
                conn,
                saga_id=saga_id,
                action=StepAction.EXECUTE,
                moved=Split(main=5),
                transaction_id=str(uuid.uuid4()),
                company_id=company_id,
                kind=TransactionKind.DEBIT,
                business_key=f"saga:{saga_id}:wallet:EXECUTE",
                booking_id=None,
                entries=[(clearing, 5), (funding, -5)],
            )


async def test_a_wrong_remembered_clearing_account_is_forgotten_when_a_debit_is_recorded(
    db, run_step, command, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=1000)
    execute = command(
        saga_pb2.STEP_ACTION_EXECUTE, company_id=company_id, customer_id=customer_id, amount=400
    )
    cache_key = (company_id, SystemAccountKind.CLEARING.value, "EUR")
    repo._system_accounts[cache_key] = str(uuid.uuid4())
    with pytest.raises(IntegrityError, match="fk_ledger_entries_account_id_accounts"):
        await run_step(execute)
    assert cache_key not in repo._system_accounts
    assert (await wallet_of(company_id, customer_id)).main_balance == 1000
    # The orchestrator's re-send finds the clearing account again and debits.
    reply = await run_step(execute)
    assert reply.outcome == saga_pb2.STEP_OUTCOME_SUCCEEDED
    assert (await wallet_of(company_id, customer_id)).main_balance == 600
