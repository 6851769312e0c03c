"""Admission control: a bounded number of writes in flight per gateway process, a small
bounded wait queue, and a fast 503 `OVERLOADED` (problem+json, `Retry-After`) for what cannot
be served in time.

Without it an overloaded gateway accepts every request, the services' queues grow, every
request waits longer, and past the gRPC deadline they all fail together: the confirmed rate
collapses instead of holding its peak. With it, at most `limit` writes (POST, PUT, PATCH,
DELETE under `/v1/`) run at once and up to `queue` more wait in FIFO order; a write that finds
the queue full, or whose expected wait (its place in the queue times the recent time a write
holds its slot, over the slots) exceeds `max_wait`, is refused at once, before
authentication, the Idempotency-Key store or any service sees it, so a refusal costs almost
nothing and retrying it (with the same Idempotency-Key) is always safe. A queued write is
refused only if it has waited PATIENCE times `max_wait` (the estimate was far off).

Reads are not limited: they are cheap, and a client polling its accepted booking must keep
seeing it. Counted in this process only: N replicas admit N times the setting.

A service can be at its limit when the gateway is not: bookings refuses a create whose
payment steps would wait too long in the saga's queues (503 `SAGA_BACKLOG`). Each such refusal
went through the whole request (authentication, validation, a gRPC call) to be refused, and
under 5 times the peak they took a third of the CPU. So a write refused for a service's
overload makes the same method and path be refused here, at once and as cheaply as
`OVERLOADED`, with the service's reason, for a short while (`Backpressure`, at most
BACKPRESSURE_HOLD_SECONDS); the first write after it goes through and asks the service again.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.problems import MAX_RETRY_AFTER, OVERLOADED_DOWNSTREAM, Problem, problem_response
from gateway.request_ids import HEADER as REQUEST_ID_HEADER
from gateway.request_ids import request_id_of

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LIMITED_PREFIX = "/v1/"
# The weight of the newest hold time in the running estimate of how long a write holds its slot.
SMOOTHING = 0.2
# How long a service's overload refusal closes its method and path here: as long as bookings
# takes to read its saga queues again (service/saga_backlog.py), so the next write that goes
# through meets a fresh judgement.
BACKPRESSURE_HOLD_SECONDS = 0.25
# The largest body a write may have (the API's largest, a company profile or a booking with
# its extras, is a few kilobytes), and how long its body may take to arrive.
MAX_BODY_BYTES = 1 << 20
BODY_READ_SECONDS = 10.0


class Overloaded(Exception):
    """No slot within the wait allowed; `retry_after` is the suggested wait in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("overloaded")
        self.retry_after = retry_after


# A queued write was expected to wait at most `max_wait`; it is refused only when it has
# waited this many times longer (the estimate was off), so nearly every refusal is immediate.
PATIENCE = 4


class Limiter:
    """At most `limit` holders at once and at most `queue` waiting: a request that cannot be
    expected to get a slot within `max_wait` seconds is refused at once; one admitted to the
    queue waits for at most PATIENCE times that. An explicit asyncio.Semaphore (FIFO for its
    waiters) plus counters."""

    def __init__(self, limit: int, queue: int, max_wait: float) -> None:
        if limit < 1 or queue < 0 or max_wait < 0:
            raise ValueError("limit >= 1, queue >= 0 and max_wait >= 0 are required")
        self.limit = limit
        self.queue = queue
        self.max_wait = max_wait
        self._slots = asyncio.Semaphore(limit)
        self.waiting = 0
        self.in_flight = 0
        self.refused = 0  # every refusal; of them, after waiting in the queue:
        self.refused_late = 0
        # Seconds a write holds its slot, smoothed; starts optimistic and learns.
        self.hold_seconds = 0.05

    def expected_wait(self) -> float:
        """What the next request to queue can expect to wait: slots free up one after another,
        `limit` per hold time, and it is served after the ones queued before it."""
        return (self.waiting + 1) * self.hold_seconds / self.limit

    def _refuse(self) -> Overloaded:
        self.refused += 1
        return Overloaded(min(MAX_RETRY_AFTER, max(1, math.ceil(self.expected_wait()))))

    async def acquire(self) -> None:
        """A slot, or Overloaded: at once when the queue is full or the expected wait is over
        `max_wait`, else after waiting `max_wait` in vain."""
        if self.in_flight < self.limit and self.waiting == 0 and not self._slots.locked():
            await self._slots.acquire()  # free: returns without suspending
        else:
            if self.waiting >= self.queue or self.expected_wait() > self.max_wait:
                raise self._refuse()
            self.waiting += 1
            try:
                async with asyncio.timeout(self.max_wait * PATIENCE):
                    await self._slots.acquire()
            except TimeoutError:
                self.refused_late += 1
                raise self._refuse() from None
            finally:
                self.waiting -= 1
        self.in_flight += 1

    def release(self, held_seconds: float) -> None:
        self.in_flight -= 1
        self.hold_seconds += SMOOTHING * (held_seconds - self.hold_seconds)
        self._slots.release()


class BodyRefused(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


def body_too_large() -> BodyRefused:
    return BodyRefused(
        Problem(413, "BODY_TOO_LARGE", f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    )


async def read_body(scope: Scope, receive: Receive, *, timeout: float) -> Receive:
    """Reads a write's whole body (at most MAX_BODY_BYTES, within `timeout` seconds) and
    answers a `receive` that hands it on: a write takes its slot only once its body is here, so
    clients that send a body slowly, or never, hold no slot (they held all of them: 32
    connections sending one byte of a 10-byte body refused every write of the gateway), and no
    body larger than the cap is ever held in memory. BodyRefused otherwise (413, 408)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length" and value.isdigit() and int(value) > MAX_BODY_BYTES:
            raise body_too_large()
    messages: list[Message] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request":  # the client went away: handed on as is
                    break
                size += len(message.get("body", b""))
                if size > MAX_BODY_BYTES:
                    raise body_too_large()
                if not message.get("more_body", False):
                    break
    except TimeoutError:
        raise BodyRefused(
            Problem(
                408,
                "BODY_TIMEOUT",
                f"The request body did not arrive within {timeout:g} s.",
                headers={"Connection": "close"},
            )
        ) from None
    pending = deque(messages)

    async def receive_read_body() -> Message:
        return pending.popleft() if pending else await receive()

    return receive_read_body


def overloaded_problem(retry_after: int) -> Problem:
    return Problem(
        503,
        "OVERLOADED",
        "The gateway is at its limit of requests in flight; retry later.",
        headers={"Retry-After": str(retry_after)},
    )


class Backpressure:
    """The writes (method, path) a service refused for overload, refused here until a moment."""

    def __init__(
        self, hold_seconds: float = BACKPRESSURE_HOLD_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.hold_seconds = hold_seconds
        self.clock = clock
        self._closed: dict[tuple[str, str], tuple[float, str, int]] = {}

    def close(self, method: str, path: str, reason: str, retry_after: int) -> None:
        if len(self._closed) > 1000:  # paths with ids in them: forget the ones gone by
            now = self.clock()
            self._closed = {key: value for key, value in self._closed.items() if value[0] > now}
        until = self.clock() + min(self.hold_seconds, retry_after)
        self._closed[(method, path)] = (until, reason, retry_after)

    def refusal(self, method: str, path: str) -> Problem | None:
        closed = self._closed.get((method, path))
        if closed is None:
            return None
        until, reason, retry_after = closed
        if self.clock() >= until:
            del self._closed[(method, path)]
            return None
        return Problem(
            503,
            reason,
            "The service is at its limit for this request; retry later.",
            headers={"Retry-After": str(retry_after)},
        )


def _overloaded_downstream(scope: Scope) -> tuple[str, int] | None:
    """What the error handler noted of a service's overload refusal (gateway.problems)."""
    found = scope["state"].get(OVERLOADED_DOWNSTREAM)
    return found if isinstance(found, tuple) else None


class AdmissionControl:
    """ASGI middleware applying a `Limiter` to writes under `/v1/` (None: no limit) and the
    `Backpressure` of the services' overload refusals. It runs in front of the app's own
    middleware stack (gateway.app `_edge_first`), so a refusal names its request id itself,
    as gateway.request_ids would."""

    def __init__(
        self,
        app: ASGIApp,
        limiter: Limiter | None,
        backpressure: Backpressure | None = None,
        *,
        body_read_seconds: float = BODY_READ_SECONDS,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.backpressure = backpressure if backpressure is not None else Backpressure()
        self.body_read_seconds = body_read_seconds

    async def _refuse(self, problem: Problem, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = problem_response(problem, scope.get("path"))
        refusal.headers[REQUEST_ID_HEADER] = request_id_of(scope)
        await refusal(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], str(scope.get("path", ""))
        limited = path.startswith(LIMITED_PREFIX)
        held_back = self.backpressure.refusal(method, path) if limited else None
        if held_back is not None:
            await self._refuse(held_back, scope, receive, send)
            return
        try:
            receive = await read_body(scope, receive, timeout=self.body_read_seconds)
        except BodyRefused as refused:
            await self._refuse(refused.problem, scope, receive, send)
            return
        if not limited:
            await self.app(scope, receive, send)
            return
        limiter = self.limiter
        if limiter is not None:
            try:
                await limiter.acquire()
            except Overloaded as refused:
                log.debug("overloaded: %s %s refused", method, path)
                await self._refuse(overloaded_problem(refused.retry_after), scope, receive, send)
                return
        # The request's `state` (Starlette's request.state): the error handler notes in it a
        # service's overload refusal; made here so that every layer below shares this dict.
        scope.setdefault("state", {})
        started = time.monotonic()
        try:
            await self.app(scope, receive, send)
        finally:
            if limiter is not None:
                limiter.release(time.monotonic() - started)
            downstream = _overloaded_downstream(scope)
            if downstream is not None:
                self.backpressure.close(method, path, *downstream)
