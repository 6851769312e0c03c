"""The wallet step of the booking saga, in the transaction of the StepConsumer (with the inbox
record and the reply): each action applied once per (saga_id, action), a repeat answers the
recorded decision."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from plumbing import money
from plumbing.saga_protocol import StepAction
from wallet.adapters import repository as repo
from wallet.domain.commands import SagaStep
from wallet.domain.model import (
    BalanceKind,
    Debit,
    Operation,
    Outcome,
    Split,
    SystemAccountKind,
    TransactionKind,
    saga_business_key,
    split_debit,
    split_refund,
    spread_refund,
)
from wallet.domain.validation import (
    ALREADY_COMPENSATED,
    AMOUNT_TOO_LARGE,
    CURRENCY_MISMATCH,
    INSUFFICIENT_FUNDS,
    INVALID_AMOUNT,
    INVALID_COMMAND,
)


async def handle_step(conn: AsyncConnection, step: SagaStep) -> Operation:
    """Applies one saga action once per (saga_id, action); a repeat answers the recorded decision."""
    if step.action is StepAction.EXECUTE:
        return await _execute(conn, step)
    if step.action is StepAction.FINALIZE:
        return await _finalize(conn, step)
    try:
        # A savepoint: a give-back the balance cap refuses leaves nothing behind, not even the
        # claim, so the orchestrator's re-send (these actions only go forward) tries again.
        async with conn.begin_nested():
            if step.action is StepAction.COMPENSATE:
                return await _compensate(conn, step)
            return await _refund(conn, step)
    except BalanceCapReached:
        return _refused(step, AMOUNT_TOO_LARGE)


class BalanceCapReached(Exception):
    """A credit back to a customer would pass MAX_BALANCE_MINOR."""


async def _recorded(conn: AsyncConnection, step: SagaStep, action: StepAction) -> Operation:
    recorded = await repo.get_operation(conn, step.saga_id, action)
    if recorded is None:  # claimed by someone else, so it exists once they committed
        raise RuntimeError(f"operation {step.saga_id}/{action.value} vanished")
    return recorded


async def _decide(conn: AsyncConnection, step: SagaStep, outcome: Outcome, reason: str = "") -> Operation:
    """Records the decision of the step's claimed operation when it moved no money (one that did
    is recorded with its ledger transaction: `_succeed_with_posting`)."""
    return await repo.complete_operation(
        conn, saga_id=step.saga_id, action=step.action, outcome=outcome, reason=reason
    )


def _refused(step: SagaStep, reason: str) -> Operation:
    return Operation(
        saga_id=step.saga_id,
        action=step.action,
        outcome=Outcome.FAILED,
        reason=reason,
        moved=Split(),
        transaction_id=None,
    )


async def _execute(conn: AsyncConnection, step: SagaStep) -> Operation:
    """Debits bonus first, then main; all of it, or what is there with allow_partial."""
    action = StepAction.EXECUTE
    if 0 < step.amount <= money.MAX_AMOUNT_MINOR:
        # The usual step: its claim and its debit are one statement.
        claimed, debited = await repo.claim_and_debit(conn, step)
        if claimed:
            return await _debited(conn, step, debited)
    else:
        claimed = await repo.claim_operation(conn, step, action)
    if not claimed:
        if await repo.get_operation(conn, step.saga_id, StepAction.COMPENSATE) is not None:
            return _refused(step, ALREADY_COMPENSATED)
        # A debit refused for lack of money is asked again by a later attempt (billing a
        # PENDING_PAYMENT booking); any other decision is answered as recorded.
        claimed = await repo.reclaim_refused_debit(
            conn, saga_id=step.saga_id, reason=INSUFFICIENT_FUNDS, attempt=step.attempt
        )
        if not claimed:
            return await _recorded(conn, step, action)

    if not 0 <= step.amount <= money.MAX_AMOUNT_MINOR:
        return await _decide(conn, step, Outcome.FAILED, INVALID_AMOUNT)
    if step.amount == 0:
        if await _in_another_currency(conn, step):
            return await _decide(conn, step, Outcome.FAILED, CURRENCY_MISMATCH)
        return await _decide(conn, step, Outcome.SUCCEEDED)
    # The debit takes the accounts of the step's currency only; the wallet is read only when
    # it took nothing, to say why.
    result = await repo.debit_bonus_first(
        conn,
        step.company_id,
        step.customer_id,
        step.amount,
        step.currency,
        allow_partial=step.allow_partial,
        card_minimum=step.card_minimum,
    )
    return await _debited(conn, step, result)


async def _debited(conn: AsyncConnection, step: SagaStep, result: repo.DebitResult | None) -> Operation:
    """The claimed step's decision once its debit ran (None: it took nothing)."""
    if result is None:
        if await _in_another_currency(conn, step):
            return await _decide(conn, step, Outcome.FAILED, CURRENCY_MISMATCH)
        # No accounts, or not enough without allow_partial: nothing was taken.
        if step.allow_partial:
            return await _decide(conn, step, Outcome.SUCCEEDED)
        return await _decide(conn, step, Outcome.FAILED, INSUFFICIENT_FUNDS)
    expected = split_debit(
        bonus_balance=result.bonus_before,
        main_balance=result.main_before,
        amount=step.amount,
        allow_partial=step.allow_partial,
        card_minimum=step.card_minimum,
    )
    if expected != result.taken:
        raise RuntimeError(f"debit took {result.taken}, the rule says {expected}")
    if result.taken.total == 0:
        return await _decide(conn, step, Outcome.SUCCEEDED)
    return await _succeed_with_posting(
        conn,
        step,
        TransactionKind.DEBIT,
        [
            (result.bonus_account_id, -result.taken.bonus),
            (result.main_account_id, -result.taken.main),
        ],
        moved=result.taken,
        company_id=step.company_id,
        clearing_amount=result.taken.total,
        currency=step.currency,
    )


async def _in_another_currency(conn: AsyncConnection, step: SagaStep) -> bool:
    currency = await repo.wallet_currency(conn, step.company_id, step.customer_id)
    return currency is not None and currency != step.currency


async def _compensate(conn: AsyncConnection, step: SagaStep) -> Operation:
    """Gives back exactly what the EXECUTE took; a tombstone when it took nothing yet."""
    action = StepAction.COMPENSATE
    if not await repo.claim_operation(conn, step, action):
        return await _recorded(conn, step, action)
    await repo.record_tombstone(
        conn,
        saga_id=step.saga_id,
        company_id=step.company_id,
        customer_id=step.customer_id,
        booking_id=step.booking_id,
        reason=ALREADY_COMPENSATED,
    )
    # Either the tombstone now holds the EXECUTE key, or the EXECUTE committed first:
    # its debit (if it succeeded) is locked here and given back.
    debit = await repo.lock_debit(conn, step.saga_id)
    if debit is None or debit.refundable.total == 0:
        return await _decide(conn, step, Outcome.SUCCEEDED)
    return await _give_back(
        conn, step, [(debit, debit.refundable)], moved=debit.refundable, currency=debit.currency
    )


async def _finalize(conn: AsyncConnection, step: SagaStep) -> Operation:
    """Nothing to finalize: the debit is final once taken."""
    action = StepAction.FINALIZE
    if not await repo.claim_operation(conn, step, action):
        return await _recorded(conn, step, action)
    return await _decide(conn, step, Outcome.SUCCEEDED)


async def _refund(conn: AsyncConnection, step: SagaStep) -> Operation:
    """Gives back up to `amount` of the booking's debits (main first, then bonus), never more
    than they took minus earlier refunds and compensations."""
    action = StepAction.REFUND
    if not await repo.claim_operation(conn, step, action):
        return await _recorded(conn, step, action)

    if not 0 <= step.amount <= money.MAX_AMOUNT_MINOR:
        return await _decide(conn, step, Outcome.FAILED, INVALID_AMOUNT)
    if step.booking_id is None:
        return await _decide(conn, step, Outcome.FAILED, INVALID_COMMAND)
    debits = await repo.lock_booking_debits(conn, step.company_id, step.booking_id)
    debits = [debit for debit in debits if debit.refundable.total > 0]
    if any(debit.currency != step.currency for debit in debits):
        return await _decide(conn, step, Outcome.FAILED, CURRENCY_MISMATCH)
    refundable = Split(
        bonus=sum(debit.refundable.bonus for debit in debits),
        main=sum(debit.refundable.main for debit in debits),
    )
    refund = split_refund(refundable=refundable, amount=step.amount)
    if refund.total == 0:
        return await _decide(conn, step, Outcome.SUCCEEDED)
    parts = [
        (debit, part) for debit, part in zip(debits, spread_refund(debits, refund), strict=True) if part.total
    ]
    return await _give_back(conn, step, parts, moved=refund, currency=step.currency)


async def _give_back(
    conn: AsyncConnection,
    step: SagaStep,
    parts: list[tuple[Debit, Split]],
    *,
    moved: Split,
    currency: str,
) -> Operation:
    """Credits each debit's customer with its part, counts it against the debit, and records
    the step's success (`moved`: all the parts) with one REFUND ledger transaction against
    the clearing account."""
    entries: list[tuple[str, int]] = []
    for debit, part in parts:
        await repo.add_refunded(conn, debit.saga_id, part)
        for kind, amount in ((BalanceKind.MAIN, part.main), (BalanceKind.BONUS, part.bonus)):
            if amount:
                account_id = await repo.credit(conn, debit.company_id, debit.customer_id, kind, amount)
                if account_id is None:  # the debit's account exists, so the cap refused the credit
                    raise BalanceCapReached(f"the {kind.value} balance would pass the cap")
                entries.append((account_id, amount))
    total = sum(part.total for _, part in parts)
    company_id = parts[0][0].company_id
    return await _succeed_with_posting(
        conn,
        step,
        TransactionKind.REFUND,
        entries,
        moved=moved,
        company_id=company_id,
        clearing_amount=-total,
        currency=currency,
    )


async def _succeed_with_posting(
    conn: AsyncConnection,
    step: SagaStep,
    kind: TransactionKind,
    customer_entries: list[tuple[str, int]],
    *,
    moved: Split,
    company_id: str,
    clearing_amount: int,
    currency: str,
) -> Operation:
    """Records the success of the step's claimed operation with the ledger transaction of its
    effect (customer entries balanced by clearing), in one statement."""
    clearing = await repo.ensure_system_account(conn, company_id, SystemAccountKind.CLEARING, currency)
    decided = await repo.complete_operation_with_transaction(
        conn,
        saga_id=step.saga_id,
        action=step.action,
        moved=moved,
        transaction_id=str(uuid.uuid4()),
        company_id=company_id,
        kind=kind,
        business_key=saga_business_key(step.saga_id, step.action),
        booking_id=step.booking_id,
        entries=[*customer_entries, (clearing, clearing_amount)],
    )
    if decided is None:  # the operation key was free, so the ledger key must be too
        raise RuntimeError(f"ledger key of {step.saga_id}/{step.action.value} already used")
    return decided
