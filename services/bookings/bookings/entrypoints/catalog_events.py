"""NATS entry point: catalog events bookings reacts to. Today `catalog.events.session_cancelled`
(payload `bookingplatform.catalog.v1.SessionCancelled`, stream CATALOG).

The event stays unacked until the session is settled (`service/session_events.py`): every
pass that leaves a booking waiting (a payment saga still running, a capture still running, a
refund saga not finished) or falls within the grace period after the cancellation naks the
message with a delay, and JetStream delivers it again for the next pass. Only a settled
session is recorded in the inbox (its `Nats-Msg-Id`, `session_cancelled:<session id>`) and
acked; a redelivery after that is acked without a pass. The durable has no delivery limit
(a session waits as long as one of its bookings does) and a plain 30 s ack wait.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from google.protobuf.message import DecodeError
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from bookingplatform.catalog.v1 import catalog_pb2
from bookings.adapters.session_bookings import in_inbox
from bookings.adapters.tables import inbox
from bookings.service.handlers import BookingService
from bookings.service.session_events import CancelledSession, SessionCancellations
from plumbing import messaging
from plumbing.outbox import record_in_inbox
from plumbing.saga_participant import message_id_of, refused_as_nul

log = logging.getLogger(__name__)

# The catalog's stream, as catalog itself ensures it (ensure_stream is idempotent).
CATALOG_STREAM = "CATALOG"
CATALOG_SUBJECTS = ["catalog.events.>"]
SESSION_CANCELLED = "catalog.events.session_cancelled"
DURABLE = "bookings-session-cancelled"
# Delay before the next pass over a session with bookings still waiting, by delivery.
WAIT_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0)


class CatalogEventConsumer:
    def __init__(self, service: BookingService, cancellations: SessionCancellations | None = None) -> None:
        self.service = service
        self.cancellations = cancellations or SessionCancellations(service)

    async def handle(self, messages: list[Msg]) -> None:
        for msg in messages:
            await self._handle_one(msg)

    async def _handle_one(self, msg: Msg) -> None:
        try:
            event_message = catalog_pb2.SessionCancelled.FromString(msg.data)
        except DecodeError:
            log.error("dropping undecodable catalog event on %s", msg.subject)
            await msg.term()
            return
        if await refused_as_nul(msg, event_message):
            return
        session = event_message.session
        if not session.id:
            log.error("dropping session_cancelled without a session on %s", msg.subject)
            await msg.term()
            return
        message_id = message_id_of(msg)
        event = CancelledSession(
            session_id=session.id,
            reason=session.cancel_reason,
            cancel_time=session.cancel_time.ToDatetime(tzinfo=UTC)
            if session.HasField("cancel_time")
            else None,
        )
        try:
            async with self.service.db.transaction() as conn:
                if await in_inbox(conn, message_id):
                    await msg.ack()
                    return
            progress = await self.cancellations.apply(event)
            log.debug("session %s cancelled: pass %s", session.id, progress)
            if not progress.done:
                await msg.nak(delay=_next_pass_in(msg, progress.waiting, progress.settle_at))
                return
            async with self.service.db.transaction() as conn:
                await record_in_inbox(conn, inbox, message_id, msg.subject)
        except Exception:
            log.exception("session_cancelled %s failed; redelivering", message_id)
            await messaging.nak_later(msg)
            return
        log.info("session %s cancelled: every booking is settled", session.id)
        await msg.ack()


def _next_pass_in(msg: Msg, waiting: tuple[str, ...], settle_at: datetime | None) -> float:
    if waiting or settle_at is None:
        return messaging.retry_delay(msg, WAIT_DELAYS)
    return max(0.5, (settle_at - datetime.now(UTC)).total_seconds())


async def session_cancelled_consumer(js: JetStreamContext, service: BookingService) -> messaging.PullConsumer:
    """Ensures the CATALOG stream and returns the durable consumer of session_cancelled."""
    await messaging.ensure_stream(js, CATALOG_STREAM, CATALOG_SUBJECTS)
    return messaging.PullConsumer(
        js,
        stream=CATALOG_STREAM,
        durable=DURABLE,
        subject=SESSION_CANCELLED,
        handler=CatalogEventConsumer(service).handle,
        # A plain ack wait, no JetStream backoff: with a backoff, nats-server honours the
        # delay of a message's first nak only, later ones wait for backoff[n] (>= 30 s).
        ack_wait_seconds=30.0,
        max_deliver=-1,
    )
