"""The up-front check of a pass a payment plan names, pure.

The saga's pass step stays the judge of credits (another booking may take the last ones
meanwhile); this refuses at once what can never succeed, so no booking row, place hold or
saga is left behind for a pass that is unknown, someone else's or expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bookings.domain.model import BookingModel
from plumbing.errors import FailedPrecondition, NotFound

# A pass credit is a place in a time-slot session: "10 classes" is ten places. A credit has no
# stated worth in nights or hours, so a pass paying a stay or a rental would pay for 29 nights
# or a week with one credit.
PASS_NOT_VALID_FOR_BOOKING_MODEL = "PASS_NOT_VALID_FOR_BOOKING_MODEL"


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


def check_pass_pays_for(model: BookingModel, entitlement_id: str) -> None:
    """FAILED_PRECONDITION `PASS_NOT_VALID_FOR_BOOKING_MODEL` for a pass naming a stay or a
    rental: its credits pay for places in sessions only."""
    if entitlement_id and model is not BookingModel.TIME_SLOT:
        raise FailedPrecondition(
            PASS_NOT_VALID_FOR_BOOKING_MODEL,
            "a pass pays for places in sessions, not for stays or rentals",
            field="payment_plan.entitlement_id",
        )
