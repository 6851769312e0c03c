"""A consumer loop on a real NATS JetStream stops when its task is cancelled, even when the
cancellation is lost on the way (a handler, or Python 3.11's wait_for inside nats-py, may
swallow it): a service's SIGTERM must never wait on the loop forever."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest

from plumbing import messaging

pytestmark = pytest.mark.integration


async def test_a_cancellation_a_handler_swallowed_still_stops_the_loop(nats_url):
    tag = uuid.uuid4().hex[:8]
    stream, subject = f"STOP{tag}", f"stop{tag}.work"
    nc = await messaging.connect(nats_url, f"stop-{tag}")
    handling = asyncio.Event()
    handled: list[bytes] = []

    async def swallowing(messages):
        for msg in messages:
            if not handled:
                handling.set()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.sleep(30)  # the stop arrives here and is swallowed, once
            handled.append(msg.data)
            await msg.ack()

    loop: asyncio.Task[None] | None = None
    try:
        js = nc.jetstream()
        await messaging.ensure_stream(js, stream, [subject])
        pull = messaging.PullConsumer(
            js, stream=stream, durable=f"stop-{tag}", subject=subject, handler=swallowing
        )
        loop = asyncio.create_task(pull.run_forever())
        await js.publish(subject, b"one")
        await asyncio.wait_for(handling.wait(), 10)

        loop.cancel()
        done, _ = await asyncio.wait({loop}, timeout=5)

        assert done == {loop}, "the consumer loop kept running after its task was cancelled"
        assert loop.cancelled()
        assert handled == [b"one"]  # the handler finished its message before the loop ended
    finally:
        # The failure above: a second cancel ends it (the handler swallows only the first).
        if loop is not None and not loop.done():
            loop.cancel()
            await asyncio.wait({loop}, timeout=5)
        await nc.close()
