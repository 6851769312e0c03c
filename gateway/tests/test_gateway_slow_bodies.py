"""Slow request bodies through a real uvicorn server (gateway.admission `read_body`): clients
that open more writes than the gateway has slots and send their bodies a byte at a time, or
never, hold no slot; a real login goes through beside them, and each slow write is answered
408 `BODY_TIMEOUT` once its time is up. Before, 32 such connections refused every write of the
gateway (503 OVERLOADED) for as long as they stayed open."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
import uvicorn

from gateway.app import create_app
from gateway.settings import Settings

pytestmark = pytest.mark.integration

SLOTS = 2


async def test_writes_whose_bodies_never_arrive_hold_no_slot_and_end_in_408(
    database_url, fake_platform, clients, gateway_db, jwt_secret
):
    address = fake_platform.address
    settings = Settings(
        **{f"{service}_addr": address for service in ("catalog", "bookings", "wallet", "passes", "payments")},
        database_url=database_url,
        jwt_secret=jwt_secret,
        max_writes_in_flight=SLOTS,
        write_queue=0,
        body_read_seconds=3.0,
    )
    app = create_app(settings, clients=clients, db=gateway_db)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, http="httptools", log_level="critical"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    slow: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    try:
        while not server.started:
            assert not serving.done(), "the server did not start"
            await asyncio.sleep(0.02)
        port = sock.getsockname()[1]
        for _ in range(SLOTS + 3):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                b"POST /v1/auth/token HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
                b"Content-Length: 10\r\n\r\n{"
            )
            await writer.drain()
            slow.append((reader, writer))
        await asyncio.sleep(0.3)  # every slow write is in, reading its body

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            login = await client.post(
                "/v1/auth/token", json={"email": "nobody@example.com", "password": "wrong-password-1"}
            )
        answers = [await asyncio.wait_for(reader.read(4096), 60) for reader, _ in slow]
    finally:
        for _, writer in slow:
            writer.close()
        server.should_exit = True
        await serving
        sock.close()

    assert login.status_code == 401, login.text  # served: not 503 OVERLOADED
    for answer in answers:
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
        assert b"BODY_TIMEOUT" in answer
