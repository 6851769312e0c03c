"""The payments saga step with asynchronous cards, called directly: waiting EXECUTEs, replies
written by webhooks and timeouts, compensation while waiting, lost and slow answers, recovery."""

import asyncio
from datetime import timedelta

import pytest
from payments_test_cards import CARDS, CardParticipant, CardSaga
from sqlalchemy import func, select, text

from bookingplatform.saga.v1 import saga_pb2
from payments.adapters.repository import ResolvedStep
from payments.adapters.sandbox import SLOW_CARDS, SandboxCardProvider
from payments.adapters.tables import payments, provider_events, saga_steps
from payments.domain.provider import ProviderUnavailable
from payments.domain.saga import SagaStep
from payments.entrypoints.saga import resolved_reply
from payments.service import recovery
from payments.service.provider_events import handle_provider_event
from payments.service.saga_steps import prepare_execute
from plumbing.saga_protocol import StepAction
from plumbing.testing import eventually

pytestmark = pytest.mark.integration

SECRET = "saga-async-secret"
SUCCEEDED, FAILED = saga_pb2.STEP_OUTCOME_SUCCEEDED, saga_pb2.STEP_OUTCOME_FAILED
EXECUTE, COMPENSATE, FINALIZE = (
    saga_pb2.STEP_ACTION_EXECUTE,
    saga_pb2.STEP_ACTION_COMPENSATE,
    saga_pb2.STEP_ACTION_FINALIZE,
)
ASYNC, ACTION, SLOW, LOST = "4000000000003063", "4000000000003220", "4000000000000259", "4000000000000341"


class Held:
    """A webhook endpoint that keeps events instead of delivering them (the test delivers)."""

    def __init__(self) -> None:
        self.events: list[tuple[bytes, str]] = []

    async def __call__(self, payload: bytes, signature: str) -> None:
        self.events.append((payload, signature))


class Replies:
    """The ReplyWriter: keeps what would go to the outbox."""

    def __init__(self) -> None:
        self.written: list[saga_pb2.StepReply] = []

    async def __call__(self, conn, resolved: ResolvedStep, currency: str) -> None:
        self.written.append(resolved_reply(resolved, currency))

    def of(self, saga) -> list[saga_pb2.StepReply]:
        return [reply for reply in self.written if reply.saga_id == saga.saga_id]


class Saga(CardSaga):
    def step(self) -> SagaStep:
        """The EXECUTE as the participant sees it."""
        return SagaStep(
            saga_id=self.saga_id,
            action=StepAction.EXECUTE,
            booking_id=self.booking_id,
            company_id=self.company_id,
            customer_id=self.customer_id,
            amount_minor=self.amount,
            currency="EUR",
            payment_method_id=str(self.method()),
        )


class Thinking(SandboxCardProvider):
    """A sandbox whose slow cards think until the test says so: `thinking` is set once such a
    call is under way, and the answer is given only after `released` (the sandbox's own delay
    is none)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs, slow_seconds=0)
        self.thinking = asyncio.Event()
        self.released = asyncio.Event()

    async def authorize(self, idempotency_key, amount_minor, currency, card_token):
        if card_token in SLOW_CARDS:
            self.thinking.set()
            await self.released.wait()
        return await super().authorize(idempotency_key, amount_minor, currency, card_token)


@pytest.fixture
async def held():
    return Held()


@pytest.fixture
async def sandbox(held):
    provider = SandboxCardProvider(
        webhook_secret=SECRET, sink=held, confirm_delay_seconds=0.05, slow_seconds=1.0
    )
    yield provider
    await provider.close()


@pytest.fixture
def replies():
    return Replies()


@pytest.fixture
def participant(payments_db, sandbox):
    return CardParticipant(payments_db, sandbox, action_timeout=timedelta(seconds=15))


async def deliver(db, sandbox, replies, payload: bytes, signature: str):
    return await handle_provider_event(
        db, sandbox, secret=SECRET, payload=payload, signature=signature, replies=replies
    )


async def payment_of(db, saga):
    async with db.transaction() as conn:
        return (await conn.execute(select(payments).where(payments.c.idempotency_key == saga.key))).first()


async def payments_of(db, saga) -> int:
    async with db.transaction() as conn:
        return await conn.scalar(
            select(func.count())
            .select_from(payments)
            .where(payments.c.idempotency_key.like(f"{saga.saga_id}%"))
        )


async def execute_step_of(db, saga):
    async with db.transaction() as conn:
        return (
            await conn.execute(
                select(saga_steps).where(
                    saga_steps.c.saga_id == saga.saga_id, saga_steps.c.action == "EXECUTE"
                )
            )
        ).one()


async def until(check):
    await eventually(check, interval=0.02)


async def test_an_async_card_waits_without_replying_and_the_webhook_writes_the_reply(
    payments_db, participant, sandbox, held, replies
):
    saga = Saga(ASYNC)

    first = await participant.process(saga.command(EXECUTE))
    resent = await participant.process(saga.command(EXECUTE))
    waiting = await payment_of(payments_db, saga)
    await until(lambda: held.events)
    receipt = await deliver(payments_db, sandbox, replies, *held.events[0])
    after = await participant.process(saga.command(EXECUTE))

    assert (first, resent) == (None, None)
    assert waiting.status == "PENDING"
    assert sandbox.authorize_calls == {saga.key: 1}  # the re-sent EXECUTE did not ask again
    assert (receipt.duplicate, receipt.payment_id) == (False, waiting.id)
    (reply,) = replies.of(saga)
    assert (reply.outcome, reply.action, reply.step, reply.attempt) == (SUCCEEDED, EXECUTE, "payments", 1)
    assert (reply.amount.amount_minor, reply.amount.currency_code, reply.reference) == (
        1500,
        "EUR",
        str(waiting.id),
    )
    assert (after.outcome, after.reference, after.amount.amount_minor) == (SUCCEEDED, str(waiting.id), 1500)
    assert (await payment_of(payments_db, saga)).status == "AUTHORIZED"
    assert await payments_of(payments_db, saga) == 1
    finalized = await participant.process(saga.command(FINALIZE))
    assert (finalized.outcome, finalized.amount.amount_minor) == (SUCCEEDED, 1500)


async def test_a_duplicate_event_is_acknowledged_and_ignored(
    payments_db, participant, sandbox, held, replies
):
    saga = Saga(ASYNC)
    await participant.process(saga.command(EXECUTE))
    await until(lambda: held.events)

    first = await deliver(payments_db, sandbox, replies, *held.events[0])
    payload, _ = held.events[0]
    again = await deliver(payments_db, sandbox, replies, payload, sandbox.signed(sandbox.sent_events[-1])[1])

    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.payment_id == first.payment_id
    assert len(replies.of(saga)) == 1
    async with payments_db.transaction() as conn:
        outcomes = list(
            await conn.scalars(
                select(provider_events.c.outcome).where(provider_events.c.payment_id == first.payment_id)
            )
        )
    assert outcomes == ["APPLIED"]


async def test_a_requires_action_card_times_out_fails_the_step_and_leaves_nothing_open(
    payments_db, sandbox, replies
):
    participant = CardParticipant(payments_db, sandbox, action_timeout=timedelta(milliseconds=200))
    saga = Saga(ACTION)

    waiting = await participant.process(saga.command(EXECUTE))
    row = await payment_of(payments_db, saga)
    # The first sweep to find it expired (200 ms after it was recorded) fails it.
    await eventually(lambda: recovery.fail_expired_actions(payments_db, sandbox, replies))
    while await recovery.fail_expired_actions(payments_db, sandbox, replies):
        pass
    resent = await participant.process(saga.command(EXECUTE))

    assert waiting is None
    assert row.status == "REQUIRES_ACTION" and row.action_expires_at is not None
    failed = await payment_of(payments_db, saga)
    assert (failed.status, failed.decline_reason, failed.action_expires_at) == (
        "FAILED",
        "AUTHENTICATION_TIMEOUT",
        None,
    )
    (reply,) = replies.of(saga)
    assert (reply.outcome, reply.reason, reply.reference) == (FAILED, "AUTHENTICATION_TIMEOUT", str(row.id))
    assert (resent.outcome, resent.reason) == (FAILED, "AUTHENTICATION_TIMEOUT")
    assert row.provider_reference not in sandbox.open_authorizations()
    assert sandbox.charge_state(row.provider_reference) == "voided"
    # The card holder acting too late changes nothing: the provider has cancelled it.
    assert not await sandbox.complete_action(row.provider_reference, True)


async def test_a_completed_action_authorizes_before_the_timeout(
    payments_db, participant, sandbox, held, replies
):
    saga = Saga(ACTION)
    await participant.process(saga.command(EXECUTE))
    row = await payment_of(payments_db, saga)

    assert await sandbox.complete_action(row.provider_reference, True)
    await until(lambda: held.events)
    await deliver(payments_db, sandbox, replies, *held.events[0])

    (reply,) = replies.of(saga)
    assert (reply.outcome, reply.amount.amount_minor) == (SUCCEEDED, 1500)
    assert (await payment_of(payments_db, saga)).status == "AUTHORIZED"


async def test_compensate_while_waiting_cancels_and_a_late_approval_is_voided(
    payments_db, participant, sandbox, held, replies
):
    saga = Saga(ASYNC)
    await participant.process(saga.command(EXECUTE))
    # The provider approves and sends its event, but the event is slow to arrive ...
    await until(lambda: held.events)
    row = await payment_of(payments_db, saga)
    assert row.provider_reference in sandbox.open_authorizations()

    # ... and the orchestrator compensates first.
    compensated = await participant.process(saga.command(COMPENSATE))
    late_execute = await participant.process(saga.command(EXECUTE))
    receipt = await deliver(payments_db, sandbox, replies, *held.events[0])

    assert (compensated.outcome, compensated.amount.amount_minor, compensated.reference) == (
        SUCCEEDED,
        0,
        str(row.id),
    )
    assert (late_execute.outcome, late_execute.reason) == (FAILED, "ALREADY_COMPENSATED")
    assert receipt.payment_id == row.id
    assert (await payment_of(payments_db, saga)).status == "VOIDED"
    assert replies.of(saga) == []  # the step was decided by the compensation, not the event
    assert row.provider_reference not in sandbox.open_authorizations()
    async with payments_db.transaction() as conn:
        outcome = await conn.scalar(
            select(provider_events.c.outcome).where(provider_events.c.payment_id == row.id)
        )
    assert outcome == "VOIDED_LATE"


async def test_compensate_while_an_action_is_required_cancels_it_at_the_provider(
    payments_db, participant, sandbox
):
    saga = Saga(ACTION)
    await participant.process(saga.command(EXECUTE))
    row = await payment_of(payments_db, saga)

    compensated = await participant.process(saga.command(COMPENSATE))

    assert compensated.outcome == SUCCEEDED
    assert (await payment_of(payments_db, saga)).status == "VOIDED"
    assert sandbox.charge_state(row.provider_reference) == "voided"
    assert not (await execute_step_of(payments_db, saga)).waiting


async def test_a_lost_answer_is_redelivered_and_the_retry_gets_the_recorded_approval(
    payments_db, participant, sandbox
):
    saga = Saga(LOST)

    with pytest.raises(ProviderUnavailable):
        await participant.process(saga.command(EXECUTE))
    in_flight = await payment_of(payments_db, saga)
    compensate_meanwhile = await participant.process(saga.command(COMPENSATE))
    redelivered = await participant.process(saga.command(EXECUTE))

    assert in_flight.status == "AUTHORIZING"
    # Unknown answer: the compensation is refused, not recorded (the orchestrator re-sends it).
    assert (compensate_meanwhile.outcome, compensate_meanwhile.reason) == (FAILED, "AUTHORIZATION_IN_FLIGHT")
    assert (redelivered.outcome, redelivered.amount.amount_minor) == (SUCCEEDED, 1500)
    assert redelivered.reference == str(in_flight.id)
    assert sandbox.authorize_calls == {saga.key: 2}  # one provider key per (saga, step)
    assert sandbox.open_authorizations() == [(await payment_of(payments_db, saga)).provider_reference]
    assert await payments_of(payments_db, saga) == 1


async def test_a_crash_between_the_intent_and_the_provider_call_is_recovered_by_the_resent_execute(
    payments_db, participant, sandbox
):
    saga = Saga("4242424242424242")
    # The process records the intent, then dies before asking the provider.
    step = saga.step()
    await CARDS.record(payments_db)
    intent = await prepare_execute(payments_db, sandbox.name, step)
    assert intent is not None and intent.payment.status.value == "AUTHORIZING"

    resent = await participant.process(saga.command(EXECUTE))

    assert (resent.outcome, resent.reference) == (SUCCEEDED, str(intent.payment.id))
    assert sandbox.authorize_calls == {saga.key: 1}


async def test_a_slow_answer_holds_no_transaction_or_lock_while_the_provider_thinks(payments_db, held):
    thinking = Thinking(webhook_secret=SECRET, sink=held)
    participant = CardParticipant(payments_db, thinking, action_timeout=timedelta(seconds=15))
    saga = Saga(SLOW)
    executing = asyncio.create_task(participant.process(saga.command(EXECUTE)))
    try:
        await until(thinking.thinking.is_set)

        # While the provider thinks (it answers only when released), the intent is committed
        # and its row can be locked by someone else right away.
        async with payments_db.transaction() as conn:
            await conn.execute(text("SET LOCAL lock_timeout = '200ms'"))
            locked = (
                await conn.execute(
                    select(payments).where(payments.c.idempotency_key == saga.key).with_for_update()
                )
            ).one()
        still_thinking = not executing.done()
        thinking.released.set()
        reply = await executing
    finally:
        thinking.released.set()
        await asyncio.wait([executing])
        await thinking.close()

    assert still_thinking  # the lock was taken before the provider answered
    assert locked.status == "AUTHORIZING"
    assert (reply.outcome, reply.amount.amount_minor) == (SUCCEEDED, 1500)
    assert thinking.authorize_calls == {saga.key: 1}


async def test_stale_intents_are_recovered_from_the_provider_or_failed_when_it_never_heard_of_them(
    payments_db, participant, sandbox, replies
):
    lost, never_sent = Saga(LOST), Saga("4242424242424242")
    with pytest.raises(ProviderUnavailable):
        await participant.process(lost.command(EXECUTE))
    step = never_sent.step()
    await CARDS.record(payments_db)
    await prepare_execute(payments_db, sandbox.name, step)  # then the process died

    while await recovery.recover_stale_intents(
        payments_db, sandbox, replies, older_than=timedelta(0), action_timeout=timedelta(seconds=15)
    ):
        if {r.saga_id for r in replies.written} >= {lost.saga_id, never_sent.saga_id}:
            break

    assert (await payment_of(payments_db, lost)).status == "AUTHORIZED"
    failed = await payment_of(payments_db, never_sent)
    assert (failed.status, failed.decline_reason) == ("FAILED", "PROVIDER_UNAVAILABLE")
    assert [(r.outcome, r.reason) for r in replies.of(lost)] == [(SUCCEEDED, "")]
    assert [(r.outcome, r.reason) for r in replies.of(never_sent)] == [(FAILED, "PROVIDER_UNAVAILABLE")]
