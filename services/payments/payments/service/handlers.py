"""Use cases of the payments service.

Authorizations never hold a transaction open while the provider answers (it may take
seconds): the payment is first recorded as an intent (AUTHORIZING, unique idempotency key)
and committed, the provider is asked outside any transaction, and its answer is recorded
with a conditional UPDATE (`WHERE status = 'AUTHORIZING'`). An answer may be final
(AUTHORIZED, DECLINED) or not yet (PENDING, REQUIRES_ACTION): signed provider events
(webhooks) and the action timeout resolve those later, each with a conditional UPDATE, and
whoever resolves a payment that a saga EXECUTE waits for decides that step and writes its
reply in the same transaction.

Captures, voids and refunds are quick calls made inside the transaction, after the
conditional UPDATE that claims the transition, so a provider refusal rolls the change back.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from payments.adapters import repository
from payments.adapters.repository import ResolvedStep
from payments.domain import errors, events, validation
from payments.domain.events import EventType
from payments.domain.methods import CreatePaymentMethod, GetPaymentMethod, PaymentMethod, same_method
from payments.domain.model import (
    REQUIRED_STATUS,
    RESULTING_STATUS,
    AuthorizePayment,
    ChangePayment,
    CompleteAction,
    GetPayment,
    IllegalTransition,
    NewPayment,
    Operation,
    Payment,
    PaymentStatus,
    refund_amount,
    refundable_payments_of_booking,
    same_authorization,
)
from payments.domain.provider import (
    Authorization,
    AuthorizationOutcome,
    CardProvider,
    ProviderResult,
    ProviderUnavailable,
)
from payments.domain.saga import (
    SagaStep,
    StepAction,
    StepDecision,
    decision_for_authorization,
    payment_key,
)
from plumbing.db import Database
from plumbing.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied

log = logging.getLogger(__name__)

# Business refusals of a saga step: answered with a FAILED reply, never redelivered.
# (ProviderUnavailable and anything unexpected propagate, so the command is redelivered.)
_STEP_REFUSALS = (InvalidArgument, FailedPrecondition, Conflict, NotFound, PermissionDenied)

# Writes the reply of an EXECUTE decided after the fact (webhook, timeout, recovery), in the
# caller's transaction: (conn, the step, the payment's currency).
ReplyWriter = Callable[[AsyncConnection, ResolvedStep, str], Awaitable[None]]

_STATUS_OF_ANSWER = {
    AuthorizationOutcome.APPROVED: PaymentStatus.AUTHORIZED,
    AuthorizationOutcome.DECLINED: PaymentStatus.DECLINED,
    AuthorizationOutcome.PENDING: PaymentStatus.PENDING,
    AuthorizationOutcome.REQUIRES_ACTION: PaymentStatus.REQUIRES_ACTION,
}


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


async def _payment(conn: AsyncConnection, payment_id: uuid.UUID) -> Payment:
    payment = await repository.get_payment(conn, payment_id)
    if payment is None:
        raise _not_found(payment_id)
    return payment


# Authorizations: intent, provider call outside any transaction, answer


async def open_intent(conn: AsyncConnection, provider_name: str, command: AuthorizePayment) -> Payment:
    """The payment of the idempotency key: the existing one, or a new AUTHORIZING intent.

    The unique key lets one insert win; a concurrent twin returns the winner.
    """
    existing = await repository.get_payment_by_key(conn, command.idempotency_key)
    if existing is not None:
        same_authorization(existing, command)
        return existing
    recorded = await repository.insert_payment(
        conn,
        NewPayment(
            id=uuid.uuid4(),
            company_id=command.company_id,
            customer_id=command.customer_id,
            booking_id=command.booking_id,
            amount_minor=command.amount_minor,
            currency=command.currency,
            status=PaymentStatus.AUTHORIZING,
            provider=provider_name,
            provider_reference="",
            decline_reason=None,
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


async def _release(provider: CardProvider, payment: Payment, reference: str) -> None:
    """Voids (or cancels) at the provider an authorization we no longer want: no money stays held.

    A refusal means there is nothing open to release; only an unanswered call raises.
    """
    result = await provider.void(f"{payment.id}:void", reference or payment.provider_reference)
    if not result.succeeded:
        log.info("release of %s: provider says %s", payment.id, result.failure_reason)


async def record_answer(
    conn: AsyncConnection,
    provider: CardProvider,
    payment_id: uuid.UUID,
    answer: Authorization,
    action_timeout: timedelta,
) -> Payment:
    """Records the provider's answer to an AUTHORIZING payment (conditional: once).

    When the payment was resolved meanwhile (a webhook overtook the answer, the recovery
    gave up on it) the answer is not recorded. If we no longer hold the payment (VOIDED,
    FAILED) but the provider approved or still may, the authorization is released.
    """
    status = _STATUS_OF_ANSWER[answer.outcome]
    changed = await repository.resolve(
        conn,
        payment_id,
        to_status=status,
        provider_reference=answer.provider_reference,
        reason=(answer.decline_reason or errors.CARD_DECLINED) if status is PaymentStatus.DECLINED else None,
        action_timeout=action_timeout,
        from_statuses=frozenset({PaymentStatus.AUTHORIZING}),
    )
    if changed is not None:
        return changed
    current = await _payment(conn, payment_id)
    if current.status.holds_nothing and answer.outcome is not AuthorizationOutcome.DECLINED:
        await _release(provider, current, answer.provider_reference)
    return current


async def settle(conn: AsyncConnection, payment: Payment, replies: ReplyWriter | None) -> ResolvedStep | None:
    """Decides the saga EXECUTE waiting for this payment once it is final, writing its reply."""
    decision = decision_for_authorization(payment)
    if decision is None:
        return None
    resolved = await repository.decide_waiting_step(conn, payment.id, decision)
    if resolved is not None and replies is not None:
        await replies(conn, resolved, payment.currency)
    return resolved


async def ask_provider(provider: CardProvider, payment: Payment, card_token: str) -> Authorization:
    """Outside any transaction. Same key, same answer: safe to repeat after a lost answer."""
    return await provider.authorize(
        payment.idempotency_key, payment.amount_minor, payment.currency, card_token
    )


async def authorize_payment(
    command: AuthorizePayment,
    db: Database,
    provider: CardProvider,
    action_timeout: timedelta,
    replies: ReplyWriter | None = None,
) -> Payment:
    """One payment per idempotency key. A decline is a DECLINED payment, not an error.

    A retry finds the payment; while it is still AUTHORIZING (the answer was lost, or the
    first call is still waiting) the provider is asked again with the same key.
    """
    async with db.transaction() as conn:
        payment = await open_intent(conn, provider.name, command)
    if payment.status is not PaymentStatus.AUTHORIZING:
        return payment
    answer = await ask_provider(provider, payment, command.card_token)
    async with db.transaction() as conn:
        payment = await record_answer(conn, provider, payment.id, answer, action_timeout)
        await settle(conn, payment, replies)
    return payment


# Captures, voids and refunds, inside a caller's transaction


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


# Payment methods


async def create_payment_method(
    command: CreatePaymentMethod, db: Database, provider: CardProvider
) -> PaymentMethod:
    """One method per (company, customer, request id): a retry returns the first one."""
    async with db.transaction() as conn:
        method = await repository.insert_payment_method(
            conn,
            company_id=command.company_id,
            customer_id=command.customer_id,
            request_id=command.request_id,
            card_token=command.card_token,
            details=provider.describe(command.card_token),
        )
    same_method(method, command)
    return method


async def get_payment_method(command: GetPaymentMethod, db: Database) -> PaymentMethod:
    async with db.transaction() as conn:
        method = await repository.get_payment_method(conn, command.payment_method_id)
    if method is None:
        raise NotFound(errors.PAYMENT_METHOD_NOT_FOUND, "no such payment method", field="payment_method_id")
    return method


async def card_token_of(
    conn: AsyncConnection, payment_method_id: str, company_id: uuid.UUID, customer_id: uuid.UUID
) -> str:
    """The card behind a payment method, for its own customer and company only."""
    method_id = validation.uuid_of(payment_method_id, "payment_method_id")
    method = await repository.get_payment_method(conn, method_id)
    if method is None:
        raise NotFound(errors.PAYMENT_METHOD_NOT_FOUND, "no such payment method", field="payment_method_id")
    method.check_owner(company_id, customer_id)
    return method.card_token


async def get_payment(command: GetPayment, db: Database) -> Payment:
    async with db.transaction() as conn:
        payment = await repository.get_payment(conn, command.payment_id)
    if payment is None:
        raise _not_found(command.payment_id)
    return payment


async def complete_action(command: CompleteAction, db: Database, provider: CardProvider) -> Payment:
    """Sandbox: plays the card holder of a REQUIRES_ACTION payment; the provider's event follows."""
    async with db.transaction() as conn:
        payment = await _payment(conn, command.payment_id)
    if payment.status is not PaymentStatus.REQUIRES_ACTION:
        raise FailedPrecondition(
            errors.PAYMENT_NOT_REQUIRING_ACTION,
            f"payment {payment.id} is {payment.status}, not REQUIRES_ACTION",
            metadata={"status": payment.status.value},
        )
    complete = getattr(provider, "complete_action", None)
    if complete is None:
        raise FailedPrecondition(errors.SANDBOX_ONLY, f"the {provider.name} provider has no sandbox controls")
    if not await complete(payment.provider_reference, command.approve):
        raise FailedPrecondition(
            errors.PAYMENT_NOT_REQUIRING_ACTION, "the provider has no action waiting for this payment"
        )
    return payment


# Provider events (webhooks) and the background sweeps


@dataclass(frozen=True)
class EventReceipt:
    event_id: str
    duplicate: bool
    payment_id: uuid.UUID | None


class EventOutcome:
    APPLIED = "APPLIED"
    ALREADY_RESOLVED = "ALREADY_RESOLVED"
    VOIDED_LATE = "VOIDED_LATE"
    UNKNOWN_PAYMENT = "UNKNOWN_PAYMENT"


async def handle_provider_event(
    db: Database,
    provider: CardProvider,
    *,
    secret: str,
    payload: bytes,
    signature: str,
    replies: ReplyWriter | None,
) -> EventReceipt:
    """Verifies, records once and applies a provider event, in one transaction.

    INVALID_SIGNATURE / STALE_EVENT / INVALID_EVENT refuse it (the provider retries). A
    duplicate event id is acknowledged and ignored. An approval of a payment we no longer
    hold (voided by a compensation, failed by the action timeout) is released at the provider.
    """
    events.verify(secret, payload, signature)
    event = events.parse(payload)
    async with db.transaction() as conn:
        if not await repository.record_event(conn, event):
            return EventReceipt(event.id, True, await repository.event_payment(conn, event.id))
        payment = await repository.payment_for_event(conn, event.provider_reference, event.idempotency_key)
        if payment is None:
            log.warning("provider event %s about unknown %s: ignored", event.id, event.provider_reference)
            await repository.complete_event(
                conn, event.id, payment_id=None, outcome=EventOutcome.UNKNOWN_PAYMENT
            )
            return EventReceipt(event.id, False, None)
        if event.type is EventType.AUTHORIZED:
            changed = await repository.resolve(
                conn,
                payment.id,
                to_status=PaymentStatus.AUTHORIZED,
                provider_reference=event.provider_reference,
            )
        else:
            changed = await repository.resolve(
                conn,
                payment.id,
                to_status=PaymentStatus.FAILED,
                provider_reference=event.provider_reference,
                reason=event.failure_reason or errors.CARD_DECLINED,
            )
        if changed is not None:
            outcome = EventOutcome.APPLIED
            await settle(conn, changed, replies)
        else:
            current = await _payment(conn, payment.id)
            outcome = EventOutcome.ALREADY_RESOLVED
            if event.type is EventType.AUTHORIZED and current.status.holds_nothing:
                await _release(provider, current, event.provider_reference)
                outcome = EventOutcome.VOIDED_LATE
        await repository.complete_event(conn, event.id, payment_id=payment.id, outcome=outcome)
        log.info("provider event %s %s for payment %s: %s", event.id, event.type, payment.id, outcome)
        return EventReceipt(event.id, False, payment.id)


async def fail_expired_actions(
    db: Database, provider: CardProvider, replies: ReplyWriter | None, *, batch: int = 20
) -> int:
    """REQUIRES_ACTION payments past their expiry: cancelled at the provider, FAILED with
    AUTHENTICATION_TIMEOUT, the waiting EXECUTE answered FAILED. Replicas skip each other's rows."""
    async with db.transaction() as conn:
        expired = await repository.lock_expired_actions(conn, batch)
        for payment in expired:
            await _release(provider, payment, payment.provider_reference)
            failed = await repository.resolve(
                conn,
                payment.id,
                to_status=PaymentStatus.FAILED,
                reason=errors.AUTHENTICATION_TIMEOUT,
                from_statuses=frozenset({PaymentStatus.REQUIRES_ACTION}),
            )
            if failed is not None:
                log.info("payment %s: action timed out", payment.id)
                await settle(conn, failed, replies)
    return len(expired)


async def recover_stale_intents(
    db: Database,
    provider: CardProvider,
    replies: ReplyWriter | None,
    *,
    older_than: timedelta,
    action_timeout: timedelta,
    batch: int = 20,
) -> int:
    """AUTHORIZING intents nobody finished (the caller crashed or gave up after a lost answer).

    The provider is asked what it knows of the key, outside any transaction: its answer is
    recorded as usual. A key it never received is FAILED with PROVIDER_UNAVAILABLE; an answer
    that still arrives later for it is released (see `record_answer`).
    """
    async with db.transaction() as conn:
        stale = await repository.claim_stale_intents(conn, older_than, batch)
    for intent in stale:
        try:
            answer = await provider.find_authorization(intent.idempotency_key)
        except ProviderUnavailable:
            log.warning("recovery of payment %s: the provider is unavailable", intent.id)
            continue
        async with db.transaction() as conn:
            if answer is not None:
                payment = await record_answer(conn, provider, intent.id, answer, action_timeout)
            else:
                failed = await repository.resolve(
                    conn,
                    intent.id,
                    to_status=PaymentStatus.FAILED,
                    reason=errors.PROVIDER_UNAVAILABLE,
                    from_statuses=frozenset({PaymentStatus.AUTHORIZING}),
                )
                payment = failed or await _payment(conn, intent.id)
            log.info("recovered payment %s: %s", payment.id, payment.status)
            await settle(conn, payment, replies)
    return len(stale)


# Saga steps. EXECUTE runs in two parts around the provider call (`prepare_execute` in its
# own transaction, then `handle_step` in the consumer's); the others run in the consumer's
# transaction and return the decision to reply.


@dataclass(frozen=True)
class Intent:
    """An AUTHORIZING payment of a saga whose provider answer is to be asked for."""

    payment: Payment
    card_token: str = field(repr=False)


async def _card_of_step(conn: AsyncConnection, step: SagaStep) -> str:
    return await card_token_of(
        conn,
        step.payment_method_id,
        validation.uuid_of(step.company_id, "company_id"),
        validation.uuid_of(step.customer_id, "customer_id"),
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
                booking_id=str(validation.uuid_of(step.booking_id, "booking_id")),
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
        raise _not_found(executed.decision.payment_id)
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
        _require_success(await provider.void(f"{payment.id}:void", payment.provider_reference))
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
        voided = await _payment(conn, payment.id)
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
    """Give back up to `amount` from the booking's captured card payments, newest first
    (0 when not paid by card). Each payment's refund has its own provider idempotency key."""
    booking_id = validation.uuid_of(step.booking_id, "booking_id")
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
