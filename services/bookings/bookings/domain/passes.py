"""The up-front check of a pass a payment plan names, pure.

The saga's pass step stays the judge of credits (another booking may take the last ones
meanwhile); this refuses at once what can never succeed, so no booking row, place hold or
saga is left behind for a pass that is unknown, someone else's or expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from plumbing.errors import FailedPrecondition, NotFound


@dataclass(frozen=True)
class EntitlementView:
    entitlement_id: str
    company_id: str
    customer_id: str
    valid_from: datetime | None
    valid_until: datetime | None


def check_entitlement(
    entitlement: EntitlementView | None, *, customer_id: str, company_id: str, now: datetime
) -> None:
    """NOT_FOUND `PASS_NOT_FOUND` for an unknown pass or one of another customer or company
    (the same answer, so nobody learns of others' passes); FAILED_PRECONDITION
    `PASS_EXPIRED` outside its validity. Credits are left to the saga."""
    if entitlement is None or entitlement.customer_id != customer_id or entitlement.company_id != company_id:
        raise NotFound(
            "PASS_NOT_FOUND",
            "the payment plan names no pass of this customer",
            field="payment_plan.entitlement_id",
        )
    if (entitlement.valid_from is not None and now < entitlement.valid_from) or (
        entitlement.valid_until is not None and now >= entitlement.valid_until
    ):
        raise FailedPrecondition(
            "PASS_EXPIRED", "the pass is not valid now", field="payment_plan.entitlement_id"
        )
