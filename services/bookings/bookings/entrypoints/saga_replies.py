"""NATS entry point: participants' replies -> the orchestrator, once each (plumbing's inbox consumer)."""

from __future__ import annotations

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
        )

    async def _apply_reply(self, conn: AsyncConnection, delivery: Delivery[saga_pb2.StepReply, None]) -> None:
        reply = reply_from(delivery.message)
        assert reply is not None  # decode_reply refused the others
        with log_context(saga_id=delivery.message.saga_id, step=delivery.message.step):
            await self.orchestrator.handle_reply(conn, delivery.message.saga_id, reply, delivery.message_id)
