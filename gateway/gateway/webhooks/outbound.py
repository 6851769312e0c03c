"""How the gateway's dispatchers post to a receiver they do not trust (a webhook endpoint, a
push service): what an attempt may read of the answer and how long it may take.

An attempt is decided by the answer's status code. Of the body it takes at most ANSWER_BYTES
(read raw: nothing is decompressed) and closes the connection on the rest, which is never
read: a receiver answering an endless chunked body, or a 500 MB one, costs the gateway a few
KiB (and one network read, at most 64 KiB, in flight). A short body read to its end lets the
connection be used again. A 2xx whose body was cut is a success: the body is irrelevant.

The whole attempt (the address's check, the connection, sending, the status and the skimmed
body) runs under one deadline, `attempt_deadline`: the dispatcher's timeout from the attempt's
start, and never later than LEASE_MARGIN_SECONDS before the delivery's lease ends, so an
attempt never outlives its lease (the same delivery is never in flight twice) and its outcome
is recorded while the lease is still its own. httpx's own timeout is per read (a receiver
dripping a byte every few seconds never trips it); the deadline is not.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

# Of an answer's body, what an attempt reads at most (the delivery logs keep none of it).
ANSWER_BYTES = 4096
# An attempt ends at least this long before its lease does: time to record its outcome.
LEASE_MARGIN_SECONDS = 10.0


@dataclass(frozen=True)
class Answer:
    status_code: int
    # Bytes of the body taken (at most ANSWER_BYTES); the rest was never read.
    body_bytes: int


async def post(
    http: httpx.AsyncClient,
    url: str,
    *,
    content: bytes,
    headers: dict[str, str],
    limit: int = ANSWER_BYTES,
) -> Answer:
    """POSTs `content` and answers the status code, having read at most `limit` bytes of the
    body; leaving the stream closes the connection when the body was not read to its end."""
    async with http.stream("POST", url, content=content, headers=headers) as response:
        taken = 0
        async for chunk in response.aiter_raw():
            taken += len(chunk)
            if taken >= limit:
                break
        return Answer(response.status_code, min(taken, limit))


def lease_ends(claim_started: float, lease_seconds: float) -> float:
    """The event loop's time by which an attempt of a delivery leased by a claim that started at
    `claim_started` (the loop's time, taken before the claim's transaction, so at or before the
    database's lease start) must have ended."""
    return claim_started + lease_seconds - LEASE_MARGIN_SECONDS


def attempt_deadline(timeout_seconds: float, lease_end: float) -> float:
    """The loop's time at which an attempt starting now is cut: `timeout_seconds` on, or the
    lease's end (`lease_ends`), whichever comes first."""
    return min(asyncio.get_running_loop().time() + timeout_seconds, lease_end)
