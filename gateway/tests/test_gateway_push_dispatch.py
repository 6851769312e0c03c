"""The Web Push dispatcher on real PostgreSQL with real local HTTP receivers standing in for
push services: one company's many slow devices (their push service holds each request until
the test lets it go) hold up no other company's push, a subscription never has more than
PER_SUBSCRIPTION pushes in flight nor a company more than PER_COMPANY, and a stopped
dispatcher leaves what it was posting to its lease."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import delete, insert, text

from gateway.push import delivery, tables
from gateway.push.vapid import VapidKey, b64url, new_private_key_pem
from plumbing.db import Database

pytestmark = pytest.mark.integration

# The device's keys (one pair serves every test subscription: only the endpoint is unique).
_DEVICE = ec.generate_private_key(ec.SECP256R1())
P256DH = b64url(
    _DEVICE.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
)
AUTH = b64url(b"0123456789abcdef")


@dataclass
class PushService:
    """An HTTP server on 127.0.0.1: requests to paths under /slow/ are held until `release` is
    set (or the client hangs up), others answered 201 at once. It keeps, in order, what became
    of each request (`log`: ("answered" | "dropped", path)), and how many were in flight."""

    url: str = ""
    release: asyncio.Event = field(default_factory=asyncio.Event)
    log: list[tuple[str, str]] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    most_in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    slow_in_flight: int = 0
    most_slow_in_flight: int = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        path = head.split(" ", 2)[1]
        length = next(
            int(line.split(":", 1)[1])
            for line in head.split("\r\n")
            if line.lower().startswith("content-length:")
        )
        await reader.readexactly(length)  # the encrypted notification
        slow = path.startswith("/slow/")
        self.in_flight[path] += 1
        self.most_in_flight[path] = max(self.most_in_flight[path], self.in_flight[path])
        if slow:
            self.slow_in_flight += 1
            self.most_slow_in_flight = max(self.most_slow_in_flight, self.slow_in_flight)
        try:
            if slow and not await self._held(reader):
                self.log.append(("dropped", path))  # the dispatcher gave up waiting
                return
            writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            self.log.append(("answered", path))
        finally:
            self.in_flight[path] -= 1
            if slow:
                self.slow_in_flight -= 1
            writer.close()

    async def _held(self, reader: asyncio.StreamReader) -> bool:
        """Waits for the release (True) or for the client to hang up (False)."""
        released = asyncio.ensure_future(self.release.wait())
        hung_up = asyncio.ensure_future(reader.read(1))
        done, pending = await asyncio.wait({released, hung_up}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        return released in done


@pytest.fixture
async def push_service() -> AsyncIterator[PushService]:
    state = PushService()
    server = await asyncio.start_server(state.serve, "127.0.0.1", 0)
    state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    yield state
    state.release.set()
    server.close()


@dataclass
class Rows:
    """What a test wrote, deleted after it (the subscriptions take their deliveries along)."""

    db: Database
    subscriptions: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    async def subscription(self, company_id: str, endpoint: str) -> str:
        subscription_id = str(uuid.uuid4())
        async with self.db.transaction() as conn:
            await conn.execute(
                insert(tables.subscriptions).values(
                    id=subscription_id,
                    user_id=str(uuid.uuid4()),
                    company_id=company_id,
                    endpoint=endpoint,
                    p256dh=P256DH,
                    auth=AUTH,
                )
            )
        self.subscriptions.append(subscription_id)
        return subscription_id

    async def push(
        self,
        subscription_id: str,
        company_id: str,
        *,
        booking_id: str | None = None,
        occurred_at: datetime | None = None,
    ) -> str:
        """A booking event of the company and its delivery to the subscription: the delivery's id."""
        event_id, delivery_id = f"evt-{uuid.uuid4()}", str(uuid.uuid4())
        booking_id = booking_id or str(uuid.uuid4())
        async with self.db.transaction() as conn:
            await conn.execute(
                insert(tables.events).values(
                    id=event_id,
                    company_id=company_id,
                    booking_id=booking_id,
                    type="booking.confirmed",
                    payload=json.dumps({"title": "Booking confirmed", "booking_id": booking_id}),
                    occurred_at=occurred_at or datetime.now(UTC),
                )
            )
            await conn.execute(
                insert(tables.deliveries).values(
                    id=delivery_id, subscription_id=subscription_id, event_id=event_id
                )
            )
        self.events.append(event_id)
        return delivery_id

    async def deliveries(self, ids: list[str]) -> list[tuple[str, int, str | None]]:
        """(status, attempts, last error) of each."""
        async with self.db.transaction() as conn:
            rows = await conn.execute(
                text(
                    "SELECT status, attempts, last_error FROM gateway.push_deliveries"
                    " WHERE id = ANY(CAST(:ids AS uuid[]))"
                ),
                {"ids": ids},
            )
            return [(row.status, row.attempts, row.last_error) for row in rows]

    async def drop(self) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                delete(tables.subscriptions).where(tables.subscriptions.c.id.in_(self.subscriptions))
            )
            await conn.execute(delete(tables.events).where(tables.events.c.id.in_(self.events)))


@pytest.fixture
async def rows(gateway_db: Database) -> AsyncIterator[Rows]:
    made = Rows(gateway_db)
    yield made
    await made.drop()


def dispatcher(db: Database) -> delivery.Dispatcher:
    return delivery.Dispatcher(
        db, VapidKey(new_private_key_pem(), "mailto:ops@example.com"), allow_loopback=True, poll_seconds=0.1
    )


async def until(check: Callable[[], Awaitable[bool]], cap: float = 60.0) -> None:
    """Waits for `check`; `cap` only keeps a broken run from hanging, it is no measurement."""
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < cap, "timed out"
        await asyncio.sleep(0.05)


async def stopped(running: asyncio.Task[None], made: delivery.Dispatcher) -> None:
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    await made.http.aclose()


async def test_a_companys_slow_devices_hold_up_no_other_companys_push(
    gateway_db: Database, rows: Rows, push_service: PushService
) -> None:
    slow_company, quick_company = str(uuid.uuid4()), str(uuid.uuid4())
    # 20 devices of one company whose push service holds each request, each with a push due
    # first; one of them has 10.
    slow: list[str] = []
    for index in range(20):
        subscription = await rows.subscription(slow_company, f"{push_service.url}/slow/{index}")
        for _ in range(10 if index == 0 else 1):
            slow.append(await rows.push(subscription, slow_company))
    # Another company's device, its push due last, answered at once.
    quick_subscription = await rows.subscription(quick_company, f"{push_service.url}/quick")
    quick = await rows.push(quick_subscription, quick_company)

    made = dispatcher(gateway_db)
    running = asyncio.create_task(made.run_forever())
    try:

        async def quick_sent() -> bool:
            return [status for status, _, _ in await rows.deliveries([quick])] == ["SUCCEEDED"]

        await until(quick_sent)
        # Sent while the slow company's pushes are still held at their push service: none of
        # them has ended nor has an outcome (the old dispatcher waited for its whole batch,
        # until those requests timed out).
        assert push_service.log == [("answered", "/quick")]
        assert {(status, error) for status, _, error in await rows.deliveries(slow)} == {("PENDING", None)}

        # The slow company fills its PER_COMPANY slots, no more, the crowded device its
        # PER_SUBSCRIPTION ones.
        async def company_full() -> bool:
            return push_service.slow_in_flight == delivery.PER_COMPANY

        await until(company_full)
        assert push_service.most_slow_in_flight == delivery.PER_COMPANY
        assert push_service.most_in_flight["/slow/0"] == delivery.PER_SUBSCRIPTION

        push_service.release.set()

        async def all_sent() -> bool:
            return {status for status, _, _ in await rows.deliveries(slow)} == {"SUCCEEDED"}

        await until(all_sent)
    finally:
        await stopped(running, made)

    assert push_service.most_slow_in_flight == delivery.PER_COMPANY
    assert push_service.most_in_flight["/slow/0"] == delivery.PER_SUBSCRIPTION
    assert max(push_service.most_in_flight[f"/slow/{i}"] for i in range(1, 20)) == 1
    assert {outcome for outcome, _ in push_service.log} == {"answered"}
    assert {attempts for _, attempts, _ in await rows.deliveries([*slow, quick])} == {1}


async def test_a_stopped_dispatcher_leaves_the_pushes_it_was_posting_to_their_lease(
    gateway_db: Database, rows: Rows, push_service: PushService
) -> None:
    company = str(uuid.uuid4())
    subscription = await rows.subscription(company, f"{push_service.url}/slow/held")
    held = [await rows.push(subscription, company) for _ in range(2)]

    made = dispatcher(gateway_db)
    running = asyncio.create_task(made.run_forever())
    try:

        async def both_held() -> bool:
            return push_service.in_flight["/slow/held"] == 2

        await until(both_held)
    finally:
        await stopped(running, made)

    assert made.in_flight == {}
    # Not recorded: leased (an attempt counted, tried again when the lease ends).
    assert await rows.deliveries(held) == [("PENDING", 1, None), ("PENDING", 1, None)]

    async def hung_up() -> bool:
        return push_service.log == [("dropped", "/slow/held"), ("dropped", "/slow/held")]

    await until(hung_up)


async def test_a_bookings_pushes_reach_a_device_in_the_order_they_happened(
    gateway_db: Database, rows: Rows
) -> None:
    company, booking = str(uuid.uuid4()), str(uuid.uuid4())
    device = await rows.subscription(company, f"http://127.0.0.1:9/{uuid.uuid4()}")
    other_device = await rows.subscription(company, f"http://127.0.0.1:9/{uuid.uuid4()}")
    now = datetime.now(UTC)
    # Written in the other order: the later event's delivery is the older row.
    cancelled = await rows.push(device, company, booking_id=booking, occurred_at=now)
    confirmed = await rows.push(device, company, booking_id=booking, occurred_at=now - timedelta(seconds=1))
    elsewhere = await rows.push(other_device, company, booking_id=booking, occurred_at=now)
    made = dispatcher(gateway_db)
    try:
        first = {c.id for c in await made.claim()}
        # The earlier one is leased (in flight): the later one waits for it.
        assert {confirmed, elsewhere} <= first and cancelled not in first
        assert cancelled not in {c.id for c in await made.claim()}
        async with gateway_db.transaction() as conn:
            await conn.execute(
                text(
                    "UPDATE gateway.push_deliveries SET status = 'SUCCEEDED', next_attempt_at = now()"
                    " WHERE id = :id"
                ),
                {"id": confirmed},
            )
            await conn.execute(
                text("UPDATE gateway.push_deliveries SET next_attempt_at = now() WHERE id = :id"),
                {"id": cancelled},
            )
        assert cancelled in {c.id for c in await made.claim()}
    finally:
        await made.http.aclose()
