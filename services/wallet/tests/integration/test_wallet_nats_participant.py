"""The wallet as a saga participant on NATS: a StepCommand on saga.cmd.wallet is answered with
a StepReply on saga.reply.bookings through the outbox, once per business key."""

import asyncio
import uuid

import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy

from bookingplatform.saga.v1 import saga_pb2
from plumbing.messaging import SAGA_STREAM, command_subject, connect, reply_subject
from plumbing.testing import EVENTUALLY_TIMEOUT

pytestmark = pytest.mark.integration


async def replies_for(subscription, saga_id, count, *, timeout=EVENTUALLY_TIMEOUT):
    """Fetches replies until `count` of them answer `saga_id` (other tests share the stream)."""
    found = []
    deadline = asyncio.get_running_loop().time() + timeout
    while len(found) < count:
        remaining = deadline - asyncio.get_running_loop().time()
        assert remaining > 0, f"only {len(found)} of {count} replies for saga {saga_id}"
        try:
            messages = await subscription.fetch(10, timeout=min(remaining, 1.0))
        except TimeoutError:
            continue
        for msg in messages:
            await msg.ack()
            reply = saga_pb2.StepReply.FromString(msg.data)
            if reply.saga_id == saga_id:
                found.append(reply)
    return found


async def test_a_command_published_on_nats_is_applied_once_and_answered(
    wallet_service, nats_url, command, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=1000, bonus=100)
    nc = await connect(nats_url, "wallet-test")
    try:
        js = nc.jetstream()
        durable = f"wallet-test-{uuid.uuid4().hex[:8]}"
        subscription = await js.pull_subscribe(
            reply_subject("bookings"),
            durable=durable,
            stream=SAGA_STREAM,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW),
        )
        execute = command(
            saga_pb2.STEP_ACTION_EXECUTE, company_id=company_id, customer_id=customer_id, amount=300
        )
        await js.publish(
            command_subject("wallet"), execute.SerializeToString(), headers={"Nats-Msg-Id": str(uuid.uuid4())}
        )
        # The orchestrator re-sends after its deadline: a new message id, the same business key.
        execute.attempt = 2
        await js.publish(
            command_subject("wallet"), execute.SerializeToString(), headers={"Nats-Msg-Id": str(uuid.uuid4())}
        )
        first, second = sorted(await replies_for(subscription, execute.saga_id, 2), key=lambda r: r.attempt)
        assert (first.step, first.action, first.outcome) == (
            "wallet",
            saga_pb2.STEP_ACTION_EXECUTE,
            saga_pb2.STEP_OUTCOME_SUCCEEDED,
        )
        assert (first.amount.amount_minor, first.bonus_amount_minor) == (300, 100)
        assert (second.attempt, second.outcome, second.reference) == (2, first.outcome, first.reference)
        wallet = await wallet_of(company_id, customer_id)
        assert (wallet.bonus_balance, wallet.main_balance) == (0, 800)
        await subscription.unsubscribe()
        await js.delete_consumer(SAGA_STREAM, durable)
    finally:
        await nc.close()
