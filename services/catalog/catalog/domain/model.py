"""What catalog knows: companies, their customers, resources (with units, rate plans and
daily prices), sessions and extras."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time


class BookingModel(enum.Enum):
    """How a resource is sold; the reservation engine picks its rules from this."""

    TIME_SLOT = "TIME_SLOT"
    NIGHTLY = "NIGHTLY"
    INTERVAL = "INTERVAL"


class SessionStatus(enum.Enum):
    OPEN = "OPEN"
    CANCELLED = "CANCELLED"


class PricingUnit(enum.Enum):
    """What the price of an extra is multiplied by."""

    PER_BOOKING = "PER_BOOKING"
    PER_NIGHT = "PER_NIGHT"
    PER_GUEST = "PER_GUEST"
    PER_HOUR = "PER_HOUR"
    PER_GUEST_NIGHT = "PER_GUEST_NIGHT"


class PriceSource(enum.Enum):
    """Where the price of one night comes from."""

    DEFAULT = "DEFAULT"
    DAILY = "DAILY"
    OVERRIDE = "OVERRIDE"


class CompanyState(enum.Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


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
    description: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    address: str = ""
    allowed_origins: tuple[str, ...] = ()
    state: CompanyState = CompanyState.ACTIVE
    suspend_reason: str | None = None
    version: int = 1


@dataclass(frozen=True)
class Customer:
    id: uuid.UUID
    company_id: uuid.UUID
    display_name: str
    email: str | None
    guest: bool
    created_at: datetime
    phone: str | None = None
    version: int = 1


@dataclass(frozen=True)
class CancellationWindow:
    """Cancelled at least `minutes_before_start` minutes before the start: `refund_percent` back."""

    minutes_before_start: int
    refund_percent: int


DEFAULT_CHECK_IN_TIME = time(15, 0)
DEFAULT_CHECK_OUT_TIME = time(11, 0)


@dataclass(frozen=True)
class PolicyLimits:
    """The numbers of a resource's booking rules, the same in a request (`rules.PolicyInput`)
    and in a validated `ResourcePolicy`; the defaults apply when a resource is created without
    a policy. 0 means "no limit" / "not used" unless said otherwise.
    """

    # Minimum time between booking and start.
    lead_time_minutes: int = 0
    # How far ahead bookings are taken (0 = no limit).
    horizon_days: int = 365
    # Deprecated in favour of cancellation_windows: until how many minutes before the start
    # a cancellation is refunded in full. Stands for the windows when they are empty.
    free_cancellation_minutes: int = 24 * 60
    # Most places one booking may take (TIME_SLOT; 0 = no limit).
    max_places_per_booking: int = 0
    # INTERVAL: shortest and longest rental (0 = no limit).
    min_duration_minutes: int = 0
    max_duration_minutes: int = 0
    # NIGHTLY: fewest (0 reads as 1) and most nights (0 = no limit).
    min_nights: int = 0
    max_nights: int = 0
    # INTERVAL: start and end on multiples of this after local midnight (0 = any minute).
    granularity_minutes: int = 0
    # INTERVAL: minutes kept free around each rental.
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    # Bookings a customer may hold that have not ended (0 = no limit).
    max_active_bookings_per_customer: int = 0
    # Check-in possible until start + this (0 = no deadline); no-show after a further grace.
    check_in_deadline_minutes: int = 0
    no_show_grace_minutes: int = 0
    # NIGHTLY: most guests in one unit (0 = no limit).
    max_guests_per_unit: int = 0


@dataclass(frozen=True)
class ResourcePolicy(PolicyLimits):
    """The booking rules of a resource. A validated policy (`rules.policy`) has its
    cancellation windows sorted widest first and, on a NIGHTLY resource, check-in and
    check-out times.
    """

    # The refund steps, widest first; empty = derived from free_cancellation_minutes.
    cancellation_windows: tuple[CancellationWindow, ...] = ()
    # NIGHTLY: local times of day of check-in and check-out; None for other models.
    check_in_time: time | None = None
    check_out_time: time | None = None

    def effective_cancellation_windows(self) -> tuple[CancellationWindow, ...]:
        """The windows, or the legacy rule of free_cancellation_minutes as windows."""
        if self.cancellation_windows:
            return self.cancellation_windows
        if self.free_cancellation_minutes == 0:
            return (CancellationWindow(0, 100),)
        return (CancellationWindow(self.free_cancellation_minutes, 100), CancellationWindow(0, 0))

    def effective_free_cancellation_minutes(self) -> int:
        """The smallest minutes_before_start refunded in full (0 when none is)."""
        full = [
            w.minutes_before_start for w in self.effective_cancellation_windows() if w.refund_percent == 100
        ]
        return min(full) if full else 0


def refund_percent(windows: tuple[CancellationWindow, ...], minutes_before_start: float) -> int:
    """The refund of a cancellation `minutes_before_start` before the start (negative: after it):
    the first window, widest first, whose minutes are reached; 0 when none is."""
    for window in sorted(windows, key=lambda w: -w.minutes_before_start):
        if minutes_before_start >= window.minutes_before_start:
            return window.refund_percent
    return 0


@dataclass(frozen=True)
class Resource:
    id: uuid.UUID
    company_id: uuid.UUID
    name: str
    booking_model: BookingModel
    policy: ResourcePolicy = field(default_factory=ResourcePolicy)
    hourly_rate: Money | None = None
    version: int = 1
    description: str = ""
    image_urls: tuple[str, ...] = ()
    amenities: tuple[str, ...] = ()
    capacity: int = 0
    archived_at: datetime | None = None
    created_at: datetime | None = None


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
    cancel_reason: str | None = None
    cancelled_at: datetime | None = None
    version: int = 1
    series_id: uuid.UUID | None = None

    @property
    def etag(self) -> str:
        return str(self.version)


@dataclass(frozen=True)
class SeriesRule:
    """What a series was expanded from, as stored with it."""

    rrule: str
    start_date: date
    start_time_of_day: time
    duration_minutes: int
    time_zone: str


@dataclass(frozen=True)
class MovedSession:
    """A session of a series that starts after a daylight-saving gap: the rule's local time
    `asked` does not exist that day, so it starts at `starts` (local, naive; RFC 5545)."""

    session_id: uuid.UUID
    asked: datetime
    starts: datetime


@dataclass(frozen=True)
class SessionSeries:
    id: uuid.UUID
    sessions: list[Session]
    # The sessions that start later than the rule's local time, soonest first.
    moved: list[MovedSession] = field(default_factory=list)


@dataclass(frozen=True)
class Extra:
    id: uuid.UUID
    company_id: uuid.UUID
    name: str
    price: Money
    pricing_unit: PricingUnit = PricingUnit.PER_BOOKING
    description: str = ""
    archived_at: datetime | None = None
    version: int = 1


@dataclass(frozen=True)
class Unit:
    """A bookable unit of a NIGHTLY resource (the room type)."""

    id: uuid.UUID
    company_id: uuid.UUID
    resource_id: uuid.UUID
    name: str
    created_at: datetime
    archived_at: datetime | None = None
    version: int = 1


@dataclass(frozen=True)
class RatePlan:
    id: uuid.UUID
    company_id: uuid.UUID
    resource_id: uuid.UUID
    name: str
    default_nightly_price: Money
    created_at: datetime
    version: int = 1


@dataclass(frozen=True)
class DailyPrice:
    """A stored price of one local date; `price` None (in a request only) clears it."""

    date: date
    price: Money | None
    override: bool = False


@dataclass(frozen=True)
class NightPrice:
    date: date
    price: Money
    source: PriceSource


@dataclass(frozen=True)
class NightlyPricing:
    rate_plan_id: uuid.UUID
    nights: list[NightPrice]
    total: Money
    check_in: datetime
    check_out: datetime


@dataclass(frozen=True)
class Pricing:
    """What GetPricing answers: nights for NIGHTLY, the hourly rate for INTERVAL."""

    resource: Resource
    time_zone: str
    nightly: NightlyPricing | None = None
    hourly_rate: Money | None = None


@dataclass(frozen=True)
class SessionPage:
    sessions: list[Session]
    next_page_token: str


@dataclass(frozen=True)
class ResourcePlaces:
    """A resource's open sessions in a period: how many, and their places summed."""

    resource_id: uuid.UUID
    session_count: int
    places: int
