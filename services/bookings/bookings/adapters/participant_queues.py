"""Where the saga's queues stand, and the deadlines of the steps still waiting in them (see
`service/queued_steps.py`).

A participant's commands are the durable consumer `<participant>` on `saga.cmd.<participant>`
of the SAGA stream (plumbing.saga_participant); the replies are bookings' own durable
`bookings-saga`. JetStream's consumer info says how many messages are outstanding (not
delivered yet, or delivered and not acked: a participant fetches a batch and works through
it), when the consumer last acked one, and its ack floor: every message up to that stream
sequence is done. The message there carries the `Nats-Msg-Id` of our outbox row, so the
database can tell whether a step's command was published after it, i.e. may still wait its
turn.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from plumbing.messaging import SAGA_STREAM, command_subject

log = logging.getLogger(__name__)

REPLY_CONSUMER = "bookings-saga"


@dataclass(frozen=True)
class QueuePosition:
    """A consumer as JetStream sees it."""

    outstanding: int  # not delivered yet, or delivered and not acked
    floor_id: str | None  # the Nats-Msg-Id at its ack floor (all before it is done)
    last_ack: datetime | None
    finished: int = 0  # the consumer sequence at its ack floor: deliveries done, a counter

    def moving(self, now: datetime, window_seconds: float) -> bool:
        """Work waits and the consumer acked within the window: it is working through it."""
        return (
            self.outstanding > 0
            and self.last_ack is not None
            and (now - self.last_ack).total_seconds() <= window_seconds
        )


class ParticipantQueues:
    """Reads consumers of the SAGA stream; any failure answers None, and so does a
    disconnected client at once (the sweeper asks while it holds saga rows)."""

    def __init__(self, nc: Client, *, timeout_seconds: float = 1.0) -> None:
        self.nc = nc
        self.js: JetStreamContext = nc.jetstream()
        self.timeout_seconds = timeout_seconds

    async def position(self, consumer: str, *, with_floor: bool = True) -> QueuePosition | None:
        if not self.nc.is_connected:
            return None
        try:
            info = await self.js.consumer_info(SAGA_STREAM, consumer, timeout=self.timeout_seconds)
            floor = info.ack_floor
            floor_id = None
            if with_floor and floor is not None and floor.stream_seq > 0:
                message = await self.js.get_msg(SAGA_STREAM, seq=floor.stream_seq)
                floor_id = (message.headers or {}).get("Nats-Msg-Id")
        except Exception as error:  # no such consumer (yet), NATS away, a message aged out
            log.debug("no queue position of %s: %s", consumer, type(error).__name__)
            return None
        last_ack = floor.last_active if floor is not None else None
        return QueuePosition(
            outstanding=(info.num_pending or 0) + (info.num_ack_pending or 0),
            floor_id=floor_id,
            last_ack=last_ack.astimezone(UTC) if last_ack is not None else None,
            finished=(floor.consumer_seq or 0) if floor is not None else 0,
        )


async def participants_awaited(conn: AsyncConnection, saga_ids: Sequence[str]) -> list[str]:
    """The participants whose commands these sagas await."""
    rows = await conn.execute(
        text(
            "SELECT DISTINCT o.subject FROM bookings.sagas s JOIN bookings.outbox o ON o.id = s.command_id"
            " WHERE s.id = ANY(CAST(:ids AS uuid[]))"
        ),
        {"ids": list(saga_ids)},
    )
    prefix = command_subject("")
    return sorted(row.subject.removeprefix(prefix) for row in rows if row.subject.startswith(prefix))


async def extend_waiting_deadlines(
    conn: AsyncConnection,
    saga_ids: Sequence[str],
    *,
    max_wait_seconds: float,
    participant: str | None = None,
    published_after: str | None = None,
) -> list[str]:
    """Of these sagas, those past their deadline whose awaited command was published less than
    `max_wait_seconds` ago (and, when given, goes to `participant` and was published after the
    outbox row `published_after`) get a new deadline, now + their step timeout; their ids.
    The database compares the publish times: the relay publishes batch after batch, and
    `published_at` is its batch transaction's start."""
    rows = await conn.execute(
        text(
            "UPDATE bookings.sagas s SET deadline = clock_timestamp() + s.step_timeout"
            " FROM bookings.outbox awaited"
            " WHERE s.id = ANY(CAST(:ids AS uuid[])) AND s.deadline < now()"
            " AND s.state NOT IN ('COMPLETED', 'COMPENSATED') AND s.step_timeout IS NOT NULL"
            " AND awaited.id = s.command_id"
            " AND awaited.published_at > clock_timestamp() - make_interval(secs => :max_wait)"
            " AND (CAST(:subject AS text) IS NULL OR awaited.subject = CAST(:subject AS text))"
            " AND (CAST(:after AS text) IS NULL OR awaited.published_at >"
            "   (SELECT o.published_at FROM bookings.outbox o WHERE o.id = CAST(:after AS text)))"
            " RETURNING s.id"
        ),
        {
            "ids": list(saga_ids),
            "max_wait": max_wait_seconds,
            "subject": command_subject(participant) if participant is not None else None,
            "after": published_after,
        },
    )
    return [str(row.id) for row in rows]
