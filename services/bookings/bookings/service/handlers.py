"""Transitional (issue 8): the NATS consumers (`entrypoints/saga_replies.py`,
`entrypoints/catalog_events.py`) are being rebuilt on plumbing's inbox consumer and still take
one `BookingService` with `db`, `outbox` and `handle_reply` (and build `SessionCancellations`
from it). Bootstrap builds this view from
the real collaborators; it goes once the consumers take those directly.

The use cases live in `booking_commands.py` (bookings), `orchestrator.py` (the saga) and
`saga_queries.py` (operators' reads). `step_timeout` is re-exported for the fault suite.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.domain.saga import Reply
from bookings.service.booking_commands import BookingCommands
from bookings.service.orchestrator import Orchestrator, step_timeout
from plumbing.db import Database
from plumbing.outbox import Outbox

__all__ = ["BookingService", "step_timeout"]


@dataclass(frozen=True)
class BookingService:
    db: Database
    outbox: Outbox
    orchestrator: Orchestrator
    bookings: BookingCommands

    async def handle_reply(self, conn: AsyncConnection, saga_id: str, reply: Reply, message_id: str) -> None:
        await self.orchestrator.handle_reply(conn, saga_id, reply, message_id)
