"""The card path of the saga in one statement per phase (`open_saga_intent`,
`record_saga_answer`, `capture_for_saga`): what each writes and answers, for a new command, a
re-sent one, a decline, an asynchronous answer, a refusal; and the statements a card booking's
EXECUTE and FINALIZE send."""

import uuid
from datetime import timedelta

import pytest
from payments_test_cards import CARDS, CardParticipant, CardSaga
from sqlalchemy import func, select

from bookingplatform.saga.v1 import saga_pb2
from payments.adapters import repository
from payments.adapters.sandbox import SandboxCardProvider
from payments.adapters.tables import payments, saga_steps
from payments.domain.model import NewPayment, PaymentStatus
from payments.domain.saga import StepDecision
from payments.domain.validation import MAX_CARD_TOKEN_LENGTH
from plumbing.saga_protocol import StepAction
from plumbing.testing import StatementRecorder

pytestmark = pytest.mark.integration

SUCCEEDED, FAILED = saga_pb2.STEP_OUTCOME_SUCCEEDED, saga_pb2.STEP_OUTCOME_FAILED
ACTION_TIMEOUT = timedelta(seconds=15)
EXECUTE, FINALIZE = saga_pb2.STEP_ACTION_EXECUTE, saga_pb2.STEP_ACTION_FINALIZE


# Savepoints (a refusal's path) are not counted among the statements payments sends.
SAVEPOINTS = ("SAVEPOINT", "RELEASE", "ROLLBACK")


class Saga(CardSaga):
    def intent(self) -> NewPayment:
        return NewPayment(
            id=uuid.uuid4(),
            company_id=uuid.UUID(self.company_id),
            customer_id=uuid.UUID(self.customer_id),
            booking_id=uuid.UUID(self.booking_id),
            amount_minor=self.amount,
            currency="EUR",
            status=PaymentStatus.AUTHORIZING,
            provider="sandbox",
            provider_reference="",
            decline_reason=None,
            idempotency_key=self.key,
        )


async def open_intent(db, saga: Saga, *, method_id: uuid.UUID | None = None, attempt: int = 1):
    method_id = method_id or saga.method()
    await CARDS.record(db)
    async with db.autocommit() as conn:
        return await repository.open_saga_intent(
            conn,
            saga_id=saga.saga_id,
            booking_id=saga.booking_id,
            attempt=attempt,
            method_id=method_id,
            new=saga.intent(),
            max_token_length=MAX_CARD_TOKEN_LENGTH,
        )


async def rows_of(db, saga: Saga):
    """(the saga's payments, its steps by action)."""
    async with db.transaction() as conn:
        found = (await conn.execute(select(payments).where(payments.c.idempotency_key == saga.key))).all()
        steps = (await conn.execute(select(saga_steps).where(saga_steps.c.saga_id == saga.saga_id))).all()
    return found, {step.action: step for step in steps}


async def answer(db, saga: Saga, payment_id, status: PaymentStatus, *, reason=None, decision=None):
    async with db.transaction() as conn:
        return await repository.record_saga_answer(
            conn,
            saga.saga_id,
            payment_id,
            to_status=status,
            provider_reference=f"ref_{saga.saga_id}",
            reason=reason,
            action_timeout=ACTION_TIMEOUT,
            decision=decision,
        )


async def capture(db, saga: Saga, attempt: int = 2):
    async with db.transaction() as conn:
        return await repository.capture_for_saga(
            conn, saga.saga_id, saga.booking_id, attempt=attempt, idempotency_key=saga.key
        )


# open_saga_intent


async def test_an_intent_claims_the_step_waiting_for_its_new_payment_and_a_resend_reads_them(payments_db):
    saga = Saga()

    opened = await open_intent(payments_db, saga)
    again = await open_intent(payments_db, saga, attempt=2)

    assert opened.claimed and opened.recorded is None
    assert opened.method is not None and opened.method.card_token == "tok_visa"
    intent = opened.payment
    assert intent is not None
    assert (intent.status, intent.amount_minor, intent.idempotency_key) == (
        PaymentStatus.AUTHORIZING,
        1500,
        saga.key,
    )
    assert (str(intent.booking_id), intent.provider, intent.provider_reference) == (
        saga.booking_id,
        "sandbox",
        "",
    )
    assert not again.claimed
    assert again.recorded is not None and again.recorded.waiting
    assert (again.recorded.decision.payment_id, again.recorded.attempt) == (intent.id, 1)
    assert again.payment == intent
    found, steps = await rows_of(payments_db, saga)
    assert [row.id for row in found] == [intent.id]
    step = steps["EXECUTE"]
    assert (step.waiting, step.succeeded, step.payment_id, step.booking_id, step.attempt) == (
        True,
        False,
        intent.id,
        saga.booking_id,
        1,
    )


async def test_an_intent_for_another_customers_or_an_unknown_method_writes_nothing(payments_db):
    owner = Saga()
    await open_intent(payments_db, owner)
    thief = Saga()

    stolen = await open_intent(payments_db, thief, method_id=owner.method())
    unknown = await open_intent(payments_db, thief, method_id=uuid.uuid4())

    assert not stolen.claimed and stolen.recorded is None and stolen.payment is None
    assert stolen.method is not None and str(stolen.method.customer_id) == owner.customer_id
    assert (unknown.claimed, unknown.recorded, unknown.payment, unknown.method) == (False, None, None, None)
    assert await rows_of(payments_db, thief) == ([], {})


async def test_an_intent_whose_key_names_a_payment_already_writes_nothing(payments_db):
    saga = Saga()
    async with payments_db.transaction() as conn:
        existing = await repository.insert_payment(conn, saga.intent())
    assert existing is not None

    opened = await open_intent(payments_db, saga)

    assert (opened.claimed, opened.recorded, opened.payment) == (False, None, None)
    found, steps = await rows_of(payments_db, saga)
    assert [row.id for row in found] == [existing.id] and steps == {}


async def test_an_intent_after_a_tombstone_reads_it_and_writes_nothing(payments_db):
    saga = Saga()
    async with payments_db.transaction() as conn:
        assert await repository.tombstone_execute(conn, saga.saga_id, saga.booking_id, "ALREADY_COMPENSATED")

    opened = await open_intent(payments_db, saga)

    assert not opened.claimed and opened.payment is None
    assert opened.recorded is not None and opened.recorded.tombstone and not opened.recorded.waiting
    assert opened.recorded.decision == StepDecision.failed("ALREADY_COMPENSATED")
    found, _ = await rows_of(payments_db, saga)
    assert found == []


async def test_a_stored_token_the_validation_would_refuse_is_not_authorized_at_once(payments_db):
    saga = Saga(card=" " * 5)

    opened = await open_intent(payments_db, saga)

    assert (opened.claimed, opened.recorded, opened.payment) == (False, None, None)
    assert await rows_of(payments_db, saga) == ([], {})


# record_saga_answer


async def test_an_approval_authorizes_the_payment_and_decides_its_waiting_step(payments_db):
    saga = Saga()
    intent = (await open_intent(payments_db, saga)).payment
    decision = StepDecision(succeeded=True, amount_minor=1500, payment_id=intent.id)

    answered = await answer(payments_db, saga, intent.id, PaymentStatus.AUTHORIZED, decision=decision)
    late = await answer(payments_db, saga, intent.id, PaymentStatus.DECLINED, reason="CARD_DECLINED")

    assert answered is not None and not answered.compensated
    assert answered.payment.status is PaymentStatus.AUTHORIZED
    assert answered.payment.provider_reference == f"ref_{saga.saga_id}"
    assert answered.payment.action_expires_at is None
    assert answered.step is not None and not answered.step.waiting
    assert answered.step.decision == decision
    assert late is None  # resolved already: nothing written
    found, steps = await rows_of(payments_db, saga)
    assert found[0].status == "AUTHORIZED"
    assert (steps["EXECUTE"].succeeded, steps["EXECUTE"].amount_minor, steps["EXECUTE"].waiting) == (
        True,
        1500,
        False,
    )


async def test_a_decline_fails_the_payment_and_its_step_with_the_reason(payments_db):
    saga = Saga(card="tok_chargeDeclined")
    intent = (await open_intent(payments_db, saga)).payment
    decision = StepDecision.failed("CARD_DECLINED", intent.id)

    answered = await answer(
        payments_db, saga, intent.id, PaymentStatus.DECLINED, reason="CARD_DECLINED", decision=decision
    )

    assert answered is not None
    assert (answered.payment.status, answered.payment.decline_reason) == (
        PaymentStatus.DECLINED,
        "CARD_DECLINED",
    )
    assert answered.step is not None and answered.step.decision == decision and not answered.step.waiting
    _, steps = await rows_of(payments_db, saga)
    assert (steps["EXECUTE"].succeeded, steps["EXECUTE"].reason) == (False, "CARD_DECLINED")


@pytest.mark.parametrize("status", [PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION])
async def test_an_answer_that_is_not_final_leaves_the_step_waiting(payments_db, status):
    saga = Saga()
    intent = (await open_intent(payments_db, saga)).payment

    answered = await answer(payments_db, saga, intent.id, status)

    assert answered is not None and answered.payment.status is status
    assert (answered.payment.action_expires_at is not None) == (status is PaymentStatus.REQUIRES_ACTION)
    assert answered.step is not None and answered.step.waiting
    assert answered.step.decision.payment_id == intent.id
    async with payments_db.transaction() as conn:
        expires_after = await conn.scalar(
            select(payments.c.action_expires_at - payments.c.updated_at).where(payments.c.id == intent.id)
        )
    if status is PaymentStatus.REQUIRES_ACTION:
        # The answer's UPDATE sets both from the same now(): the action expires ACTION_TIMEOUT
        # after it was recorded, to the microsecond.
        assert answered.payment.updated_at > intent.updated_at
        assert expires_after == ACTION_TIMEOUT
        assert answered.payment.action_expires_at - answered.payment.updated_at == ACTION_TIMEOUT
    else:
        assert expires_after is None


async def test_an_approval_of_a_compensated_saga_says_so(payments_db):
    saga = Saga()
    intent = (await open_intent(payments_db, saga)).payment
    async with payments_db.transaction() as conn:
        await repository.claim_step(conn, saga.saga_id, StepAction.COMPENSATE, saga.booking_id)
        await repository.record_step(conn, saga.saga_id, StepAction.COMPENSATE, StepDecision(succeeded=True))
    decision = StepDecision(succeeded=True, amount_minor=1500, payment_id=intent.id)

    answered = await answer(payments_db, saga, intent.id, PaymentStatus.AUTHORIZED, decision=decision)

    assert answered is not None and answered.compensated


# capture_for_saga


async def test_a_finalize_captures_and_is_recorded_once_and_a_resend_reads_the_decision(payments_db):
    saga = Saga()
    intent = (await open_intent(payments_db, saga)).payment
    decision = StepDecision(succeeded=True, amount_minor=1500, payment_id=intent.id)
    await answer(payments_db, saga, intent.id, PaymentStatus.AUTHORIZED, decision=decision)

    first = await capture(payments_db, saga)
    again = await capture(payments_db, saga, attempt=3)

    assert first.claimed and first.recorded is None
    assert first.captured is not None and first.captured.status is PaymentStatus.CAPTURED
    assert (again.captured, again.claimed) == (None, False)
    assert again.recorded is not None and again.recorded.decision == decision
    _, steps = await rows_of(payments_db, saga)
    finalize = steps["FINALIZE"]
    assert (finalize.succeeded, finalize.amount_minor, finalize.payment_id, finalize.attempt) == (
        True,
        1500,
        intent.id,
        2,
    )


@pytest.mark.parametrize("payment", ["none", "declined"])
async def test_a_finalize_without_an_authorized_payment_writes_nothing(payments_db, payment):
    saga = Saga()
    if payment == "declined":
        intent = (await open_intent(payments_db, saga)).payment
        await answer(payments_db, saga, intent.id, PaymentStatus.DECLINED, reason="CARD_DECLINED")

    captured = await capture(payments_db, saga)

    assert (captured.captured, captured.claimed, captured.recorded) == (None, False, None)
    _, steps = await rows_of(payments_db, saga)
    assert "FINALIZE" not in steps


# The statements of a card booking's steps


@pytest.fixture(scope="module")
def participant(payments_db):
    return CardParticipant(
        payments_db,
        SandboxCardProvider(webhook_secret="statements-secret"),
        action_timeout=timedelta(seconds=15),
    )


async def test_a_card_bookings_execute_and_finalize_send_one_statement_per_phase(payments_db, participant):
    saga = Saga()
    execute = saga.command(EXECUTE)
    await CARDS.record(payments_db)

    with StatementRecorder(payments_db, skip=SAVEPOINTS) as prepared:
        intent = await participant.prepare(execute)
    with StatementRecorder(payments_db, skip=SAVEPOINTS) as decided:
        async with payments_db.transaction() as conn:
            executed = await participant.decide(conn, execute, intent)
    finalize = saga.command(FINALIZE)
    await CARDS.record(payments_db)
    with StatementRecorder(payments_db, skip=SAVEPOINTS) as finalized:
        async with payments_db.transaction() as conn:
            captured = await participant.decide(conn, finalize, await participant.prepare(finalize))

    assert executed is not None and (executed.outcome, executed.amount.amount_minor) == (SUCCEEDED, 1500)
    assert captured is not None and (captured.outcome, captured.reference) == (SUCCEEDED, executed.reference)
    assert len(prepared.seen) == 1 and "INSERT INTO payments.payments" in prepared.seen[0]
    assert len(decided.seen) == 1 and "UPDATE payments.saga_steps" in decided.seen[0]
    assert len(finalized.seen) == 1 and "'FINALIZE'" in finalized.seen[0]
    found, steps = await rows_of(payments_db, saga)
    assert found[0].status == "CAPTURED" and set(steps) == {"EXECUTE", "FINALIZE"}


async def test_a_resent_execute_and_finalize_replay_their_decisions(payments_db, participant):
    declined, paid = Saga(card="tok_chargeDeclined"), Saga()
    first = await participant.process(declined.command(EXECUTE))
    await participant.process(paid.command(EXECUTE))
    captured = await participant.process(paid.command(FINALIZE))

    resent, refinalize = declined.command(EXECUTE), paid.command(FINALIZE)
    await CARDS.record(payments_db)
    with StatementRecorder(payments_db, skip=SAVEPOINTS) as replayed:
        prepared = await participant.prepare(resent)
        async with payments_db.transaction() as conn:
            again = await participant.decide(conn, resent, prepared)
    with StatementRecorder(payments_db, skip=SAVEPOINTS) as refinalized:
        prepared = await participant.prepare(refinalize)
        async with payments_db.transaction() as conn:
            recaptured = await participant.decide(conn, refinalize, prepared)

    assert first is not None and (first.outcome, first.reason) == (FAILED, "CARD_DECLINED")
    assert again is not None and (again.outcome, again.reason, again.reference) == (
        FAILED,
        "CARD_DECLINED",
        first.reference,
    )
    assert captured is not None and recaptured is not None
    assert (recaptured.outcome, recaptured.amount.amount_minor, recaptured.reference) == (
        SUCCEEDED,
        1500,
        captured.reference,
    )
    # The intent's statement reads the decided step (nothing to ask); the decision reads it again.
    assert len(replayed.seen) == 2
    assert len(refinalized.seen) == 1
    async with payments_db.transaction() as conn:
        for saga in (declined, paid):
            count = select(func.count()).select_from(payments).where(payments.c.idempotency_key == saga.key)
            assert await conn.scalar(count) == 1
