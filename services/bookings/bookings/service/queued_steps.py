"""A step past its deadline whose command or reply still waits in a moving queue is given more
time, not re-sent.

A step's deadline runs from the publish of its command. Under load the queues of the round
trip (the participant's commands, and bookings' own replies) can hold more than a step
timeout of work: a re-send then only adds a second copy behind the first, exactly when
everyone is saturated (the throughput issue saw 11-48 % of sagas re-sent). So before the
sweeper re-sends, it asks JetStream where the consumers stand
(`adapters/participant_queues.py`). A due step waits its turn, and gets a new deadline (now +
its step timeout, the attempt unchanged), when its command was published less than
`max_wait_seconds` ago and

- the participant's consumer is moving (work outstanding, an ack within the progress window)
  and the command was published after the message at its ack floor: it may be undelivered
  or in the batch the participant works through; or
- bookings' reply consumer is moving with replies outstanding: the answer may be among them.

Everything else is re-sent as before: a step whose command and reply queues are idle (a lost
command or reply), a participant that is down or stuck (no ack within the window: its queue
does not move), a step that has waited `max_wait_seconds` since its publish whatever the
queues say (so a lost message is re-sent within that bound even under load), and every step
when NATS or the consumers cannot be asked.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.adapters.participant_queues import (
    REPLY_CONSUMER,
    ParticipantQueues,
    extend_waiting_deadlines,
    participants_awaited,
)

log = logging.getLogger(__name__)


class QueuedSteps:
    def __init__(
        self, queues: ParticipantQueues, *, progress_window_seconds: float, max_wait_seconds: float
    ) -> None:
        self.queues = queues
        self.progress_window_seconds = progress_window_seconds
        self.max_wait_seconds = max_wait_seconds
        # Deadlines moved on by this process (a metric, and what tests and bench read).
        self.extended = 0

    async def extend_queued(self, conn: AsyncConnection, due: Sequence[str]) -> set[str]:
        """Of the due sagas (locked by the caller), those whose step still waits in a moving
        queue, with their deadlines moved on in `conn`; the caller leaves them alone."""
        if not due:
            return set()
        now = datetime.now(UTC)
        waiting: set[str] = set()
        replies = await self.queues.position(REPLY_CONSUMER, with_floor=False)
        if replies is not None and replies.moving(now, self.progress_window_seconds):
            waiting.update(await extend_waiting_deadlines(conn, due, max_wait_seconds=self.max_wait_seconds))
            self._log(len(waiting), "bookings' replies", replies.outstanding)
        for participant in await participants_awaited(conn, due):
            position = await self.queues.position(participant)
            if position is None or position.floor_id is None:
                continue
            if not position.moving(now, self.progress_window_seconds):
                continue
            extended = await extend_waiting_deadlines(
                conn,
                due,
                max_wait_seconds=self.max_wait_seconds,
                participant=participant,
                published_after=position.floor_id,
            )
            self._log(len(extended), participant, position.outstanding)
            waiting.update(extended)
        self.extended += len(waiting)
        return waiting

    @staticmethod
    def _log(count: int, queue: str, outstanding: int) -> None:
        if count:
            log.info(
                "%d step(s) past their deadline may still wait in %s queue (%d outstanding): "
                "deadline moved on, not re-sent",
                count,
                queue,
                outstanding,
            )
