"""A handler whose database cannot be reached answers UNAVAILABLE (reason
DATABASE_UNAVAILABLE, which callers retry), never INTERNAL: PostgreSQL restarting is an
outage, not a bug. The database here is a real address nobody listens on."""

from __future__ import annotations

import socket

import grpc
import pytest
from sqlalchemy import text

from plumbing.db import Database
from plumbing.grpc_server import create_server, error_reason

pytestmark = pytest.mark.integration


def a_closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def querying(db: Database):
    async def answer(request: bytes, context) -> bytes:
        async with db.transaction() as conn:
            await conn.execute(text("SELECT 1"))
        return b"ok"

    async def divide(request: bytes, context) -> bytes:
        return bytes(1 // len(request))

    generic = grpc.method_handlers_generic_handler(
        "test.Db",
        {
            "Query": grpc.unary_unary_rpc_method_handler(answer),
            "Bug": grpc.unary_unary_rpc_method_handler(divide),
        },
    )
    return lambda server: server.add_generic_rpc_handlers((generic,))


async def test_a_database_out_of_reach_is_unavailable_and_a_bug_stays_internal():
    db = Database(f"postgresql://postgres@127.0.0.1:{a_closed_port()}/nowhere")
    server = await create_server([querying(db)], [])
    client = grpc.aio.insecure_channel(f"127.0.0.1:{server.port}")
    try:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await client.unary_unary("/test.Db/Query")(b"", timeout=30)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        assert error_reason(refused.value) == "DATABASE_UNAVAILABLE"
        with pytest.raises(grpc.aio.AioRpcError) as bug:
            await client.unary_unary("/test.Db/Bug")(b"", timeout=30)
        assert bug.value.code() == grpc.StatusCode.INTERNAL
    finally:
        await client.close()
        await server.stop(0)
        await db.close()
