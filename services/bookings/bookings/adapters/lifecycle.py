"""SQL of the lifecycle: check-in and the scheduler's sweeps, each a conditional UPDATE.

The database's clock (`now()`) is the only clock: replicas with skewed clocks still agree on
what is due. Every transition is `UPDATE ... WHERE status = <expected>`, so a booking moves
once however many replicas sweep at the same time; `FOR UPDATE SKIP LOCKED` lets them take
disjoint batches instead of queueing behind each other.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.adapters import repository as repo
from bookings.adapters.tables import bookings, customer_active_bookings
from bookings.domain.lifecycle import CHECK_IN_OPENS_BEFORE_START
from bookings.domain.model import Booking, BookingStatus


async def database_now(conn: AsyncConnection) -> datetime:
    """The transaction's time (`now()` is fixed for the whole transaction)."""
    return (await conn.execute(select(func.now()))).scalar_one()  # type: ignore[no-any-return]


async def check_in(conn: AsyncConnection, booking_id: str) -> Booking | None:
    """CONFIRMED -> CHECKED_IN at `now()`, only inside the check-in window; None otherwise.

    The window is in the condition too (not only in the Python rule that explains a refusal),
    so a check-in racing the sweep or a period change is judged on the row as it is.
    """
    closes = func.coalesce(bookings.c.no_show_at, bookings.c.check_in_deadline, bookings.c.end_time)
    row = (
        await conn.execute(
            update(bookings)
            .where(
                bookings.c.id == booking_id,
                bookings.c.status == BookingStatus.CONFIRMED.value,
                func.now() >= bookings.c.start_time - CHECK_IN_OPENS_BEFORE_START,
                func.now() <= closes,
            )
            .values(status=BookingStatus.CHECKED_IN.value, checked_in_at=func.now(), updated_at=func.now())
            .returning(bookings.c.id)
        )
    ).first()
    if row is None:
        return None
    return await repo.get_booking(conn, booking_id)


async def mark_no_shows(conn: AsyncConnection, limit: int) -> list[str]:
    """CONFIRMED bookings past `no_show_at` (deadline + grace) -> NO_SHOW; at most `limit`.

    A NULL `no_show_at` (no check-in needed) never matches. Uses `ix_bookings_no_show_due`.
    """
    due = (
        select(bookings.c.id)
        .where(
            bookings.c.status == BookingStatus.CONFIRMED.value,
            bookings.c.no_show_at.is_not(None),
            bookings.c.no_show_at < func.now(),
        )
        .order_by(bookings.c.no_show_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return await _move(conn, due, from_statuses=[BookingStatus.CONFIRMED], to_status=BookingStatus.NO_SHOW)


async def complete_ended(conn: AsyncConnection, limit: int) -> list[str]:
    """Bookings whose end has passed -> COMPLETED: CHECKED_IN ones, and CONFIRMED ones that
    needed no check-in (a CONFIRMED booking that needed one becomes NO_SHOW instead)."""
    ended = [BookingStatus.CONFIRMED.value, BookingStatus.CHECKED_IN.value]
    due = (
        select(bookings.c.id)
        .where(
            bookings.c.status.in_(ended),
            bookings.c.end_time < func.now(),
            or_(
                bookings.c.status == BookingStatus.CHECKED_IN.value,
                and_(bookings.c.status == BookingStatus.CONFIRMED.value, bookings.c.no_show_at.is_(None)),
            ),
        )
        .order_by(bookings.c.end_time)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return await _move(
        conn,
        due,
        from_statuses=[BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN],
        to_status=BookingStatus.COMPLETED,
    )


async def _move(
    conn: AsyncConnection, due: Select[Any], *, from_statuses: list[BookingStatus], to_status: BookingStatus
) -> list[str]:
    """Moves the locked batch; the status condition is checked again on the locked row."""
    ids = [row.id for row in await conn.execute(due)]
    if not ids:
        return []
    moved = (
        await conn.execute(
            update(bookings)
            .where(bookings.c.id.in_(ids), bookings.c.status.in_([s.value for s in from_statuses]))
            .values(status=to_status.value, updated_at=func.now())
            .returning(
                bookings.c.id,
                bookings.c.company_id,
                bookings.c.customer_id,
                bookings.c.resource_id,
                bookings.c.updated_at,
            )
        )
    ).all()
    await _uncount_finished(conn, Counter((row.customer_id, row.resource_id) for row in moved))
    if to_status in PUBLISHED:
        for row in moved:
            await _publish(conn, row, to_status)
    return [row.id for row in moved]


# The lifecycle's moves told to the other services (`bookings.events.<status>`, through the
# outbox in the move's transaction): a no-show (the customer is e-mailed, webhooks fire), and
# the desk overturning one (`bookings.events.no_show_overturned`, status CHECKED_IN: the
# customer is e-mailed a correction, webhooks fire `booking.no_show_overturned`). Other
# check-ins and completions are not published.
PUBLISHED = frozenset({BookingStatus.NO_SHOW})
NO_SHOW_OVERTURNED = "no_show_overturned"


async def _publish(conn: AsyncConnection, row: Any, status: BookingStatus, *, event: str = "") -> None:
    await repo.publish_status(
        conn,
        booking_id=str(row.id),
        company_id=str(row.company_id),
        customer_id=str(row.customer_id),
        status=status,
        at=row.updated_at,
        event=event,
    )


async def _uncount_finished(conn: AsyncConnection, finished: Counter[tuple[str, str]]) -> None:
    """A finished booking no longer counts against the policy's active-bookings maximum.

    Its holds (places, unit nights, interval) are *not* released: the time was used. Counter
    rows are updated in key order so two sweeps never deadlock on them.
    """
    for (customer_id, resource_id), count in sorted(finished.items()):
        await conn.execute(
            update(customer_active_bookings)
            .where(
                customer_active_bookings.c.customer_id == customer_id,
                customer_active_bookings.c.resource_id == resource_id,
            )
            .values(active=func.greatest(customer_active_bookings.c.active - count, 0))
        )


async def mark_no_show(conn: AsyncConnection, booking_id: str, reason: str) -> Booking | None:
    """Staff: CONFIRMED -> NO_SHOW once the booked time has begun (on the database's clock);
    None when the row is not so. It stops counting as active, as the sweep's no-shows do."""
    row = (
        await conn.execute(
            update(bookings)
            .where(
                bookings.c.id == booking_id,
                bookings.c.status == BookingStatus.CONFIRMED.value,
                func.now() >= bookings.c.start_time,
            )
            .values(status=BookingStatus.NO_SHOW.value, no_show_override_reason=reason, updated_at=func.now())
            .returning(
                bookings.c.id,
                bookings.c.company_id,
                bookings.c.customer_id,
                bookings.c.resource_id,
                bookings.c.updated_at,
            )
        )
    ).first()
    if row is None:
        return None
    await _uncount_finished(conn, Counter({(row.customer_id, row.resource_id): 1}))
    await _publish(conn, row, BookingStatus.NO_SHOW)
    return await repo.get_booking(conn, booking_id)


async def overturn_no_show(conn: AsyncConnection, booking_id: str, reason: str) -> Booking | None:
    """Staff: NO_SHOW -> CHECKED_IN (the customer came after all), arrived now; None when the
    row is not NO_SHOW. It counts as active again until the sweep completes it."""
    row = (
        await conn.execute(
            update(bookings)
            .where(bookings.c.id == booking_id, bookings.c.status == BookingStatus.NO_SHOW.value)
            .values(
                status=BookingStatus.CHECKED_IN.value,
                checked_in_at=func.now(),
                no_show_override_reason=reason,
                updated_at=func.now(),
            )
            .returning(
                bookings.c.id,
                bookings.c.company_id,
                bookings.c.customer_id,
                bookings.c.resource_id,
                bookings.c.updated_at,
            )
        )
    ).first()
    if row is None:
        return None
    await repo.count_active_booking(conn, customer_id=row.customer_id, resource_id=row.resource_id, limit=0)
    # The customer was e-mailed "you missed your booking": the correction follows the same way.
    await _publish(conn, row, BookingStatus.CHECKED_IN, event=NO_SHOW_OVERTURNED)
    return await repo.get_booking(conn, booking_id)
