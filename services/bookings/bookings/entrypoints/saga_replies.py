"""NATS entry point: participants' replies -> the orchestrator, once each (plumbing's inbox consumer)."""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.saga.v1 import saga_pb2
from bookings.adapters.saga_messages import reply_from
from bookings.adapters.tables import inbox
from bookings.service.orchestrator import Orchestrator
from plumbing.db import Database
from plumbing.inbox_consumer import Delivery, InboxConsumer, Undecodable
from plumbing.logs import log_context
from plumbing.outbox import Outbox


def decode_reply(data: bytes) -> saga_pb2.StepReply:
    message = saga_pb2.StepReply.FromString(data)
    if reply_from(message) is None:
        raise Undecodable(f"unknown action {message.action}")
    return message


class ReplyConsumer(InboxConsumer[saga_pb2.StepReply, None]):
    def __init__(self, db: Database, outbox: Outbox, orchestrator: Orchestrator) -> None:
        self.orchestrator = orchestrator
        super().__init__(
            name="saga-replies",
            db=db,
            inbox=inbox,
            decode=decode_reply,
            apply=self._apply_reply,
            outbox=outbox,  # woken after a batch: a reply usually queues the next command
            # A group's replies take their sagas' rows in one order.
            order_key=lambda reply: reply.saga_id,
            apply_many=self._apply_replies,
        )

    async def _apply_reply(self, conn: AsyncConnection, delivery: Delivery[saga_pb2.StepReply, None]) -> None:
        await self._apply_replies(conn, [delivery])

    async def _apply_replies(
        self, conn: AsyncConnection, deliveries: Sequence[Delivery[saga_pb2.StepReply, None]]
    ) -> None:
        """A group's replies in order, their sagas locked first in one statement."""
        locked = (
            await self.orchestrator.lock_sagas(conn, [d.message.saga_id for d in deliveries])
            if len(deliveries) > 1
            else None
        )
        for delivery in deliveries:
            reply = reply_from(delivery.message)
            assert reply is not None  # decode_reply refused the others
            with (
                trace.use_span(delivery.span, end_on_exit=False),
                log_context(saga_id=delivery.message.saga_id, step=delivery.message.step),
            ):
                await self.orchestrator.handle_reply(
                    conn, delivery.message.saga_id, reply, delivery.message_id, locked_before=locked
                )
