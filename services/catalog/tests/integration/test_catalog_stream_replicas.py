"""A service refuses to start on a JetStream stream with fewer replicas than configured: the
real `python -m catalog` process, against the test NATS (one node, so its streams have 1
replica), with NATS_STREAM_REPLICAS=3 as in deploy/, exits non-zero and says why."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from catalog.adapters import events
from plumbing import messaging

pytestmark = pytest.mark.integration


async def test_catalog_does_not_start_on_a_stream_with_fewer_replicas_than_configured(database_url, nats_url):
    nc = await messaging.connect(nats_url, "test-replicas")
    try:
        # The stream as a single-node setup made it (what catalog itself does with the default 1).
        await messaging.ensure_stream(
            nc.jetstream(), events.CATALOG_STREAM, events.CATALOG_SUBJECTS, replicas=1
        )
    finally:
        await nc.close()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "NATS_URL": nats_url,
        "NATS_STREAM_REPLICAS": "3",
        "GRPC_HOST": "127.0.0.1",
        "GRPC_PORT": "0",
        "LOG_FORMAT": "text",
        # Required by `python -m catalog`; nothing calls the wallet here.
        "WALLET_ADDR": "127.0.0.1:1",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "catalog",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError("catalog kept running on a stream of 1 replica") from None
    assert process.returncode != 0
    text = err.decode()
    assert "StreamReplicasError" in text
    assert f"JetStream stream {events.CATALOG_STREAM} has 1 replica(s), fewer than the 3" in text
