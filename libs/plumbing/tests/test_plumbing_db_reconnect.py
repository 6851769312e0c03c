"""The pool pings nothing: a connection the server closed while it sat in the pool is refused
at checkout by what its socket already holds, and one that breaks while in use fails its
transaction as an outage (DATABASE_UNAVAILABLE) and is not handed out again. The server
closing a connection here is PostgreSQL's own pg_terminate_backend, what a restart does to
every connection."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from plumbing.db import Database
from plumbing.grpc_server import database_unreachable

pytestmark = pytest.mark.integration

BACKEND = text("SELECT pg_backend_pid()")


async def terminate(database_url: str, pid: int) -> None:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as admin:
        await admin.execute("SELECT pg_terminate_backend(%s, 10000)", (pid,))


async def test_a_connection_closed_by_the_server_while_pooled_is_replaced_at_checkout(database_url):
    db = Database(database_url, pool_size=1, application_name="bookings")
    try:
        async with db.transaction() as conn:
            first = (await conn.execute(BACKEND)).scalar_one()
        await terminate(database_url, first)

        async with db.transaction() as conn:
            second = (await conn.execute(BACKEND)).scalar_one()

        assert second != first
    finally:
        await db.close()


async def test_a_connection_broken_in_use_fails_as_an_outage_and_the_next_transaction_gets_a_fresh_one(
    database_url,
):
    db = Database(database_url, pool_size=2, application_name="bookings")
    try:
        with pytest.raises(Exception) as broken:
            async with db.transaction() as conn:
                pid = (await conn.execute(BACKEND)).scalar_one()
                await terminate(database_url, pid)
                await conn.execute(text("SELECT 1"))
        assert database_unreachable(broken.value)

        async with db.transaction() as conn:
            assert (await conn.execute(BACKEND)).scalar_one() != pid
    finally:
        await db.close()
