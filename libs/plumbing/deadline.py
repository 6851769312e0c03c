"""The deadline of the gRPC call being served, carried like the request id (plumbing.request_id).

`plumbing.grpc_server` refuses a call whose deadline has already passed before its handler
runs (DEADLINE_EXCEEDED, reason `DEADLINE_EXCEEDED`: its caller has given up, so the work
would be wasted exactly when the service is busiest) and serves the others with their
deadline set here; `plumbing.grpc_client` gives every call made while serving one at most
the time left, so a deadline set at the edge (the gateway's) holds on every hop.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator

# time.monotonic() by which the call being served must be answered; None: no deadline.
_current: contextvars.ContextVar[float | None] = contextvars.ContextVar("call_deadline", default=None)


def time_left() -> float | None:
    """Seconds left of the call being served (0 when passed), or None without a deadline."""
    deadline = _current.get()
    return None if deadline is None else max(deadline - time.monotonic(), 0.0)


@contextlib.contextmanager
def serving_until(remaining: float | None) -> Iterator[None]:
    """Runs the block as serving a call with `remaining` seconds left (None: no deadline)."""
    token = _current.set(None if remaining is None else time.monotonic() + remaining)
    try:
        yield
    finally:
        _current.reset(token)


def capped_timeout(timeout: float | None) -> float | None:
    """The timeout of an outgoing call: its own, at most the time left of the call served."""
    left = time_left()
    if left is None:
        return timeout
    return left if timeout is None else min(timeout, left)
