"""Use cases of the payments service.

The RPC handlers take a command and the Database and run one transaction. The saga steps
run inside the transaction of the saga consumer (with its inbox record and reply) and
return a decision. Both call the card provider inside the transaction, after the
conditional UPDATE that claims the transition, so a provider refusal rolls the change back.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from payments.adapters import repository
from payments.domain import errors, validation
from payments.domain.model import (
    REQUIRED_STATUS,
    RESULTING_STATUS,
    AuthorizePayment,
    ChangePayment,
    GetPayment,
    IllegalTransition,
    NewPayment,
    Operation,
    Payment,
    PaymentStatus,
    refund_amount,
    refundable_payment_of_booking,
    same_authorization,
)
from payments.domain.provider import CardProvider, ProviderResult
from payments.domain.saga import (
    SagaStep,
    StepAction,
    StepDecision,
    decision_for_authorization,
    payment_key,
)
from plumbing.db import Database
from plumbing.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound

# Business refusals of a saga step: answered with a FAILED reply, never redelivered.
# (ProviderUnavailable and anything unexpected propagate, so the command is redelivered.)
_STEP_REFUSALS = (InvalidArgument, FailedPrecondition, Conflict, NotFound)


def _not_found(payment_id: uuid.UUID) -> NotFound:
    return NotFound(errors.PAYMENT_NOT_FOUND, f"payment {payment_id} not found")


def _require_success(result: ProviderResult) -> None:
    if not result.succeeded:
        raise FailedPrecondition(
            errors.PROVIDER_REFUSED,
            f"the card provider refused: {result.failure_reason}",
            metadata={"provider_reason": result.failure_reason or ""},
        )


async def _illegal(conn: AsyncConnection, operation: Operation, payment_id: uuid.UUID) -> IllegalTransition:
    """Why a conditional update found nothing: the payment's status as it is now."""
    current = await repository.get_payment(conn, payment_id)
    if current is None:
        raise _not_found(payment_id)
    return IllegalTransition(operation, current.status)


# Shared effects, inside a caller's transaction


async def authorize_in(conn: AsyncConnection, provider: CardProvider, command: AuthorizePayment) -> Payment:
    """One payment per idempotency key. A decline is a DECLINED payment, not an error.

    The provider is asked with the same key, so two concurrent attempts get the same
    answer; the unique key lets one insert win and the other return the winner.
    """
    existing = await repository.get_payment_by_key(conn, command.idempotency_key)
    if existing is not None:
        same_authorization(existing, command)
        return existing
    answer = await provider.authorize(
        command.idempotency_key, command.amount_minor, command.currency, command.card_token
    )
    recorded = await repository.insert_payment(
        conn,
        NewPayment(
            id=uuid.uuid4(),
            company_id=command.company_id,
            customer_id=command.customer_id,
            booking_id=command.booking_id,
            amount_minor=command.amount_minor,
            currency=command.currency,
            status=PaymentStatus.AUTHORIZED if answer.approved else PaymentStatus.DECLINED,
            provider=provider.name,
            provider_reference=answer.provider_reference,
            decline_reason=None if answer.approved else (answer.decline_reason or errors.CARD_DECLINED),
            idempotency_key=command.idempotency_key,
        ),
    )
    if recorded is not None:
        return recorded
    winner = await repository.get_payment_by_key(conn, command.idempotency_key)
    if winner is None:  # pragma: no cover - the conflicting row committed before we read it
        raise RuntimeError(f"payment with key {command.idempotency_key!r} vanished")
    same_authorization(winner, command)
    return winner


async def transition_in(
    conn: AsyncConnection, provider: CardProvider, payment_id: uuid.UUID, operation: Operation
) -> tuple[Payment, str]:
    """Captures or voids an AUTHORIZED payment: the whole amount. Returns the provider's reference."""
    changed = await repository.change_status(
        conn, payment_id, from_status=REQUIRED_STATUS[operation], to_status=RESULTING_STATUS[operation]
    )
    if changed is None:
        raise await _illegal(conn, operation, payment_id)
    if operation is Operation.CAPTURE:
        result = await provider.capture(
            f"{changed.id}:capture", changed.provider_reference, changed.amount_minor, changed.currency
        )
    else:
        result = await provider.void(f"{changed.id}:void", changed.provider_reference)
    _require_success(result)
    return changed, result.provider_reference


async def refund_in(
    conn: AsyncConnection,
    provider: CardProvider,
    payment_id: uuid.UUID,
    *,
    up_to_minor: int | None,
    idempotency_key: str,
) -> tuple[Payment, int, str]:
    """Gives back up to `up_to_minor` (None: all that is left) of a CAPTURED payment.

    Returns the payment, the amount refunded now and the provider's refund reference.
    """
    outcome = await repository.refund(conn, payment_id, up_to_minor=up_to_minor)
    if outcome is None:
        raise await _illegal(conn, Operation.REFUND, payment_id)
    changed, refunded_now = outcome
    if refunded_now == 0:
        return changed, 0, ""
    result = await provider.refund(
        idempotency_key, changed.provider_reference, refunded_now, changed.currency
    )
    _require_success(result)
    return changed, refunded_now, result.provider_reference


# RPC handlers


async def authorize_payment(command: AuthorizePayment, db: Database, provider: CardProvider) -> Payment:
    async with db.transaction() as conn:
        return await authorize_in(conn, provider, command)


async def change_payment(command: ChangePayment, db: Database, provider: CardProvider) -> Payment:
    """Capture, void or refund, once per request id: a retry returns the payment as it is now.

    A request id already used for another payment or operation is refused (ABORTED).
    """
    async with db.transaction() as conn:
        payment = await repository.get_payment(conn, command.payment_id)
        if payment is None:
            raise _not_found(command.payment_id)
        if not await repository.claim_request(conn, command.request_id, payment.id, command.operation):
            recorded = await repository.get_request(conn, command.request_id)
            if recorded is None or (recorded.payment_id, recorded.operation) != (
                payment.id,
                command.operation,
            ):
                raise Conflict(
                    errors.REQUEST_ID_REUSED,
                    f"request_id {command.request_id!r} was used for another request",
                )
            return payment
        if command.operation is Operation.REFUND:
            changed, amount, reference = await refund_in(
                conn,
                provider,
                payment.id,
                up_to_minor=command.amount_minor,
                idempotency_key=f"{payment.id}:refund:{command.request_id}",
            )
        else:
            changed, reference = await transition_in(conn, provider, payment.id, command.operation)
            amount = changed.amount_minor
        await repository.complete_request(
            conn, command.request_id, amount_minor=amount, provider_reference=reference
        )
        return changed


async def get_payment(command: GetPayment, db: Database) -> Payment:
    async with db.transaction() as conn:
        payment = await repository.get_payment(conn, command.payment_id)
    if payment is None:
        raise _not_found(command.payment_id)
    return payment


# Saga steps: each runs in the consumer's transaction and returns the decision to reply.


async def execute_step(conn: AsyncConnection, provider: CardProvider, step: SagaStep) -> StepDecision:
    """EXECUTE: authorize the amount on the card, once per saga (key `<saga_id>:payments`).

    Refused with ALREADY_COMPENSATED after a compensation or its tombstone.
    """
    if not await repository.claim_step(conn, step.saga_id, StepAction.EXECUTE, step.booking_id):
        recorded = await repository.get_step(conn, step.saga_id, StepAction.EXECUTE)
        if recorded is None:  # pragma: no cover - claimed rows are never deleted
            raise RuntimeError(f"saga {step.saga_id} EXECUTE is claimed but not recorded")
        if recorded.decision.succeeded and await repository.get_step(
            conn, step.saga_id, StepAction.COMPENSATE
        ):
            return StepDecision.failed(errors.ALREADY_COMPENSATED, recorded.decision.payment_id)
        return recorded.decision
    try:
        command = validation.authorize_command(
            idempotency_key=payment_key(step.saga_id),
            company_id=step.company_id,
            customer_id=step.customer_id,
            amount_minor=step.amount_minor,
            currency_code=step.currency,
            card_token_value=step.card_token,
            booking_id=str(validation.uuid_of(step.booking_id, "booking_id")),
            key_field="saga_id",
        )
        decision = decision_for_authorization(await authorize_in(conn, provider, command))
    except _STEP_REFUSALS as refused:
        decision = StepDecision.failed(refused.reason)
    await repository.record_step(conn, step.saga_id, StepAction.EXECUTE, decision)
    return decision


async def _once_per_saga(
    conn: AsyncConnection, provider: CardProvider, step: SagaStep, action: StepAction
) -> StepDecision:
    """Runs COMPENSATE, FINALIZE or REFUND once per (saga_id, action), replaying the decision.

    A refusal rolls back to a savepoint, claim included: it is answered but not recorded,
    so a re-sent command tries again (e.g. a REFUND that arrived before the capture).
    """
    try:
        async with conn.begin_nested():
            if not await repository.claim_step(conn, step.saga_id, action, step.booking_id):
                recorded = await repository.get_step(conn, step.saga_id, action)
                if recorded is None:  # pragma: no cover - claimed rows are never deleted
                    raise RuntimeError(f"saga {step.saga_id} {action} is claimed but not recorded")
                return recorded.decision
            decision = await _ACTS[action](conn, provider, step)
            await repository.record_step(conn, step.saga_id, action, decision)
            return decision
    except _STEP_REFUSALS as refused:
        return StepDecision.failed(refused.reason)


async def _compensate(conn: AsyncConnection, provider: CardProvider, step: SagaStep) -> StepDecision:
    """Void the saga's authorization; when there is none, leave a tombstone in its place."""
    if await repository.tombstone_execute(conn, step.saga_id, step.booking_id, errors.ALREADY_COMPENSATED):
        return StepDecision(succeeded=True)
    executed = await repository.get_step(conn, step.saga_id, StepAction.EXECUTE)
    if executed is None or not executed.decision.succeeded or executed.decision.payment_id is None:
        return StepDecision(succeeded=True, payment_id=executed.decision.payment_id if executed else None)
    try:
        voided, _ = await transition_in(conn, provider, executed.decision.payment_id, Operation.VOID)
    except IllegalTransition as refused:
        if not refused.already_done:
            raise
        voided = await _payment(conn, executed.decision.payment_id)
    return StepDecision(succeeded=True, amount_minor=voided.amount_minor, payment_id=voided.id)


async def _finalize(conn: AsyncConnection, provider: CardProvider, step: SagaStep) -> StepDecision:
    """Capture the saga's authorization; a payment captured before counts as done."""
    payment = await repository.get_payment_by_key(conn, payment_key(step.saga_id))
    if payment is None:
        raise FailedPrecondition(errors.PAYMENT_NOT_AUTHORIZED, f"saga {step.saga_id} has no authorization")
    try:
        captured, _ = await transition_in(conn, provider, payment.id, Operation.CAPTURE)
    except IllegalTransition as refused:
        if not refused.already_done:
            raise
        captured = await _payment(conn, payment.id)
    return StepDecision(succeeded=True, amount_minor=captured.amount_minor, payment_id=captured.id)


async def _refund(conn: AsyncConnection, provider: CardProvider, step: SagaStep) -> StepDecision:
    """Give back up to `amount` of the booking's captured card payment (0 when not paid by card)."""
    booking_id = validation.uuid_of(step.booking_id, "booking_id")
    wanted = validation.non_negative_amount(step.amount_minor)
    payment = refundable_payment_of_booking(await repository.payments_of_booking(conn, booking_id))
    if payment is None:
        return StepDecision(succeeded=True)
    if step.currency and step.currency != payment.currency:
        raise FailedPrecondition(
            errors.CURRENCY_MISMATCH, f"the booking was paid in {payment.currency}, not {step.currency}"
        )
    if refund_amount(wanted, payment) == 0:
        return StepDecision(succeeded=True, payment_id=payment.id)
    try:
        _, refunded_now, _ = await refund_in(
            conn,
            provider,
            payment.id,
            up_to_minor=wanted,
            idempotency_key=f"{payment.id}:refund:{step.saga_id}",
        )
    except IllegalTransition as refused:
        if not refused.already_done:
            raise
        refunded_now = 0  # refunded in full meanwhile: nothing left to give back
    return StepDecision(succeeded=True, amount_minor=refunded_now, payment_id=payment.id)


async def _payment(conn: AsyncConnection, payment_id: uuid.UUID) -> Payment:
    payment = await repository.get_payment(conn, payment_id)
    if payment is None:
        raise _not_found(payment_id)
    return payment


_ACTS = {
    StepAction.COMPENSATE: _compensate,
    StepAction.FINALIZE: _finalize,
    StepAction.REFUND: _refund,
}


async def handle_step(conn: AsyncConnection, provider: CardProvider, step: SagaStep) -> StepDecision:
    try:
        validation.request_id(step.saga_id, "saga_id")
    except InvalidArgument as refused:
        return StepDecision.failed(refused.reason)
    if step.action is StepAction.EXECUTE:
        return await execute_step(conn, provider, step)
    return await _once_per_saga(conn, provider, step, step.action)
