"""The payments step of the booking saga: the decision to reply to each command.

EXECUTE runs in two parts around the provider call (`prepare_execute` in its own transaction,
then `handle_step` in the consumer's); COMPENSATE, FINALIZE and REFUND run once per
(saga_id, action) in the consumer's transaction and return the decision to reply.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from payments.adapters import repository
from payments.domain import errors, validation
from payments.domain.model import (
    IllegalTransition,
    Operation,
    Payment,
    PaymentStatus,
    refund_amount,
    refundable_payments_of_booking,
)
from payments.domain.provider import Authorization, CardProvider
from payments.domain.saga import SagaStep, StepDecision, decision_for_authorization, payment_key
from payments.service.lifecycle import (
    card_token_of,
    existing_payment,
    not_found,
    open_intent,
    record_answer,
    refund_in,
    require_success,
    settle,
    transition_in,
)
from plumbing import ids
from plumbing.db import Database
from plumbing.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from plumbing.saga_protocol import StepAction

# Business refusals of a saga step: answered with a FAILED reply, never redelivered.
# (ProviderUnavailable and anything unexpected propagate, so the command is redelivered.)
_STEP_REFUSALS = (InvalidArgument, FailedPrecondition, Conflict, NotFound, PermissionDenied)


@dataclass(frozen=True)
class Intent:
    """An AUTHORIZING payment of a saga whose provider answer is to be asked for."""

    payment: Payment
    card_token: str = field(repr=False)


async def _card_of_step(conn: AsyncConnection, step: SagaStep) -> str:
    return await card_token_of(
        conn,
        step.payment_method_id,
        ids.parse_uuid(step.company_id, "company_id"),
        ids.parse_uuid(step.customer_id, "customer_id"),
    )


async def prepare_execute(db: Database, provider_name: str, step: SagaStep) -> Intent | None:
    """Claims the saga's EXECUTE and records the payment intent, in one short transaction.

    Returns the intent when the provider must be asked: a first EXECUTE, or a re-sent one that
    finds the intent still AUTHORIZING (the answer was lost or the process died). None when the
    step is decided already, refused, or waits for a webhook.
    """
    async with db.transaction() as conn:
        if not await repository.claim_step(
            conn, step.saga_id, StepAction.EXECUTE, step.booking_id, attempt=step.attempt
        ):
            recorded = await repository.get_step(conn, step.saga_id, StepAction.EXECUTE)
            if recorded is None or not recorded.waiting or recorded.decision.payment_id is None:
                return None
            payment = await repository.get_payment(conn, recorded.decision.payment_id)
            if payment is None or payment.status is not PaymentStatus.AUTHORIZING:
                return None
            return Intent(payment, await _card_of_step(conn, step))
        try:
            card = await _card_of_step(conn, step)
            command = validation.authorize_command(
                idempotency_key=payment_key(step.saga_id),
                company_id=step.company_id,
                customer_id=step.customer_id,
                amount_minor=step.amount_minor,
                currency_code=step.currency,
                card_token_value=card,
                booking_id=str(ids.parse_uuid(step.booking_id, "booking_id")),
                key_field="saga_id",
            )
            payment = await open_intent(conn, provider_name, command)
        except _STEP_REFUSALS as refused:
            await repository.record_step(
                conn, step.saga_id, StepAction.EXECUTE, StepDecision.failed(refused.reason)
            )
            return None
        decision = decision_for_authorization(payment)
        if decision is not None:
            await repository.record_step(conn, step.saga_id, StepAction.EXECUTE, decision)
            return None
        await repository.wait_step(conn, step.saga_id, payment.id)
        return Intent(payment, command.card_token) if payment.status is PaymentStatus.AUTHORIZING else None


async def execute_step(
    conn: AsyncConnection,
    provider: CardProvider,
    step: SagaStep,
    answered: tuple[Intent, Authorization] | None,
    action_timeout: timedelta,
) -> StepDecision | None:
    """EXECUTE, after `prepare_execute` and the provider call: records the answer (if any) and
    returns the decision to reply, or None while the payment waits for a webhook.

    Refused with ALREADY_COMPENSATED after a compensation or its tombstone.
    """
    if answered is not None:
        intent, answer = answered
        payment = await record_answer(conn, provider, intent.payment.id, answer, action_timeout)
        # The consumer replies itself: no separate reply for this step.
        await settle(conn, payment, None)
    recorded = await repository.get_step(conn, step.saga_id, StepAction.EXECUTE)
    if recorded is None:  # pragma: no cover - prepare_execute committed the claim
        raise RuntimeError(f"saga {step.saga_id} EXECUTE is not recorded")
    if recorded.waiting:
        return None
    if recorded.decision.succeeded and await repository.get_step(conn, step.saga_id, StepAction.COMPENSATE):
        return StepDecision.failed(errors.ALREADY_COMPENSATED, recorded.decision.payment_id)
    return recorded.decision


async def _once_per_saga(
    conn: AsyncConnection, provider: CardProvider, step: SagaStep, action: StepAction
) -> StepDecision:
    """Runs COMPENSATE, FINALIZE or REFUND once per (saga_id, action), replaying the decision.

    A refusal rolls back to a savepoint, claim included: it is answered but not recorded,
    so a re-sent command tries again (e.g. a REFUND that arrived before the capture).
    """
    try:
        async with conn.begin_nested():
            if not await repository.claim_step(
                conn, step.saga_id, action, step.booking_id, attempt=step.attempt
            ):
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
    """Void the saga's authorization; when there is none, leave a tombstone in its place.

    An EXECUTE still waiting for its payment is cancelled at the provider (PENDING /
    REQUIRES_ACTION -> VOIDED) and decided ALREADY_COMPENSATED, so a late approval is voided.
    While the provider's answer is unknown (AUTHORIZING) the compensation is refused with
    AUTHORIZATION_IN_FLIGHT and not recorded: the orchestrator re-sends it.
    """
    if await repository.tombstone_execute(conn, step.saga_id, step.booking_id, errors.ALREADY_COMPENSATED):
        return StepDecision(succeeded=True)
    executed = await repository.get_step(conn, step.saga_id, StepAction.EXECUTE)
    if executed is None or executed.decision.payment_id is None:
        return StepDecision(succeeded=True)
    # Lock the payment first, then read the step again: a webhook resolving it commits the
    # payment and the step together, so both are seen as one.
    payment = await repository.lock_payment(conn, executed.decision.payment_id)
    if payment is None:  # pragma: no cover - payments are never deleted
        raise not_found(executed.decision.payment_id)
    executed = await repository.get_step(conn, step.saga_id, StepAction.EXECUTE)
    assert executed is not None
    if payment.status is PaymentStatus.AUTHORIZING:
        raise FailedPrecondition(
            errors.AUTHORIZATION_IN_FLIGHT, f"the provider's answer for payment {payment.id} is not known yet"
        )
    if payment.status in (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION):
        cancelled = await repository.change_status(
            conn, payment.id, from_status=payment.status, to_status=PaymentStatus.VOIDED
        )
        assert cancelled is not None  # the row is locked
        require_success(await provider.void(f"{payment.id}:void", payment.provider_reference))
        await repository.decide_waiting_step(
            conn, payment.id, StepDecision.failed(errors.ALREADY_COMPENSATED, payment.id)
        )
        return StepDecision(succeeded=True, payment_id=payment.id)
    if not executed.decision.succeeded:
        return StepDecision(succeeded=True, payment_id=payment.id)
    try:
        voided, _ = await transition_in(conn, provider, payment.id, Operation.VOID)
    except IllegalTransition as refused:
        if not refused.already_done:
            raise
        voided = await existing_payment(conn, payment.id)
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
        captured = await existing_payment(conn, payment.id)
    return StepDecision(succeeded=True, amount_minor=captured.amount_minor, payment_id=captured.id)


async def _refund(conn: AsyncConnection, provider: CardProvider, step: SagaStep) -> StepDecision:
    """Give back up to `amount` from the booking's captured card payments, newest first
    (0 when not paid by card). Each payment's refund has its own provider idempotency key."""
    booking_id = ids.parse_uuid(step.booking_id, "booking_id")
    remaining = validation.non_negative_amount(step.amount_minor)
    payments = refundable_payments_of_booking(await repository.payments_of_booking(conn, booking_id))
    refunded_total = 0
    last_payment_id: uuid.UUID | None = None
    for payment in payments:
        if step.currency and step.currency != payment.currency:
            raise FailedPrecondition(
                errors.CURRENCY_MISMATCH, f"the booking was paid in {payment.currency}, not {step.currency}"
            )
        if remaining == 0:
            break
        if refund_amount(remaining, payment) == 0:
            continue
        try:
            _, refunded_now, _ = await refund_in(
                conn,
                provider,
                payment.id,
                up_to_minor=remaining,
                idempotency_key=f"{payment.id}:refund:{step.saga_id}",
            )
        except IllegalTransition as refused:
            if not refused.already_done:
                raise
            refunded_now = 0  # refunded in full meanwhile: nothing left to give back
        refunded_total += refunded_now
        remaining -= refunded_now
        last_payment_id = payment.id
    if not payments:
        return StepDecision(succeeded=True)
    return StepDecision(
        succeeded=True, amount_minor=refunded_total, payment_id=last_payment_id or payments[0].id
    )


_ACTS = {
    StepAction.COMPENSATE: _compensate,
    StepAction.FINALIZE: _finalize,
    StepAction.REFUND: _refund,
}


def valid_saga_id(step: SagaStep) -> StepDecision | None:
    """None when the saga id is usable, else the refusal to reply."""
    try:
        validation.request_id(step.saga_id, "saga_id")
    except InvalidArgument as refused:
        return StepDecision.failed(refused.reason)
    return None


async def handle_step(
    conn: AsyncConnection,
    provider: CardProvider,
    step: SagaStep,
    *,
    answered: tuple[Intent, Authorization] | None = None,
    action_timeout: timedelta,
) -> StepDecision | None:
    """The decision to reply to a saga command; None: EXECUTE waits for its payment (no reply)."""
    refused = valid_saga_id(step)
    if refused is not None:
        return refused
    if step.action is StepAction.EXECUTE:
        return await execute_step(conn, provider, step, answered, action_timeout)
    return await _once_per_saga(conn, provider, step, step.action)
