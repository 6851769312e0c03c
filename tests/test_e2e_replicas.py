"""Two replicas of a saga participant (the wallet), in this process, on one PostgreSQL and one
NATS JetStream: every command is applied once across both, both do some of the work, and a
client with both addresses spreads its calls over them with round robin.

The test has its own database and NATS server: another test's wallet would otherwise share
the durable consumer, and its outbox relay would publish our replies to its own NATS."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest

import wallet.bootstrap
from bookingplatform.common.v1 import money_pb2
from bookingplatform.saga.v1 import saga_pb2
from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from plumbing import grpc_client, messaging
from plumbing.saga_participant import StepConsumer
from plumbing.testing import isolated_infrastructure

pytestmark = pytest.mark.integration

SAGAS = 200
AMOUNT = 100
# Every call has a deadline: with the database refusing connections a call fails here
# instead of hanging the run (the server answers DATABASE_UNAVAILABLE well before).
RPC_TIMEOUT = 60


async def test_two_wallet_replicas_apply_each_command_once_and_share_the_work(database_url, monkeypatch):
    # A database of its own: another test's wallet relay must not publish our replies elsewhere.
    async with isolated_infrastructure(database_url, "replicas") as (own_database, nats_url):
        handled_by: Counter[int] = Counter()
        original_handle = StepConsumer.handle

        async def counting_handle(self: StepConsumer, messages):
            handled_by[id(self)] += len(messages)
            await original_handle(self, messages)

        monkeypatch.setattr(StepConsumer, "handle", counting_handle)
        settings = wallet.bootstrap.Settings(database_url=own_database, nats_url=nats_url)
        replicas = [await wallet.bootstrap.start(settings), await wallet.bootstrap.start(settings)]
        channel = grpc_client.channel(",".join(r.address for r in replicas))
        nc = await messaging.connect(nats_url, "replica-test")
        try:
            js = nc.jetstream()
            stub = wallet_pb2_grpc.WalletServiceStub(channel)
            company, customer = str(uuid.uuid4()), str(uuid.uuid4())
            await stub.TopUpWallet(
                wallet_pb2.TopUpWalletRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=company,
                    customer_id=customer,
                    amount=money_pb2.Money(amount_minor=SAGAS * AMOUNT, currency_code="EUR"),
                    balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
                ),
                timeout=RPC_TIMEOUT,
            )
            # The replies by their outbox row's id (Nats-Msg-Id): a plain subscriber sees every
            # publish, and a relay whose publish acknowledgement timed out on a busy machine
            # publishes the same row again (the stream drops the copy, this subscriber does not).
            by_id: dict[str, saga_pb2.StepReply] = {}
            done = asyncio.Event()

            async def on_reply(msg) -> None:
                by_id[(msg.headers or {})["Nats-Msg-Id"]] = saga_pb2.StepReply.FromString(msg.data)
                if len(by_id) >= 2 * SAGAS:
                    done.set()

            await nc.subscribe(messaging.reply_subject("bookings"), cb=on_reply)

            # Every command twice with different message ids, as the orchestrator re-sends after
            # a deadline: the inbox cannot dedupe these, the business key must.
            commands = [
                saga_pb2.StepCommand(
                    saga_id=str(uuid.uuid4()),
                    step="wallet",
                    action=saga_pb2.STEP_ACTION_EXECUTE,
                    attempt=1,
                    booking_id=str(uuid.uuid4()),
                    company_id=company,
                    customer_id=customer,
                    amount=money_pb2.Money(amount_minor=AMOUNT, currency_code="EUR"),
                )
                for _ in range(SAGAS)
            ]
            for round_ in (1, 2):
                await asyncio.gather(
                    *(
                        js.publish(
                            messaging.command_subject("wallet"),
                            command.SerializeToString(),
                            headers={"Nats-Msg-Id": f"{command.saga_id}:{round_}"},
                        )
                        for command in commands
                    )
                )
            await asyncio.wait_for(done.wait(), 60)
            await asyncio.sleep(1)  # a reply beyond one per command would show now
            replies = list(by_id.values())

            assert len(replies) == 2 * SAGAS
            by_saga: dict[str, list[saga_pb2.StepReply]] = {}
            for reply in replies:
                by_saga.setdefault(reply.saga_id, []).append(reply)
            assert set(by_saga) == {c.saga_id for c in commands}
            for pair in by_saga.values():
                assert [r.outcome for r in pair] == [saga_pb2.STEP_OUTCOME_SUCCEEDED] * 2
                assert pair[0].reference == pair[1].reference  # the second one replays the recorded decision
                assert pair[0].amount.amount_minor == AMOUNT
            wallet_after = (
                await stub.GetWallet(
                    wallet_pb2.GetWalletRequest(company_id=company, customer_id=customer), timeout=RPC_TIMEOUT
                )
            ).wallet
            assert wallet_after.main_balance.amount_minor == 0  # exactly SAGAS debits, none twice
            assert len(handled_by) == 2, handled_by  # both replicas consumed
            assert all(count > 0 for count in handled_by.values())
            assert sum(handled_by.values()) >= 2 * SAGAS

            # Round robin: one replica stopped, the client keeps working through the other.
            await replicas[0].stop(0.2)
            for _ in range(5):
                await stub.GetWallet(
                    wallet_pb2.GetWalletRequest(company_id=company, customer_id=customer), timeout=RPC_TIMEOUT
                )
        finally:
            await nc.close()
            await channel.close()
            for replica in replicas:
                await replica.stop(0.2)
