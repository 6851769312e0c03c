"""The load of bench/booking_throughput.py: closed-loop clients and an open-loop schedule.

Closed loop: `clients` connections, each sends its next booking when the last one answered
(what the platform can take, the peak). Open loop: request i is sent at t0 + i / rate
whatever the answers, each on an idle connection or a new one, and its answer time is counted
from when it was due, so a platform that falls behind is seen in the figures (no coordinated
omission)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

# What a request sends: (token, JSON body). Each request has its own Idempotency-Key.
RequestMaker = Callable[[int], tuple[str, bytes]]


class KeepAliveClient:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams: the load generator shares
    the 2 cores with the platform, and httpx alone would eat one of them."""

    def __init__(self, url: str) -> None:
        self.host, port = url.removeprefix("http://").split(":")
        self.port = int(port)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.retry_after = 0.0  # the last answer's Retry-After, in seconds (0: none)

    async def post(self, path: str, token: str, body: bytes) -> tuple[int, bytes]:
        """(status, body); status 0 when the connection failed (it is reopened next time).
        A kept-alive connection the server closed while idle (uvicorn's keep-alive timeout:
        an open loop's spare connections wait) is not the platform's failure: the request is
        sent again once on a new connection, with the same Idempotency-Key."""
        key = str(uuid.uuid4())
        reused = self.writer is not None
        status, answer = await self._post(path, token, body, key)
        if status == 0 and reused:
            status, answer = await self._post(path, token, body, key)
        return status, answer

    async def _post(self, path: str, token: str, body: bytes, key: str) -> tuple[int, bytes]:
        try:
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            assert self.reader is not None
            head = (
                f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {token}\r\n"
                f"Idempotency-Key: {key}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            self.writer.write(head.encode() + body)
            status_line = await self.reader.readline()
            if not status_line:
                raise ConnectionError("closed by the server")
            length = 0
            close = False
            self.retry_after = 0.0
            while (line := await self.reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "retry-after":
                    self.retry_after = float(value)
                elif name.lower() == "connection" and value.strip().lower() == "close":
                    close = True
            answer = await self.reader.readexactly(length)
            if close:
                await self.close()
            return int(status_line.split()[1]), answer
        except (OSError, asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError):
            await self.close()
            return 0, b""

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Answers:
    """What the load got back: statuses, answer times (ms) and the accepted bookings' ids."""

    started: float = field(default_factory=time.time)  # wall clock, to compare with the database
    elapsed: float = 0.0  # seconds the requests were being sent
    statuses: dict[int, int] = field(default_factory=dict)
    times_ms: dict[int, list[float]] = field(default_factory=dict)
    accepted: list[str] = field(default_factory=list)
    not_sent: int = 0  # open loop: due while `max_in_flight` requests were waiting already

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())

    def add(self, status: int, answer: bytes, ms: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.times_ms.setdefault(status, []).append(ms)
        if status == 202:
            self.accepted.append(json.loads(answer)["id"])

    def count(self, *statuses: int) -> int:
        return sum(self.statuses.get(status, 0) for status in statuses)

    def times(self, *statuses: int) -> list[float]:
        return [ms for status in statuses for ms in self.times_ms.get(status, [])]

    def summary(self) -> str:
        return ", ".join(
            f"{status or 'no answer'}: {count}" for status, count in sorted(self.statuses.items())
        )


async def closed_loop(
    urls: list[str],
    make: RequestMaker,
    clients: int,
    *,
    seconds: float | None = None,
    attempts: int | None = None,
) -> Answers:
    """`clients` connections, each with one request at a time, for `seconds` or until
    `attempts` requests have been sent. A refused request's client waits its Retry-After
    before sending the next, as a well-behaved client does (no refusal storm)."""
    answers = Answers()
    deadline = time.monotonic() + (seconds if seconds is not None else 10**9)
    numbers = iter(range(attempts if attempts is not None else 10**12))
    started = time.monotonic()

    async def client(index: int) -> None:
        http = KeepAliveClient(urls[index % len(urls)])
        try:
            while time.monotonic() < deadline and (number := next(numbers, None)) is not None:
                token, body = make(number)
                sent = time.monotonic()
                status, answer = await http.post("/v1/bookings", token, body)
                answers.add(status, answer, (time.monotonic() - sent) * 1000)
                if status in (429, 503) and http.retry_after > 0:
                    await asyncio.sleep(min(http.retry_after, max(deadline - time.monotonic(), 0)))
        finally:
            await http.close()

    await asyncio.gather(*(client(index) for index in range(clients)))
    answers.elapsed = time.monotonic() - started
    return answers


async def open_loop(
    urls: list[str],
    make: RequestMaker,
    rate: float,
    seconds: float,
    *,
    max_in_flight: int = 2000,
    timeout: float = 30.0,
) -> Answers:
    """Request i is due at t0 + i / rate; it waits for nobody. Answer times count from when
    it was due. No answer within `timeout` counts as status 0."""
    answers = Answers()
    idle: list[KeepAliveClient] = []
    in_flight = 0
    opened = 0
    total = int(rate * seconds)
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def one(number: int, due: float) -> None:
        nonlocal in_flight, opened
        if idle:
            http = idle.pop()
        else:
            http = KeepAliveClient(urls[opened % len(urls)])
            opened += 1
        token, body = make(number)
        try:
            status, answer = await asyncio.wait_for(http.post("/v1/bookings", token, body), timeout)
        except TimeoutError:
            status, answer = 0, b""
            await http.close()
        answers.add(status, answer, (loop.time() - due) * 1000)
        in_flight -= 1
        idle.append(http)

    tasks = []
    for number in range(total):
        due = start + number / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if in_flight >= max_in_flight:
            answers.not_sent += 1
            continue
        in_flight += 1
        tasks.append(asyncio.create_task(one(number, due)))
    answers.elapsed = loop.time() - start
    await asyncio.gather(*tasks)
    for http in idle:
        await http.close()
    return answers
