"""The one inbox consumer: every JetStream message the platform acts on, applied once.

`InboxConsumer.handle` takes a fetched batch (the handler of a `messaging.PullConsumer`)
and runs it through the caller's hooks in phases:

1. decode: bytes -> protobuf message. A message that cannot be decoded (DecodeError, or
   `Undecodable` raised by the hook for a message it cannot act on) or that holds a NUL
   character in a string field is terminated at once: JetStream's MSG_TERMINATED advisory
   makes it a dead letter (`plumbing.dead_letters`). Every delivery would fail the same way,
   so it is a bug to look at, not to retry.
2. prepare (optional), OUTSIDE any transaction, for the messages not yet in the inbox: work
   that must not hold a transaction open, e.g. payments' card provider call. It may answer
   `Later(seconds)`: the message is fine but cannot be finished yet (a cancelled session
   whose bookings are still settling); it is naked with that delay, which is no failure.
3. apply, INSIDE one transaction together with the inbox row: a message id already in the
   inbox (a redelivery whose effect committed) is skipped (a consumer built with
   `inbox=None` has no inbox row: its effect is idempotent by itself, e.g. inserts keyed by
   the message's own id ON CONFLICT DO NOTHING, so a redelivery applies again and changes
   nothing, a statement cheaper than an inbox row); otherwise `apply` acts and
   answers the reply, which goes through the outbox in the same transaction with the
   message id `<message id>:reply` (the business key per saga step is the participant's
   own: a re-sent command has a new message id), or `NO_REPLY_YET` when someone else
   replies later (payments waiting on a webhook). A consumer without `reply_subject`
   answers None.
4. settle: a message is acked only after its transaction committed. One whose prepare or
   apply raised is naked by the one `messaging.RetryPolicy` (a capped exponential delay by
   delivery count); after `max_deliver` deliveries JetStream gives up and it becomes a dead
   letter.

Failpoints (`plumbing.failpoints`, names the fault suite arms): `consumer.before_transaction`
before a message's prepare and transaction, `consumer.after_effect_before_commit` inside the
transaction after a new message's effect (and its reply, when it is applied alone),
`consumer.after_commit_before_ack`.

The apply phase, `_apply_all`, is set-based: the new messages of a fetched batch share
transactions of up to `transaction_batch` messages (CONSUMER_TRANSACTION_BATCH, 32): the
group's inbox rows in one statement (the ids it returns are the messages to apply: a
redelivery's row is there already), each new message's effect in turn, and the group's replies
in one statement, all in one transaction, in the order of `order_key` (the row a message locks
first, e.g. the customer whose account a wallet step takes; ties keep the arrival order), so
two replicas' batches take their locks in the same order instead of deadlocking. One BEGIN and
one COMMIT (one wait on the disk) serve the whole group, which is most of a step's cost at
load. When any message of the group raises, the group's transaction is rolled back whole and
its messages are applied again one by one, each in its own transaction (at most `concurrency`
at once), so only the failing message is naked; the others commit as they would have alone. A
lone message takes the one-by-one path at once.

A consumer whose effect needs no reply and no answer back from the database (the gateway's
copy of audit entries, its store of booking events) may give `apply_many` too: the group's new
messages are then applied by one call, which sends them together (SQLAlchemy's executemany,
which psycopg sends as one pipeline), one round trip where there were as many as messages;
a message applied alone still goes through `apply`.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from google.protobuf.message import DecodeError, Message
from nats.aio.msg import Msg
from opentelemetry import trace
from opentelemetry.trace import Span
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from plumbing.db import Database, one_of
from plumbing.failpoints import failpoint
from plumbing.messaging import DEFAULT_RETRY, RetryPolicy, delivery_count, nak_later
from plumbing.outbox import Outbox, OutboxRow, outbox_row, record_all_in_inbox, record_in_inbox
from plumbing.telemetry import extract_trace_context
from plumbing.validation import nul_field

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

M = TypeVar("M", bound=Message)
P = TypeVar("P")

# How many messages are applied at once, each in its own transaction, when they are applied
# one by one (a lone message, or the fallback of a group that failed).
CONCURRENT_MESSAGES = int(os.environ.get("CONSUMER_CONCURRENCY", "16"))
# How many messages of a fetched batch share one transaction (1: each message its own).
TRANSACTION_BATCH = int(os.environ.get("CONSUMER_TRANSACTION_BATCH", "32"))


class Undecodable(Exception):
    """Raised by a decode hook for a message it can never act on: terminated, a dead letter."""


@dataclass(frozen=True)
class Later:
    """A prepare hook's answer for a message that is fine but not ready: nak it with `seconds`."""

    seconds: float


class NoReplyYet:
    """The type of NO_REPLY_YET."""

    def __repr__(self) -> str:
        return "NO_REPLY_YET"


# An apply hook's answer when the reply is written later by someone else (a webhook).
NO_REPLY_YET = NoReplyYet()

Reply = Message | NoReplyYet | None


def message_id_of(msg: Msg) -> str:
    """The publisher's `Nats-Msg-Id`, else the stream position (unique, stable across deliveries)."""
    headers = msg.headers or {}
    return headers.get("Nats-Msg-Id") or f"{msg.metadata.stream}:{msg.metadata.sequence.stream}"


@dataclass
class Delivery(Generic[M, P]):
    """One decoded message on its way through the phases."""

    msg: Msg
    message: M
    message_id: str
    span: Span
    # What prepare answered; None for a consumer without a prepare step.
    prepared: P = None  # type: ignore[assignment]
    committed: bool = False
    failed: bool = False
    later: Later | None = None

    @property
    def subject(self) -> str:
        return self.msg.subject

    @property
    def delivered(self) -> int:
        """This delivery's number (1 for the first)."""
        return delivery_count(self.msg)


Decode = Callable[[bytes], M]
Prepare = Callable[[Delivery[M, P]], Awaitable[P | Later]]
Apply = Callable[[AsyncConnection, Delivery[M, P]], Awaitable[Reply]]
ApplyMany = Callable[[AsyncConnection, Sequence[Delivery[M, P]]], Awaitable[None]]


class InboxConsumer(Generic[M, P]):
    """Applies each message of a batch once: decode, prepare, apply with the inbox row, reply, ack."""

    def __init__(
        self,
        *,
        name: str,
        db: Database,
        inbox: Table | None,
        decode: Decode[M],
        apply: Apply[M, P],
        prepare: Prepare[M, P] | None = None,
        outbox: Outbox | None = None,
        reply_subject: str | None = None,
        span_name: Callable[[M], str] | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        concurrency: int = CONCURRENT_MESSAGES,
        transaction_batch: int = TRANSACTION_BATCH,
        order_key: Callable[[M], str] | None = None,
        apply_many: ApplyMany[M, P] | None = None,
    ) -> None:
        if apply_many is not None and reply_subject is not None:
            raise ValueError("apply_many is for effects without a reply")
        if reply_subject is not None and outbox is None:
            raise ValueError("a consumer that replies needs the outbox its replies go through")
        if inbox is None and (reply_subject is not None or prepare is not None):
            raise ValueError(
                "only a consumer with an idempotent effect and no reply or prepare goes without an inbox"
            )
        self.name = name
        self.db = db
        self.inbox = inbox
        self.decode = decode
        self.apply = apply
        self.prepare = prepare
        self.outbox = outbox
        self.reply_subject = reply_subject
        self.span_name = span_name
        self.retry = retry
        self.concurrency = max(1, concurrency)
        self.transaction_batch = max(1, transaction_batch)
        self.order_key = order_key
        self.apply_many = apply_many
        self._seen = (
            select(inbox.c.message_id).where(one_of(inbox.c.message_id, "ids")) if inbox is not None else None
        )

    async def handle(self, messages: list[Msg]) -> None:
        """The PullConsumer handler: one fetched batch, every message settled when it returns."""
        deliveries = [d for d in [await self._decoded(msg) for msg in messages] if d is not None]
        try:
            for delivery in deliveries:
                with trace.use_span(delivery.span, end_on_exit=False):
                    failpoint("consumer.before_transaction")
            pending = await self._prepare_all(deliveries) if self.prepare is not None else deliveries
            await self._apply_all(pending)
        finally:
            await self._settle(deliveries)
        if self.outbox is not None and any(d.committed for d in deliveries):
            self.outbox.wake()

    # -- decode -----------------------------------------------------------------------------

    async def _decoded(self, msg: Msg) -> Delivery[M, P] | None:
        try:
            message = self.decode(msg.data)
        except (DecodeError, Undecodable) as error:
            log.error("%s: dead-lettering an undecodable message on %s (%s)", self.name, msg.subject, error)
            await msg.term()
            return None
        field_path = nul_field(message)
        if field_path is not None:
            # PostgreSQL cannot store it; our own services never send one.
            log.error(
                "%s: dead-lettering %s: field %s holds a NUL character", self.name, msg.subject, field_path
            )
            await msg.term()
            return None
        name = self.span_name(message) if self.span_name is not None else f"consume {msg.subject}"
        span = tracer.start_span(name, context=extract_trace_context(msg.headers))
        return Delivery(msg=msg, message=message, message_id=message_id_of(msg), span=span)

    # -- prepare (outside any transaction) ----------------------------------------------------

    async def _prepare_all(self, deliveries: list[Delivery[M, P]]) -> list[Delivery[M, P]]:
        """The deliveries to apply: those new to the inbox whose prepare step succeeded."""
        if not deliveries:
            return []
        try:
            seen = await self._already_in_inbox([d.message_id for d in deliveries])
        except Exception:
            log.exception("%s: cannot read the inbox; redelivering the batch", self.name)
            for delivery in deliveries:
                delivery.failed = True
            return []
        fresh = []
        for delivery in deliveries:
            if delivery.message_id in seen:
                delivery.committed = True  # applied by an earlier delivery: only the ack is left
            else:
                fresh.append(delivery)
        await _at_most(self.concurrency, fresh, self._prepare_one)
        return [d for d in fresh if not d.failed and d.later is None]

    async def _already_in_inbox(self, message_ids: Sequence[str]) -> set[str]:
        async with self.db.transaction() as conn:
            assert self._seen is not None, "only a consumer with an inbox prepares"
            rows = await conn.execute(self._seen, {"ids": list(message_ids)})
            return {row.message_id for row in rows}

    async def _prepare_one(self, delivery: Delivery[M, P]) -> None:
        assert self.prepare is not None
        with trace.use_span(delivery.span, end_on_exit=False):
            try:
                prepared = await self.prepare(delivery)
            except Exception:
                log.exception("%s: message %s failed before its transaction", self.name, delivery.message_id)
                delivery.failed = True
                return
        if isinstance(prepared, Later):
            delivery.later = prepared
        else:
            delivery.prepared = prepared

    # -- apply (inside the inbox transaction) -------------------------------------------------

    async def _apply_all(self, deliveries: list[Delivery[M, P]]) -> None:
        if self.order_key is not None:
            key = self.order_key
            deliveries = sorted(deliveries, key=lambda delivery: key(delivery.message))
        size = self.transaction_batch
        for start in range(0, len(deliveries), size):
            group = deliveries[start : start + size]
            if len(group) == 1 or not await self._apply_together(group):
                await _at_most(self.concurrency, group, self._apply_alone)

    async def _apply_together(self, group: list[Delivery[M, P]]) -> bool:
        """Applies the group in one transaction; False (nothing of it committed) when any
        message raised, so the caller applies them one by one. The group's inbox rows are one
        statement before the effects, its replies one statement after them."""
        try:
            async with self.db.transaction() as conn:
                new = await self._record_all_in_inbox(conn, group)
                replies: list[OutboxRow] = []
                together: list[Delivery[M, P]] = []
                for delivery in group:
                    if delivery.message_id not in new:
                        continue  # a redelivery (its effect and reply committed), or twice in the group
                    new.discard(delivery.message_id)
                    if self.apply_many is not None:
                        together.append(delivery)
                        continue
                    with trace.use_span(delivery.span, end_on_exit=False):
                        reply = await self._effect(conn, delivery)
                        if reply is not None:
                            replies.append(reply)
                        failpoint("consumer.after_effect_before_commit")
                if together:
                    assert self.apply_many is not None
                    await self.apply_many(conn, together)
                    failpoint("consumer.after_effect_before_commit")
                if replies:
                    assert self.outbox is not None
                    await self.outbox.add_all(conn, replies)
        except Exception as error:
            log.warning(
                "%s: a group of %d messages failed (%s: %s); applying them one by one",
                self.name,
                len(group),
                type(error).__name__,
                error,
            )
            return False
        for delivery in group:
            delivery.committed = True
        return True

    async def _record_all_in_inbox(self, conn: AsyncConnection, group: list[Delivery[M, P]]) -> set[str]:
        """The message ids of the group to apply: new to the inbox (all of them without one)."""
        if self.inbox is None:
            return {delivery.message_id for delivery in group}
        return await record_all_in_inbox(conn, self.inbox, [(d.message_id, d.subject) for d in group])

    async def _apply_alone(self, delivery: Delivery[M, P]) -> None:
        """Applies one delivery in a transaction of its own."""
        with trace.use_span(delivery.span, end_on_exit=False):
            try:
                async with self.db.transaction() as conn:
                    await self._apply_in(conn, delivery)
            except Exception:
                log.exception("%s: message %s failed; redelivering", self.name, delivery.message_id)
                delivery.failed = True
                return
        delivery.committed = True

    async def _apply_in(self, conn: AsyncConnection, delivery: Delivery[M, P]) -> None:
        """The inbox row, the effect and the reply, in the caller's transaction."""
        if self.inbox is not None and not await record_in_inbox(
            conn, self.inbox, delivery.message_id, delivery.subject
        ):
            return  # a redelivery: its effect (and reply) committed with its inbox row
        reply = await self._effect(conn, delivery)
        if reply is not None:
            assert self.outbox is not None
            await self.outbox.add_all(conn, [reply])
        failpoint("consumer.after_effect_before_commit")

    async def _effect(self, conn: AsyncConnection, delivery: Delivery[M, P]) -> OutboxRow | None:
        """The message's effect; its reply's outbox row (id `<message id>:reply`) to write, if any."""
        reply = await self.apply(conn, delivery)
        if self.reply_subject is None:
            if reply is not None:
                raise TypeError(f"{self.name}: apply answered a reply but the consumer has no reply subject")
            return None
        if reply is None:
            raise TypeError(f"{self.name}: apply answered no reply; NO_REPLY_YET says a later one")
        if isinstance(reply, Message):
            return outbox_row(self.reply_subject, reply, message_id=f"{delivery.message_id}:reply")
        return None  # NO_REPLY_YET

    # -- settle -------------------------------------------------------------------------------

    async def _settle(self, deliveries: list[Delivery[M, P]]) -> None:
        for delivery in deliveries:
            try:
                if delivery.committed:
                    failpoint("consumer.after_commit_before_ack")
                    await delivery.msg.ack()
                elif delivery.later is not None:
                    await delivery.msg.nak(delay=delivery.later.seconds)
                else:  # failed, or never reached (the batch was cut short)
                    await nak_later(delivery.msg, self.retry)
            except Exception as error:  # NATS gone: redelivered after the ack wait, the inbox skips it
                log.warning("%s: cannot settle %s (%s)", self.name, delivery.message_id, error)
            finally:
                delivery.span.end()


async def _at_most(
    limit: int, deliveries: Sequence[Delivery[M, P]], each: Callable[[Delivery[M, P]], Awaitable[None]]
) -> None:
    """Runs `each` over the deliveries, at most `limit` at a time."""
    gate = asyncio.Semaphore(limit)

    async def one(delivery: Delivery[M, P]) -> None:
        async with gate:
            await each(delivery)

    await asyncio.gather(*(one(delivery) for delivery in deliveries))
