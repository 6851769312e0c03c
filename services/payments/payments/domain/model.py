"""Payments and the rules of their life cycle. Plain Python: the database enforces the
transitions with conditional updates; these rules name the refusals and the amounts."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from payments.domain import errors
from plumbing.errors import Conflict, FailedPrecondition

if TYPE_CHECKING:
    from payments.domain.commands import AuthorizePayment


class PaymentStatus(enum.StrEnum):
    DECLINED = "DECLINED"
    AUTHORIZED = "AUTHORIZED"
    CAPTURED = "CAPTURED"
    VOIDED = "VOIDED"
    REFUNDED = "REFUNDED"
    # Recorded before the provider is asked; its answer is not recorded yet.
    AUTHORIZING = "AUTHORIZING"
    # The provider answered "pending": a webhook confirms or fails it later.
    PENDING = "PENDING"
    # The card holder must act; fails with AUTHENTICATION_TIMEOUT past `action_expires_at`.
    REQUIRES_ACTION = "REQUIRES_ACTION"
    # Failed after a pending answer (webhook payment.failed, or the action timed out).
    FAILED = "FAILED"

    @property
    def unresolved(self) -> bool:
        """The provider's final answer is not known yet."""
        return self in UNRESOLVED

    @property
    def holds_nothing(self) -> bool:
        """Final statuses in which no authorization may be open at the provider."""
        return self in (PaymentStatus.DECLINED, PaymentStatus.VOIDED, PaymentStatus.FAILED)


UNRESOLVED = frozenset({PaymentStatus.AUTHORIZING, PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION})
# Statuses that carry a reason (decline_reason).
WITH_REASON = frozenset({PaymentStatus.DECLINED, PaymentStatus.FAILED})


class Operation(enum.StrEnum):
    """A state change of a payment after its authorization."""

    CAPTURE = "CAPTURE"
    VOID = "VOID"
    REFUND = "REFUND"


# The only status each operation may start from; the database update is conditional on it.
REQUIRED_STATUS: dict[Operation, PaymentStatus] = {
    Operation.CAPTURE: PaymentStatus.AUTHORIZED,
    Operation.VOID: PaymentStatus.AUTHORIZED,
    Operation.REFUND: PaymentStatus.CAPTURED,
}

# The status an operation leads to (a partial refund keeps CAPTURED, see `status_after_refund`).
RESULTING_STATUS: dict[Operation, PaymentStatus] = {
    Operation.CAPTURE: PaymentStatus.CAPTURED,
    Operation.VOID: PaymentStatus.VOIDED,
    Operation.REFUND: PaymentStatus.REFUNDED,
}

_NOT_IN_REQUIRED_STATUS = {
    PaymentStatus.AUTHORIZED: errors.PAYMENT_NOT_AUTHORIZED,
    PaymentStatus.CAPTURED: errors.PAYMENT_NOT_CAPTURED,
}


@dataclass(frozen=True)
class Payment:
    id: uuid.UUID
    company_id: uuid.UUID
    customer_id: uuid.UUID
    booking_id: uuid.UUID | None
    amount_minor: int
    refunded_minor: int
    currency: str
    status: PaymentStatus
    provider: str
    provider_reference: str
    decline_reason: str | None
    idempotency_key: str
    created_at: datetime
    updated_at: datetime
    action_expires_at: datetime | None = None

    @property
    def refundable_minor(self) -> int:
        """What can still be given back: captured money not refunded yet."""
        if self.status in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED):
            return self.amount_minor - self.refunded_minor
        return 0


@dataclass(frozen=True)
class NewPayment:
    """A payment about to be recorded, before the provider is asked (status AUTHORIZING)."""

    id: uuid.UUID
    company_id: uuid.UUID
    customer_id: uuid.UUID
    booking_id: uuid.UUID | None
    amount_minor: int
    currency: str
    status: PaymentStatus
    provider: str
    provider_reference: str
    decline_reason: str | None
    idempotency_key: str


class IllegalTransition(FailedPrecondition):
    """An operation on a payment whose status does not allow it."""

    def __init__(self, operation: Operation, current: PaymentStatus) -> None:
        required = REQUIRED_STATUS[operation]
        super().__init__(
            _NOT_IN_REQUIRED_STATUS[required],
            f"cannot {operation.lower()} a payment in status {current}; it must be {required}",
            metadata={"status": current.value},
        )
        self.operation = operation
        self.current = current

    @property
    def already_done(self) -> bool:
        """The payment is where the operation would have taken it (a repeat, not a conflict)."""
        if self.operation is Operation.REFUND:
            return self.current is PaymentStatus.REFUNDED
        if self.operation is Operation.CAPTURE:
            return self.current in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED)
        return self.current is RESULTING_STATUS[self.operation]


def status_after_refund(amount_minor: int, refunded_minor: int) -> PaymentStatus:
    """A payment is REFUNDED once everything captured was given back; until then CAPTURED."""
    return PaymentStatus.REFUNDED if refunded_minor >= amount_minor else PaymentStatus.CAPTURED


def refund_amount(requested_minor: int | None, payment: Payment) -> int:
    """Refunds give back at most what is left: `None` asks for all of it."""
    left = payment.refundable_minor
    return left if requested_minor is None else min(requested_minor, left)


def same_authorization(existing: Payment, wanted: NewPayment | AuthorizePayment) -> None:
    """An idempotency key names one authorization: reusing it for another one is refused."""
    differences = [
        name
        for name in ("company_id", "customer_id", "amount_minor", "currency", "booking_id")
        if getattr(existing, name) != getattr(wanted, name)
    ]
    if differences:
        raise Conflict(
            errors.IDEMPOTENCY_KEY_REUSED,
            f"idempotency key {existing.idempotency_key!r} was used for another payment "
            f"(differs in {', '.join(differences)})",
            metadata={"payment_id": str(existing.id)},
        )


def refundable_payments_of_booking(payments: Iterable[Payment]) -> list[Payment]:
    """The card payments of a booking a REFUND gives money back from, newest first.

    Every captured one: a booking extended by card has a payment per charge. Empty when
    the booking was not paid by card. A payment that is only authorized cannot be refunded
    yet: capture (FINALIZE) comes first, so the REFUND waits.
    """
    payments = list(payments)
    if any(p.status is PaymentStatus.AUTHORIZED for p in payments):
        raise FailedPrecondition(
            errors.PAYMENT_NOT_CAPTURED, "a card payment of the booking is authorized but not captured yet"
        )
    captured = [p for p in payments if p.status in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED)]
    return sorted(captured, key=lambda p: p.created_at, reverse=True)
