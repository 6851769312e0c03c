"""A booking's life after it is paid, pure: check-in, no-show and completion.

    PENDING ─▶ CONFIRMED ─▶ CHECKED_IN ─▶ COMPLETED
        │           ├─────────────────▶ COMPLETED   (no check-in needed, the end passed)
        │           ├─────────────────▶ NO_SHOW     (no check-in by the deadline + grace)
        │           └─▶ CANCELLING ─▶ CANCELLED
        └─▶ PENDING_PAYMENT / REJECTED  (the payment saga, `saga.py`)

COMPLETED and NO_SHOW are *finished*: nothing changes them any more, and the place, the unit
nights or the interval they hold stay taken (the time was used, or kept free for a customer
who did not come), so nothing is released and nothing is refunded.

Times come from the booking's own snapshot, taken from the resource's policy when it was
booked: `check_in_deadline` (start + `check_in_deadline_minutes`) and `no_show_at` (that
deadline + `no_show_grace_minutes`). A booking with no `no_show_at` needs no check-in: it is
never a no-show, and it completes at its end (it may still be checked in, to record that
the customer came).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from bookings.domain.model import BookingStatus
from plumbing.errors import FailedPrecondition

# Customers may check in from this long before the start (a documented constant, not a policy
# field: the catalog's ResourcePolicy has none).
CHECK_IN_OPENS_BEFORE_START = timedelta(minutes=60)

S = BookingStatus

# The lifecycle's ends: immutable.
FINISHED: frozenset[BookingStatus] = frozenset({S.COMPLETED, S.NO_SHOW})

# Every move a booking may make; anything else is refused.
ALLOWED_TRANSITIONS: dict[BookingStatus, frozenset[BookingStatus]] = {
    S.PENDING: frozenset({S.PENDING_PAYMENT, S.CONFIRMED, S.REJECTED}),
    S.PENDING_PAYMENT: frozenset({S.CONFIRMED, S.REJECTED}),
    S.CONFIRMED: frozenset({S.CHECKED_IN, S.COMPLETED, S.NO_SHOW, S.CANCELLING}),
    S.CHECKED_IN: frozenset({S.COMPLETED}),
    S.CANCELLING: frozenset({S.CANCELLED}),
    S.CANCELLED: frozenset(),
    S.REJECTED: frozenset(),
    S.COMPLETED: frozenset(),
    S.NO_SHOW: frozenset(),
}


def can_transition(current: BookingStatus, target: BookingStatus) -> bool:
    return target in ALLOWED_TRANSITIONS[current]


def ensure_not_finished(status: BookingStatus) -> None:
    """Refuses any change to a COMPLETED or NO_SHOW booking (check-in, period changes, ...)."""
    if status in FINISHED:
        raise FailedPrecondition(
            "BOOKING_FINISHED", f"the booking is {status.value}: a finished booking cannot change"
        )


def no_show_time(check_in_deadline: datetime | None, grace_minutes: int) -> datetime | None:
    """What `bookings.no_show_at` holds: the check-in deadline plus the grace; None when the
    policy asks for no check-in (`check_in_deadline_minutes` = 0)."""
    if check_in_deadline is None:
        return None
    return check_in_deadline + timedelta(minutes=max(grace_minutes, 0))


@dataclass(frozen=True)
class Attendance:
    """What the lifecycle reads of a booking."""

    status: BookingStatus
    start_time: datetime
    end_time: datetime
    check_in_deadline: datetime | None = None
    no_show_at: datetime | None = None
    checked_in_at: datetime | None = None

    @property
    def needs_check_in(self) -> bool:
        return self.no_show_at is not None

    @property
    def check_in_opens(self) -> datetime:
        return self.start_time - CHECK_IN_OPENS_BEFORE_START

    @property
    def check_in_closes(self) -> datetime:
        """The deadline plus the grace; with no check-in required, the end of the booking."""
        return self.no_show_at or self.check_in_deadline or self.end_time


class CheckIn(enum.Enum):
    NOW = "NOW"  # check in now
    ALREADY = "ALREADY"  # it was checked in: answer with the booking as it is


def check_in_decision(booking: Attendance, now: datetime) -> CheckIn:
    """May the customer check in at `now`? Raises the reason when not.

    Only a CONFIRMED booking checks in, from `CHECK_IN_OPENS_BEFORE_START` before its start
    until the deadline plus the grace (inclusive). Checking in again is not an error: a
    booking that was checked in (even if it has completed since) is returned as it is.
    """
    if booking.checked_in_at is not None and booking.status in (S.CHECKED_IN, S.COMPLETED):
        return CheckIn.ALREADY
    ensure_not_finished(booking.status)
    if booking.status is not S.CONFIRMED:
        raise FailedPrecondition(
            "BOOKING_NOT_CONFIRMED", f"a {booking.status.value} booking cannot be checked in"
        )
    if now < booking.check_in_opens:
        raise FailedPrecondition(
            "CHECK_IN_NOT_OPEN",
            f"check-in opens at {booking.check_in_opens.isoformat()}",
            metadata={"opens_at": booking.check_in_opens.isoformat()},
        )
    if now > booking.check_in_closes:
        raise FailedPrecondition(
            "CHECK_IN_CLOSED",
            f"check-in closed at {booking.check_in_closes.isoformat()}",
            metadata={"closed_at": booking.check_in_closes.isoformat()},
        )
    return CheckIn.NOW


def due_transition(booking: Attendance, now: datetime) -> BookingStatus | None:
    """What the scheduler does to a booking at `now` (None: nothing yet).

    The SQL of the sweep (`adapters/lifecycle.py`) is this rule, written as conditions.
    """
    if booking.status is S.CONFIRMED and booking.no_show_at is not None:
        return S.NO_SHOW if booking.no_show_at < now else None
    if booking.status in (S.CONFIRMED, S.CHECKED_IN) and booking.end_time < now:
        return S.COMPLETED
    return None


def no_show_override_decision(
    status: BookingStatus, start_time: datetime, now: datetime, *, no_show: bool
) -> bool:
    """May staff override attendance now? True: move it; False: it is already so (answer the
    booking as it is). Raises the reason when not.

    The one exception to "finished is final": staff, with a reason, may mark a CONFIRMED booking
    whose time has begun NO_SHOW before the sweep does, or turn a NO_SHOW into CHECKED_IN
    (the customer came after all). The conditional updates judge again on the row.
    """
    if no_show:
        if status is S.NO_SHOW:
            return False
        if status is not S.CONFIRMED:
            raise FailedPrecondition(
                "BOOKING_NOT_CONFIRMED", f"a {status.value} booking cannot be marked a no-show"
            )
        if now < start_time:
            raise FailedPrecondition(
                "BOOKING_NOT_STARTED", "a booking is a no-show only once its time has begun"
            )
        return True
    if status in (S.CHECKED_IN, S.COMPLETED):
        return False
    if status is not S.NO_SHOW:
        raise FailedPrecondition("BOOKING_NOT_NO_SHOW", f"a {status.value} booking is not a no-show")
    return True
