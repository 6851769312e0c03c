"""The write limiter of gateway.admission: slots, a bounded FIFO queue, refusals at once."""

from __future__ import annotations

import asyncio

import pytest

from gateway.admission import MAX_BODY_BYTES, AdmissionControl, Limiter, Overloaded


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


# ----- a write's body is read before it takes a slot -----


def _write_scope(path: str = "/v1/bookings", headers: list[tuple[bytes, bytes]] | None = None) -> dict:
    return {"type": "http", "method": "POST", "path": path, "headers": headers or [], "state": {}}


class Answers:
    """What an ASGI app sent: the status of each response."""

    def __init__(self) -> None:
        self.statuses: list[int] = []

    async def __call__(self, message) -> None:
        if message["type"] == "http.response.start":
            self.statuses.append(message["status"])


async def echo_length(scope, receive, send) -> None:
    """The app behind admission: answers 200 once it has read the whole body."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(body)).encode()})


async def test_a_write_whose_body_never_arrives_holds_no_slot_and_gets_a_408() -> None:
    admission = AdmissionControl(echo_length, Limiter(1, 0, max_wait=0.0), body_read_seconds=0.3)
    never_ends = asyncio.Event()
    first_chunk_sent = False

    async def one_byte_then_nothing():
        nonlocal first_chunk_sent
        if not first_chunk_sent:
            first_chunk_sent = True
            return {"type": "http.request", "body": b"{", "more_body": True}
        await never_ends.wait()

    async def whole_body():
        return {"type": "http.request", "body": b'{"a": 1}', "more_body": False}

    slow, quick = Answers(), Answers()
    slow_write = asyncio.create_task(admission(_write_scope(), one_byte_then_nothing, slow))
    await asyncio.sleep(0.05)  # the slow write is reading its body
    await admission(_write_scope(), whole_body, quick)  # the one slot is free for this one
    await slow_write

    assert quick.statuses == [200]
    assert slow.statuses == [408]


async def test_a_body_over_the_cap_is_refused_413_whether_announced_or_streamed() -> None:
    admission = AdmissionControl(echo_length, Limiter(4, 0, max_wait=0.0))
    chunk = b"x" * (64 * 1024)
    sent = 0

    async def endless_chunks():
        nonlocal sent
        sent += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def not_read():
        raise AssertionError("an announced oversized body is refused before it is read")

    streamed, announced = Answers(), Answers()
    await admission(_write_scope(), endless_chunks, streamed)
    big = [(b"content-length", str(MAX_BODY_BYTES + 1).encode())]
    await admission(_write_scope(headers=big), not_read, announced)

    assert streamed.statuses == [413] and sent <= MAX_BODY_BYTES + len(chunk)
    assert announced.statuses == [413]


async def test_a_write_outside_the_api_gets_the_same_cap_without_a_slot() -> None:
    limiter = Limiter(1, 0, max_wait=0.0)
    await limiter.acquire()  # every slot taken
    admission = AdmissionControl(echo_length, limiter)

    async def form_body():
        return {"type": "http.request", "body": b"name=Ann", "more_body": False}

    form = Answers()
    await admission(_write_scope("/site/x/book"), form_body, form)

    assert form.statuses == [200]  # pages' forms are not limited, only read first
