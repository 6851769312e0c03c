"""What callers ask bookings to do (commands) and to read (queries), as plain dataclasses.

The gRPC servicer builds them from protos (`entrypoints/protos.py`); the service layer's
handlers take one of them as their only argument.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from bookings.domain.model import BookingStatus, PaymentPlan


@dataclass(frozen=True)
class BookingRequest:
    """What is asked for; exactly one of session_id and resource_id is set."""

    customer_id: str
    session_id: str = ""
    resource_id: str = ""
    quantity: int = 1
    unit_id: str = ""
    check_in_date: str = ""
    check_out_date: str = ""
    start_time: datetime | None = None
    end_time: datetime | None = None
    guests: int = 1
    extras: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class CreateBooking:
    request_id: str
    request: BookingRequest
    plan: PaymentPlan

    @property
    def customer_id(self) -> str:
        return self.request.customer_id

    def fingerprint(self) -> str:
        """Tells a retry of this request from another request under the same id."""
        body = [
            {key: str(value) for key, value in vars(self.request).items() if key != "extras"},
            sorted(self.request.extras),
            # A desk payment only when there is one, so requests stored before it keep their print.
            [value for key, value in vars(self.plan).items() if key != "desk_payment" or value is not None],
        ]
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class SettleBooking:
    request_id: str
    booking_id: str
    customer_id: str
    payment_method_id: str


@dataclass(frozen=True)
class CancelBooking:
    request_id: str
    booking_id: str
    customer_id: str
    # The company cancelled (e.g. the session was called off): a full refund, whenever.
    by_company: bool = False
    # Why the company cancelled (staff give one; empty for a called-off session's own).
    reason: str = ""


@dataclass(frozen=True)
class PreviewCancellation:
    """What CancelBooking would refund now; asks the same of the caller, changes nothing."""

    booking_id: str
    # The customer asking; must own the booking when set.
    customer_id: str = ""
    # The company would cancel: a full refund, whenever.
    by_company: bool = False


@dataclass(frozen=True)
class PreviewCompanyCancellations:
    """What the company's cancellation of each of some of its bookings would refund now (the
    console's day view: one call for the day's cancel boxes)."""

    company_id: str
    booking_ids: tuple[str, ...]


@dataclass(frozen=True)
class OverrideNoShow:
    """Staff say whether the customer came: CONFIRMED -> NO_SHOW, or NO_SHOW -> CHECKED_IN."""

    request_id: str
    booking_id: str
    no_show: bool
    reason: str


@dataclass(frozen=True)
class CheckInBooking:
    # Check-in is idempotent by state (a second check-in returns the booking), so the
    # request id needs no record of its own.
    request_id: str
    booking_id: str


@dataclass(frozen=True)
class ChangeBookingPeriod:
    request_id: str
    booking_id: str
    # The customer asking; must own the booking when set.
    customer_id: str = ""
    end_time: datetime | None = None  # interval rentals
    check_out_date: str = ""  # nightly stays, YYYY-MM-DD


@dataclass(frozen=True)
class RetrySagaStep:
    """An operator re-sends a saga's current step now; the reason goes to the step log."""

    saga_id: str
    reason: str


@dataclass(frozen=True)
class ForceCompensateSaga:
    """An operator compensates a saga before its pivot; the reason goes to the step log."""

    saga_id: str
    reason: str


@dataclass(frozen=True)
class ListBookings:
    """Exactly one of the four filters; `day` (local to the company) keeps one day's bookings."""

    customer_id: str = ""
    session_id: str = ""
    resource_id: str = ""
    company_id: str = ""
    day: str = ""
    page_size: int = 0
    page_token: str = ""
    # Only these statuses (all when empty), and only bookings overlapping [since, until).
    statuses: tuple[BookingStatus, ...] = ()
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class ListSagas:
    state: str = ""
    company_id: str = ""
    page_size: int = 0
    page_token: str = ""
    current_step: str = ""
    min_age_seconds: int = 0
    needs_attention: bool = False
    kind: str = ""
    # A saga, booking or customer id, or a reply's reference (a payment id).
    search_id: str = ""
    # Created in [created_after, created_before), each bound when set.
    created_after: datetime | None = None
    created_before: datetime | None = None
    # Also count the matches (total) and the company's sagas of the range by kind and state.
    include_totals: bool = False
    # With include_totals and created_after: the range's sagas per bucket of this many seconds.
    bucket_seconds: int = 0


@dataclass(frozen=True)
class ChangeSession:
    """A catalog session resized (capacity > 0) and/or moved (start and end), judged here
    against the places its bookings hold."""

    request_id: str
    session_id: str
    etag: str
    capacity: int = 0
    start_time: datetime | None = None
    end_time: datetime | None = None
    # (amount_minor, currency) of one place; catalog checks the currency.
    price: tuple[int, str] | None = None
