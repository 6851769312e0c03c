"""Admission to the saga: a create whose payment steps would wait in a queue longer than
`max_wait_seconds` is refused at once (RESOURCE_EXHAUSTED `SAGA_BACKLOG`, with the seconds to
wait before retrying), before it plans or writes anything.

The gateway bounds the requests in flight, but a create is answered as soon as its booking
and saga are written, so under overload it accepted creates faster than the participants
(wallet, passes, payments) and bookings' own reply consumer could carry their sagas out: the
queues behind them grew without bound, a booking waited 15 s and more to be confirmed, and the
deadline sweeper spent its time moving the deadlines of steps that were only queued. Bounding
the queues keeps every accepted booking's wait short and refuses the rest while it is cheap.

Each queue is a JetStream consumer of the SAGA stream, read by a watcher every
`interval_seconds` (domain/backlog.py says how a wait is estimated). A create waits in the
queue of each participant its payment plan names and in the reply queue. A queue that cannot
be read (NATS away, no consumer yet) refuses nothing: the outbox keeps the commands of what is
accepted, and the other guards (the gateway's limit, the steps' deadlines) still hold.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time

from bookings.adapters.participant_queues import REPLY_CONSUMER, ParticipantQueues
from bookings.domain.backlog import QueueDrain, QueueReading
from bookings.domain.model import PaymentPlan
from plumbing.errors import ErrorKind, ServiceError

log = logging.getLogger(__name__)

PASSES, WALLET, PAYMENTS = "passes", "wallet", "payments"
# A queue whose drain rate is not known yet (idle, or its consumer down) is judged at this rate.
MIN_DRAIN_RATE = 50.0
MAX_RETRY_AFTER_SECONDS = 30


def participants_of(plan: PaymentPlan) -> list[str]:
    """The participants whose commands a saga of this plan sends first and later."""
    named = []
    if plan.entitlement_id:
        named.append(PASSES)
    if plan.use_wallet:
        named.append(WALLET)
    if plan.payment_method_id:
        named.append(PAYMENTS)
    return named


class SagaBacklog:
    def __init__(
        self,
        queues: ParticipantQueues,
        *,
        max_wait_seconds: float,
        interval_seconds: float = 0.25,
        min_drain_rate: float = MIN_DRAIN_RATE,
    ) -> None:
        self.queues = queues
        self.max_wait_seconds = max_wait_seconds
        self.interval_seconds = interval_seconds
        self.drains = {
            name: QueueDrain(min_rate=min_drain_rate) for name in (PASSES, WALLET, PAYMENTS, REPLY_CONSUMER)
        }
        self.refused = 0  # creates refused by this process (read by tests and the bench)

    async def watch_forever(self) -> None:
        while True:
            try:
                await self.read_queues()
            except asyncio.CancelledError:
                raise
            except Exception:  # a reading that fails refuses nothing; the next one may not
                log.exception("saga queues not read")
                for drain in self.drains.values():
                    drain.forget()
            await asyncio.sleep(self.interval_seconds)

    async def read_queues(self) -> None:
        for name, drain in self.drains.items():
            position = await self.queues.position(name, with_floor=False)
            if position is None:
                drain.forget()
            else:
                drain.read(QueueReading(time.monotonic(), position.outstanding, position.finished))

    def admit(self, plan: PaymentPlan) -> None:
        """Raises SAGA_BACKLOG when a saga of this plan would wait too long in some queue."""
        participants = participants_of(plan)
        if not participants:
            return  # paid at the desk (or nothing to pay): no step waits in a queue
        wait = max(self.drains[name].expected_wait() for name in (*participants, REPLY_CONSUMER))
        if wait <= self.max_wait_seconds:
            return
        self.refused += 1
        retry_after = min(MAX_RETRY_AFTER_SECONDS, max(1, math.ceil(wait - self.max_wait_seconds)))
        raise ServiceError(
            "SAGA_BACKLOG",
            f"bookings are being confirmed {wait:.0f} s behind; retry in {retry_after} s",
            kind=ErrorKind.RESOURCE_EXHAUSTED,
            metadata={"retry_after_seconds": str(retry_after)},
        )
