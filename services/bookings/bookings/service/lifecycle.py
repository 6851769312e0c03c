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
from bookings.domain.commands import CheckInBooking
from bookings.domain.lifecycle import Attendance, CheckIn, check_in_decision
from bookings.domain.model import Booking
from plumbing.db import Database
from plumbing.errors import Conflict, NotFound
from plumbing.ids import parse_id

log = logging.getLogger(__name__)

SWEEP_BATCH = 200


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
                return checked_in
            # Another transaction moved it first (a second check-in, the sweep, a
            # cancellation): answer from the row as it is now.
            current = await repo.get_booking(conn, booking.id)
            assert current is not None
            if check_in_decision(attendance(current), now) is CheckIn.ALREADY:
                return current
        raise Conflict("BOOKING_CHANGED", "the booking changed meanwhile; read it and try again")

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
