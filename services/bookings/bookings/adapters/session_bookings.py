"""SQL for reacting to a cancelled session: its bookings, and whether its event was applied."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.adapters.tables import bookings, inbox
from bookings.domain.model import BookingStatus


@dataclass(frozen=True)
class SessionBooking:
    booking_id: str
    status: BookingStatus
    saga_id: str


async def bookings_of_session(conn: AsyncConnection, session_id: str) -> list[SessionBooking]:
    """Every booking of the session, whatever its status, oldest first."""
    rows = await conn.execute(
        select(bookings.c.id, bookings.c.status, bookings.c.saga_id)
        .where(bookings.c.session_id == session_id)
        .order_by(bookings.c.created_at, bookings.c.id)
    )
    return [SessionBooking(row.id, BookingStatus(row.status), row.saga_id) for row in rows]


async def in_inbox(conn: AsyncConnection, message_id: str) -> bool:
    """True when a message with this id was already applied."""
    found = await conn.execute(select(inbox.c.message_id).where(inbox.c.message_id == message_id))
    return found.first() is not None
