"""The wallet's saga step handler on real PostgreSQL: debit, compensation, refund, replays."""

import asyncio
import uuid

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from bookingplatform.saga.v1 import saga_pb2

pytestmark = pytest.mark.integration

EXECUTE = saga_pb2.STEP_ACTION_EXECUTE
COMPENSATE = saga_pb2.STEP_ACTION_COMPENSATE
FINALIZE = saga_pb2.STEP_ACTION_FINALIZE
REFUND = saga_pb2.STEP_ACTION_REFUND
SUCCEEDED = saga_pb2.STEP_OUTCOME_SUCCEEDED
FAILED = saga_pb2.STEP_OUTCOME_FAILED


def answer(reply):
    return (
        saga_pb2.StepOutcome.Name(reply.outcome),
        reply.reason,
        reply.amount.amount_minor,
        reply.bonus_amount_minor,
    )


async def balances(wallet_of, company_id, customer_id):
    wallet = await wallet_of(company_id, customer_id)
    return wallet.bonus_balance, wallet.main_balance


async def ledger_transactions_of(db, saga_id):
    async with db.transaction() as conn:
        rows = await conn.execute(
            text(
                "SELECT kind FROM wallet.ledger_transactions WHERE business_key LIKE :key ORDER BY created_at"
            ),
            {"key": f"saga:{saga_id}:%"},
        )
        return [row.kind for row in rows]


async def test_execute_debits_bonus_first_then_main(
    run_step, command, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=1000, bonus=300)
    execute = command(EXECUTE, company_id=company_id, customer_id=customer_id, amount=500)
    reply = await run_step(execute)
    assert answer(reply) == ("STEP_OUTCOME_SUCCEEDED", "", 500, 300)
    assert (reply.saga_id, reply.step, reply.action, reply.attempt) == (execute.saga_id, "wallet", EXECUTE, 1)
    assert reply.amount.currency_code == "EUR"
    assert uuid.UUID(reply.reference)
    assert await balances(wallet_of, company_id, customer_id) == (0, 800)


async def test_execute_without_the_funds_is_refused_and_takes_nothing(
    db, run_step, command, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=100, bonus=50)
    execute = command(EXECUTE, company_id=company_id, customer_id=customer_id, amount=151)
    reply = await run_step(execute)
    assert answer(reply) == ("STEP_OUTCOME_FAILED", "INSUFFICIENT_FUNDS", 0, 0)
    assert reply.reference == ""
    assert await balances(wallet_of, company_id, customer_id) == (50, 100)
    assert await ledger_transactions_of(db, execute.saga_id) == []


async def test_execute_of_a_customer_without_a_wallet_is_refused(run_step, command, company_id, customer_id):
    reply = await run_step(command(EXECUTE, company_id=company_id, customer_id=customer_id, amount=1))
    assert answer(reply) == ("STEP_OUTCOME_FAILED", "INSUFFICIENT_FUNDS", 0, 0)


async def test_partial_execute_takes_what_is_there(
    run_step, command, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=120, bonus=30)
    reply = await run_step(
        command(EXECUTE, company_id=company_id, customer_id=customer_id, amount=500, allow_partial=True)
    )
    assert answer(reply) == ("STEP_OUTCOME_SUCCEEDED", "", 150, 30)
    assert await balances(wallet_of, company_id, customer_id) == (0, 0)
    again = await run_step(
        command(EXECUTE, company_id=company_id, customer_id=customer_id, amount=500, allow_partial=True)
    )
    assert answer(again) == ("STEP_OUTCOME_SUCCEEDED", "", 0, 0)
    assert again.reference == ""


@pytest.mark.parametrize(
    ("bonus", "main", "amount", "taken", "bonus_taken"),
    [
        (300, 4_690, 5_000, 4_950, 300),  # 10 cents short: the card pays its minimum, 50
        (0, 4_999, 5_000, 4_950, 0),  # 1 cent short
        (0, 4_950, 5_000, 4_950, 0),  # exactly the minimum left: as it was
        (100, 1_000, 5_000, 1_100, 100),  # more than the minimum left: all the wallet holds
        (0, 6_000, 5_000, 5_000, 0),  # the wallet covers it all: no card
        (0, 30, 40, 30, 0),  # an amount below the minimum: nothing better to do
    ],
)
async def test_a_partial_debit_leaves_the_card_nothing_or_at_least_its_minimum(
    run_step, command, fund, wallet_of, company_id, customer_id, bonus, main, amount, taken, bonus_taken
):
    # Providers refuse, or fee more than it is worth, a card charge of a few cents.
    await fund(company_id, customer_id, main=main, bonus=bonus)
    reply = await run_step(
        command(
            EXECUTE,
            company_id=company_id,
            customer_id=customer_id,
            amount=amount,
            allow_partial=True,
            card_minimum=50,
        )
    )
    assert answer(reply) == ("STEP_OUTCOME_SUCCEEDED", "", taken, bonus_taken)
    assert await balances(wallet_of, company_id, customer_id) == (
        bonus - bonus_taken,
        main - (taken - bonus_taken),
    )


async def test_execute_in_another_currency_than_the_wallet_is_refused(
    run_step, command, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=1000)
    reply = await run_step(
        command(EXECUTE, company_id=company_id, customer_id=customer_id, amount=100, currency="USD")
    )
    assert answer(reply) == ("STEP_OUTCOME_FAILED", "CURRENCY_MISMATCH", 0, 0)
    # Taking what is there (allow_partial) is no way around it, nor is an amount of zero.
    for amount, partial in ((100, True), (0, False)):
        reply = await run_step(
            command(
                EXECUTE,
                company_id=company_id,
                customer_id=customer_id,
                amount=amount,
                currency="USD",
                allow_partial=partial,
            )
        )
        assert answer(reply) == ("STEP_OUTCOME_FAILED", "CURRENCY_MISMATCH", 0, 0)
    assert await balances(wallet_of, company_id, customer_id) == (0, 1000)


async def test_a_re_sent_execute_answers_the_recorded_decision_and_debits_once(
    db, run_step, command, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=1000, bonus=100)
    execute = command(EXECUTE, company_id=company_id, customer_id=customer_id, amount=400)
    first = await run_step(execute)
    execute.attempt = 2
    second = await run_step(execute)
    assert answer(second) == answer(first) == ("STEP_OUTCOME_SUCCEEDED", "", 400, 100)
    assert second.reference == first.reference
    assert second.attempt == 2
    assert await balances(wallet_of, company_id, customer_id) == (0, 700)
    assert await ledger_transactions_of(db, execute.saga_id) == ["DEBIT"]


async def test_a_debit_refused_for_lack_of_money_is_asked_again_only_by_a_later_attempt(
    db, run_step, command, fund, wallet_of, company_id, customer_id
):
    # Billing a PENDING_PAYMENT booking: the orchestrator re-sends with a higher attempt.
    await fund(company_id, customer_id, main=100)
    execute = command(EXECUTE, company_id=company_id, customer_id=customer_id, amount=500)
    execute.attempt = 2
    assert answer(await run_step(execute))[1] == "INSUFFICIENT_FUNDS"
    await fund(company_id, customer_id, main=1000)

    execute.attempt = 1  # a late original: keeps the recorded answer, takes nothing
    assert answer(await run_step(execute)) == ("STEP_OUTCOME_FAILED", "INSUFFICIENT_FUNDS", 0, 0)
    execute.attempt = 2  # the same attempt again: the same answer
    assert answer(await run_step(execute)) == ("STEP_OUTCOME_FAILED", "INSUFFICIENT_FUNDS", 0, 0)
    assert await balances(wallet_of, company_id, customer_id) == (0, 1100)

    execute.attempt = 3  # a later attempt: the money is there now
    assert answer(await run_step(execute)) == ("STEP_OUTCOME_SUCCEEDED", "", 500, 0)
    execute.attempt = 4  # and once debited, it is never debited again
    assert answer(await run_step(execute)) == ("STEP_OUTCOME_SUCCEEDED", "", 500, 0)
    assert await balances(wallet_of, company_id, customer_id) == (0, 600)
    assert await ledger_transactions_of(db, execute.saga_id) == ["DEBIT"]


async def test_a_refused_debit_is_not_asked_again_after_a_compensation(
    run_step, command, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=100)
    execute = command(EXECUTE, company_id=company_id, customer_id=customer_id, amount=500)
    assert answer(await run_step(execute))[1] == "INSUFFICIENT_FUNDS"
    compensate = command(COMPENSATE, saga_id=execute.saga_id, company_id=company_id, customer_id=customer_id)
    await run_step(compensate)
    await fund(company_id, customer_id, main=1000)
    execute.attempt = 5
    assert answer(await run_step(execute))[1] == "ALREADY_COMPENSATED"
    assert await balances(wallet_of, company_id, customer_id) == (0, 1100)


async def test_compensate_gives_back_exactly_what_the_debit_took(
    db, run_step, command, fund, wallet_of, ledger_balance, company_id, customer_id
):
    await fund(company_id, customer_id, main=1000, bonus=200)
    saga_id = str(uuid.uuid4())
    await run_step(
        command(EXECUTE, saga_id=saga_id, company_id=company_id, customer_id=customer_id, amount=500)
    )
    assert await balances(wallet_of, company_id, customer_id) == (0, 700)
    compensate = command(COMPENSATE, saga_id=saga_id, company_id=company_id, customer_id=customer_id)
    reply = await run_step(compensate)
    assert answer(reply) == ("STEP_OUTCOME_SUCCEEDED", "", 500, 200)
    assert await balances(wallet_of, company_id, customer_id) == (200, 1000)
    compensate.attempt = 2
    again = await run_step(compensate)
    assert answer(again) == answer(reply)
    assert again.reference == reply.reference
    assert await balances(wallet_of, company_id, customer_id) == (200, 1000)
    assert await ledger_transactions_of(db, saga_id) == ["DEBIT", "REFUND"]
    assert await ledger_balance(company_id, customer_id) == {"BONUS": 200, "MAIN": 1000}


async def test_an_execute_after_its_compensation_is_refused(
    run_step, command, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=1000)
    saga_id = str(uuid.uuid4())
    execute = command(EXECUTE, saga_id=saga_id, company_id=company_id, customer_id=customer_id, amount=300)
    await run_step(execute)
    await run_step(command(COMPENSATE, saga_id=saga_id, company_id=company_id, customer_id=customer_id))
    execute.attempt = 2
    assert answer(await run_step(execute)) == ("STEP_OUTCOME_FAILED", "ALREADY_COMPENSATED", 0, 0)
    assert await balances(wallet_of, company_id, customer_id) == (0, 1000)


async def test_a_compensate_before_any_execute_leaves_a_tombstone_that_refuses_the_late_execute(
    db, run_step, command, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=1000)
    saga_id = str(uuid.uuid4())
    compensate = await run_step(
        command(COMPENSATE, saga_id=saga_id, company_id=company_id, customer_id=customer_id)
    )
    assert answer(compensate) == ("STEP_OUTCOME_SUCCEEDED", "", 0, 0)
    late = await run_step(
        command(
            EXECUTE, saga_id=saga_id, company_id=company_id, customer_id=customer_id, amount=300, attempt=1
        )
    )
    assert answer(late) == ("STEP_OUTCOME_FAILED", "ALREADY_COMPENSATED", 0, 0)
    assert await balances(wallet_of, company_id, customer_id) == (0, 1000)
    assert await ledger_transactions_of(db, saga_id) == []
    async with db.transaction() as conn:
        tombstone = (
            await conn.execute(
                text(
                    "SELECT tombstone, outcome FROM wallet.saga_operations"
                    " WHERE saga_id = :s AND action = 'EXECUTE'"
                ),
                {"s": saga_id},
            )
        ).one()
    assert (tombstone.tombstone, tombstone.outcome) == (True, "FAILED")


async def test_compensating_a_refused_execute_gives_nothing_back(
    run_step, command, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=100)
    saga_id = str(uuid.uuid4())
    await run_step(
        command(EXECUTE, saga_id=saga_id, company_id=company_id, customer_id=customer_id, amount=500)
    )
    reply = await run_step(
        command(COMPENSATE, saga_id=saga_id, company_id=company_id, customer_id=customer_id)
    )
    assert answer(reply) == ("STEP_OUTCOME_SUCCEEDED", "", 0, 0)
    assert await balances(wallet_of, company_id, customer_id) == (0, 100)


async def test_finalize_succeeds_and_a_repeat_succeeds_again_without_effect(
    run_step, command, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=1000)
    saga_id = str(uuid.uuid4())
    await run_step(
        command(EXECUTE, saga_id=saga_id, company_id=company_id, customer_id=customer_id, amount=250)
    )
    finalize = command(FINALIZE, saga_id=saga_id, company_id=company_id, customer_id=customer_id)
    assert answer(await run_step(finalize)) == ("STEP_OUTCOME_SUCCEEDED", "", 0, 0)
    finalize.attempt = 2
    assert answer(await run_step(finalize)) == ("STEP_OUTCOME_SUCCEEDED", "", 0, 0)
    assert await balances(wallet_of, company_id, customer_id) == (0, 750)


async def test_refunds_give_back_main_first_and_never_more_than_the_booking_took(
    db, run_step, command, fund, wallet_of, ledger_balance, company_id, customer_id
):
    await fund(company_id, customer_id, main=1000, bonus=300)
    booking_id = str(uuid.uuid4())
    await run_step(
        command(EXECUTE, booking_id=booking_id, company_id=company_id, customer_id=customer_id, amount=800)
    )
    assert await balances(wallet_of, company_id, customer_id) == (0, 500)  # took 300 bonus + 500 main

    first = command(REFUND, booking_id=booking_id, company_id=company_id, customer_id=customer_id, amount=600)
    reply = await run_step(first)
    assert answer(reply) == ("STEP_OUTCOME_SUCCEEDED", "", 600, 100)
    assert await balances(wallet_of, company_id, customer_id) == (100, 1000)

    first.attempt = 2
    assert answer(await run_step(first)) == answer(reply)
    assert await balances(wallet_of, company_id, customer_id) == (100, 1000)

    # A second cancellation saga asks for more than is left: only the remaining 200 bonus.
    second = await run_step(
        command(REFUND, booking_id=booking_id, company_id=company_id, customer_id=customer_id, amount=1000)
    )
    assert answer(second) == ("STEP_OUTCOME_SUCCEEDED", "", 200, 200)
    third = await run_step(
        command(REFUND, booking_id=booking_id, company_id=company_id, customer_id=customer_id, amount=1000)
    )
    assert answer(third) == ("STEP_OUTCOME_SUCCEEDED", "", 0, 0)
    assert await balances(wallet_of, company_id, customer_id) == (300, 1000)
    assert await ledger_balance(company_id, customer_id) == {"BONUS": 300, "MAIN": 1000}


async def test_a_refund_of_a_booking_without_a_debit_gives_nothing_back(
    run_step, command, company_id, customer_id
):
    reply = await run_step(command(REFUND, company_id=company_id, customer_id=customer_id, amount=500))
    assert answer(reply) == ("STEP_OUTCOME_SUCCEEDED", "", 0, 0)


async def test_a_refund_after_compensation_gives_nothing_back(
    run_step, command, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=1000)
    saga_id, booking_id = str(uuid.uuid4()), str(uuid.uuid4())
    ids = {"company_id": company_id, "customer_id": customer_id, "booking_id": booking_id}
    await run_step(command(EXECUTE, saga_id=saga_id, amount=400, **ids))
    await run_step(command(COMPENSATE, saga_id=saga_id, **ids))
    assert answer(await run_step(command(REFUND, amount=400, **ids))) == ("STEP_OUTCOME_SUCCEEDED", "", 0, 0)
    assert await balances(wallet_of, company_id, customer_id) == (0, 1000)


async def test_concurrent_refunds_of_one_booking_never_exceed_its_debit(
    run_step, command, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=1000)
    booking_id = str(uuid.uuid4())
    ids = {"company_id": company_id, "customer_id": customer_id, "booking_id": booking_id}
    await run_step(command(EXECUTE, amount=1000, **ids))
    replies = await asyncio.gather(*(run_step(command(REFUND, amount=300, **ids)) for _ in range(6)))
    assert sorted(reply.amount.amount_minor for reply in replies) == [0, 0, 100, 300, 300, 300]
    assert await balances(wallet_of, company_id, customer_id) == (0, 1000)


async def test_an_invalid_command_is_answered_failed_without_effect(run_step, command, company_id):
    reply = await run_step(command(EXECUTE, company_id=company_id, customer_id="not-a-uuid", amount=100))
    assert answer(reply) == ("STEP_OUTCOME_FAILED", "INVALID_COMMAND", 0, 0)


async def test_twenty_concurrent_debits_take_only_what_the_balance_covers(
    run_step, command, fund, wallet_of, ledger_balance, company_id, customer_id
):
    await fund(company_id, customer_id, main=500, bonus=250)  # covers 7 debits of 100, with 50 left
    executes = [
        command(EXECUTE, company_id=company_id, customer_id=customer_id, amount=100) for _ in range(20)
    ]
    replies = await asyncio.gather(*(run_step(execute) for execute in executes))
    outcomes = [answer(reply)[:2] for reply in replies]
    assert outcomes.count(("STEP_OUTCOME_SUCCEEDED", "")) == 7
    assert outcomes.count(("STEP_OUTCOME_FAILED", "INSUFFICIENT_FUNDS")) == 13
    assert sum(reply.bonus_amount_minor for reply in replies) == 250  # bonus went first
    wallet = await wallet_of(company_id, customer_id)
    assert (wallet.bonus_balance, wallet.main_balance) == (0, 50)
    assert await ledger_balance(company_id, customer_id) == {"BONUS": 0, "MAIN": 50}


async def test_twenty_concurrent_partial_debits_take_everything_exactly_once(
    run_step, command, fund, wallet_of, ledger_balance, company_id, customer_id
):
    await fund(company_id, customer_id, main=730, bonus=145)
    executes = [
        command(EXECUTE, company_id=company_id, customer_id=customer_id, amount=100, allow_partial=True)
        for _ in range(20)
    ]
    replies = await asyncio.gather(*(run_step(execute) for execute in executes))
    assert all(reply.outcome == SUCCEEDED for reply in replies)
    assert sorted(reply.amount.amount_minor for reply in replies) == [0] * 11 + [75] + [100] * 8
    assert sum(reply.bonus_amount_minor for reply in replies) == 145
    assert await balances(wallet_of, company_id, customer_id) == (0, 0)
    assert await ledger_balance(company_id, customer_id) == {"BONUS": 0, "MAIN": 0}


@pytest.mark.parametrize("round_", range(5))
async def test_a_racing_execute_and_compensate_of_one_saga_never_lose_money(
    run_step, command, fund, wallet_of, company_id, customer_id, round_
):
    await fund(company_id, customer_id, main=1000)
    saga_id = str(uuid.uuid4())
    ids = {"saga_id": saga_id, "company_id": company_id, "customer_id": customer_id}
    execute, compensate = await asyncio.gather(
        run_step(command(EXECUTE, amount=400, **ids)), run_step(command(COMPENSATE, **ids))
    )
    assert compensate.outcome == SUCCEEDED
    if execute.outcome == SUCCEEDED:  # the execute won: the compensation gave it all back
        assert compensate.amount.amount_minor == 400
    else:  # the compensation won: it left a tombstone
        assert (execute.reason, compensate.amount.amount_minor) == ("ALREADY_COMPENSATED", 0)
    assert await balances(wallet_of, company_id, customer_id) == (0, 1000)


async def test_an_execute_claims_and_debits_in_one_statement_and_a_re_sent_one_debits_nothing(
    db, run_step, command, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=1000, bonus=0)
    execute = command(EXECUTE, company_id=company_id, customer_id=customer_id, amount=400)
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if str(parameters).find(execute.saga_id) >= 0:  # this step's statements only
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        first = await run_step(execute)
        claimed_and_debited = list(statements)
        execute.attempt = 2
        statements.clear()
        second = await run_step(execute)
    finally:
        event.remove(Engine, "before_cursor_execute", record)

    # The claim and the debit are one statement; then the posting that records it.
    assert len(claimed_and_debited) == 2, claimed_and_debited
    assert "INSERT INTO wallet.saga_operations" in claimed_and_debited[0]
    assert "UPDATE wallet.accounts" in claimed_and_debited[0]
    # The re-sent step found its key taken: that statement debited nothing, and it answered the
    # recorded decision.
    assert answer(second) == answer(first) == ("STEP_OUTCOME_SUCCEEDED", "", 400, 0)
    assert await balances(wallet_of, company_id, customer_id) == (0, 600)
    assert await ledger_transactions_of(db, execute.saga_id) == ["DEBIT"]
