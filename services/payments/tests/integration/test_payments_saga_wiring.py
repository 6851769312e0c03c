"""The running service answers saga commands from NATS JetStream through its inbox and outbox."""

import asyncio
import uuid

import pytest
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import ConsumerConfig, DeliverPolicy
from payments_test_cards import CARDS
from sqlalchemy import func, select

from bookingplatform.saga.v1 import saga_pb2
from payments.adapters.tables import payments
from plumbing import messaging
from plumbing.testing import EVENTUALLY_TIMEOUT

pytestmark = pytest.mark.integration


async def replies_for(subscription, saga_id: str, *, wanted: int, within: float) -> list[saga_pb2.StepReply]:
    """Replies of one saga on saga.reply.bookings (other tests' replies are skipped)."""
    found: list[saga_pb2.StepReply] = []
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline and len(found) < wanted:
        try:
            messages = await subscription.fetch(10, timeout=0.5)
        except (NatsTimeoutError, TimeoutError):
            continue
        for msg in messages:
            await msg.ack()
            reply = saga_pb2.StepReply.FromString(msg.data)
            if reply.saga_id == saga_id:
                found.append(reply)
    return found


async def test_a_step_command_on_nats_is_answered_once_per_message_on_the_reply_subject(
    payments_service, payments_db, nats_url
):
    nc = await messaging.connect(nats_url, "payments-wiring-test")
    js = nc.jetstream()
    await messaging.ensure_stream(js, messaging.SAGA_STREAM, messaging.SAGA_SUBJECTS)
    durable = f"payments-test-{uuid.uuid4().hex[:8]}"
    replies = await js.pull_subscribe(
        messaging.reply_subject("bookings"),
        durable=durable,
        stream=messaging.SAGA_STREAM,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW),
    )
    try:
        saga_id = str(uuid.uuid4())
        company_id, customer_id = str(uuid.uuid4()), str(uuid.uuid4())
        command = saga_pb2.StepCommand(
            saga_id=saga_id,
            step="payments",
            action=saga_pb2.STEP_ACTION_EXECUTE,
            attempt=1,
            booking_id=str(uuid.uuid4()),
            company_id=company_id,
            customer_id=customer_id,
            payment_method_id=CARDS.method(company_id, customer_id, "4242424242424242"),
        )
        await CARDS.record(payments_db)
        command.amount.amount_minor = 7700
        command.amount.currency_code = "EUR"
        subject = messaging.command_subject("payments")

        first_id = f"{saga_id}:payments:EXECUTE:1"
        await js.publish(subject, command.SerializeToString(), headers={"Nats-Msg-Id": first_id})
        duplicate = await js.publish(subject, command.SerializeToString(), headers={"Nats-Msg-Id": first_id})
        # The orchestrator re-sends after its deadline with a new message id.
        command.attempt = 2
        await js.publish(
            subject, command.SerializeToString(), headers={"Nats-Msg-Id": f"{saga_id}:payments:EXECUTE:2"}
        )

        answered = await replies_for(replies, saga_id, wanted=2, within=EVENTUALLY_TIMEOUT)
        extra = await replies_for(replies, saga_id, wanted=1, within=1.5)

        assert duplicate.duplicate
        assert sorted(reply.attempt for reply in answered) == [1, 2]
        assert {reply.outcome for reply in answered} == {saga_pb2.STEP_OUTCOME_SUCCEEDED}
        assert {reply.amount.amount_minor for reply in answered} == {7700}
        assert len({reply.reference for reply in answered}) == 1
        assert extra == []
        async with payments_db.transaction() as conn:
            count = await conn.scalar(
                select(func.count())
                .select_from(payments)
                .where(payments.c.idempotency_key == f"{saga_id}:payments", payments.c.status == "AUTHORIZED")
            )
        assert count == 1
    finally:
        await js.delete_consumer(messaging.SAGA_STREAM, durable)
        await nc.close()
