"""NATS JetStream: connection, streams and a batched pull consumer loop."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Sequence

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

log = logging.getLogger(__name__)

# The booking saga: commands on saga.cmd.<participant>, replies on saga.reply.<orchestrator>.
SAGA_STREAM = "SAGA"
SAGA_SUBJECTS = ["saga.>"]


def command_subject(participant: str) -> str:
    return f"saga.cmd.{participant}"


def reply_subject(orchestrator: str) -> str:
    return f"saga.reply.{orchestrator}"


async def connect(url: str, name: str) -> Client:
    # The default gives up reconnecting after about 2 minutes; a service must not.
    # A comma-separated URL names the seeds of a cluster.
    servers = [server.strip() for server in url.split(",") if server.strip()]
    return await nats.connect(
        servers, name=name, max_reconnect_attempts=-1, reconnect_time_wait=0.5, connect_timeout=5
    )


async def ensure_stream(js: JetStreamContext, name: str, subjects: Sequence[str]) -> None:
    """Creates the stream or brings its subjects up to date; safe from every replica."""
    config = StreamConfig(
        name=name,
        subjects=list(subjects),
        max_age=7 * 24 * 3600,
        duplicate_window=120,
        # 3 on a JetStream cluster (deploy/), so a stream survives losing a node.
        num_replicas=int(os.environ.get("NATS_STREAM_REPLICAS", "1")),
    )
    try:
        await js.add_stream(config)
    except BadRequestError:
        await js.update_stream(config)


Handler = Callable[[list[Msg]], Awaitable[None]]


class PullConsumer:
    """A durable pull consumer shared by every replica of a service.

    Fetches up to `batch` messages and hands them to the handler, which acks each one
    after its transaction commits. JetStream redelivers what is not acked within
    `ack_wait`.
    """

    def __init__(
        self,
        js: JetStreamContext,
        *,
        stream: str,
        durable: str,
        subject: str,
        handler: Handler,
        batch: int = 64,
        ack_wait_seconds: float = 30.0,
        max_deliver: int = 20,
    ) -> None:
        self.js = js
        self.stream = stream
        self.durable = durable
        self.subject = subject
        self.handler = handler
        self.batch = batch
        self.config = ConsumerConfig(
            durable_name=durable,
            filter_subject=subject,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ack_wait_seconds,
            max_deliver=max_deliver,
            max_ack_pending=10_000,
        )

    async def run_forever(self) -> None:
        subscription = await self._subscribe()
        while True:
            try:
                messages = await subscription.fetch(self.batch, timeout=1.0)
            except (NatsTimeoutError, TimeoutError):
                continue
            except NotFoundError:
                # The consumer was deleted under us (stream re-created): re-create it.
                subscription = await self._subscribe()
                continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("fetch from %s failed; retrying", self.durable)
                await asyncio.sleep(1.0)
                subscription = await self._subscribe()
                continue
            try:
                await self.handler(messages)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("handler of %s failed; messages will be redelivered", self.durable)

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
        return await self.js.pull_subscribe(
            self.subject, durable=self.durable, stream=self.stream, config=self.config
        )
