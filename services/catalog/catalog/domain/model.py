"""What catalog knows: companies, their customers, resources, sessions and extras."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime


class BookingModel(enum.Enum):
    """How a resource is sold; the reservation engine picks its rules from this."""

    TIME_SLOT = "TIME_SLOT"
    NIGHTLY = "NIGHTLY"
    INTERVAL = "INTERVAL"


class SessionStatus(enum.Enum):
    OPEN = "OPEN"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class Money:
    """An amount in the currency's minor units (cents), never a float."""

    amount_minor: int
    currency_code: str


@dataclass(frozen=True)
class Company:
    id: uuid.UUID
    name: str
    time_zone: str
    currency_code: str
    created_at: datetime


@dataclass(frozen=True)
class Customer:
    id: uuid.UUID
    company_id: uuid.UUID
    display_name: str
    email: str | None
    guest: bool
    created_at: datetime


@dataclass(frozen=True)
class ResourcePolicy:
    """The booking rules of a resource; the defaults apply when a resource is created without one."""

    # Minimum time between booking and start.
    lead_time_minutes: int = 0
    # How far ahead bookings are taken (0 = no limit).
    horizon_days: int = 365
    # Until how many minutes before the start a cancellation is refunded in full.
    free_cancellation_minutes: int = 24 * 60
    # Most places one booking may take (0 = no limit).
    max_places_per_booking: int = 0


@dataclass(frozen=True)
class Resource:
    id: uuid.UUID
    company_id: uuid.UUID
    name: str
    booking_model: BookingModel
    policy: ResourcePolicy = field(default_factory=ResourcePolicy)


@dataclass(frozen=True)
class Session:
    id: uuid.UUID
    company_id: uuid.UUID
    resource_id: uuid.UUID
    start_time: datetime
    end_time: datetime
    capacity: int
    price: Money
    status: SessionStatus


@dataclass(frozen=True)
class Extra:
    id: uuid.UUID
    company_id: uuid.UUID
    name: str
    price: Money


@dataclass(frozen=True)
class SessionPage:
    sessions: list[Session]
    next_page_token: str
