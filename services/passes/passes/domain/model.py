"""Pass products, entitlements, credit holds and the saga decisions of the passes step.

Plain Python: the database enforces the invariants (CHECK constraints, conditional
updates); these types carry the results and the rules that explain a refusal.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Money:
    amount_minor: int
    currency: str


@dataclass(frozen=True)
class PassProduct:
    id: uuid.UUID
    company_id: uuid.UUID
    name: str
    credits: int
    validity_days: int
    price: Money
    resource_ids: tuple[uuid.UUID, ...] = ()
    archived_at: datetime | None = None
    version: int = 1
    created_at: datetime | None = None

    @property
    def etag(self) -> str:
        return str(self.version)


@dataclass(frozen=True)
class Entitlement:
    id: uuid.UUID
    company_id: uuid.UUID
    customer_id: uuid.UUID
    product_id: uuid.UUID
    credits_total: int
    credits_used: int
    credits_held: int
    valid_from: datetime
    valid_until: datetime
    # GRANT, CASH or EXTERNAL ("" for passes granted before this was kept).
    sale: str = ""
    paid_minor: int = 0
    paid_currency: str = ""
    issued_by_user_id: str = ""

    @property
    def credits_available(self) -> int:
        return self.credits_total - self.credits_used - self.credits_held

    def is_valid_at(self, now: datetime) -> bool:
        """Valid from `valid_from` (inclusive) until `valid_until` (exclusive)."""
        return self.valid_from <= now < self.valid_until


class HoldState(enum.StrEnum):
    """The life of the credits a booking saga holds on an entitlement.

    HELD -> CONSUMED (FINALIZE) -> RETURNED (REFUND of all its credits);
    HELD -> RELEASED (COMPENSATE); TOMBSTONE: a COMPENSATE that found nothing to undo.
    """

    HELD = "HELD"
    CONSUMED = "CONSUMED"
    RELEASED = "RELEASED"
    RETURNED = "RETURNED"
    TOMBSTONE = "TOMBSTONE"

    @property
    def is_compensated(self) -> bool:
        return self in (HoldState.RELEASED, HoldState.TOMBSTONE)

    @property
    def is_finalized(self) -> bool:
        return self in (HoldState.CONSUMED, HoldState.RETURNED)


@dataclass(frozen=True)
class CreditHold:
    id: uuid.UUID
    saga_id: uuid.UUID
    booking_id: uuid.UUID
    entitlement_id: uuid.UUID | None
    credits: int
    credits_returned: int
    state: HoldState


class Outcome(enum.StrEnum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class Decision:
    """What the participant answered to one (saga, action); replayed on a re-sent command."""

    outcome: Outcome
    reason: str = ""
    amount_minor: int = 0
    reference: str = ""
    credits: int = 0

    @property
    def succeeded(self) -> bool:
        return self.outcome is Outcome.SUCCEEDED

    @classmethod
    def success(cls, *, amount_minor: int = 0, reference: str = "", credits: int = 0) -> Decision:
        return cls(Outcome.SUCCEEDED, amount_minor=amount_minor, reference=reference, credits=credits)

    @classmethod
    def failure(cls, reason: str) -> Decision:
        return cls(Outcome.FAILED, reason=reason)
