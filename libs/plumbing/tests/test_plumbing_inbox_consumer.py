"""plumbing.inbox_consumer on a real NATS JetStream and a real PostgreSQL: each message applied
once with its inbox row and its reply, a duplicate skipped, a re-sent message answered by the
recorded decision, failures naked by the one retry policy and dead-lettered after max_deliver,
a step outside the transaction, no reply yet, and a batch with one failing message."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Column, MetaData, Table, Text, event, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.ops.v1 import dead_letters_pb2
from bookingplatform.saga.v1 import saga_pb2
from plumbing import messaging
from plumbing.db import Database
from plumbing.dead_letters import DeadLetters
from plumbing.inbox_consumer import NO_REPLY_YET, Delivery, InboxConsumer, Later
from plumbing.outbox import Outbox, inbox_table, outbox_table
from plumbing.testing import eventually

pytestmark = pytest.mark.integration

Command = saga_pb2.StepCommand
Reply = saga_pb2.StepReply


@dataclass
class Scratch:
    """A schema of its own: inbox, outbox and an effects table keyed by a business key."""

    db: Database
    schema: str
    inbox: Table
    outbox: Table
    effects: Table

    async def count(self, table: Table) -> int:
        async with self.db.transaction() as conn:
            return int(await conn.scalar(select(func.count()).select_from(table)) or 0)

    async def replies(self) -> list[Reply]:
        async with self.db.transaction() as conn:
            rows = await conn.execute(select(self.outbox.c.payload).order_by(self.outbox.c.created_at))
            return [Reply.FromString(row.payload) for row in rows]


@pytest.fixture
async def scratch(database_url) -> AsyncIterator[Scratch]:
    schema = f"inbox_{uuid.uuid4().hex[:8]}"
    metadata = MetaData(schema=schema)
    effects = Table("effects", metadata, Column("key", Text, primary_key=True), Column("decision", Text))
    tables = Scratch(
        Database(database_url, pool_size=4), schema, inbox_table(metadata), outbox_table(metadata), effects
    )
    async with tables.db.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(metadata.create_all)
    try:
        yield tables
    finally:
        async with tables.db.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await tables.db.close()


@dataclass
class Participant:
    """Hooks of a participant keyed by (saga_id, action), like the wallet's business key."""

    scratch: Scratch
    fail_first: set[str] = field(default_factory=set)  # saga ids whose first applies raise
    fail_calls: int = 1  # how many of their first applies raise
    deliveries: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    prepared: list[str] = field(default_factory=list)
    transactions: dict[str, list[int]] = field(default_factory=dict)  # the txids of the applies

    async def apply(self, conn: AsyncConnection, delivery: Delivery[Command, str | None]) -> Reply:
        command = delivery.message
        self.deliveries.setdefault(command.saga_id, []).append((delivery.delivered, time.monotonic()))
        if command.saga_id in self.fail_first and len(self.deliveries[command.saga_id]) <= self.fail_calls:
            raise RuntimeError("a passing fault")
        self.transactions.setdefault(command.saga_id, []).append(
            int(await conn.scalar(text("SELECT txid_current()")))
        )
        key = f"{command.saga_id}:{command.action}"
        decision = delivery.prepared or f"decided by {delivery.message_id}"
        inserted = await conn.scalar(
            insert(self.scratch.effects)
            .values(key=key, decision=decision)
            .on_conflict_do_nothing()
            .returning(self.scratch.effects.c.key)
        )
        if inserted is None:  # a re-sent command: answer what was decided
            decision = await conn.scalar(
                select(self.scratch.effects.c.decision).where(self.scratch.effects.c.key == key)
            )
        return Reply(saga_id=command.saga_id, reference=decision)


async def running(
    nats_url: str,
    scratch: Scratch,
    handler,
    *,
    max_deliver: int = 20,
    ack_wait: float | None = None,
    published_first: list[str] = (),  # type: ignore[assignment]
) -> tuple[messaging.JetStreamContext, str, asyncio.Task[None], messaging.PullConsumer, DeadLetters]:
    """The consumer running on a stream of its own; `published_first`: saga ids whose commands
    are in the stream before the consumer's first fetch (one batch)."""
    tag = uuid.uuid4().hex[:8]
    handle = handler.handle if isinstance(handler, InboxConsumer) else handler
    nc = await messaging.connect(nats_url, f"inbox-test-{tag}")
    js = nc.jetstream()
    stream, subject = f"I{tag}", f"i{tag}.cmd"
    await messaging.ensure_stream(js, stream, [subject, f"i{tag}.reply"])
    for saga in published_first:
        await js.publish(subject, Command(saga_id=saga).SerializeToString(), headers={"Nats-Msg-Id": saga})
    pull = messaging.PullConsumer(
        js,
        stream=stream,
        durable=f"c{tag}",
        subject=subject,
        handler=handle,
        max_deliver=max_deliver,
        ack_wait_seconds=ack_wait,
    )
    dead_letters = DeadLetters(f"svc{tag}")
    await dead_letters.bind(js)

    async def loops() -> None:
        try:
            await asyncio.gather(pull.run_forever(), dead_letters.watch([pull]))
        finally:
            await nc.close()

    return js, subject, asyncio.create_task(loops()), pull, dead_letters


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def step_consumer(scratch: Scratch, participant: Participant, **hooks) -> InboxConsumer:
    return InboxConsumer(
        name="test",
        db=scratch.db,
        inbox=scratch.inbox,
        decode=Command.FromString,
        apply=participant.apply,
        outbox=Outbox(scratch.outbox),
        reply_subject="test.reply",
        **hooks,
    )


async def acked(js, pull: messaging.PullConsumer) -> bool:
    info = await js.consumer_info(pull.stream, pull.durable)
    return info.num_pending == 0 and info.num_ack_pending == 0


async def test_a_duplicate_is_skipped_and_a_resent_command_gets_the_recorded_decision(nats_url, scratch):
    participant = Participant(scratch)
    consumer = step_consumer(scratch, participant)
    batches: list[int] = []
    js, subject, task, pull, _ = await running(
        nats_url, scratch, ack_lost_the_first_time(consumer, batches), ack_wait=1.0
    )
    try:
        saga = str(uuid.uuid4())
        command = Command(saga_id=saga, action=saga_pb2.STEP_ACTION_EXECUTE).SerializeToString()
        await js.publish(subject, command, headers={"Nats-Msg-Id": "first"})
        await eventually(lambda: len(batches) >= 2, message="never redelivered")
        await eventually(lambda: acked(js, pull))
        assert len(participant.deliveries[saga]) == 1  # the redelivery never reached apply
        assert await scratch.count(scratch.effects) == 1
        assert await scratch.count(scratch.outbox) == 1

        # Re-sent by the orchestrator under a new message id: applied, the recorded decision.
        await js.publish(subject, command, headers={"Nats-Msg-Id": "re-sent"})
        await eventually(lambda: len(participant.deliveries[saga]) == 2)
        await eventually(lambda: acked(js, pull))
        replies = await scratch.replies()
        assert await scratch.count(scratch.effects) == 1
        assert await scratch.count(scratch.inbox) == 2
        assert [r.reference for r in replies] == ["decided by first", "decided by first"]
    finally:
        await stop(task)


async def _lost_ack(*args, **kwargs) -> None:
    return None


def ack_lost_the_first_time(consumer: InboxConsumer, batches: list[int]):
    """The consumer's handler, but the first batch's acks are lost: as if the process died
    after commit, before its ack, so JetStream redelivers the same messages (same message ids)
    after the ack wait. `batches` records each batch's size."""

    async def handle(messages):
        if not batches:
            for msg in messages:
                msg.ack = _lost_ack
        batches.append(len(messages))
        await consumer.handle(messages)

    return handle


def nak_instead_of_the_first_ack(consumer: InboxConsumer, batches: list[int]):
    """Like `ack_lost_the_first_time`, but the first batch's acks are naks: JetStream
    redelivers the committed messages (same message ids) at once instead of after the ack
    wait, so the consumer can keep a long ack wait and a slow machine sees the same
    deliveries, no more. `batches` records each batch's size."""

    async def handle(messages):
        if not batches:
            for msg in messages:
                msg.ack = msg.nak
        batches.append(len(messages))
        await consumer.handle(messages)

    return handle


async def test_a_message_id_already_in_the_inbox_is_only_acked(nats_url, scratch):
    participant = Participant(scratch)
    js, subject, task, pull, _ = await running(nats_url, scratch, step_consumer(scratch, participant))
    try:
        saga = str(uuid.uuid4())
        async with scratch.db.transaction() as conn:  # applied before, by an earlier delivery
            await conn.execute(insert(scratch.inbox).values(message_id="seen", subject=subject))
        await js.publish(subject, Command(saga_id=saga).SerializeToString(), headers={"Nats-Msg-Id": "seen"})
        await eventually(lambda: acked(js, pull))
        assert saga not in participant.deliveries
        assert await scratch.count(scratch.outbox) == 0
    finally:
        await stop(task)


async def test_a_failed_message_is_naked_with_the_policy_delay_and_applied_on_redelivery(nats_url, scratch):
    saga = str(uuid.uuid4())
    participant = Participant(scratch, fail_first={saga})
    js, subject, task, pull, _ = await running(nats_url, scratch, step_consumer(scratch, participant))
    try:
        await js.publish(subject, Command(saga_id=saga).SerializeToString(), headers={"Nats-Msg-Id": saga})
        await eventually(lambda: scratch.count(scratch.effects))
        (first, failed_at), (second, applied_at) = participant.deliveries[saga]
        assert (first, second) == (1, 2)
        # Redelivered no sooner than the policy's delay for a first failure (1 s), long
        # before the 30 s ack wait.
        assert applied_at - failed_at >= messaging.DEFAULT_RETRY.delay(1) * 0.9
        assert await scratch.count(scratch.inbox) == 1  # the failed attempt left nothing
        await eventually(lambda: acked(js, pull))
    finally:
        await stop(task)


def test_the_retry_delay_doubles_by_delivery_up_to_its_cap() -> None:
    policy = messaging.RetryPolicy(first=1.0, cap=60.0)
    assert [policy.delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert policy.delay(10_000) == 60


async def test_a_message_that_keeps_failing_is_dead_lettered_after_max_deliver(nats_url, scratch):
    class Broken(Participant):
        async def apply(self, conn, delivery):
            self.deliveries.setdefault(delivery.message.saga_id, []).append((delivery.delivered, 0.0))
            raise RuntimeError("a bug")

    participant = Broken(scratch)
    consumer = step_consumer(scratch, participant, retry=messaging.RetryPolicy(first=0.1, cap=0.2))
    js, subject, task, _pull, dead_letters = await running(nats_url, scratch, consumer, max_deliver=3)
    try:
        saga = str(uuid.uuid4())
        await js.publish(subject, Command(saga_id=saga).SerializeToString(), headers={"Nats-Msg-Id": saga})

        async def letters() -> list[dead_letters_pb2.DeadLetter]:
            return list((await dead_letters.list_page(10, "")).dead_letters)

        [letter] = await eventually(letters, message="never dead-lettered")
        assert letter.reason == dead_letters_pb2.DEAD_LETTER_REASON_MAX_DELIVERIES
        assert letter.deliveries == 3
        assert [n for n, _ in participant.deliveries[saga]] == [1, 2, 3]
        assert await scratch.count(scratch.inbox) == 0
    finally:
        await stop(task)


async def test_an_undecodable_message_is_dead_lettered_at_once(nats_url, scratch):
    participant = Participant(scratch)
    js, subject, task, _pull, dead_letters = await running(
        nats_url, scratch, step_consumer(scratch, participant)
    )
    try:
        await js.publish(subject, b"\xff\xff not a protobuf", headers={"Nats-Msg-Id": "garbage"})

        async def letters() -> list[dead_letters_pb2.DeadLetter]:
            return list((await dead_letters.list_page(10, "")).dead_letters)

        [letter] = await eventually(letters, message="never dead-lettered")
        assert letter.reason == dead_letters_pb2.DEAD_LETTER_REASON_TERMINATED
        assert letter.deliveries == 1
        assert participant.deliveries == {}
    finally:
        await stop(task)


async def test_no_reply_yet_records_the_message_and_writes_no_reply(nats_url, scratch):
    applied: list[str] = []

    async def apply(conn, delivery):
        applied.append(delivery.message.saga_id)
        return NO_REPLY_YET

    consumer = InboxConsumer(
        name="test",
        db=scratch.db,
        inbox=scratch.inbox,
        decode=Command.FromString,
        apply=apply,
        outbox=Outbox(scratch.outbox),
        reply_subject="test.reply",
    )
    js, subject, task, pull, _ = await running(nats_url, scratch, consumer)
    try:
        saga = str(uuid.uuid4())
        await js.publish(subject, Command(saga_id=saga).SerializeToString(), headers={"Nats-Msg-Id": saga})
        await eventually(lambda: acked(js, pull) if applied else False)
        assert applied == [saga]
        assert await scratch.count(scratch.inbox) == 1
        assert await scratch.count(scratch.outbox) == 0
    finally:
        await stop(task)


async def test_the_step_outside_the_transaction_runs_first_once_and_can_ask_for_later(nats_url, scratch):
    participant = Participant(scratch)
    waits: dict[str, int] = {}

    async def prepare(delivery: Delivery[Command, str | None]) -> str | Later:
        saga = delivery.message.saga_id
        participant.prepared.append(saga)
        # Outside any transaction: the inbox row is not written yet.
        async with scratch.db.transaction() as conn:
            row = await conn.scalar(
                select(scratch.inbox.c.message_id).where(scratch.inbox.c.message_id == saga)
            )
        assert row is None
        if delivery.message.action == saga_pb2.STEP_ACTION_FINALIZE and waits.setdefault(saga, 0) < 1:
            waits[saga] += 1
            return Later(0.2)  # not ready: come back, no failure
        return f"provider said yes to {saga}"

    js, subject, task, pull, _ = await running(
        nats_url, scratch, step_consumer(scratch, participant, prepare=prepare)
    )
    try:
        execute, finalize = str(uuid.uuid4()), str(uuid.uuid4())
        for saga, action in (
            (execute, saga_pb2.STEP_ACTION_EXECUTE),
            (finalize, saga_pb2.STEP_ACTION_FINALIZE),
        ):
            await js.publish(
                subject,
                Command(saga_id=saga, action=action).SerializeToString(),
                headers={"Nats-Msg-Id": saga},
            )
        await eventually(lambda: len(participant.deliveries) == 2)
        await eventually(lambda: acked(js, pull))
        # The duplicate of an applied message is skipped before its outside step.
        await js.publish(
            subject, Command(saga_id=execute).SerializeToString(), headers={"Nats-Msg-Id": execute}
        )
        other = str(uuid.uuid4())
        await js.publish(subject, Command(saga_id=other).SerializeToString(), headers={"Nats-Msg-Id": other})
        await eventually(lambda: other in participant.deliveries)
        await eventually(lambda: acked(js, pull))

        assert participant.prepared.count(execute) == 1
        assert participant.prepared.count(finalize) == 2  # Later once, then ready
        assert [d for d, _ in participant.deliveries[finalize]] == [2]
        references = {r.saga_id: r.reference for r in await scratch.replies()}
        assert references[execute] == f"provider said yes to {execute}"
        assert references[finalize] == f"provider said yes to {finalize}"
    finally:
        await stop(task)


async def test_a_fetched_batch_is_applied_in_one_transaction_in_the_order_of_its_key(nats_url, scratch):
    sagas = [str(uuid.uuid4()) for _ in range(6)]
    participant = Participant(scratch)
    consumer = step_consumer(scratch, participant, order_key=lambda command: command.saga_id)
    js, _, task, pull, _ = await running(nats_url, scratch, consumer, published_first=sagas)
    try:
        await eventually(lambda: len(participant.transactions) == len(sagas))
        await eventually(lambda: acked(js, pull))
        assert await scratch.count(scratch.effects) == len(sagas)
        assert len(await scratch.replies()) == len(sagas)
        # One BEGIN ... COMMIT for the six, each applied once, in the key's order.
        assert {txid for saga in sagas for txid in participant.transactions[saga]} == {
            participant.transactions[sagas[0]][0]
        }
        applied = sorted(participant.deliveries, key=lambda saga: participant.deliveries[saga][0][1])
        assert applied == sorted(sagas)
    finally:
        await stop(task)


async def test_a_group_writes_its_inbox_rows_and_its_replies_in_one_statement_each(nats_url, scratch):
    sagas = [str(uuid.uuid4()) for _ in range(6)]
    async with scratch.db.transaction() as conn:  # the third was applied before, by an earlier delivery
        await conn.execute(insert(scratch.inbox).values(message_id=sagas[2], subject="earlier"))
    participant = Participant(scratch)
    consumer = step_consumer(scratch, participant)
    inserts: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        # This test's schema only: other tests' services may still run in this process.
        mine = f"{scratch.schema}." in statement and f"{scratch.schema}.effects" not in statement
        if statement.lstrip().startswith("INSERT INTO") and mine:
            inserts.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        js, _, task, pull, _ = await running(nats_url, scratch, consumer, published_first=sagas)
        try:
            await eventually(lambda: len(participant.deliveries) == len(sagas) - 1)
            await eventually(lambda: acked(js, pull))
        finally:
            await stop(task)
    finally:
        event.remove(Engine, "before_cursor_execute", record)

    applied = sorted(participant.deliveries)
    assert applied == sorted(saga for saga in sagas if saga != sagas[2])
    assert sorted(reply.saga_id for reply in await scratch.replies()) == applied
    assert await scratch.count(scratch.inbox) == len(sagas)
    assert [sql.split("(")[0].strip() for sql in inserts] == [
        f"INSERT INTO {scratch.schema}.inbox",
        f"INSERT INTO {scratch.schema}.outbox",
    ]


async def test_a_group_with_a_failing_message_commits_the_others_alone_and_retries_that_one(
    nats_url, scratch
):
    sagas = [str(uuid.uuid4()) for _ in range(6)]
    # The failing message raises in the group and alone: only it is naked and redelivered.
    participant = Participant(scratch, fail_first={sagas[2]}, fail_calls=2)
    consumer = step_consumer(scratch, participant, retry=messaging.RetryPolicy(first=0.2, cap=0.2))
    js, _, task, pull, _ = await running(nats_url, scratch, consumer, published_first=sagas)
    try:
        await eventually(lambda: len(participant.deliveries.get(sagas[2], [])) == 3)
        await eventually(lambda: acked(js, pull))

        assert await scratch.count(scratch.effects) == len(sagas)
        replies = await scratch.replies()
        assert sorted(reply.saga_id for reply in replies) == sorted(sagas)  # each answered once
        for index, saga in enumerate(sagas):
            # The group stopped at the failing one (its try rolled back), then each alone; the
            # failing one again on redelivery.
            expected = {0: [1, 1], 1: [1, 1], 2: [1, 1, 2]}.get(index, [1])
            assert [d for d, _ in participant.deliveries[saga]] == expected, saga
            assert len(set(participant.transactions[saga])) == len(participant.transactions[saga])
    finally:
        await stop(task)


async def test_one_by_one_when_the_group_size_is_one(nats_url, scratch):
    sagas = [str(uuid.uuid4()) for _ in range(4)]
    participant = Participant(scratch)
    consumer = step_consumer(scratch, participant, transaction_batch=1)
    js, _, task, pull, _ = await running(nats_url, scratch, consumer, published_first=sagas)
    try:
        await eventually(lambda: len(participant.transactions) == len(sagas))
        await eventually(lambda: acked(js, pull))
        txids = [participant.transactions[saga][0] for saga in sagas]
        assert len(set(txids)) == len(sagas)
    finally:
        await stop(task)


async def test_each_resubscribe_closes_the_old_pull_subscription(nats_url, scratch):
    participant = Participant(scratch)
    nc = await messaging.connect(nats_url, "resubscribe-test")
    js = nc.jetstream()
    tag = uuid.uuid4().hex[:8]
    stream, durable, subject = f"R{tag}", f"c{tag}", f"r{tag}.cmd"
    await messaging.ensure_stream(js, stream, [subject])
    consumer = step_consumer(scratch, participant)
    pull = messaging.PullConsumer(
        js, stream=stream, durable=durable, subject=subject, handler=consumer.handle
    )
    task = asyncio.create_task(pull.run_forever())

    async def handled_after_publish() -> None:
        saga = str(uuid.uuid4())
        await js.publish(subject, Command(saga_id=saga).SerializeToString(), headers={"Nats-Msg-Id": saga})
        await eventually(lambda: saga in participant.deliveries)

    try:
        await handled_after_publish()
        # nats-py's own table of live subscriptions: the pull subscription and the request inbox.
        before = len(nc._subs)
        for _ in range(3):
            # The durable deleted under the loop (a stream re-created, an outage that lost
            # it): the fetch fails and the loop subscribes again.
            await js.delete_consumer(stream, durable)
            await handled_after_publish()
        assert len(nc._subs) == before
    finally:
        await stop(task)
        await nc.close()


async def test_without_an_inbox_a_redelivery_applies_an_idempotent_effect_again_and_changes_nothing(
    nats_url, scratch
):
    applied: list[str] = []

    async def record(conn: AsyncConnection, delivery: Delivery[Command, None]) -> None:
        applied.append(delivery.message_id)
        await conn.execute(
            insert(scratch.effects)
            .values(key=delivery.message_id, decision=delivery.message.saga_id)
            .on_conflict_do_nothing()
        )

    consumer: InboxConsumer[Command, None] = InboxConsumer(
        name="copier", db=scratch.db, inbox=None, decode=Command.FromString, apply=record
    )
    batches: list[int] = []
    # The first delivery committed but was naked, not acked: redelivered at once. The ack wait
    # is long, so the redelivery's ack, however late on a busy machine, ends it: two deliveries.
    js, subject, task, pull, _ = await running(
        nats_url, scratch, nak_instead_of_the_first_ack(consumer, batches), ack_wait=60.0
    )
    try:
        saga = str(uuid.uuid4())
        await js.publish(subject, Command(saga_id=saga).SerializeToString(), headers={"Nats-Msg-Id": "entry"})
        await eventually(lambda: len(applied) >= 2, message="never redelivered")
        await eventually(lambda: acked(js, pull))
        assert applied == ["entry", "entry"]  # applied again: no inbox skipped it
        assert await scratch.count(scratch.effects) == 1  # and the effect is there once
        assert await scratch.count(scratch.inbox) == 0
    finally:
        await stop(task)


def test_a_consumer_that_replies_or_prepares_cannot_go_without_an_inbox(scratch):
    async def nothing(*args):
        return None

    with pytest.raises(ValueError, match="inbox"):
        InboxConsumer(
            name="x",
            db=scratch.db,
            inbox=None,
            decode=Command.FromString,
            apply=nothing,
            outbox=Outbox(scratch.outbox),
            reply_subject="x.reply",
        )
    with pytest.raises(ValueError, match="inbox"):
        InboxConsumer(
            name="x", db=scratch.db, inbox=None, decode=Command.FromString, apply=nothing, prepare=nothing
        )


async def test_apply_many_applies_a_group_in_one_call_and_a_failing_group_one_by_one(nats_url, scratch):
    # A group's new messages go to apply_many in one call, in one transaction; when that call
    # raises, nothing of the group commits and each message is applied alone through `apply`,
    # so only the bad one is naked.
    calls: list[list[str]] = []
    alone: list[str] = []
    bad = "bad"

    def row(delivery: Delivery[Command, None]) -> dict[str, str]:
        return {"key": delivery.message.saga_id, "decision": delivery.message_id}

    async def apply_many(conn: AsyncConnection, deliveries) -> None:
        calls.append([delivery.message.saga_id for delivery in deliveries])
        if any(delivery.message.saga_id == bad for delivery in deliveries):
            raise RuntimeError("one bad message in the group")
        await conn.execute(insert(scratch.effects).on_conflict_do_nothing(), [row(d) for d in deliveries])

    async def apply_one(conn: AsyncConnection, delivery: Delivery[Command, None]) -> None:
        alone.append(delivery.message.saga_id)
        if delivery.message.saga_id == bad:
            raise RuntimeError("still bad")
        await conn.execute(insert(scratch.effects).values(**row(delivery)).on_conflict_do_nothing())

    def consumer() -> InboxConsumer[Command, None]:
        return InboxConsumer(
            name="many",
            db=scratch.db,
            inbox=None,
            decode=Command.FromString,
            apply=apply_one,
            apply_many=apply_many,
            retry=messaging.RetryPolicy(first=30, cap=30),
        )

    good = [str(uuid.uuid4()) for _ in range(5)]
    js, _, task, pull, _ = await running(nats_url, scratch, consumer(), published_first=good)
    try:
        await eventually(lambda: len(calls) == 1)
        await eventually(lambda: acked(js, pull))
        assert calls == [good] and alone == []  # one call for the five, none alone
        assert await scratch.count(scratch.effects) == 5
    finally:
        await stop(task)

    calls.clear()
    mixed = [str(uuid.uuid4()), bad, str(uuid.uuid4())]
    js, _, task, pull, _ = await running(nats_url, scratch, consumer(), published_first=mixed)
    try:
        await eventually(lambda: len(alone) == 3)
        await eventually(lambda: _effects_has(scratch, mixed[0]))
        await eventually(lambda: _effects_has(scratch, mixed[2]))
        assert calls == [mixed]
        assert sorted(alone) == sorted(mixed)
        assert not await _effects_has(scratch, bad)
    finally:
        await stop(task)
    with pytest.raises(ValueError, match="reply"):
        InboxConsumer(
            name="x",
            db=scratch.db,
            inbox=scratch.inbox,
            decode=Command.FromString,
            apply=apply_one,
            apply_many=apply_many,
            outbox=Outbox(scratch.outbox),
            reply_subject="x.reply",
        )


async def _effects_has(scratch: Scratch, key: str) -> bool:
    async with scratch.db.transaction() as conn:
        found = await conn.scalar(select(scratch.effects.c.key).where(scratch.effects.c.key == key))
        return found is not None
