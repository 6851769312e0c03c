"""The gateway's consumers of booking events (webhooks, e-mails, pushes) run the same way: a
durable consumer of `bookings.events.>` stores each event through its own inbox, then wakes
its dispatcher, which sends what is due (and polls, for retries). `start_pair` starts both and
answers the function that stops them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from nats.aio.msg import Msg

from plumbing import messaging
from plumbing.tasks import stop_tasks


class Store(Protocol):
    async def handle(self, messages: list[Msg]) -> None: ...


class Dispatcher(Protocol):
    wakeup: asyncio.Event

    async def run_forever(self) -> None: ...


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
