"""The gateway's consumers of booking events (webhooks, e-mails, pushes) run the same way: a
durable consumer of `bookings.events.>` stores each event through its own inbox, then wakes
its dispatcher, which sends what is due (and polls, for retries). `start_pair` starts both and
answers the function that stops them."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from nats.aio.msg import Msg

from plumbing import messaging
from plumbing.tasks import stop_tasks, wait_for_event

log = logging.getLogger(__name__)


class Store(Protocol):
    async def handle(self, messages: list[Msg]) -> None: ...


class Dispatcher(Protocol):
    wakeup: asyncio.Event

    async def run_forever(self) -> None: ...


class Claimed(Protocol):
    @property
    def id(self) -> str: ...


C = TypeVar("C", bound=Claimed)


class ConcurrentDispatch(Generic[C]):
    """The loop of a dispatcher whose deliveries each run on their own (webhooks, pushes): a
    slow receiver holds up only its own deliveries. At most `max_in_flight` run in this
    process; a delivery that ends frees its slot and wakes the loop, whose next `claim` takes
    what fits the free slots (the subclass's claim also keeps its per-receiver and
    per-company limits, counting `in_flight`). `kind` names the deliveries in logs."""

    kind = "delivery"
    max_in_flight = 64

    def __init__(self, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self.wakeup = asyncio.Event()
        # The deliveries this process is posting, by task.
        self.in_flight: dict[asyncio.Task[None], C] = {}

    async def claim(self, limit: int) -> list[C]:
        raise NotImplementedError

    def in_flight_by(self, noun: str, key: Callable[[C], str], limit: int) -> dict[str, list[Any]]:
        """A claim's parameters for one limit (per receiver, per company): the `<noun>_ids`
        with deliveries in flight here, their `<noun>_counts`, and `<noun>_full`, those at
        `limit`, which the claim skips."""
        counts = Counter(key(c) for c in self.in_flight.values())
        return {
            f"{noun}_ids": list(counts),
            f"{noun}_counts": list(counts.values()),
            f"{noun}_full": [k for k, n in counts.items() if n >= limit],
        }

    async def deliver(self, claimed: C) -> None:
        raise NotImplementedError

    def start_some(self, claimed: list[C]) -> None:
        """Posts each claimed delivery in a task of its own; a finished one frees its slot and
        wakes the dispatcher to claim another."""
        for c in claimed:
            task = asyncio.create_task(self.deliver(c), name=f"{self.kind}-{c.id}")
            self.in_flight[task] = c
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        claimed = self.in_flight.pop(task, None)
        self.wakeup.set()
        if task.cancelled() or claimed is None:
            return
        error = task.exception()
        if error is not None:
            # E.g. its receiver was deleted meanwhile; else its lease ends and it is tried again.
            # The class only: no address or key in a log line.
            log.warning("%s %s: outcome not recorded (%s)", self.kind, claimed.id, type(error).__name__)

    async def run_once(self) -> int:
        """Claims what fits the free slots and starts it; the number started."""
        free = self.max_in_flight - len(self.in_flight)
        if free <= 0:
            return 0
        claimed = await self.claim(free)
        self.start_some(claimed)
        return len(claimed)

    async def run_forever(self) -> None:
        try:
            while True:
                # Cleared before looking: a wake-up (an event stored, a delivery finished) while
                # this pass runs makes the next one start at once.
                self.wakeup.clear()
                try:
                    if await self.run_once():
                        continue
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("%s dispatch failed; trying again", self.kind)
                await wait_for_event(self.wakeup, self.poll_seconds)
        finally:
            # Stopped: the deliveries in flight end with it (their leases let them be tried again).
            tasks = list(self.in_flight)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def start_pair(
    nats_url: str,
    *,
    name: str,
    durable: str,
    store: Store,
    dispatcher: Dispatcher,
    closers: Sequence[Callable[[], Awaitable[object]]] = (),
) -> Callable[[], Awaitable[None]]:
    """Connects as `name`, consumes booking events on `durable` into `store`, runs the
    dispatcher; the answer cancels both, then runs `closers` and closes the connection."""
    nc = await messaging.connect(nats_url, name)

    async def handle(messages: list[Msg]) -> None:
        await store.handle(messages)
        # Committed: this replica's dispatcher looks now instead of at its next poll.
        dispatcher.wakeup.set()

    try:
        js = nc.jetstream()
        await messaging.ensure_stream(js, messaging.BOOKING_EVENTS_STREAM, messaging.BOOKING_EVENTS_SUBJECTS)
        pull = messaging.PullConsumer(
            js,
            stream=messaging.BOOKING_EVENTS_STREAM,
            durable=durable,
            subject=messaging.BOOKING_EVENTS_SUBJECTS[0],
            handler=handle,
        )
    except BaseException:
        await nc.close()
        for close in closers:
            await close()
        raise
    tasks = [
        asyncio.create_task(pull.run_forever(), name=f"{name}-events"),
        asyncio.create_task(dispatcher.run_forever(), name=f"{name}-dispatcher"),
    ]

    async def stop() -> None:
        await stop_tasks(tasks)
        for close in closers:
            await close()
        await nc.close()

    return stop
