"""The moves of one payment that the RPCs, the provider events, the sweeps and the saga share.

Authorizations never hold a transaction open while the provider answers (it may take
seconds): the payment is first recorded as an intent (AUTHORIZING, unique idempotency key)
and committed, the provider is asked outside any transaction, and its answer is recorded
with a conditional UPDATE (`WHERE status = 'AUTHORIZING'`). An answer may be final
(AUTHORIZED, DECLINED) or not yet (PENDING, REQUIRES_ACTION): signed provider events
(webhooks) and the action timeout resolve those later, each with a conditional UPDATE, and
whoever resolves a payment that a saga EXECUTE waits for decides that step and writes its
reply in the same transaction (`settle`).

Captures, voids and refunds are quick calls made inside the transaction, after the
conditional UPDATE that claims the transition, so a provider refusal rolls the change back.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from payments.adapters import repository
from payments.adapters.repository import ResolvedStep
from payments.domain import errors
from payments.domain.commands import AuthorizePayment
from payments.domain.methods import PaymentMethod
from payments.domain.model import (
    REQUIRED_STATUS,
    RESULTING_STATUS,
    IllegalTransition,
    NewPayment,
    Operation,
    Payment,
    PaymentStatus,
    same_authorization,
)
from payments.domain.provider import Authorization, AuthorizationOutcome, CardProvider, ProviderResult
from payments.domain.saga import decision_for_authorization
from plumbing import ids
from plumbing.errors import FailedPrecondition, NotFound

log = logging.getLogger(__name__)


# Writes the reply of an EXECUTE decided after the fact (webhook, timeout, recovery), in the
# caller's transaction: (conn, the step, the payment's currency).
ReplyWriter = Callable[[AsyncConnection, ResolvedStep, str], Awaitable[None]]

_STATUS_OF_ANSWER = {
    AuthorizationOutcome.APPROVED: PaymentStatus.AUTHORIZED,
    AuthorizationOutcome.DECLINED: PaymentStatus.DECLINED,
    AuthorizationOutcome.PENDING: PaymentStatus.PENDING,
    AuthorizationOutcome.REQUIRES_ACTION: PaymentStatus.REQUIRES_ACTION,
}


def not_found(payment_id: uuid.UUID) -> NotFound:
    return NotFound(errors.PAYMENT_NOT_FOUND, f"payment {payment_id} not found")


def require_success(result: ProviderResult) -> None:
    if not result.succeeded:
        raise FailedPrecondition(
            errors.PROVIDER_REFUSED,
            f"the card provider refused: {result.failure_reason}",
            metadata={"provider_reason": result.failure_reason or ""},
        )


async def illegal_transition(
    conn: AsyncConnection, operation: Operation, payment_id: uuid.UUID
) -> IllegalTransition:
    """Why a conditional update found nothing: the payment's status as it is now."""
    current = await repository.get_payment(conn, payment_id)
    if current is None:
        raise not_found(payment_id)
    return IllegalTransition(operation, current.status)


async def existing_payment(conn: AsyncConnection, payment_id: uuid.UUID) -> Payment:
    payment = await repository.get_payment(conn, payment_id)
    if payment is None:
        raise not_found(payment_id)
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


async def release_at_provider(provider: CardProvider, payment: Payment, reference: str) -> None:
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
    status, reason = answered_status(answer)
    changed = await repository.resolve(
        conn,
        payment_id,
        to_status=status,
        provider_reference=answer.provider_reference,
        reason=reason,
        action_timeout=action_timeout,
        from_statuses=frozenset({PaymentStatus.AUTHORIZING}),
    )
    if changed is not None:
        return changed
    return await answer_came_late(conn, provider, payment_id, answer)


def answered_status(answer: Authorization) -> tuple[PaymentStatus, str | None]:
    """The status an answer moves an AUTHORIZING payment to, and its decline reason."""
    status = _STATUS_OF_ANSWER[answer.outcome]
    if status is PaymentStatus.DECLINED:
        return status, answer.decline_reason or errors.CARD_DECLINED
    return status, None


async def answer_came_late(
    conn: AsyncConnection, provider: CardProvider, payment_id: uuid.UUID, answer: Authorization
) -> Payment:
    """The payment an answer found resolved already (not recorded): released at the provider
    when we no longer hold it but the provider approved or still may."""
    current = await existing_payment(conn, payment_id)
    if current.status.holds_nothing and answer.outcome is not AuthorizationOutcome.DECLINED:
        await release_at_provider(provider, current, answer.provider_reference)
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


# Captures, voids and refunds, inside a caller's transaction


async def transition_in(
    conn: AsyncConnection, provider: CardProvider, payment_id: uuid.UUID, operation: Operation
) -> tuple[Payment, str]:
    """Captures or voids an AUTHORIZED payment: the whole amount. Returns the provider's reference."""
    changed = await repository.change_status(
        conn, payment_id, from_status=REQUIRED_STATUS[operation], to_status=RESULTING_STATUS[operation]
    )
    if changed is None:
        raise await illegal_transition(conn, operation, payment_id)
    if operation is Operation.CAPTURE:
        result = await provider.capture(
            f"{changed.id}:capture", changed.provider_reference, changed.amount_minor, changed.currency
        )
    else:
        result = await provider.void(f"{changed.id}:void", changed.provider_reference)
    require_success(result)
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
        raise await illegal_transition(conn, Operation.REFUND, payment_id)
    changed, refunded_now = outcome
    if refunded_now == 0:
        return changed, 0, ""
    result = await provider.refund(
        idempotency_key, changed.provider_reference, refunded_now, changed.currency
    )
    require_success(result)
    return changed, refunded_now, result.provider_reference


async def card_token_of(
    conn: AsyncConnection, payment_method_id: str, company_id: uuid.UUID, customer_id: uuid.UUID
) -> str:
    """The card behind a payment method, for its own customer and company only."""
    method_id = ids.parse_uuid(payment_method_id, "payment_method_id")
    return card_of_method(await repository.get_payment_method(conn, method_id), company_id, customer_id)


def card_of_method(method: PaymentMethod | None, company_id: uuid.UUID, customer_id: uuid.UUID) -> str:
    """The card of a payment method as read, for its own customer and company only."""
    if method is None:
        raise NotFound(errors.PAYMENT_METHOD_NOT_FOUND, "no such payment method", field="payment_method_id")
    method.check_owner(company_id, customer_id)
    return method.card_token
