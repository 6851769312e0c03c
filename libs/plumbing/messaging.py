"""NATS JetStream: connection, streams, a batched pull consumer loop and its retry policy.

`PullConsumer` is shared by every replica of a service (one durable consumer, messages
spread over the replicas) and hands each fetched batch to its handler, in practice a
`plumbing.inbox_consumer.InboxConsumer`; a failed message is naked by `RetryPolicy`; what
is given up lands in the DLQ (`plumbing.dead_letters`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from plumbing.metrics import observe_fetch

log = logging.getLogger(__name__)

# The booking saga: commands on saga.cmd.<participant>, replies on saga.reply.<orchestrator>.
SAGA_STREAM = "SAGA"
SAGA_SUBJECTS = ["saga.>"]


# A booking's status changes, published by bookings through its outbox on
# bookings.events.<status in lower case> (payload google.protobuf.Struct: booking_id,
# company_id, customer_id, status, reject_reason, occurred_at); the message id is the event id.
BOOKING_EVENTS_STREAM = "BOOKING_EVENTS"
BOOKING_EVENTS_SUBJECTS = ["bookings.events.>"]


def booking_event_subject(status: str) -> str:
    return f"bookings.events.{status.lower()}"


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


class StreamReplicasError(RuntimeError):
    """An existing stream keeps fewer copies than NATS_STREAM_REPLICAS asks for: the service
    refuses to start rather than run on a stream that a lost node would take down."""


def configured_replicas(environ: Mapping[str, str] | None = None) -> int:
    """NATS_STREAM_REPLICAS (1 by default; 3 on the 3-node JetStream cluster of deploy/)."""
    value = (environ if environ is not None else os.environ).get("NATS_STREAM_REPLICAS", "").strip()
    replicas = int(value) if value else 1
    if not 1 <= replicas <= 5:  # JetStream's own bounds
        raise ValueError(f"NATS_STREAM_REPLICAS must be 1 to 5, not {value!r}")
    return replicas


def check_replicas(name: str, existing: int, wanted: int) -> None:
    """Refuses a stream with fewer replicas than wanted; more than wanted is fine (kept)."""
    if existing < wanted:
        raise StreamReplicasError(
            f"JetStream stream {name} has {existing} replica(s), fewer than the"
            f" {wanted} NATS_STREAM_REPLICAS asks for: refusing to start on it. Raise it"
            f" (`nats stream edit {name} --replicas {wanted}`, on a cluster of {wanted}+"
            " JetStream nodes) or lower NATS_STREAM_REPLICAS."
        )


# JetStream's API answers within 5 s or the call times out: a server just restarted, or a
# machine busy elsewhere, can take longer once. The set-up is idempotent, so it is asked again
# (a timed-out create that did happen is found by the next attempt's stream_info).
STREAM_SETUP_ATTEMPTS = 3


async def ensure_stream_config(js: JetStreamContext, config: StreamConfig) -> None:
    """Creates the stream, or brings an existing one's settings up to date keeping its
    replica count; refuses (StreamReplicasError) one with fewer replicas than
    `config.num_replicas`. Safe from every replica of a service at once. A JetStream call that
    times out is tried again, STREAM_SETUP_ATTEMPTS times in all."""
    for attempt in range(1, STREAM_SETUP_ATTEMPTS + 1):
        try:
            await _ensure_stream_config_once(js, config)
            return
        except NatsTimeoutError:
            if attempt == STREAM_SETUP_ATTEMPTS:
                raise
            log.warning(
                "JetStream did not answer setting up stream %s (attempt %d of %d); asking again",
                config.name,
                attempt,
                STREAM_SETUP_ATTEMPTS,
            )


async def _ensure_stream_config_once(js: JetStreamContext, config: StreamConfig) -> None:
    wanted = config.num_replicas or 1
    name = str(config.name)
    try:
        info = await js.stream_info(name)
    except NotFoundError:
        try:
            # A standalone server may create fewer replicas than asked: checked below too.
            info = await js.add_stream(config)
        except BadRequestError:  # another replica created it meanwhile
            info = await js.stream_info(name)
        else:
            check_replicas(name, info.config.num_replicas or 1, wanted)
            return
    existing = info.config.num_replicas or 1
    check_replicas(name, existing, wanted)
    await js.update_stream(replace(config, num_replicas=existing))


async def ensure_stream(
    js: JetStreamContext, name: str, subjects: Sequence[str], *, replicas: int | None = None
) -> None:
    """Creates the stream or brings its subjects up to date; safe from every replica.

    `replicas` (default NATS_STREAM_REPLICAS): 3 on a JetStream cluster (deploy/), so a
    stream survives losing a node. An existing stream with fewer replicas is refused
    (StreamReplicasError), so a service does not start on a stream a lost node would stop.
    """
    await ensure_stream_config(
        js,
        StreamConfig(
            name=name,
            subjects=list(subjects),
            max_age=7 * 24 * 3600,
            duplicate_window=120,
            num_replicas=configured_replicas() if replicas is None else replicas,
        ),
    )


Handler = Callable[[list[Msg]], Awaitable[None]]


# How long a consumer waits for an ack before redelivering: a crashed or stalled worker's
# messages come back after 30 s. One entry, a plain ack wait, on purpose: with a JetStream
# `backoff` list, nats-server 2.15 honours `nak(delay=)` only on the first nak and then
# waits for the backoff step, so our growing nak delays (below) would stretch to minutes.
# NATS_CONSUMER_BACKOFF="30,60,120" still sets a list for deployments that prefer it.
DEFAULT_BACKOFF: tuple[float, ...] = (30.0,)


def default_backoff() -> tuple[float, ...]:
    """DEFAULT_BACKOFF, or the seconds listed in NATS_CONSUMER_BACKOFF (comma-separated)."""
    configured = os.environ.get("NATS_CONSUMER_BACKOFF", "").strip()
    if not configured:
        return DEFAULT_BACKOFF
    return tuple(float(item) for item in configured.split(",") if item.strip())


def delivery_count(msg: Msg) -> int:
    """How many times JetStream has delivered this message, this delivery included."""
    try:
        return max(1, int(msg.metadata.num_delivered or 1))
    except Exception:  # not a JetStream message (a plain NATS reply in tests)
        return 1


@dataclass(frozen=True)
class RetryPolicy:
    """The one retry policy of every consumer for a message that failed (its handler raised).

    The n-th failed delivery is naked with `first * 2**(n-1)` seconds, capped at `cap`
    (1, 2, 4, 8, 16, 32, 60, 60, ... s by default): a passing fault (a lock timeout, a
    restarting database) is retried at once, a lasting one costs little. After the
    consumer's `max_deliver` deliveries (20: about 14 minutes) JetStream gives up and
    `plumbing.dead_letters` keeps the message as a dead letter.
    """

    first: float = 1.0
    cap: float = 60.0

    def delay(self, delivered: int) -> float:
        # The exponent is bounded so a huge delivery count cannot overflow the float.
        return min(self.cap, self.first * 2.0 ** min(max(delivered, 1) - 1, 32))


DEFAULT_RETRY = RetryPolicy()


async def nak_later(msg: Msg, retry: RetryPolicy = DEFAULT_RETRY) -> None:
    """Naks a failed message with the policy's delay unless it was already acked/naked/termed."""
    if msg.is_acked:
        return
    try:
        await msg.nak(delay=retry.delay(delivery_count(msg)))
    except Exception:  # connection gone: the server redelivers after the ack wait anyway
        log.warning("could not nak %s; it will be redelivered after its ack wait", msg.subject)


class PullConsumer:
    """A durable pull consumer shared by every replica of a service.

    Fetches up to `batch` messages and hands them to the handler, which acks each one
    after its transaction commits. JetStream redelivers what is not acked within
    `backoff[n-1]` of the n-th delivery (`backoff` replaces `ack_wait`; its first entry is
    the ack wait; `NATS_CONSUMER_BACKOFF="30,60,120"` sets the default). When the handler
    raises, every message of the batch it left unacked is naked by `retry` (the policy
    `plumbing.inbox_consumer` applies to one failed message). After `max_deliver`
    deliveries the server gives up and publishes a MAX_DELIVERIES advisory, which
    `plumbing.dead_letters` turns into a dead letter.
    The configuration applies when the durable is created; an existing durable is used as
    it is (`nats consumer edit` or deleting it applies a new one).
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
        ack_wait_seconds: float | None = None,
        max_deliver: int = 20,
        backoff: Sequence[float] | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        self.js = js
        self.stream = stream
        self.durable = durable
        self.subject = subject
        self.handler = handler
        self.batch = batch
        self.max_deliver = max_deliver
        self.retry = retry
        if backoff is None:
            # An explicit ack wait without a backoff keeps the old fixed ack wait.
            backoff = default_backoff() if ack_wait_seconds is None else (ack_wait_seconds,)
        steps = list(backoff)
        if max_deliver > 0:
            steps = steps[: max(1, max_deliver - 1)]  # the server wants max_deliver > len(backoff)
        self.backoff = steps
        self.config = ConsumerConfig(
            durable_name=durable,
            name=durable,
            filter_subject=subject,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=steps[0],
            # One entry is a plain ack wait; JetStream only accepts a backoff shorter than max_deliver.
            backoff=steps if len(steps) > 1 else None,
            max_deliver=max_deliver,
            max_ack_pending=10_000,
        )

    async def run_forever(self) -> None:
        subscription = await self._subscribe_until_done()
        while True:
            _stop_if_cancelled()
            try:
                messages = await subscription.fetch(self.batch, timeout=1.0)
            except (NatsTimeoutError, TimeoutError):
                continue
            except NotFoundError:
                # The consumer was deleted under us (stream re-created): re-create it.
                subscription = await self._resubscribe(subscription)
                continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("fetch from %s failed (%s); retrying", self.durable, _brief(sys.exc_info()[1]))
                await asyncio.sleep(1.0)
                subscription = await self._resubscribe(subscription)
                continue
            observe_fetch(self.durable, messages)
            try:
                await self.handler(messages)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("handler of %s failed; its unacked messages will be redelivered", self.durable)
                for msg in messages:
                    await nak_later(msg, self.retry)

    async def _resubscribe(self, old: JetStreamContext.PullSubscription) -> JetStreamContext.PullSubscription:
        """A fresh subscription, the old one closed first: each one holds an inbox
        subscription on the connection, which nats-py would otherwise keep (and re-send to
        the server after every reconnect) for as long as the connection lives."""
        try:
            await old.unsubscribe()
        except Exception as error:  # already closed, or the connection is gone with it
            log.debug("closing the old subscription of %s: %s", self.durable, _brief(error))
        return await self._subscribe_until_done()

    async def _subscribe_until_done(self) -> JetStreamContext.PullSubscription:
        """Subscribes, retrying while NATS is unreachable: a consumer loop must outlive an
        outage of any length, not end on the first failed attempt."""
        delay = 0.5
        while True:
            _stop_if_cancelled()
            try:
                return await self._subscribe()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("cannot bind consumer %s yet (%s); retrying", self.durable, _brief(error))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
        # Creates the durable when missing; an existing one is bound as it is (its
        # configuration may have been set on purpose, e.g. a short ack wait in fault tests).
        return await self.js.pull_subscribe(
            self.subject, durable=self.durable, stream=self.stream, config=self.config
        )


def _stop_if_cancelled() -> None:
    """Ends a consumer loop whose task was asked to stop even when the cancellation was lost
    on the way: Python 3.11's `asyncio.wait_for` (inside nats-py's fetch and requests) can
    return a result that raced the cancel, and a handler may catch it. The task's pending
    cancellation count survives that, so a stop (SIGTERM) never waits on the loop forever."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def _brief(error: BaseException | None) -> str:
    """An exception as one short line for a warning (an outage repeats it every second)."""
    return f"{type(error).__name__}: {error}" if error is not None else "unknown error"
