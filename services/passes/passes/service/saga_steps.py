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
from passes.domain.model import CreditHold, Decision, HoldState
from passes.domain.saga import (
    SagaStep,
    compensate_refusal,
    execute_refusal,
    finalize_refusal,
    hold_refusal,
    refund_refusal,
    replayed_execute_refusal,
    resource_refusal,
)
from plumbing.saga_protocol import StepAction

# A failed conditional update whose diagnosis finds room lost a race with a release; retry.
_HOLD_ATTEMPTS = 3


async def apply_step(conn: AsyncConnection, step: SagaStep) -> Decision:
    """Claims (saga, action) and acts on it, or replays the decision recorded when it was
    claimed before. EXECUTE, FINALIZE and COMPENSATE claim, act and record their usual
    decision in one statement; anything else writes the decision after the claim."""
    decision = await _ACTIONS[step.action](conn, step)
    return await _replay(conn, step) if decision is None else decision


async def _replay(conn: AsyncConnection, step: SagaStep) -> Decision:
    decision = await repository.recorded_decision(conn, step.saga_id, step.action)
    if step.action is StepAction.EXECUTE and decision.succeeded:
        hold = await repository.hold_of_saga(conn, step.saga_id)
        refusal = replayed_execute_refusal(hold.state if hold else None)
        if refusal:
            return Decision.failure(refusal)
    return decision


async def _refuse(conn: AsyncConnection, step: SagaStep, reason: str) -> Decision | None:
    """Claims (saga, action) with a refusal known before any effect; None: claimed before."""
    refused = Decision.failure(reason)
    claimed = await repository.claim_with_decision(conn, step.saga_id, step.action, step.booking_id, refused)
    return refused if claimed else None


async def _correct(conn: AsyncConnection, step: SagaStep, decision: Decision) -> Decision:
    """Records `decision` over the success its claim was written with."""
    await repository.record_decision(conn, step.saga_id, step.action, decision)
    return decision


async def _execute(conn: AsyncConnection, step: SagaStep) -> Decision | None:
    refusal = execute_refusal(step)
    if refusal:
        return await _refuse(conn, step, refusal)
    assert step.entitlement_id and step.customer_id and step.company_id  # by execute_refusal
    hold_id = uuid.uuid4()
    success = Decision.success(amount_minor=step.amount_minor, reference=str(hold_id), credits=step.credits)
    claimed = await repository.claim_and_hold(
        conn,
        saga_id=step.saga_id,
        booking_id=step.booking_id,
        hold_id=hold_id,
        entitlement_id=step.entitlement_id,
        customer_id=step.customer_id,
        company_id=step.company_id,
        credits=step.credits,
        success=success,
        resource_id=step.resource_id,
    )
    if claimed is None:
        return None
    if claimed.held:
        return success
    if not claimed.inserted:
        # Either a COMPENSATE came first (its tombstone owns the saga), the pass is not the
        # customer's in this company, or its product does not cover the booked resource.
        if await repository.hold_of_saga(conn, step.saga_id) is not None:
            return await _correct(conn, step, Decision.failure(reasons.ALREADY_COMPENSATED))
        entitlement, _ = await repository.customer_entitlement_now(
            conn, step.entitlement_id, step.customer_id, step.company_id
        )
        resources = await repository.product_resources_of(conn, step.entitlement_id)
        refusal = resource_refusal(resources or (), step.resource_id) if entitlement else None
        return await _correct(conn, step, Decision.failure(refusal or reasons.PASS_NOT_FOUND))
    for attempt in range(1, _HOLD_ATTEMPTS + 1):
        entitlement, now = await repository.customer_entitlement_now(
            conn, step.entitlement_id, step.customer_id, step.company_id
        )
        refusal = hold_refusal(entitlement, credits=step.credits, now=now)
        if refusal or attempt == _HOLD_ATTEMPTS:
            break
        if await repository.hold_credits(
            conn, step.entitlement_id, step.customer_id, step.company_id, step.credits
        ):
            return success  # as the claim recorded it
    await repository.delete_hold(conn, hold_id)
    return await _correct(conn, step, Decision.failure(refusal or reasons.PASS_EXHAUSTED))


async def _claim_and_move(
    conn: AsyncConnection, step: SagaStep, to: HoldState
) -> repository.ClaimedMove | None:
    """A FINALIZE's (COMPENSATE's) claim with its hold's move to `to`, one statement."""
    return await repository.claim_and_move_hold(
        conn,
        saga_id=step.saga_id,
        action=step.action,
        booking_id=step.booking_id,
        amount_minor=step.amount_minor,
        to=to,
    )


def _with_hold(step: SagaStep, hold: CreditHold) -> Decision:
    """The success that names the hold the step acted on and its credits."""
    return Decision.success(amount_minor=step.amount_minor, reference=str(hold.id), credits=hold.credits)


async def _compensate(conn: AsyncConnection, step: SagaStep) -> Decision | None:
    claimed = await _claim_and_move(conn, step, HoldState.RELEASED)
    if claimed is None:
        return None
    if claimed.hold is not None:
        return claimed.recorded
    # A hold committed after the claim's statement began (it waited on a twin's claim) makes
    # the tombstone's insert do nothing: it is released below.
    tombstone_id = uuid.uuid4()
    if await repository.insert_tombstone(
        conn, hold_id=tombstone_id, saga_id=step.saga_id, booking_id=step.booking_id
    ):
        return await _correct(
            conn, step, Decision.success(amount_minor=step.amount_minor, reference=str(tombstone_id))
        )
    # The saga has a hold row: maybe an EXECUTE committed while our insert waited on it.
    released = await repository.release_hold(conn, step.saga_id)
    if released is not None:
        return await _correct(conn, step, _with_hold(step, released))
    hold = await repository.hold_of_saga(conn, step.saga_id)
    refusal = compensate_refusal(hold.state if hold else None)
    if refusal:
        return await _correct(conn, step, Decision.failure(refusal))
    return await _correct(
        conn,
        step,
        Decision.success(amount_minor=step.amount_minor, reference=str(hold.id) if hold else ""),
    )


async def _finalize(conn: AsyncConnection, step: SagaStep) -> Decision | None:
    claimed = await _claim_and_move(conn, step, HoldState.CONSUMED)
    if claimed is None:
        return None
    if claimed.hold is not None:
        return claimed.recorded
    # The claim's statement sees the holds as they were when it began, before any wait on a
    # twin's claim: one committed since is consumed now.
    consumed = await repository.consume_hold(conn, step.saga_id)
    if consumed is not None:
        return await _correct(conn, step, _with_hold(step, consumed))
    hold = await repository.hold_of_saga(conn, step.saga_id)
    refusal = finalize_refusal(hold.state if hold else None)
    if refusal or hold is None:
        return await _correct(conn, step, Decision.failure(refusal or reasons.HOLD_NOT_FOUND))
    return await _correct(conn, step, _with_hold(step, hold))


async def _refund(conn: AsyncConnection, step: SagaStep) -> Decision | None:
    refusal = refund_refusal(step)
    if refusal:
        return await _refuse(conn, step, refusal)
    assert step.company_id  # by refund_refusal
    if not await repository.claim_operation(conn, step.saga_id, step.action, step.booking_id):
        return None
    returned, holds = await repository.return_credits(
        conn, booking_id=step.booking_id, company_id=step.company_id, credits=step.credits
    )
    decision = Decision.success(
        amount_minor=step.amount_minor,
        reference=",".join(str(hold_id) for hold_id in holds),
        credits=returned,
    )
    await repository.record_decision(conn, step.saga_id, step.action, decision)
    return decision


_ACTIONS: dict[StepAction, Callable[[AsyncConnection, SagaStep], Awaitable[Decision | None]]] = {
    StepAction.EXECUTE: _execute,
    StepAction.COMPENSATE: _compensate,
    StepAction.FINALIZE: _finalize,
    StepAction.REFUND: _refund,
}
