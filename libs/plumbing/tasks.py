"""Background tasks: waiting on a wake-up with a timeout, and stopping tasks for sure.

On Python 3.11 `asyncio.wait_for` swallows a cancellation that arrives in the same turn of the
event loop as the result it waits for (CPython gh-86296, fixed in 3.12): it returns the result
instead of raising, so a loop that waits for its wake-up with `wait_for` goes on as if it had
never been cancelled, and whoever awaits the cancelled task waits for ever. Library code can do
the same (nats-py waits with `wait_for`). It hung a service's stop in the test suite: the
outbox relay, cancelled while being woken, kept relaying.

So loops wait for a wake-up with `wait_for_event` (`asyncio.timeout`, which never loses a
cancellation), and a stop goes through `stop_tasks`, which cancels again whatever goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)

# How long a cancelled task gets to end before it is cancelled again.
RECANCEL_SECONDS = 1.0


async def wait_for_event(event: asyncio.Event, timeout: float) -> bool:
    """Whether `event` was set within `timeout` seconds; a cancellation always propagates."""
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        return False
    return True


async def stop_tasks(
    tasks: Iterable[asyncio.Task[Any]], *, recancel_seconds: float = RECANCEL_SECONDS
) -> None:
    """Cancels the tasks and returns once every one has ended, cancelling again those that go
    on (a cancellation swallowed on the way). What they end with is not raised: they are being
    stopped, and a failure of theirs was logged where it happened."""
    tasks = list(tasks)
    pending = {task for task in tasks if not task.done()}
    for task in pending:
        task.cancel()
    while pending:
        _, pending = await asyncio.wait(pending, timeout=recancel_seconds)
        for task in pending:
            log.warning("task %s went on after it was cancelled: cancelling it again", task.get_name())
            task.cancel()
    for task in tasks:
        if not task.cancelled():
            with contextlib.suppress(BaseException):
                task.exception()  # retrieved: asyncio does not report it as never retrieved
