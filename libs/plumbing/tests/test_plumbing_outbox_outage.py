"""The outbox relay through a NATS outage: one warning line when publishing stops, one line when
it works again, no stack trace for this expected condition, and the waiting rows published."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest
from sqlalchemy import MetaData, select, text

from bookingplatform.saga.v1 import saga_pb2
from plumbing.db import Database
from plumbing.devstack import start_nats
from plumbing.messaging import connect, ensure_stream
from plumbing.outbox import Outbox, outbox_table
from plumbing.testing import eventually

pytestmark = pytest.mark.integration

RELAY_LOGGER = "plumbing.outbox"


async def test_a_nats_outage_is_one_warning_line_without_a_trace_and_publishing_resumes(
    database_url, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG, logger=RELAY_LOGGER)
    db = Database(database_url, pool_size=2)
    schema = f"outage_{uuid.uuid4().hex[:8]}"
    metadata = MetaData(schema=schema)
    table = outbox_table(metadata)
    async with db.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(metadata.create_all)
    nats = start_nats(tmp_path / "nats")
    nc = await connect(nats.url, "outbox-outage-test")
    js = nc.jetstream()
    stream = f"T{uuid.uuid4().hex[:8]}"
    await ensure_stream(js, stream, [f"{stream}.>"])
    outbox = Outbox(table)
    relay = asyncio.create_task(outbox.relay_forever(db, js))

    def relay_lines(level: int) -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.name == RELAY_LOGGER and r.levelno == level]

    async def unpublished() -> int:
        async with db.transaction() as conn:
            rows = await conn.execute(select(table.c.id).where(table.c.published_at.is_(None)))
            return len(rows.all())

    async def none_unpublished() -> bool:
        return await unpublished() == 0

    try:
        nats.stop()
        async with db.transaction() as conn:
            await outbox.add(conn, f"{stream}.x", saga_pb2.StepCommand(saga_id="during-outage"))
        outbox.wake()
        # Several failed attempts, each only a DEBUG line after the first warning.
        await eventually(lambda: len(relay_lines(logging.DEBUG)) >= 2, timeout=120)
        assert await unpublished() == 1

        nats.start()
        await eventually(lambda: relay_lines(logging.INFO), timeout=120)
        await eventually(none_unpublished)
    finally:
        relay.cancel()
        await asyncio.gather(relay, return_exceptions=True)
        await nc.close()
        nats.stop()
        async with db.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await db.close()

    [warning] = relay_lines(logging.WARNING)
    assert "cannot publish" in warning.getMessage() and "NATS" in warning.getMessage()
    [again] = relay_lines(logging.INFO)
    assert "publishing again" in again.getMessage()
    assert not relay_lines(logging.ERROR)
    assert not [r for r in caplog.records if r.name == RELAY_LOGGER and r.exc_info]
