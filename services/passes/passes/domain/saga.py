"""The passes step of the booking saga: its commands and the rules of its decisions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from passes.domain import reasons
from passes.domain.model import Entitlement, HoldState
from plumbing import ids
from plumbing.saga_protocol import StepAction


@dataclass(frozen=True)
class StepRequest:
    """A saga command as received, before any check (ids are still strings)."""

    saga_id: str
    action: StepAction | None
    booking_id: str
    company_id: str
    customer_id: str
    entitlement_id: str
    credits: int
    amount_minor: int
    # The booked resource ("" from an orchestrator that does not send it).
    resource_id: str = ""
    # The booked session ("" for a stay or a rental, or from an orchestrator that does not
    # send it).
    session_id: str = ""


@dataclass(frozen=True)
class SagaStep:
    """A saga command whose keys are sound; the business fields are checked per action."""

    saga_id: uuid.UUID
    action: StepAction
    booking_id: uuid.UUID
    company_id: uuid.UUID | None
    customer_id: uuid.UUID | None
    entitlement_id: uuid.UUID | None
    credits: int
    amount_minor: int
    resource_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None


def _uuid_or_none(value: str) -> uuid.UUID | None:
    # A saga command is answered, never refused with an exception: a bad id is a FAILED reply.
    return uuid.UUID(value) if ids.is_uuid(value) else None


def parse_step(request: StepRequest) -> SagaStep | None:
    """The command, or None when it cannot be keyed (no saga, booking or action)."""
    saga_id = _uuid_or_none(request.saga_id)
    booking_id = _uuid_or_none(request.booking_id)
    if saga_id is None or booking_id is None or request.action is None:
        return None
    return SagaStep(
        saga_id=saga_id,
        action=request.action,
        booking_id=booking_id,
        company_id=_uuid_or_none(request.company_id),
        customer_id=_uuid_or_none(request.customer_id),
        entitlement_id=_uuid_or_none(request.entitlement_id),
        credits=request.credits,
        amount_minor=request.amount_minor,
        resource_id=_uuid_or_none(request.resource_id),
        session_id=_uuid_or_none(request.session_id),
    )


def execute_refusal(step: SagaStep) -> str | None:
    """Why an EXECUTE cannot even be tried, or None."""
    if step.entitlement_id is None or step.company_id is None or step.customer_id is None:
        return reasons.PASS_NOT_FOUND
    if step.credits < 1:
        return reasons.INVALID_CREDITS
    if step.session_id is None:
        # A credit is a place in a session ("10 classes"): it has no worth in nights or
        # hours, so a stay or a rental (or a command not saying what it pays) holds nothing.
        return reasons.PASS_NOT_VALID_FOR_BOOKING_MODEL
    return None


def resource_refusal(product_resources: tuple[uuid.UUID, ...], resource_id: uuid.UUID | None) -> str | None:
    """Why the pass does not cover the booked resource, or None: a product limited to some
    resources covers a booking of one of them only (an unknown resource: none of them)."""
    if product_resources and resource_id not in product_resources:
        return reasons.PASS_NOT_VALID_FOR_RESOURCE
    return None


def refund_refusal(step: SagaStep) -> str | None:
    """Why a REFUND cannot even be tried, or None."""
    if step.company_id is None:
        return reasons.INVALID_COMMAND
    if step.credits < 0:
        return reasons.INVALID_CREDITS
    return None


def hold_refusal(entitlement: Entitlement | None, *, credits: int, now: datetime) -> str | None:
    """Why `credits` cannot be held on the entitlement (as the customer's and company's) at `now`.

    None means the hold fits: a conditional update that failed lost a race with a release.
    """
    if entitlement is None:
        return reasons.PASS_NOT_FOUND
    if not entitlement.is_valid_at(now):
        return reasons.PASS_EXPIRED
    if entitlement.credits_available < credits:
        return reasons.PASS_EXHAUSTED
    return None


def replayed_execute_refusal(hold_state: HoldState | None) -> str | None:
    """An EXECUTE answered before is refused once its hold was compensated."""
    if hold_state is not None and hold_state.is_compensated:
        return reasons.ALREADY_COMPENSATED
    return None


def finalize_refusal(hold_state: HoldState | None) -> str | None:
    """Why a FINALIZE that found no HELD hold fails, or None when it was already done."""
    if hold_state is None:
        return reasons.HOLD_NOT_FOUND
    if hold_state.is_compensated:
        return reasons.ALREADY_COMPENSATED
    return None


def compensate_refusal(hold_state: HoldState | None) -> str | None:
    """Why a COMPENSATE that found no HELD hold fails, or None when there is nothing to undo."""
    if hold_state is not None and hold_state.is_finalized:
        return reasons.ALREADY_FINALIZED
    return None
