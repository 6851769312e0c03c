"""Webhook and push dispatchers against hostile receivers, on real PostgreSQL with a real HTTP
server on 127.0.0.1 (an OS-assigned port): an endless chunked body, a 500 MB Content-Length
body and a slow drip. An attempt reads at most outbound.ANSWER_BYTES of an answer and ends
within its deadline (a short one here, `timeout_seconds`); a 2xx whose body was cut is a
success (the status decides); an answer not in within the deadline is a TIMEOUT, retried on the
schedule; an attempt never outlives its lease and a late outcome of an attempt whose lease was
taken over writes nothing."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import delete, insert, text

from gateway.push import delivery as push_delivery
from gateway.push import tables as push_tables
from gateway.push.vapid import VapidKey, b64url, new_private_key_pem
from gateway.webhooks import delivery, outbound, store, tables
from plumbing.db import Database

pytestmark = pytest.mark.integration

DEADLINE = 1.0  # the dispatchers' timeout_seconds in these tests (10 s in production)
SLACK = 1.0  # what a loaded machine may add to it
HUGE = 500 * 1024 * 1024
CHUNK = b"x" * 65536


@dataclass
class Hostile:
    """An HTTP server on 127.0.0.1 whose answer depends on the path: `/endless/<status>` a
    chunked body that never ends, `/huge/<status>` a 500 MB Content-Length body (written until
    the client hangs up), `/drip-head` the status line a byte every 0.2 s, `/drip-body` a 200
    at once then its 100-byte body a byte every 0.2 s; a path in `quick` is answered 200 with
    an empty body. It keeps, per request, the bytes it managed to send and when it found the
    client gone (monotonic seconds after the request arrived)."""

    url: str = ""
    quick: set[str] = field(default_factory=set)
    sent: list[int] = field(default_factory=list)
    hung_up_after: list[float] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        path = head.split(" ", 2)[1]
        headers = {
            name.strip().lower(): value.strip()
            for name, value in (line.split(":", 1) for line in head.split("\r\n")[1:] if ":" in line)
        }
        await reader.readexactly(int(headers["content-length"]))
        self.requests.append((path, headers))
        arrived, sent = time.monotonic(), 0
        try:
            if path in self.quick:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
                return
            kind, _, status = path.strip("/").partition("/")
            status = status or "200"
            if kind == "endless":
                writer.write(f"HTTP/1.1 {status} X\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
                while True:
                    writer.write(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
                    await writer.drain()
                    sent += len(CHUNK)
            elif kind == "huge":
                writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: {HUGE}\r\n\r\n".encode())
                while sent < HUGE:
                    writer.write(CHUNK)
                    await writer.drain()
                    sent += len(CHUNK)
            elif kind in ("drip-head", "drip-body"):
                answer = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
                if kind == "drip-body":
                    writer.write(answer)
                    answer = b"y" * 100
                for byte in answer:
                    writer.write(bytes([byte]))
                    await writer.drain()
                    sent += 1
                    if reader.at_eof() or writer.is_closing():
                        break
                    await asyncio.sleep(0.2)
                    if await _gone(reader):
                        break
        except (ConnectionError, OSError):
            pass
        finally:
            self.sent.append(sent)
            self.hung_up_after.append(time.monotonic() - arrived)
            writer.close()


async def _gone(reader: asyncio.StreamReader) -> bool:
    """Whether the client closed its side (read returns at once at EOF)."""
    try:
        return await asyncio.wait_for(reader.read(1), 0.001) == b""
    except TimeoutError:
        return False


@pytest.fixture
async def hostile() -> AsyncIterator[Hostile]:
    state = Hostile()
    server = await asyncio.start_server(state.serve, "127.0.0.1", 0)
    state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    yield state
    server.close()


# ---- webhooks -----------------------------------------------------------------------------


@pytest.fixture
async def webhooks(gateway_db: Database) -> AsyncIterator[delivery.Dispatcher]:
    made = delivery.Dispatcher(gateway_db, allow_private_urls=True, timeout_seconds=DEADLINE)
    yield made
    await made.http.aclose()


async def _webhook(db: Database, url: str) -> str:
    """An endpoint at `url` with one delivery due: the delivery's id."""
    company_id, endpoint_id, delivery_id = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    event_id, booking_id = f"evt-{uuid.uuid4()}", str(uuid.uuid4())
    async with db.transaction() as conn:
        await conn.execute(
            insert(tables.endpoints).values(
                id=endpoint_id,
                company_id=company_id,
                url=url,
                secret="whsec_test",
                event_types=["booking.confirmed"],
            )
        )
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
                id=delivery_id,
                endpoint_id=endpoint_id,
                event_id=event_id,
                company_id=company_id,
                booking_id=booking_id,
                event_type="booking.confirmed",
            )
        )
    return delivery_id


async def _claim(dispatcher: Any, delivery_id: str) -> Any:
    """The dispatcher's claim of `delivery_id` (other due rows it leases are left alone)."""
    mine = [c for c in await dispatcher.claim() if c.id == delivery_id]
    assert len(mine) == 1
    return mine[0]


async def _webhook_row(db: Database, delivery_id: str) -> dict[str, Any]:
    async with db.transaction() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT status, attempts, last_status_code, last_error, last_response_ms,"
                    " extract(epoch FROM next_attempt_at - now()) AS due_in"
                    " FROM gateway.webhook_deliveries WHERE id = :id"
                ),
                {"id": delivery_id},
            )
        ).one()
        log = await conn.execute(
            text(
                "SELECT attempt, status_code, error FROM gateway.webhook_attempts"
                " WHERE delivery_id = :id ORDER BY attempt"
            ),
            {"id": delivery_id},
        )
        return {**row._mapping, "log": [tuple(a) for a in log]}


@pytest.mark.parametrize("status", [200, 503])
@pytest.mark.parametrize("kind", ["endless", "huge"])
async def test_a_webhook_answer_without_end_is_read_a_few_kib_and_decided_by_its_status(
    gateway_db: Database, hostile: Hostile, webhooks: delivery.Dispatcher, kind: str, status: int
) -> None:
    delivery_id = await _webhook(gateway_db, f"{hostile.url}/{kind}/{status}")
    claimed = await _claim(webhooks, delivery_id)

    started = time.monotonic()
    outcome = await webhooks.post(claimed)
    took = time.monotonic() - started
    assert await webhooks.record(claimed, outcome)

    # Cut by the cap, not by the deadline: the status decides, the body is irrelevant.
    assert outcome.status_code == status and took < DEADLINE
    assert 0 < outcome.answer_bytes <= outbound.ANSWER_BYTES
    row = await _webhook_row(gateway_db, delivery_id)
    if status == 200:
        assert (row["status"], row["last_error"], row["log"]) == ("SUCCEEDED", None, [(1, 200, None)])
    else:
        assert (row["status"], row["last_error"]) == ("PENDING", "HTTP 503")
        assert row["due_in"] > delivery.FIRST_RETRY_SECONDS - 5  # retried on the schedule
    # The receiver found the connection closed at once, having sent what the socket buffers
    # took (never the stream nor the 500 MB).
    await _until(lambda: len(hostile.sent) == 1)
    assert hostile.hung_up_after[0] < DEADLINE and hostile.sent[0] < 64 * 1024 * 1024


@pytest.mark.parametrize("kind", ["drip-head", "drip-body"])
async def test_a_webhook_answer_dripping_in_fails_as_a_timeout_at_the_deadline_and_is_retried(
    gateway_db: Database, hostile: Hostile, webhooks: delivery.Dispatcher, kind: str
) -> None:
    path = f"/{kind}"
    delivery_id = await _webhook(gateway_db, hostile.url + path)
    claimed = await _claim(webhooks, delivery_id)

    started = time.monotonic()
    await webhooks.deliver(claimed)
    took = time.monotonic() - started

    assert DEADLINE - 0.1 <= took < DEADLINE + SLACK
    row = await _webhook_row(gateway_db, delivery_id)
    assert (row["status"], row["attempts"], row["last_status_code"], row["last_error"]) == (
        "PENDING",
        1,
        None,
        "TIMEOUT",
    )
    assert row["log"] == [(1, None, "TIMEOUT")] and row["last_response_ms"] < (DEADLINE + SLACK) * 1000
    assert delivery.FIRST_RETRY_SECONDS - 5 < row["due_in"] <= delivery.FIRST_RETRY_SECONDS
    await _until(lambda: len(hostile.sent) == 1)
    assert hostile.hung_up_after[0] < DEADLINE + SLACK  # the gateway hung up at its deadline

    # Retried when due (brought forward here), the receiver now answering at once.
    hostile.quick.add(path)
    await _due_now(gateway_db, "webhook_deliveries", delivery_id)
    await webhooks.deliver(await _claim(webhooks, delivery_id))
    row = await _webhook_row(gateway_db, delivery_id)
    assert (row["status"], row["attempts"]) == ("SUCCEEDED", 2)
    assert row["log"] == [(1, None, "TIMEOUT"), (2, 200, None)]
    event_ids = {headers["webhook-id"] for _, headers in hostile.requests}
    assert len(hostile.requests) == 2 and len(event_ids) == 1  # the same Webhook-Id


async def test_a_webhook_attempt_ends_before_its_lease_whatever_the_timeout(
    gateway_db: Database, hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A lease of LEASE_MARGIN_SECONDS + 1 s: the attempt must end within 1 s of the claim,
    # though the dispatcher's own timeout would allow 30 s.
    monkeypatch.setattr(delivery, "LEASE_SECONDS", outbound.LEASE_MARGIN_SECONDS + 1)
    made = delivery.Dispatcher(gateway_db, allow_private_urls=True, timeout_seconds=30)
    try:
        delivery_id = await _webhook(gateway_db, f"{hostile.url}/drip-head")
        started = time.monotonic()
        await made.deliver(await _claim(made, delivery_id))
        assert time.monotonic() - started < 1 + SLACK
    finally:
        await made.http.aclose()
    row = await _webhook_row(gateway_db, delivery_id)
    assert (row["status"], row["last_error"]) == ("PENDING", "TIMEOUT")


async def test_a_late_webhook_outcome_whose_lease_was_taken_over_writes_nothing(
    gateway_db: Database, hostile: Hostile, webhooks: delivery.Dispatcher
) -> None:
    delivery_id = await _webhook(gateway_db, f"{hostile.url}/unused")
    first = await _claim(webhooks, delivery_id)
    await _due_now(gateway_db, "webhook_deliveries", delivery_id)  # its lease ran out
    second = await _claim(webhooks, delivery_id)
    assert (first.attempt, second.attempt) == (1, 2)

    # The first attempt's success arrives after the second attempt was claimed: dropped.
    assert not await webhooks.record(first, delivery.Outcome(200, 5, None))
    row = await _webhook_row(gateway_db, delivery_id)
    assert (row["status"], row["attempts"], row["log"]) == ("PENDING", 2, [])
    assert row["due_in"] > delivery.LEASE_SECONDS - 10  # still the second attempt's lease
    # The second attempt's own outcome is recorded.
    assert await webhooks.record(second, delivery.Outcome(None, 1000, "TIMEOUT"))
    row = await _webhook_row(gateway_db, delivery_id)
    assert (row["status"], row["last_error"], row["log"]) == ("PENDING", "TIMEOUT", [(2, None, "TIMEOUT")])


async def test_a_redeliver_keeps_the_lease_of_an_attempt_in_flight(
    gateway_db: Database, hostile: Hostile, webhooks: delivery.Dispatcher
) -> None:
    delivery_id = await _webhook(gateway_db, f"{hostile.url}/unused")
    claimed = await _claim(webhooks, delivery_id)
    async with gateway_db.transaction() as conn:
        assert await store.redeliver(conn, delivery_id, None) is not None
    # Still leased: no second claim posts it beside the first.
    assert delivery_id not in {c.id for c in await webhooks.claim()}
    assert await webhooks.record(claimed, delivery.Outcome(500, 5, "HTTP 500"))
    # Recorded: a redeliver makes it due at once.
    async with gateway_db.transaction() as conn:
        assert await store.redeliver(conn, delivery_id, None) is not None
    assert (await _claim(webhooks, delivery_id)).attempt == 2


# ---- pushes -------------------------------------------------------------------------------

_DEVICE = ec.generate_private_key(ec.SECP256R1())
P256DH = b64url(
    _DEVICE.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
)
AUTH = b64url(b"0123456789abcdef")


@pytest.fixture
async def pushes(gateway_db: Database) -> AsyncIterator[push_delivery.Dispatcher]:
    made = push_delivery.Dispatcher(
        gateway_db,
        VapidKey(new_private_key_pem(), "mailto:ops@example.com"),
        allow_loopback=True,
        timeout_seconds=DEADLINE,
    )
    yield made
    await made.http.aclose()


@pytest.fixture
async def push_rows(gateway_db: Database) -> AsyncIterator[list[str]]:
    """Subscription ids a test made, deleted after it (with their deliveries)."""
    made: list[str] = []
    yield made
    async with gateway_db.transaction() as conn:
        await conn.execute(delete(push_tables.subscriptions).where(push_tables.subscriptions.c.id.in_(made)))


async def _push(db: Database, made: list[str], endpoint: str) -> str:
    """A device at `endpoint` with one push due: the delivery's id."""
    company_id, subscription_id, delivery_id = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    event_id = f"evt-{uuid.uuid4()}"
    async with db.transaction() as conn:
        await conn.execute(
            insert(push_tables.subscriptions).values(
                id=subscription_id,
                user_id=str(uuid.uuid4()),
                company_id=company_id,
                endpoint=endpoint,
                p256dh=P256DH,
                auth=AUTH,
            )
        )
        await conn.execute(
            insert(push_tables.events).values(
                id=event_id,
                company_id=company_id,
                booking_id=str(uuid.uuid4()),
                type="booking.confirmed",
                payload=json.dumps({"title": "Booking confirmed"}),
                occurred_at=datetime.now(UTC),
            )
        )
        await conn.execute(
            insert(push_tables.deliveries).values(
                id=delivery_id, subscription_id=subscription_id, event_id=event_id
            )
        )
    made.append(subscription_id)
    return delivery_id


async def _push_row(db: Database, delivery_id: str) -> tuple[str, int, int | None, str | None, float]:
    async with db.transaction() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT status, attempts, last_status_code, last_error,"
                    " extract(epoch FROM next_attempt_at - now()) AS due_in"
                    " FROM gateway.push_deliveries WHERE id = :id"
                ),
                {"id": delivery_id},
            )
        ).one()
        return row.status, row.attempts, row.last_status_code, row.last_error, float(row.due_in)


@pytest.mark.parametrize("kind", ["endless", "huge"])
async def test_a_push_answer_without_end_is_read_a_few_kib_and_decided_by_its_status(
    gateway_db: Database,
    hostile: Hostile,
    pushes: push_delivery.Dispatcher,
    push_rows: list[str],
    kind: str,
) -> None:
    delivery_id = await _push(gateway_db, push_rows, f"{hostile.url}/{kind}/201")
    claimed = await _claim(pushes, delivery_id)

    started = time.monotonic()
    outcome = await pushes.post(claimed)
    took = time.monotonic() - started
    assert await pushes.record(claimed, outcome)

    assert outcome.status_code == 201 and took < DEADLINE
    assert 0 < outcome.answer_bytes <= outbound.ANSWER_BYTES
    assert (await _push_row(gateway_db, delivery_id))[:4] == ("SUCCEEDED", 1, 201, None)
    await _until(lambda: len(hostile.sent) == 1)
    assert hostile.hung_up_after[0] < DEADLINE and hostile.sent[0] < 64 * 1024 * 1024


async def test_a_push_answer_dripping_in_fails_as_a_timeout_at_the_deadline_and_is_retried(
    gateway_db: Database, hostile: Hostile, pushes: push_delivery.Dispatcher, push_rows: list[str]
) -> None:
    delivery_id = await _push(gateway_db, push_rows, f"{hostile.url}/drip-head")
    started = time.monotonic()
    await pushes.deliver(await _claim(pushes, delivery_id))
    assert DEADLINE - 0.1 <= time.monotonic() - started < DEADLINE + SLACK

    status, attempts, code, error, due_in = await _push_row(gateway_db, delivery_id)
    assert (status, attempts, code, error) == ("PENDING", 1, None, "TIMEOUT")
    assert push_delivery.FIRST_RETRY_SECONDS - 5 < due_in <= push_delivery.FIRST_RETRY_SECONDS
    await _until(lambda: len(hostile.sent) == 1)
    assert hostile.hung_up_after[0] < DEADLINE + SLACK

    hostile.quick.add("/drip-head")
    await _due_now(gateway_db, "push_deliveries", delivery_id)
    await pushes.deliver(await _claim(pushes, delivery_id))
    assert (await _push_row(gateway_db, delivery_id))[:4] == ("SUCCEEDED", 2, 200, None)


async def test_a_late_push_outcome_whose_lease_was_taken_over_writes_nothing(
    gateway_db: Database, pushes: push_delivery.Dispatcher, push_rows: list[str]
) -> None:
    delivery_id = await _push(gateway_db, push_rows, f"http://127.0.0.1:9/{uuid.uuid4()}")
    first = await _claim(pushes, delivery_id)
    await _due_now(gateway_db, "push_deliveries", delivery_id)
    second = await _claim(pushes, delivery_id)

    assert not await pushes.record(first, push_delivery.Outcome(201, None))
    status, attempts, _, _, due_in = await _push_row(gateway_db, delivery_id)
    assert (status, attempts) == ("PENDING", 2) and due_in > push_delivery.LEASE_SECONDS - 10
    assert await pushes.record(second, push_delivery.Outcome(None, "TIMEOUT"))
    assert (await _push_row(gateway_db, delivery_id))[:4] == ("PENDING", 2, None, "TIMEOUT")


# ---- helpers ------------------------------------------------------------------------------


async def _due_now(db: Database, table: str, delivery_id: str) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            text(f"UPDATE gateway.{table} SET next_attempt_at = now() WHERE id = :id"), {"id": delivery_id}
        )


async def _until(check: Any, cap: float = 10.0) -> None:
    """Waits for `check()`; `cap` only keeps a broken run from hanging."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < cap, "timed out"
        await asyncio.sleep(0.02)
