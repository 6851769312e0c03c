"""A session the company cancelled (catalog `session_cancelled`): every booking of it ends
cancelled with a full refund, or rejected with its payment given back.

One pass looks at every booking of the session and moves what it can:
- CONFIRMED: the cancellation saga with a full refund (`cancel_booking(by_company=True)`);
  while its capture or credit consumption still runs (BOOKING_FINALIZING) it waits.
- PENDING: the payment saga is running; it waits until it is CONFIRMED (then cancelled by a
  later pass) or REJECTED (places released, payments compensated: nothing to do).
- PENDING_PAYMENT: the wallet lacked funds and billing would be retried for as long as it
  takes, so the booking is given up now (`Orchestrator.give_up_for_cancelled_session`): its
  saga compensated, the place released, the booking REJECTED `SESSION_CANCELLED` with the
  session's reason as its `cancel_reason`.
- CANCELLING: its refund saga only goes forward; it waits until CANCELLED.
- REJECTED, CANCELLED, and CHECKED_IN / COMPLETED / NO_SHOW (the time has begun; those are
  not cancelled automatically): nothing to do.

The pass is done when no booking waits AND the grace period after the cancellation has
passed: a CreateBooking that read the session as OPEN just before it was cancelled commits
its booking a moment later, and the pass after the grace period cancels it too. Until then
the caller (the NATS consumer) keeps the event and runs the pass again later. Every action
is idempotent, so running a pass again is always safe.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bookings.adapters.session_bookings import bookings_of_session
from bookings.domain.commands import CancelBooking
from bookings.domain.model import BookingStatus
from bookings.service.booking_commands import MAX_REASON_LENGTH, BookingCommands
from bookings.service.orchestrator import Orchestrator
from plumbing.db import Database
from plumbing.errors import ServiceError

log = logging.getLogger(__name__)

# How long after the cancellation a booking may still appear (a CreateBooking in flight:
# two catalog calls of at most 5 s each, then one transaction).
SETTLE_GRACE = timedelta(seconds=30)

_NOTHING_TO_DO = frozenset(
    {
        BookingStatus.REJECTED,
        BookingStatus.CANCELLED,
        BookingStatus.CHECKED_IN,
        BookingStatus.COMPLETED,
        BookingStatus.NO_SHOW,
    }
)


@dataclass(frozen=True)
class CancelledSession:
    session_id: str
    reason: str = ""
    cancel_time: datetime | None = None


@dataclass(frozen=True)
class Progress:
    """What one pass did and what is left."""

    cancelled: tuple[str, ...] = ()  # cancellation sagas started by this pass
    released: tuple[str, ...] = ()  # unpaid bookings whose saga this pass compensated
    waiting: tuple[str, ...] = ()  # bookings not final yet
    settle_at: datetime | None = None  # the grace period ends then (None: it has passed)

    @property
    def done(self) -> bool:
        return not self.waiting and self.settle_at is None


class SessionCancellations:
    def __init__(
        self,
        db: Database,
        bookings: BookingCommands,
        orchestrator: Orchestrator,
        *,
        grace: timedelta = SETTLE_GRACE,
    ) -> None:
        self.db = db
        self.bookings = bookings
        self.orchestrator = orchestrator
        self.grace = grace

    async def apply(self, event: CancelledSession, *, now: datetime | None = None) -> Progress:
        """One pass over the bookings of the cancelled session (see the module)."""
        async with self.db.transaction() as conn:
            found = await bookings_of_session(conn, event.session_id)
        cancelled: list[str] = []
        released: list[str] = []
        waiting: list[str] = []
        for booking in found:
            status: BookingStatus | None = booking.status
            if status in _NOTHING_TO_DO:
                if status in (BookingStatus.CHECKED_IN, BookingStatus.COMPLETED, BookingStatus.NO_SHOW):
                    log.warning(
                        "session %s cancelled: booking %s is %s and is left as it is",
                        event.session_id,
                        booking.booking_id,
                        status.value,
                    )
                continue
            if status is BookingStatus.CONFIRMED:
                status = await self._cancel(event, booking.booking_id)
                if status in (BookingStatus.CANCELLING, BookingStatus.CANCELLED):
                    cancelled.append(booking.booking_id)
            elif status is BookingStatus.PENDING_PAYMENT and await self._release(event, booking.saga_id):
                released.append(booking.booking_id)
            if status is not BookingStatus.CANCELLED:
                waiting.append(booking.booking_id)
        settle_at = (event.cancel_time or datetime.min.replace(tzinfo=UTC)) + self.grace
        return Progress(
            cancelled=tuple(cancelled),
            released=tuple(released),
            waiting=tuple(waiting),
            settle_at=settle_at if settle_at > (now or datetime.now(UTC)) else None,
        )

    async def _cancel(self, event: CancelledSession, booking_id: str) -> BookingStatus | None:
        """Starts the full-refund cancellation; None when it has to wait (still finalizing, or
        its status moved under us: the next pass looks again)."""
        try:
            cancelled = await self.bookings.cancel_booking(
                CancelBooking(
                    request_id=f"session_cancelled:{event.session_id}:{booking_id}",
                    booking_id=booking_id,
                    customer_id="",
                    by_company=True,
                    # The session's reason ("Teacher ill") is each booking's; at most what a
                    # company's own reason may be, so a long one never leaves the booking waiting.
                    reason=event.reason.strip()[:MAX_REASON_LENGTH],
                )
            )
        except ServiceError as refused:  # BOOKING_FINALIZING, BOOKING_NOT_CANCELLABLE
            log.info(
                "session %s cancelled: booking %s waits (%s)", event.session_id, booking_id, refused.reason
            )
            return None
        return cancelled.status

    async def _release(self, event: CancelledSession, saga_id: str) -> bool:
        """Gives an unpaid booking up (REJECTED SESSION_CANCELLED, the session's reason kept);
        False when its saga is past that point already (compensating, or paid)."""
        released = await self.orchestrator.give_up_for_cancelled_session(
            saga_id, event.reason.strip()[:MAX_REASON_LENGTH]
        )
        if not released:
            log.info("session %s cancelled: saga %s not given up (past it)", event.session_id, saga_id)
        return released
