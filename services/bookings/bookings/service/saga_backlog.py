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

A refusal here has cost the whole way from the client (authentication, validation, a gRPC
call), and at saturation that way is slow. So before refusing, bookings warns: a create
admitted while a draining queue is past NEARLY_FULL of the longest wait is answered with the
trailing metadata `overload-retry-after`, and the gateway refuses the next creates at its
edge for a moment (gateway/admission.py `Backpressure`). A queue whose consumer is down does
not drain and gives no such warning: it is a failure of one participant, not a load on all,
and only the creates that need it are refused, here.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time

from bookings.adapters.participant_queues import REPLY_CONSUMER, ParticipantQueues
from bookings.adapters.saga_metrics import SAGA_BACKLOG_ANSWERS, SAGA_QUEUE_WAIT
from bookings.domain.backlog import QueueDrain, QueueReading
from bookings.domain.model import PaymentPlan
from plumbing.errors import ErrorKind, ServiceError

log = logging.getLogger(__name__)

PASSES, WALLET, PAYMENTS = "passes", "wallet", "payments"
# A queue whose drain rate is not known yet (idle, or its consumer down) is judged at this rate.
MIN_DRAIN_RATE = 50.0
MAX_RETRY_AFTER_SECONDS = 30
# Past this share of the longest wait, an admitted create tells its caller to hold back.
NEARLY_FULL = 0.75


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
        self.refused = 0  # creates refused by this process (the metric counts them for all)

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
            SAGA_QUEUE_WAIT.labels(name).set(drain.expected_wait())

    def admit(self, plan: PaymentPlan) -> int | None:
        """Raises SAGA_BACKLOG when a saga of this plan would wait too long in some queue.
        Admitted, returns a hint when a queue that is draining (busy, not stuck) is nearly
        full: the seconds for which the caller had better send no more creates (the gateway
        then refuses them at its edge, where a refusal costs nothing), else None."""
        participants = participants_of(plan)
        if not participants:
            return None  # paid at the desk (or nothing to pay): no step waits in a queue
        waits = [
            (self.drains[name], self.drains[name].expected_wait()) for name in (*participants, REPLY_CONSUMER)
        ]
        wait = max(wait for _, wait in waits)
        if wait <= self.max_wait_seconds:
            busy = max((wait for drain, wait in waits if drain.rate > 0), default=0.0)
            if busy <= NEARLY_FULL * self.max_wait_seconds:
                return None
            SAGA_BACKLOG_ANSWERS.labels("hold_back").inc()
            return 1
        self.refused += 1
        SAGA_BACKLOG_ANSWERS.labels("refused").inc()
        retry_after = min(MAX_RETRY_AFTER_SECONDS, max(1, math.ceil(wait - self.max_wait_seconds)))
        raise ServiceError(
            "SAGA_BACKLOG",
            f"bookings are being confirmed {wait:.0f} s behind; retry in {retry_after} s",
            kind=ErrorKind.RESOURCE_EXHAUSTED,
            metadata={"retry_after_seconds": str(retry_after)},
        )
