"""plumbing.tasks: a loop waiting for its wake-up ends when cancelled even if the wake-up
comes in the same turn (where Python 3.11's `asyncio.wait_for` swallows the cancellation), and
`stop_tasks` returns once every task has ended, cancelling again a task that went on."""

from __future__ import annotations

import asyncio
import sys

import pytest

from plumbing.tasks import stop_tasks, wait_for_event


async def woken_forever(event: asyncio.Event, wait) -> None:
    while True:
        await wait(event)
        event.clear()


async def cancelled_while_woken(wait) -> asyncio.Task[None]:
    """A loop waiting for its wake-up, woken and cancelled in the same turn of the loop."""
    event = asyncio.Event()
    task = asyncio.create_task(woken_forever(event, wait))
    await asyncio.sleep(0.01)  # it waits
    event.set()
    task.cancel()
    await asyncio.sleep(0.05)
    return task


async def test_a_loop_woken_as_it_is_cancelled_ends() -> None:
    task = await cancelled_while_woken(lambda event: wait_for_event(event, 10))

    assert task.cancelled()


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="wait_for keeps the cancellation since 3.12")
async def test_with_wait_for_the_same_loop_goes_on_which_is_why_wait_for_event_exists() -> None:
    # The case the module guards against, shown on this Python: the cancellation is lost.
    task = await cancelled_while_woken(lambda event: asyncio.wait_for(event.wait(), 10))

    assert not task.done()
    await stop_tasks([task], recancel_seconds=0.05)
    assert task.cancelled()


async def test_wait_for_event_says_whether_the_event_came_in_time() -> None:
    event = asyncio.Event()
    assert await wait_for_event(event, 0.01) is False
    asyncio.get_running_loop().call_later(0.01, event.set)
    assert await wait_for_event(event, 10) is True


async def test_stop_tasks_cancels_again_a_task_that_swallowed_its_cancellation() -> None:
    cancellations = []

    async def stubborn() -> None:
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                cancellations.append("cancelled")
                if len(cancellations) >= 2:
                    raise

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0.01)

    await asyncio.wait_for(stop_tasks([task], recancel_seconds=0.05), 5)

    assert task.cancelled() and cancellations == ["cancelled", "cancelled"]


async def test_stop_tasks_takes_done_and_failed_tasks_as_they_are() -> None:
    async def fails() -> None:
        raise RuntimeError("failed before the stop")

    done = asyncio.create_task(asyncio.sleep(0))
    failed = asyncio.create_task(fails())
    running = asyncio.create_task(asyncio.sleep(10))
    await asyncio.sleep(0.01)

    await stop_tasks([done, failed, running])

    assert done.done() and not done.cancelled()
    assert isinstance(failed.exception(), RuntimeError)
    assert running.cancelled()
