"""A transaction never waits without end: not for a server that accepts the connection and
then says nothing (connect_timeout), not for a pool whose connections are all in use
(pool_timeout). Either way the caller gets an error the gRPC interceptor maps to
DATABASE_UNAVAILABLE."""

from __future__ import annotations

import asyncio
import socket

import pytest
from sqlalchemy import text

from plumbing.db import Database
from plumbing.grpc_server import database_unreachable

pytestmark = pytest.mark.integration

# Only a guard so that a regression fails instead of hanging the run; nothing is timed.
HANG_GUARD_SECONDS = 120


async def test_a_server_that_accepts_and_never_answers_fails_the_transaction_instead_of_hanging():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever speaks
        port = silent.getsockname()[1]
        db = Database(f"postgresql://postgres@127.0.0.1:{port}/none", connect_timeout=1)
        try:
            with pytest.raises(Exception) as raised:
                async with asyncio.timeout(HANG_GUARD_SECONDS):
                    async with db.transaction() as conn:
                        await conn.execute(text("SELECT 1"))
        finally:
            await db.close()
    assert not isinstance(raised.value, TimeoutError), "the connect never gave up"
    assert database_unreachable(raised.value), repr(raised.value)


async def test_a_transaction_waiting_for_a_pooled_connection_gives_up(database_url):
    db = Database(database_url, pool_size=1, pool_timeout=0.5)  # 1 + 1 overflow connections
    try:
        async with db.transaction() as first, db.transaction() as second:
            await first.execute(text("SELECT 1"))
            await second.execute(text("SELECT 1"))
            with pytest.raises(Exception) as raised:
                async with asyncio.timeout(HANG_GUARD_SECONDS):
                    async with db.transaction() as third:
                        await third.execute(text("SELECT 1"))
        assert not isinstance(raised.value, TimeoutError), "the checkout never gave up"
        assert database_unreachable(raised.value), repr(raised.value)
    finally:
        await db.close()
