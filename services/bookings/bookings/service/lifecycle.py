"""The lifecycle use cases: checking in, and the scheduler that marks no-shows and completes.

The scheduler keeps nothing in memory: what is due is read from the bookings' own times on
every sweep, so a restart loses nothing, and the conditional updates (`adapters/lifecycle.py`)
make several replicas sweeping at once move each booking exactly once. No leader election.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.adapters import lifecycle as sql
from bookings.adapters import repository as repo
from bookings.domain.commands import CheckInBooking, OverrideNoShow
from bookings.domain.lifecycle import Attendance, CheckIn, check_in_decision, no_show_override_decision
from bookings.domain.model import Booking
from plumbing import audit
from plumbing.db import Database
from plumbing.errors import Conflict, InvalidArgument, NotFound
from plumbing.ids import parse_id
from plumbing.principal import BUSINESS_ROLES, current_principal, require_role

log = logging.getLogger(__name__)

SWEEP_BATCH = 200
MAX_REASON_LENGTH = 500


@dataclass(frozen=True)
class SweepResult:
    """How many bookings this sweep moved (another replica's sweep counts its own)."""

    no_shows: int = 0
    completed: int = 0

    @property
    def total(self) -> int:
        return self.no_shows + self.completed


def attendance(booking: Booking) -> Attendance:
    return Attendance(
        status=booking.status,
        start_time=booking.start_time,
        end_time=booking.end_time,
        check_in_deadline=booking.check_in_deadline,
        no_show_at=booking.no_show_at,
        checked_in_at=booking.checked_in_at,
    )


class Lifecycle:
    def __init__(self, db: Database, *, batch: int = SWEEP_BATCH) -> None:
        self.db = db
        self.batch = batch

    async def check_in(self, command: CheckInBooking) -> Booking:
        """Records that the customer arrived: CONFIRMED -> CHECKED_IN, inside the window
        (`CHECK_IN_OPENS_BEFORE_START` before the start until the deadline plus the grace).

        Checking in again returns the booking as it is. Judged on the database's clock.
        """
        parse_id(command.booking_id, "booking_id")
        async with self.db.transaction() as conn:
            booking = await repo.get_booking(conn, command.booking_id)
            if booking is None:
                raise NotFound("BOOKING_NOT_FOUND", "no such booking")
            now = await sql.database_now(conn)
            if check_in_decision(attendance(booking), now) is CheckIn.ALREADY:
                return booking
            checked_in = await sql.check_in(conn, booking.id)
            if checked_in is not None:
                await audit.record(
                    conn,
                    company_id=checked_in.company_id,
                    entity_type="booking",
                    entity_id=checked_in.id,
                    action="check_in",
                    before={"status": booking.status.value},
                    after={"status": checked_in.status.value, "checked_in_at": checked_in.checked_in_at},
                )
                return checked_in
            # Another transaction moved it first (a second check-in, the sweep, a
            # cancellation): answer from the row as it is now.
            current = await repo.get_booking(conn, booking.id)
            assert current is not None
            if check_in_decision(attendance(current), now) is CheckIn.ALREADY:
                return current
        raise Conflict("BOOKING_CHANGED", "the booking changed meanwhile; read it and try again")

    async def override_no_show(self, command: OverrideNoShow) -> Booking:
        """Staff override attendance with a reason: CONFIRMED (time begun) -> NO_SHOW, or
        NO_SHOW -> CHECKED_IN. Asking for what the booking already is returns it as it is."""
        require_role(*BUSINESS_ROLES)
        parse_id(command.booking_id, "booking_id")
        reason = command.reason.strip()
        if not reason:
            raise InvalidArgument("REASON_REQUIRED", "say why attendance is overridden", field="reason")
        if len(reason) > MAX_REASON_LENGTH:
            raise InvalidArgument(
                "INVALID_REASON", f"reason is at most {MAX_REASON_LENGTH} characters", field="reason"
            )
        async with self.db.transaction() as conn:
            booking = await repo.get_booking(conn, command.booking_id)
            if booking is None or not current_principal().may_act_for(booking.company_id):
                raise NotFound("BOOKING_NOT_FOUND", "no such booking")
            now = await sql.database_now(conn)
            if not no_show_override_decision(
                booking.status, booking.start_time, now, no_show=command.no_show
            ):
                return booking
            move = sql.mark_no_show if command.no_show else sql.overturn_no_show
            moved = await move(conn, booking.id, reason)
            if moved is None:
                raise Conflict("BOOKING_CHANGED", "the booking changed meanwhile; read it and try again")
            await audit.record(
                conn,
                company_id=moved.company_id,
                entity_type="booking",
                entity_id=moved.id,
                action="override_no_show",
                before={"status": booking.status.value},
                after={"status": moved.status.value},
                reason=reason,
            )
            return moved

    async def sweep(self) -> SweepResult:
        """Marks no-shows, then completes what has ended, in batches of `batch` bookings
        (one transaction each) until nothing is due."""
        no_shows = await self._drain(sql.mark_no_shows)
        completed = await self._drain(sql.complete_ended)
        result = SweepResult(no_shows=no_shows, completed=completed)
        if result.total:
            log.info("lifecycle: %d no-show(s), %d completed", result.no_shows, result.completed)
        return result

    async def _drain(self, step: Callable[[AsyncConnection, int], Awaitable[list[str]]]) -> int:
        moved = 0
        while True:
            async with self.db.transaction() as conn:
                batch = await step(conn, self.batch)
            moved += len(batch)
            # Fewer than a batch: nothing left, or other replicas hold the rest (SKIP LOCKED).
            if len(batch) < self.batch:
                return moved


async def sweep_forever(lifecycle: Lifecycle, interval: float) -> None:
    """The scheduler loop: one sweep every `interval` seconds, on every replica."""
    while True:
        try:
            await lifecycle.sweep()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("lifecycle sweep failed")
        await asyncio.sleep(interval)
