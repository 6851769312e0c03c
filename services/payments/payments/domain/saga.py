"""The payments step of the booking saga, in plain Python: commands and recorded decisions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from payments.domain import errors
from payments.domain.model import Payment, PaymentStatus
from plumbing.saga_protocol import StepAction

STEP = "payments"


@dataclass(frozen=True)
class SagaStep:
    """A command of the orchestrator, as received (values are validated by the action)."""

    saga_id: str
    action: StepAction
    booking_id: str
    company_id: str
    customer_id: str
    amount_minor: int
    currency: str
    # The card is looked up by this id (payments' own table), never carried in the command.
    payment_method_id: str = ""
    attempt: int = 0


@dataclass(frozen=True)
class StepDecision:
    """What the participant answered; recorded per (saga_id, action) and replayed on a re-send."""

    succeeded: bool
    reason: str = ""
    amount_minor: int = 0
    payment_id: uuid.UUID | None = None

    @classmethod
    def failed(cls, reason: str, payment_id: uuid.UUID | None = None) -> StepDecision:
        return cls(succeeded=False, reason=reason, payment_id=payment_id)


def payment_key(saga_id: str) -> str:
    """The idempotency key of the saga's payment: one authorization per saga."""
    return f"{saga_id}:{STEP}"


def decision_for_authorization(payment: Payment) -> StepDecision | None:
    """EXECUTE succeeds with the authorized amount, fails with the provider's decline reason.

    None while the provider's answer is not final (AUTHORIZING, PENDING, REQUIRES_ACTION).
    """
    if payment.status.unresolved:
        return None
    if payment.status in (PaymentStatus.DECLINED, PaymentStatus.FAILED):
        return StepDecision.failed(payment.decline_reason or errors.CARD_DECLINED, payment.id)
    if payment.status in (PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED):
        return StepDecision(succeeded=True, amount_minor=payment.amount_minor, payment_id=payment.id)
    # The saga's key names a payment voided or refunded outside the saga: nothing is held.
    return StepDecision.failed(errors.PAYMENT_NOT_AUTHORIZED, payment.id)
