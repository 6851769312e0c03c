"""The write limiter of gateway.admission: slots, a bounded FIFO queue, refusals at once."""

from __future__ import annotations

import asyncio

import pytest

from gateway.admission import Limiter, Overloaded


async def test_a_write_beyond_the_slots_and_the_queue_is_refused_at_once_and_a_queued_one_gets_a_slot():
    limiter = Limiter(1, 1, max_wait=60.0)
    await limiter.acquire()  # the one slot
    queued = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)  # it joins the queue
    assert limiter.waiting == 1

    with pytest.raises(Overloaded) as refused:
        await limiter.acquire()  # the queue is full: no waiting at all
    assert refused.value.retry_after >= 1
    assert limiter.refused == 1 and limiter.refused_late == 0

    limiter.release(0.01)
    await queued
    assert (limiter.in_flight, limiter.waiting) == (1, 0)
    limiter.release(0.01)
    assert limiter.in_flight == 0


async def test_a_write_that_would_wait_longer_than_allowed_is_refused_without_queueing():
    limiter = Limiter(2, 10, max_wait=1.0)
    limiter.hold_seconds = 0.8  # writes lately held their slot for 0.8 s
    await limiter.acquire()
    await limiter.acquire()
    # The first to wait can expect 0.4 s (a slot frees every 0.4 s), the second 0.8 s, the
    # third 1.2 s: over the second allowed, so it is refused without queueing.
    first, second = (asyncio.create_task(limiter.acquire()) for _ in range(2))
    await asyncio.sleep(0)
    assert limiter.waiting == 2
    with pytest.raises(Overloaded) as refused:
        await limiter.acquire()
    assert limiter.waiting == 2
    assert refused.value.retry_after == 2
    for _ in range(4):
        limiter.release(0.8)
        await asyncio.sleep(0)
    await asyncio.gather(first, second)


async def test_a_free_slot_is_taken_without_waiting():
    limiter = Limiter(2, 0, max_wait=0.0)
    await limiter.acquire()
    await limiter.acquire()
    with pytest.raises(Overloaded):
        await limiter.acquire()
    limiter.release(0.01)
    await limiter.acquire()
    assert limiter.in_flight == 2
