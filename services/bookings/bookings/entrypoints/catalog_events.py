"""NATS entry point: catalog events bookings reacts to. Today `catalog.events.session_cancelled`
(payload `bookingplatform.catalog.v1.SessionCancelled`, stream CATALOG).

The event stays unacked until the session is settled (`service/session_events.py`): every
pass that leaves a booking waiting (a payment saga still running, a capture still running, a
refund saga not finished) or falls within the grace period after the cancellation naks the
message with a delay, and JetStream delivers it again for the next pass. Only a settled
session is recorded in the inbox (its `Nats-Msg-Id`, `session_cancelled:<session id>`) and
acked; a redelivery after that is acked without a pass. The durable has no delivery limit
(a session waits as long as one of its bookings does) and a plain 30 s ack wait.

It is plumbing's `InboxConsumer`: the pass is its prepare step (outside any transaction),
a pass that leaves something waiting answers `Later`, and the apply step records the inbox row.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.catalog.v1 import catalog_pb2
from bookings.adapters.tables import inbox
from bookings.service.session_events import CancelledSession, SessionCancellations
from plumbing import messaging
from plumbing.db import Database
from plumbing.inbox_consumer import Delivery, InboxConsumer, Later, Undecodable

log = logging.getLogger(__name__)

# The catalog's stream, as catalog itself ensures it (ensure_stream is idempotent).
CATALOG_STREAM = "CATALOG"
CATALOG_SUBJECTS = ["catalog.events.>"]
SESSION_CANCELLED = "catalog.events.session_cancelled"
DURABLE = "bookings-session-cancelled"
# Delay before the next pass over a session with bookings still waiting, by delivery.
WAIT_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0)

SessionCancelledDelivery = Delivery[catalog_pb2.SessionCancelled, None]


def decode_session_cancelled(data: bytes) -> catalog_pb2.SessionCancelled:
    message = catalog_pb2.SessionCancelled.FromString(data)
    if not message.session.id:
        raise Undecodable("session_cancelled without a session")
    return message


class CatalogEventConsumer(InboxConsumer[catalog_pb2.SessionCancelled, None]):
    """A pass over the session's bookings outside any transaction (each booking is settled in
    transactions of its own); only a settled session gets its inbox row and its ack."""

    def __init__(self, db: Database, cancellations: SessionCancellations) -> None:
        self.cancellations = cancellations
        super().__init__(
            name="session-cancelled",
            db=db,
            inbox=inbox,
            decode=decode_session_cancelled,
            prepare=self._pass_over_session,
            apply=self._record_settled,
            concurrency=1,  # one session at a time: a pass already runs many sagas
        )

    async def _pass_over_session(self, delivery: SessionCancelledDelivery) -> Later | None:
        session = delivery.message.session
        event = CancelledSession(
            session_id=session.id,
            reason=session.cancel_reason,
            cancel_time=session.cancel_time.ToDatetime(tzinfo=UTC)
            if session.HasField("cancel_time")
            else None,
        )
        progress = await self.cancellations.apply(event)
        log.debug("session %s cancelled: pass %s", session.id, progress)
        if not progress.done:
            return Later(_next_pass_in(delivery.delivered, progress.waiting, progress.settle_at))
        return None

    async def _record_settled(self, conn: AsyncConnection, delivery: SessionCancelledDelivery) -> None:
        log.info("session %s cancelled: every booking is settled", delivery.message.session.id)


def _next_pass_in(delivered: int, waiting: tuple[str, ...], settle_at: datetime | None) -> float:
    if waiting or settle_at is None:
        return WAIT_DELAYS[min(delivered, len(WAIT_DELAYS)) - 1]
    return max(0.5, (settle_at - datetime.now(UTC)).total_seconds())


async def session_cancelled_consumer(
    js: JetStreamContext, db: Database, cancellations: SessionCancellations
) -> messaging.PullConsumer:
    """Ensures the CATALOG stream and returns the durable consumer of session_cancelled."""
    await messaging.ensure_stream(js, CATALOG_STREAM, CATALOG_SUBJECTS)
    return messaging.PullConsumer(
        js,
        stream=CATALOG_STREAM,
        durable=DURABLE,
        subject=SESSION_CANCELLED,
        handler=CatalogEventConsumer(db, cancellations).handle,
        # A plain ack wait, no JetStream backoff: with a backoff, nats-server honours the
        # delay of a message's first nak only, later ones wait for backoff[n] (>= 30 s).
        ack_wait_seconds=30.0,
        max_deliver=-1,
    )
