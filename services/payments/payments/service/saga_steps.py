"""The payments step of the booking saga: the decision to reply to each command.

EXECUTE runs in two parts around the provider call (`prepare_execute` on its own, one statement
for a valid command, then `handle_step` in the consumer's transaction); COMPENSATE, FINALIZE
and REFUND run once per (saga_id, action) in the consumer's transaction and return the
decision to reply.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from payments.adapters import repository
from payments.adapters.repository import RecordedStep
from payments.domain import errors, validation
from payments.domain.model import (
    IllegalTransition,
    NewPayment,
    Operation,
    Payment,
    PaymentStatus,
    refund_amount,
    refundable_payments_of_booking,
)
from payments.domain.provider import Authorization, CardProvider
from payments.domain.saga import SagaStep, StepDecision, decision_for_authorization, payment_key
from payments.service.lifecycle import (
    answer_came_late,
    answered_status,
    card_of_method,
    card_token_of,
    existing_payment,
    not_found,
    open_intent,
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


def _planned_intent(step: SagaStep, provider_name: str) -> tuple[uuid.UUID, NewPayment] | None:
    """The payment method and the AUTHORIZING payment of an EXECUTE whose values are all valid;
    None when one is refused (`_prepare_execute_in` records the refusal, in its order)."""
    try:
        method_id = ids.parse_uuid(step.payment_method_id, "payment_method_id")
        intent = NewPayment(
            id=uuid.uuid4(),
            company_id=ids.parse_uuid(step.company_id, "company_id"),
            customer_id=ids.parse_uuid(step.customer_id, "customer_id"),
            booking_id=ids.parse_uuid(step.booking_id, "booking_id"),
            amount_minor=validation.positive_amount(step.amount_minor),
            currency=validation.currency(step.currency),
            status=PaymentStatus.AUTHORIZING,
            provider=provider_name,
            provider_reference="",
            decline_reason=None,
            idempotency_key=validation.request_id(payment_key(step.saga_id), "saga_id"),
        )
    except InvalidArgument:
        return None
    return method_id, intent


def _resumed(step: SagaStep, opened: repository.OpenedIntent) -> Intent | None:
    """A re-sent EXECUTE that found its step recorded: the intent to ask the provider about
    again while it is AUTHORIZING (with the card of the command's own method), else None."""
    recorded = opened.recorded
    if recorded is None or not recorded.waiting or recorded.decision.payment_id is None:
        return None
    payment = opened.payment
    if payment is None or payment.status is not PaymentStatus.AUTHORIZING:
        return None
    company_id = ids.parse_uuid(step.company_id, "company_id")
    customer_id = ids.parse_uuid(step.customer_id, "customer_id")
    return Intent(payment, card_of_method(opened.method, company_id, customer_id))


async def prepare_execute(db: Database, provider_name: str, step: SagaStep) -> Intent | None:
    """Claims the saga's EXECUTE and records the payment intent.

    Returns the intent when the provider must be asked: a first EXECUTE, or a re-sent one that
    finds the intent still AUTHORIZING (the answer was lost or the process died). None when the
    step is decided already, refused, or waits for a webhook.

    A valid command is one statement, committed by itself (`repository.open_saga_intent`):
    the claim, the method and the intent, or the step recorded before. When it wrote nothing
    and saw no step (a refusal, a key taken by another payment, a twin that committed since)
    the command takes the path of one statement at a time, in a transaction.
    """
    planned = _planned_intent(step, provider_name)
    if planned is not None:
        method_id, new = planned
        async with db.autocommit() as conn:
            opened = await repository.open_saga_intent(
                conn,
                saga_id=step.saga_id,
                booking_id=step.booking_id,
                attempt=step.attempt,
                method_id=method_id,
                new=new,
                max_token_length=validation.MAX_CARD_TOKEN_LENGTH,
            )
        if opened.claimed:
            assert opened.payment is not None and opened.method is not None
            return Intent(opened.payment, opened.method.card_token)
        if opened.recorded is not None:
            return _resumed(step, opened)
    async with db.transaction() as conn:
        return await _prepare_execute_in(conn, provider_name, step)


async def _prepare_execute_in(conn: AsyncConnection, provider_name: str, step: SagaStep) -> Intent | None:
    """`prepare_execute` one statement at a time, in the caller's transaction."""
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


def _replied(recorded: RecordedStep, compensated: bool) -> StepDecision | None:
    """The reply of an EXECUTE as recorded: none while it waits; ALREADY_COMPENSATED when it
    succeeded but the saga was compensated since."""
    if recorded.waiting:
        return None
    if recorded.decision.succeeded and compensated:
        return StepDecision.failed(errors.ALREADY_COMPENSATED, recorded.decision.payment_id)
    return recorded.decision


async def execute_step(
    conn: AsyncConnection,
    provider: CardProvider,
    step: SagaStep,
    answered: tuple[Intent, Authorization] | None,
    action_timeout: timedelta,
) -> StepDecision | None:
    """EXECUTE, after `prepare_execute` and the provider call: records the answer (if any) and
    returns the decision to reply, or None while the payment waits for a webhook.

    Refused with ALREADY_COMPENSATED after a compensation or its tombstone. An answer to a
    payment still AUTHORIZING is recorded, decides the step and reads it back in one statement.
    """
    if answered is not None:
        intent, answer = answered
        status, reason = answered_status(answer)
        # The consumer replies itself: no separate reply for this step.
        answered_step = await repository.record_saga_answer(
            conn,
            step.saga_id,
            intent.payment.id,
            to_status=status,
            provider_reference=answer.provider_reference,
            reason=reason,
            action_timeout=action_timeout,
            decision=decision_for_authorization(
                replace(intent.payment, status=status, decline_reason=reason)
            ),
        )
        if answered_step is not None and answered_step.step is not None:
            return _replied(answered_step.step, answered_step.compensated)
        if answered_step is None:  # resolved meanwhile (a webhook, the recovery)
            await settle(conn, await answer_came_late(conn, provider, intent.payment.id, answer), None)
    recorded = await repository.get_step(conn, step.saga_id, StepAction.EXECUTE)
    if recorded is None:  # pragma: no cover - prepare_execute committed the claim
        raise RuntimeError(f"saga {step.saga_id} EXECUTE is not recorded")
    compensated = recorded.decision.succeeded and (
        await repository.get_step(conn, step.saga_id, StepAction.COMPENSATE) is not None
    )
    return _replied(recorded, compensated)


async def _once_per_saga(
    conn: AsyncConnection, provider: CardProvider, step: SagaStep, action: StepAction
) -> StepDecision:
    """Runs COMPENSATE, FINALIZE or REFUND once per (saga_id, action), replaying the decision.

    A refusal rolls back to a savepoint, claim included: it is answered but not recorded,
    so a re-sent command tries again (e.g. a REFUND that arrived before the capture).
    """
    try:
        async with conn.begin_nested():
            if action is StepAction.FINALIZE:
                done = await _finalize_at_once(conn, provider, step)
                if done is not None:
                    return done
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


async def _finalize_at_once(
    conn: AsyncConnection, provider: CardProvider, step: SagaStep
) -> StepDecision | None:
    """FINALIZE of an AUTHORIZED payment: captured and recorded in one statement, then taken
    at the provider (a refusal raises, and the caller's savepoint undoes both); or the
    FINALIZE recorded before. None, with nothing written: `_finalize`'s path says why."""
    capture = await repository.capture_for_saga(
        conn, step.saga_id, step.booking_id, attempt=step.attempt, idempotency_key=payment_key(step.saga_id)
    )
    captured = capture.captured
    if captured is None:
        return None if capture.recorded is None else capture.recorded.decision
    if not capture.claimed:  # pragma: no cover - a FINALIZE is recorded only once captured
        raise RuntimeError(f"saga {step.saga_id} captured its payment but its FINALIZE is recorded")
    require_success(
        await provider.capture(
            f"{captured.id}:capture", captured.provider_reference, captured.amount_minor, captured.currency
        )
    )
    return StepDecision(succeeded=True, amount_minor=captured.amount_minor, payment_id=captured.id)


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
