"""Payment methods: a card token registered once for one customer of one company, like
Stripe's PaymentMethod. The token stays in the payments schema; every other service, saga
message and log line names the method by its id only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from payments.domain import errors
from plumbing.errors import Conflict, PermissionDenied

if TYPE_CHECKING:
    from payments.domain.commands import CreatePaymentMethod


@dataclass(frozen=True)
class CardDetails:
    """What may be shown of a card: never enough to charge it."""

    brand: str = ""
    last4: str = ""


@dataclass(frozen=True)
class PaymentMethod:
    id: uuid.UUID
    company_id: uuid.UUID
    customer_id: uuid.UUID
    request_id: str
    details: CardDetails
    created_at: datetime
    # Kept out of repr so that logging or formatting a method can never print the token.
    card_token: str = field(repr=False)

    def check_owner(self, company_id: uuid.UUID, customer_id: uuid.UUID) -> None:
        """A method pays only for the customer and company it was registered for."""
        if (self.company_id, self.customer_id) != (company_id, customer_id):
            raise PermissionDenied(
                errors.PAYMENT_METHOD_NOT_OWNED,
                "the payment method belongs to another customer or company",
                field="payment_method_id",
            )


def same_method(existing: PaymentMethod, wanted: CreatePaymentMethod) -> None:
    """A request id names one card: reusing it for another card is refused (without saying which)."""
    if existing.card_token != wanted.card_token:
        raise Conflict(
            errors.IDEMPOTENCY_KEY_REUSED,
            "request_id was used to register another card",
            metadata={"payment_method_id": str(existing.id)},
        )
