"""The up-front check of a payment method a booking or a settlement names, pure.

Payments stays the judge when it authorizes (it checks the method's company and customer
again); this refuses at once what can never succeed, so no booking row, place hold or saga
is left behind for a card that is unknown or someone else's.
"""

from __future__ import annotations

from dataclasses import dataclass

from plumbing.errors import NotFound

PAYMENT_METHOD_NOT_FOUND = "PAYMENT_METHOD_NOT_FOUND"


@dataclass(frozen=True)
class PaymentMethodView:
    payment_method_id: str
    company_id: str
    customer_id: str


def check_payment_method(
    method: PaymentMethodView | None, *, customer_id: str, company_id: str, field: str
) -> None:
    """NOT_FOUND `PAYMENT_METHOD_NOT_FOUND` for an unknown method or one of another customer or
    company (the same answer, so nobody learns of others' cards)."""
    if method is None or method.customer_id != customer_id or method.company_id != company_id:
        raise NotFound(
            PAYMENT_METHOD_NOT_FOUND, "the request names no payment method of this customer", field=field
        )
