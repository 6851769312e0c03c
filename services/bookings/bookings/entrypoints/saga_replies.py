"""NATS entry point: participants' replies -> the orchestrator, once each."""

from __future__ import annotations

import logging

from google.protobuf.message import DecodeError
from nats.aio.msg import Msg

from bookingplatform.saga.v1 import saga_pb2
from bookings.adapters.saga_messages import reply_from
from bookings.adapters.tables import inbox
from bookings.service.handlers import BookingService
from plumbing.failpoints import failpoint
from plumbing.messaging import handle_concurrently
from plumbing.outbox import record_in_inbox
from plumbing.saga_participant import message_id_of, refused_as_nul

log = logging.getLogger(__name__)


class ReplyConsumer:
    def __init__(self, service: BookingService) -> None:
        self.service = service

    async def handle(self, messages: list[Msg]) -> None:
        await handle_concurrently(messages, self._handle_one)
        self.service.outbox.wake()

    async def _handle_one(self, msg: Msg) -> None:
        try:
            message = saga_pb2.StepReply.FromString(msg.data)
        except DecodeError:
            log.error("dropping undecodable saga reply on %s", msg.subject)
            await msg.term()
            return
        if await refused_as_nul(msg, message):
            return
        reply = reply_from(message)
        if reply is None:
            log.error("dropping saga reply with unknown action %s", message.action)
            await msg.term()
            return
        message_id = message_id_of(msg)
        failpoint("consumer.before_transaction")
        try:
            async with self.service.db.transaction() as conn:
                if await record_in_inbox(conn, inbox, message_id, msg.subject):
                    await self.service.handle_reply(conn, message.saga_id, reply, message_id)
        except Exception:
            log.exception("saga reply %s failed; redelivering", message_id)
            await msg.nak(delay=1.0)
            return
        failpoint("consumer.after_commit_before_ack")
        await msg.ack()
