"""What the handlers are asked to do: validated values (built by `payments.domain.validation`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from payments.domain.model import Operation


@dataclass(frozen=True)
class AuthorizePayment:
    idempotency_key: str
    company_id: uuid.UUID
    customer_id: uuid.UUID
    amount_minor: int
    currency: str
    card_token: str = field(repr=False)
    booking_id: uuid.UUID | None = None


@dataclass(frozen=True)
class ChangePayment:
    """Capture, void or refund of one payment, idempotent per request id."""

    request_id: str
    payment_id: uuid.UUID
    operation: Operation
    # Refunds only: how much to give back; None = everything left.
    amount_minor: int | None = None


@dataclass(frozen=True)
class GetPayment:
    payment_id: uuid.UUID


@dataclass(frozen=True)
class ListPayments:
    booking_id: uuid.UUID


@dataclass(frozen=True)
class CompleteAction:
    """Sandbox: the card holder passes (approve) or fails the check of a REQUIRES_ACTION payment."""

    payment_id: uuid.UUID
    approve: bool


@dataclass(frozen=True)
class CreatePaymentMethod:
    request_id: str
    company_id: uuid.UUID
    customer_id: uuid.UUID
    card_token: str = field(repr=False)


@dataclass(frozen=True)
class GetPaymentMethod:
    payment_method_id: uuid.UUID
