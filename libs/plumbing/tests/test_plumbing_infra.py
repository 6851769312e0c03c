"""The plumbing on real servers: outbox relay to JetStream, inbox de-duplication, gRPC errors."""

import asyncio
import uuid

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import MetaData, select, text

from bookingplatform.saga.v1 import saga_pb2
from plumbing.db import Database
from plumbing.errors import NotFound
from plumbing.grpc_server import create_server, error_reason
from plumbing.messaging import connect, ensure_stream
from plumbing.outbox import Outbox, inbox_table, outbox_table, record_in_inbox

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def scratch_tables(database_url):
    db = Database(database_url)
    schema = f"plumbing_{uuid.uuid4().hex[:8]}"
    metadata = MetaData(schema=schema)
    outbox, inbox = outbox_table(metadata), inbox_table(metadata)
    async with db.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(metadata.create_all)
    yield db, outbox, inbox
    await db.close()


async def test_relay_publishes_each_outbox_row_once_with_its_id_as_message_id(scratch_tables, nats_url):
    db, table, _ = scratch_tables
    nc = await connect(nats_url, "test")
    js = nc.jetstream()
    stream = f"T{uuid.uuid4().hex[:8]}"
    await ensure_stream(js, stream, [f"{stream}.>"])
    outbox = Outbox(table)
    async with db.transaction() as conn:
        row_id = await outbox.add(conn, f"{stream}.x", saga_pb2.StepCommand(saga_id="s1"))
    assert await outbox.relay_batch(db, js) == 1
    assert await outbox.relay_batch(db, js) == 0
    sub = await js.pull_subscribe(f"{stream}.x", durable="d", stream=stream)
    [msg] = await sub.fetch(1, timeout=30)  # returns as soon as the message is there
    assert msg.headers["Nats-Msg-Id"] == row_id
    assert saga_pb2.StepCommand.FromString(msg.data).saga_id == "s1"
    async with db.transaction() as conn:
        published = (await conn.execute(select(table.c.published_at).where(table.c.id == row_id))).scalar()
    assert published is not None
    await nc.close()


async def test_inbox_accepts_a_message_id_once(scratch_tables):
    db, _, inbox = scratch_tables
    message_id = str(uuid.uuid4())
    async with db.transaction() as conn:
        first = await record_in_inbox(conn, inbox, message_id, "s")
        second = await record_in_inbox(conn, inbox, message_id, "s")
    assert (first, second) == (True, False)


async def test_grpc_server_reports_service_errors_with_error_info_and_health():
    async def failing(request, context):
        raise NotFound("THING_NOT_FOUND", "no such thing")

    def register(server):
        handler = grpc.method_handlers_generic_handler(
            "t.T", {"Get": grpc.unary_unary_rpc_method_handler(failing)}
        )
        server.add_generic_rpc_handlers((handler,))

    server = await create_server([register], ["t.T"])
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        reply = await health.Check(health_pb2.HealthCheckRequest(service="t.T"))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await channel.unary_unary("/t.T/Get")(b"")
        assert raised.value.code() == grpc.StatusCode.NOT_FOUND
        assert error_reason(raised.value) == "THING_NOT_FOUND"
        await server.stop(0.1)
        await asyncio.sleep(0)
