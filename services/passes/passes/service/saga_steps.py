"""The passes step of the booking saga, inside the transaction of the StepConsumer.

Each (saga, action) is claimed once in `saga_operations`; its decision is recorded in the
same transaction as its effect and replayed when the orchestrator re-sends the command.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from passes.adapters import repository
from passes.domain import reasons
from passes.domain.model import Decision
from passes.domain.saga import (
    SagaStep,
    compensate_refusal,
    execute_refusal,
    finalize_refusal,
    hold_refusal,
    replayed_execute_refusal,
)
from plumbing.saga_protocol import StepAction

# A failed conditional update whose diagnosis finds room lost a race with a release; retry.
_HOLD_ATTEMPTS = 3


async def apply_step(conn: AsyncConnection, step: SagaStep) -> Decision:
    if not await repository.claim_operation(conn, step.saga_id, step.action, step.booking_id):
        return await _replay(conn, step)
    decision = await _ACTIONS[step.action](conn, step)
    await repository.record_decision(conn, step.saga_id, step.action, decision)
    return decision


async def _replay(conn: AsyncConnection, step: SagaStep) -> Decision:
    decision = await repository.recorded_decision(conn, step.saga_id, step.action)
    if step.action is StepAction.EXECUTE and decision.succeeded:
        hold = await repository.hold_of_saga(conn, step.saga_id)
        refusal = replayed_execute_refusal(hold.state if hold else None)
        if refusal:
            return Decision.failure(refusal)
    return decision


async def _execute(conn: AsyncConnection, step: SagaStep) -> Decision:
    refusal = execute_refusal(step)
    if refusal:
        return Decision.failure(refusal)
    assert step.entitlement_id and step.customer_id and step.company_id  # by execute_refusal
    hold_id = uuid.uuid4()
    inserted = await repository.insert_hold(
        conn,
        hold_id=hold_id,
        saga_id=step.saga_id,
        booking_id=step.booking_id,
        entitlement_id=step.entitlement_id,
        customer_id=step.customer_id,
        company_id=step.company_id,
        credits=step.credits,
    )
    if not inserted:
        # Either a COMPENSATE came first (its tombstone owns the saga) or the pass is not
        # the customer's in this company.
        if await repository.hold_of_saga(conn, step.saga_id) is not None:
            return Decision.failure(reasons.ALREADY_COMPENSATED)
        return Decision.failure(reasons.PASS_NOT_FOUND)
    for _ in range(_HOLD_ATTEMPTS):
        if await repository.hold_credits(
            conn, step.entitlement_id, step.customer_id, step.company_id, step.credits
        ):
            return Decision.success(
                amount_minor=step.amount_minor, reference=str(hold_id), credits=step.credits
            )
        entitlement, now = await repository.customer_entitlement_now(
            conn, step.entitlement_id, step.customer_id, step.company_id
        )
        refusal = hold_refusal(entitlement, credits=step.credits, now=now)
        if refusal:
            break
    await repository.delete_hold(conn, hold_id)
    return Decision.failure(refusal or reasons.PASS_EXHAUSTED)


async def _compensate(conn: AsyncConnection, step: SagaStep) -> Decision:
    released = await repository.release_hold(conn, step.saga_id)
    if released is None:
        tombstone_id = uuid.uuid4()
        if await repository.insert_tombstone(
            conn, hold_id=tombstone_id, saga_id=step.saga_id, booking_id=step.booking_id
        ):
            return Decision.success(amount_minor=step.amount_minor, reference=str(tombstone_id))
        # The saga has a hold row: maybe an EXECUTE committed while our insert waited on it.
        released = await repository.release_hold(conn, step.saga_id)
    if released is not None:
        return Decision.success(
            amount_minor=step.amount_minor, reference=str(released.id), credits=released.credits
        )
    hold = await repository.hold_of_saga(conn, step.saga_id)
    refusal = compensate_refusal(hold.state if hold else None)
    if refusal:
        return Decision.failure(refusal)
    return Decision.success(amount_minor=step.amount_minor, reference=str(hold.id) if hold else "")


async def _finalize(conn: AsyncConnection, step: SagaStep) -> Decision:
    consumed = await repository.consume_hold(conn, step.saga_id)
    if consumed is not None:
        return Decision.success(
            amount_minor=step.amount_minor, reference=str(consumed.id), credits=consumed.credits
        )
    hold = await repository.hold_of_saga(conn, step.saga_id)
    refusal = finalize_refusal(hold.state if hold else None)
    if refusal or hold is None:
        return Decision.failure(refusal or reasons.HOLD_NOT_FOUND)
    return Decision.success(amount_minor=step.amount_minor, reference=str(hold.id), credits=hold.credits)


async def _refund(conn: AsyncConnection, step: SagaStep) -> Decision:
    if step.company_id is None:
        return Decision.failure(reasons.INVALID_COMMAND)
    if step.credits < 0:
        return Decision.failure(reasons.INVALID_CREDITS)
    returned, holds = await repository.return_credits(
        conn, booking_id=step.booking_id, company_id=step.company_id, credits=step.credits
    )
    return Decision.success(
        amount_minor=step.amount_minor,
        reference=",".join(str(hold_id) for hold_id in holds),
        credits=returned,
    )


_ACTIONS: dict[StepAction, Callable[[AsyncConnection, SagaStep], Awaitable[Decision]]] = {
    StepAction.EXECUTE: _execute,
    StepAction.COMPENSATE: _compensate,
    StepAction.FINALIZE: _finalize,
    StepAction.REFUND: _refund,
}
