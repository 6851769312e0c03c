"""The webhook dispatcher on real PostgreSQL with real, slow local HTTP receivers: one company's
slow endpoints hold up no other company's deliveries, an endpoint never has more than
PER_ENDPOINT deliveries in flight, and a booking's later event still waits for its earlier one
at that endpoint."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, text

from gateway.webhooks import delivery, tables
from plumbing.db import Database

pytestmark = pytest.mark.integration

SLOW_SECONDS = 3.0


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1: paths under /slow/ answer 200 after SLOW_SECONDS, others at
    once; it keeps when each request arrived and how many were in flight per path."""

    url: str = ""
    arrived: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    events: list[tuple[str, str]] = field(default_factory=list)  # (path, event id) as answered
    in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    most_in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        path = head.split(" ", 2)[1]
        length = next(
            int(line.split(":", 1)[1])
            for line in head.split("\r\n")
            if line.lower().startswith("content-length:")
        )
        body = json.loads(await reader.readexactly(length))
        self.arrived[path].append(time.monotonic())
        self.in_flight[path] += 1
        self.most_in_flight[path] = max(self.most_in_flight[path], self.in_flight[path])
        try:
            if path.startswith("/slow/"):
                await asyncio.sleep(SLOW_SECONDS)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            self.events.append((path, body["id"]))
        finally:
            self.in_flight[path] -= 1
            writer.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()
    server = await asyncio.start_server(state.serve, "127.0.0.1", 0)
    state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    yield state
    server.close()


async def _endpoint(db: Database, company_id: str, url: str) -> str:
    endpoint_id = str(uuid.uuid4())
    async with db.transaction() as conn:
        await conn.execute(
            insert(tables.endpoints).values(
                id=endpoint_id,
                company_id=company_id,
                url=url,
                secret="whsec_test",
                event_types=["booking.confirmed", "booking.cancelled"],
            )
        )
    return endpoint_id


async def _event(db: Database, endpoint_id: str, company_id: str, *, booking_id: str | None = None) -> str:
    event_id = f"evt-{uuid.uuid4()}"
    booking_id = booking_id or str(uuid.uuid4())
    async with db.transaction() as conn:
        await conn.execute(
            insert(tables.events).values(
                id=event_id,
                company_id=company_id,
                booking_id=booking_id,
                type="booking.confirmed",
                body=json.dumps({"id": event_id, "type": "booking.confirmed", "data": {}}),
                occurred_at=datetime.now(UTC),
            )
        )
        await conn.execute(
            insert(tables.deliveries).values(
                id=str(uuid.uuid4()),
                endpoint_id=endpoint_id,
                event_id=event_id,
                company_id=company_id,
                booking_id=booking_id,
                event_type="booking.confirmed",
            )
        )
    return event_id


async def _status(db: Database, event_ids: list[str]) -> list[str]:
    async with db.transaction() as conn:
        rows = await conn.execute(
            text("SELECT status FROM gateway.webhook_deliveries WHERE event_id = ANY(:ids)"),
            {"ids": event_ids},
        )
        return [row.status for row in rows]


async def _until(check, timeout: float) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < timeout, "timed out"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_a_companys_slow_endpoints_hold_up_no_other_companys_deliveries(
    gateway_db: Database, receiver: Receiver
) -> None:
    slow_company, quick_company = str(uuid.uuid4()), str(uuid.uuid4())
    # 20 slow endpoints of one company, each with a delivery due first; one of them has 10.
    slow_events: list[str] = []
    crowded = ""
    for index in range(20):
        endpoint = await _endpoint(gateway_db, slow_company, f"{receiver.url}/slow/{index}")
        for _ in range(10 if index == 0 else 1):
            slow_events.append(await _event(gateway_db, endpoint, slow_company))
        crowded = crowded or endpoint
    # A booking's two events at the crowded endpoint: the later one waits for the earlier one.
    booking = str(uuid.uuid4())
    first = await _event(gateway_db, crowded, slow_company, booking_id=booking)
    second = await _event(gateway_db, crowded, slow_company, booking_id=booking)
    quick_endpoint = await _endpoint(gateway_db, quick_company, f"{receiver.url}/quick")
    quick = await _event(gateway_db, quick_endpoint, quick_company)

    dispatcher = delivery.Dispatcher(gateway_db, allow_private_urls=True, poll_seconds=0.1)
    running = asyncio.create_task(dispatcher.run_forever())
    try:

        async def quick_delivered() -> bool:
            return await _status(gateway_db, [quick]) == ["SUCCEEDED"]

        # Without the slow ones finishing first (they take SLOW_SECONDS each).
        assert await _until(quick_delivered, SLOW_SECONDS * 4) < SLOW_SECONDS / 2

        async def all_delivered() -> bool:
            return set(await _status(gateway_db, [*slow_events, first, second])) == {"SUCCEEDED"}

        await _until(all_delivered, SLOW_SECONDS * 12)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await dispatcher.http.aclose()

    assert receiver.most_in_flight["/slow/0"] == delivery.PER_ENDPOINT
    assert max(receiver.most_in_flight[f"/slow/{i}"] for i in range(1, 20)) == 1
    # At most PER_COMPANY of the slow company's at once: the first wave is that many.
    firsts = sorted(times[0] for path, times in receiver.arrived.items() if path.startswith("/slow/"))
    assert len([t for t in firsts if t < firsts[0] + SLOW_SECONDS / 2]) <= delivery.PER_COMPANY
    at_crowded = [event for path, event in receiver.events if path == "/slow/0"]
    assert at_crowded.index(first) < at_crowded.index(second)


async def test_a_delivery_to_a_private_address_never_goes_through_a_proxy_named_by_the_environment(
    gateway_db: Database, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy that is not there: a delivery sent through it would fail to connect.
    closed = await asyncio.start_server(lambda reader, writer: writer.close(), "127.0.0.1", 0)
    proxy = f"http://127.0.0.1:{closed.sockets[0].getsockname()[1]}"
    closed.close()
    await closed.wait_closed()
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, proxy)
    company = str(uuid.uuid4())
    event = await _event(gateway_db, await _endpoint(gateway_db, company, f"{receiver.url}/direct"), company)

    dispatcher = delivery.Dispatcher(gateway_db, allow_private_urls=True, poll_seconds=0.1)
    running = asyncio.create_task(dispatcher.run_forever())
    try:

        async def delivered() -> bool:
            return await _status(gateway_db, [event]) == ["SUCCEEDED"]

        await _until(delivered, 20)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await dispatcher.http.aclose()
    assert receiver.events == [("/direct", event)]
