"""Provider events that do not match the payment they name (found by a tester: a signed
`payment.authorized` with a made-up reference and an amount of 1 confirmed a 3-D Secure booking
of 1001 without the check). Such an event is refused EVENT_MISMATCH: the payment, its saga step
and the provider are left as they were, the refusal is recorded, and the genuine event still
applies."""

import dataclasses
import time
import uuid
from datetime import timedelta

import pytest
from payments_test_cards import CARDS, CardParticipant, CardSaga
from sqlalchemy import select

from bookingplatform.saga.v1 import saga_pb2
from payments.adapters.repository import ResolvedStep
from payments.adapters.sandbox import SandboxCardProvider
from payments.adapters.tables import payments, provider_events, saga_steps
from payments.domain import events
from payments.domain.events import EventType, ProviderEvent
from payments.domain.saga import SagaStep
from payments.entrypoints.saga import resolved_reply
from payments.service.provider_events import handle_provider_event
from payments.service.saga_steps import prepare_execute
from plumbing.errors import FailedPrecondition, InvalidArgument
from plumbing.saga_protocol import StepAction
from plumbing.testing import eventually

pytestmark = pytest.mark.integration

SECRET = "event-mismatch-secret"
EXECUTE, COMPENSATE = saga_pb2.STEP_ACTION_EXECUTE, saga_pb2.STEP_ACTION_COMPENSATE
SUCCEEDED = saga_pb2.STEP_OUTCOME_SUCCEEDED
ASYNC, ACTION = "4000000000003063", "4000000000003220"


class Held:
    """A webhook endpoint that keeps the sandbox's events (the test delivers them)."""

    def __init__(self) -> None:
        self.events: list[tuple[bytes, str]] = []

    async def __call__(self, payload: bytes, signature: str) -> None:
        self.events.append((payload, signature))


class Replies:
    def __init__(self) -> None:
        self.written: list[saga_pb2.StepReply] = []

    async def __call__(self, conn, resolved: ResolvedStep, currency: str) -> None:
        self.written.append(resolved_reply(resolved, currency))

    def of(self, saga) -> list[saga_pb2.StepReply]:
        return [reply for reply in self.written if reply.saga_id == saga.saga_id]


@pytest.fixture
async def held():
    return Held()


@pytest.fixture
async def sandbox(held):
    provider = SandboxCardProvider(webhook_secret=SECRET, sink=held, confirm_delay_seconds=0.05)
    yield provider
    await provider.close()


@pytest.fixture
def replies():
    return Replies()


@pytest.fixture
def participant(payments_db, sandbox):
    return CardParticipant(payments_db, sandbox, action_timeout=timedelta(seconds=60))


async def deliver(db, sandbox, replies, event: ProviderEvent):
    payload = event.to_json()
    return await handle_provider_event(
        db, sandbox, secret=SECRET, payload=payload, signature=events.sign(SECRET, payload), replies=replies
    )


async def refused(db, sandbox, replies, event: ProviderEvent) -> FailedPrecondition:
    with pytest.raises(FailedPrecondition) as caught:
        await deliver(db, sandbox, replies, event)
    assert caught.value.reason == "EVENT_MISMATCH"
    return caught.value


async def payment_of(db, saga):
    async with db.transaction() as conn:
        return (await conn.execute(select(payments).where(payments.c.idempotency_key == saga.key))).one()


async def waiting(db, saga) -> bool:
    async with db.transaction() as conn:
        return await conn.scalar(
            select(saga_steps.c.waiting).where(
                saga_steps.c.saga_id == saga.saga_id, saga_steps.c.action == "EXECUTE"
            )
        )


async def outcome_of(db, event_id: str) -> tuple[str, uuid.UUID | None]:
    async with db.transaction() as conn:
        row = (
            await conn.execute(
                select(provider_events.c.outcome, provider_events.c.payment_id).where(
                    provider_events.c.event_id == event_id
                )
            )
        ).one()
    return row.outcome, row.payment_id


def approval_of(row, saga, **changes) -> ProviderEvent:
    """The approval the provider would send for this payment, with `changes` made to it."""
    event = ProviderEvent(
        id=f"evt_forged_{uuid.uuid4().hex}",
        type=EventType.AUTHORIZED,
        created=int(time.time()),
        provider_reference=row.provider_reference,
        idempotency_key=saga.key,
        amount_minor=row.amount_minor,
        currency=row.currency,
    )
    return dataclasses.replace(event, **changes)


async def the_genuine_approval(sandbox, held, row) -> ProviderEvent:
    assert await sandbox.complete_action(row.provider_reference, True)
    await eventually(lambda: held.events, interval=0.02)
    return sandbox.event_for(EventType.AUTHORIZED, row.provider_reference)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("provider_reference", "sbx_auth_nope"),
        ("amount_minor", 1),
        ("currency", "USD"),
        ("idempotency_key", "another-saga:payments"),
    ],
)
async def test_an_approval_that_does_not_match_its_payment_is_refused_and_changes_nothing(
    payments_db, participant, sandbox, held, replies, field, value
):
    saga = Saga(ACTION)
    await participant.process(saga.command(EXECUTE))
    before = await payment_of(payments_db, saga)
    forged = approval_of(before, saga, **{field: value})

    refusal = await refused(payments_db, sandbox, replies, forged)

    assert refusal.metadata["mismatched"] == field
    assert await payment_of(payments_db, saga) == before  # status, reference, amount, updated_at
    assert await waiting(payments_db, saga)
    assert replies.of(saga) == []
    assert await outcome_of(payments_db, forged.id) == ("MISMATCH", before.id)
    assert sandbox.charge_state(before.provider_reference) == "requires_action"
    # The card holder's real approval still confirms it.
    await deliver(payments_db, sandbox, replies, await the_genuine_approval(sandbox, held, before))
    after = await payment_of(payments_db, saga)
    assert (after.status, after.provider_reference) == ("AUTHORIZED", before.provider_reference)
    assert [(r.outcome, r.amount.amount_minor) for r in replies.of(saga)] == [(SUCCEEDED, 1001)]


async def test_the_tester_s_forgery_wrong_reference_and_amount_names_both_fields(
    payments_db, participant, sandbox, replies
):
    saga = Saga(ACTION)
    await participant.process(saga.command(EXECUTE))
    before = await payment_of(payments_db, saga)

    refusal = await refused(
        payments_db,
        sandbox,
        replies,
        approval_of(before, saga, provider_reference="sbx_auth_nope", amount_minor=1, currency="EUR"),
    )

    assert refusal.metadata["mismatched"] == "provider_reference,amount_minor"
    assert "sbx_auth_nope" not in refusal.message and before.provider_reference not in refusal.message
    assert await payment_of(payments_db, saga) == before


async def test_a_failure_that_does_not_match_its_payment_is_refused_too(
    payments_db, participant, sandbox, replies
):
    saga = Saga(ACTION)
    await participant.process(saga.command(EXECUTE))
    before = await payment_of(payments_db, saga)
    forged = approval_of(
        before, saga, type=EventType.FAILED, failure_reason="AUTHENTICATION_FAILED", amount_minor=5
    )

    await refused(payments_db, sandbox, replies, forged)

    assert await payment_of(payments_db, saga) == before
    assert await waiting(payments_db, saga)
    assert replies.of(saga) == []


async def test_an_event_that_overtakes_the_answer_sets_the_reference_only_when_it_matches(
    payments_db, sandbox, replies
):
    saga = Saga("4242424242424242")
    step = saga.step()
    await CARDS.record(payments_db)
    await prepare_execute(payments_db, sandbox.name, step)  # AUTHORIZING, no reference yet
    before = await payment_of(payments_db, saga)
    assert (before.status, before.provider_reference) == ("AUTHORIZING", "")

    await refused(
        payments_db,
        sandbox,
        replies,
        approval_of(before, saga, provider_reference="sbx_auth_x", amount_minor=1),
    )
    assert await payment_of(payments_db, saga) == before
    # A failure does not give it a reference (there is nothing to capture or release).
    failed_saga = Saga("4242424242424242")
    failed_step = failed_saga.step()
    await CARDS.record(payments_db)
    await prepare_execute(payments_db, sandbox.name, failed_step)
    intent = await payment_of(payments_db, failed_saga)
    await deliver(
        payments_db,
        sandbox,
        replies,
        approval_of(intent, failed_saga, provider_reference="sbx_decl_y", type=EventType.FAILED),
    )
    failed = await payment_of(payments_db, failed_saga)
    assert (failed.status, failed.provider_reference, failed.decline_reason) == (
        "FAILED",
        "",
        "CARD_DECLINED",
    )

    await deliver(payments_db, sandbox, replies, approval_of(before, saga, provider_reference="sbx_auth_x"))
    after = await payment_of(payments_db, saga)
    assert (after.status, after.provider_reference) == ("AUTHORIZED", "sbx_auth_x")


async def test_a_refused_event_replayed_is_refused_again_and_does_not_take_the_genuine_event_s_id(
    payments_db, participant, sandbox, held, replies
):
    saga = Saga(ACTION)
    await participant.process(saga.command(EXECUTE))
    before = await payment_of(payments_db, saga)
    genuine_id = sandbox.event_for(EventType.AUTHORIZED, before.provider_reference).id
    forged = approval_of(before, saga, id=genuine_id, amount_minor=1)

    await refused(payments_db, sandbox, replies, forged)
    await refused(payments_db, sandbox, replies, forged)

    assert await payment_of(payments_db, saga) == before
    genuine = await the_genuine_approval(sandbox, held, before)
    assert genuine.id == genuine_id
    receipt = await deliver(payments_db, sandbox, replies, genuine)
    again = await deliver(payments_db, sandbox, replies, genuine)
    assert (receipt.duplicate, again.duplicate) == (False, True)
    assert (await payment_of(payments_db, saga)).status == "AUTHORIZED"
    assert await outcome_of(payments_db, genuine_id) == ("APPLIED", before.id)
    assert len(replies.of(saga)) == 1


async def test_a_late_approval_naming_another_payment_s_reference_releases_nothing(
    payments_db, participant, sandbox, held, replies
):
    voided, other = Saga(ASYNC), Saga("4242424242424242")
    await participant.process(voided.command(EXECUTE))
    await participant.process(voided.command(COMPENSATE))
    await participant.process(other.command(EXECUTE))
    gone, held_money = await payment_of(payments_db, voided), await payment_of(payments_db, other)
    assert (gone.status, held_money.status) == ("VOIDED", "AUTHORIZED")

    await refused(
        payments_db,
        sandbox,
        replies,
        approval_of(gone, voided, provider_reference=held_money.provider_reference),
    )

    assert held_money.provider_reference in sandbox.open_authorizations()
    assert await payment_of(payments_db, other) == held_money


class Saga(CardSaga):
    def __init__(self, card: str) -> None:
        super().__init__(card, amount=1001)

    def step(self) -> SagaStep:
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


@pytest.mark.parametrize("value", [b"true", b"1001.0", b'"1001"', b"9223372036854775808"])
async def test_a_signed_event_whose_amount_is_no_integer_is_an_invalid_event_and_records_nothing(
    payments_db, participant, sandbox, replies, value
):
    # A tester: `"amount_minor": true` answered 500 (bigint = boolean: a bool is an int to Python).
    saga = Saga(ACTION)
    await participant.process(saga.command(EXECUTE))
    before = await payment_of(payments_db, saga)
    event = approval_of(before, saga)
    payload = event.to_json().replace(b'"amount_minor":1001', b'"amount_minor":' + value)
    assert payload != event.to_json()

    with pytest.raises(InvalidArgument) as caught:
        await handle_provider_event(
            payments_db,
            sandbox,
            secret=SECRET,
            payload=payload,
            signature=events.sign(SECRET, payload),
            replies=replies,
        )

    assert caught.value.reason == "INVALID_EVENT"
    async with payments_db.transaction() as conn:
        recorded = await conn.scalar(
            select(provider_events.c.event_id).where(provider_events.c.event_id == event.id)
        )
    assert recorded is None
    assert await payment_of(payments_db, saga) == before
    assert await waiting(payments_db, saga) and replies.of(saga) == []
