"""The payments saga participant, called directly in a transaction: business keys, replays, tombstones."""

import asyncio
import uuid
from datetime import timedelta

import pytest
from payments_test_cards import CARDS, CardParticipant
from sqlalchemy import func, select

from bookingplatform.saga.v1 import saga_pb2
from payments.adapters.sandbox import SandboxCardProvider
from payments.adapters.tables import payments, saga_steps

pytestmark = pytest.mark.integration

SUCCEEDED, FAILED = saga_pb2.STEP_OUTCOME_SUCCEEDED, saga_pb2.STEP_OUTCOME_FAILED
EXECUTE, COMPENSATE = saga_pb2.STEP_ACTION_EXECUTE, saga_pb2.STEP_ACTION_COMPENSATE
FINALIZE, REFUND = saga_pb2.STEP_ACTION_FINALIZE, saga_pb2.STEP_ACTION_REFUND


@pytest.fixture(scope="module")
def sandbox():
    return SandboxCardProvider(webhook_secret="saga-steps-secret")


@pytest.fixture(scope="module")
def handle(payments_db, sandbox):
    return CardParticipant(payments_db, sandbox, action_timeout=timedelta(seconds=15))


class Saga:
    """Commands of one booking saga (fresh ids per test)."""

    def __init__(self, *, amount: int = 1500, card: str = "tok_visa", booking_id: str | None = None) -> None:
        self.saga_id = str(uuid.uuid4())
        self.booking_id = booking_id or str(uuid.uuid4())
        self.company_id = str(uuid.uuid4())
        self.customer_id = str(uuid.uuid4())
        self.amount = amount
        self.card = card
        self.attempt = 0

    def command(
        self, action: int, *, amount: int | None = None, step: str = "payments"
    ) -> saga_pb2.StepCommand:
        self.attempt += 1
        command = saga_pb2.StepCommand(
            saga_id=self.saga_id,
            step=step,
            action=action,
            attempt=self.attempt,
            booking_id=self.booking_id,
            company_id=self.company_id,
            customer_id=self.customer_id,
            payment_method_id=CARDS.method(self.company_id, self.customer_id, self.card),
        )
        command.amount.amount_minor = self.amount if amount is None else amount
        command.amount.currency_code = "EUR"
        return command

    def refund_saga(self, amount: int) -> "Saga":
        """A cancellation saga of this booking, giving back `amount`."""
        cancellation = Saga(amount=amount, booking_id=self.booking_id)
        cancellation.company_id, cancellation.customer_id = self.company_id, self.customer_id
        return cancellation


async def run(db, handle, command: saga_pb2.StepCommand) -> saga_pb2.StepReply:
    """The command as the consumer applies it (without the inbox): intent, provider call, decision."""
    reply = await handle.process(command)
    assert reply is not None, "the step waits for its payment"
    return reply


async def payment_row(db, saga: Saga):
    async with db.transaction() as conn:
        return (
            await conn.execute(
                select(payments).where(payments.c.idempotency_key == f"{saga.saga_id}:payments")
            )
        ).first()


async def payment_count(db, saga: Saga) -> int:
    async with db.transaction() as conn:
        return await conn.scalar(
            select(func.count())
            .select_from(payments)
            .where(payments.c.idempotency_key.like(f"{saga.saga_id}%"))
        )


async def test_execute_authorizes_the_amount_once_per_saga_and_replays_the_decision(payments_db, handle):
    saga = Saga(amount=1500)

    first = await run(payments_db, handle, saga.command(EXECUTE))
    resent = await run(payments_db, handle, saga.command(EXECUTE))

    assert (first.outcome, first.reason) == (SUCCEEDED, "")
    assert (first.saga_id, first.step, first.action, first.attempt) == (saga.saga_id, "payments", EXECUTE, 1)
    assert (first.amount.amount_minor, first.amount.currency_code) == (1500, "EUR")
    row = await payment_row(payments_db, saga)
    assert first.reference == str(row.id)
    assert (row.status, row.amount_minor, str(row.booking_id)) == ("AUTHORIZED", 1500, saga.booking_id)
    assert (resent.outcome, resent.reference, resent.amount.amount_minor) == (
        SUCCEEDED,
        first.reference,
        1500,
    )
    assert resent.attempt == 2
    assert await payment_count(payments_db, saga) == 1


@pytest.mark.parametrize(
    ("card", "reason"),
    [
        ("tok_chargeDeclined", "CARD_DECLINED"),
        ("4000000000009995", "CARD_INSUFFICIENT_FUNDS"),
        ("x", "INVALID_CARD"),
    ],
)
async def test_a_declined_card_fails_execute_with_the_decline_reason_every_time(
    payments_db, handle, card, reason
):
    saga = Saga(card=card)

    first = await run(payments_db, handle, saga.command(EXECUTE))
    resent = await run(payments_db, handle, saga.command(EXECUTE))

    assert (first.outcome, first.reason, first.amount.amount_minor) == (FAILED, reason, 0)
    assert (resent.outcome, resent.reason, resent.reference) == (FAILED, reason, first.reference)
    assert (await payment_row(payments_db, saga)).status == "DECLINED"


async def test_an_invalid_execute_is_refused_with_a_reason_and_no_payment(payments_db, handle):
    saga = Saga(amount=0)
    reply = await run(payments_db, handle, saga.command(EXECUTE))
    assert (reply.outcome, reply.reason) == (FAILED, "INVALID_AMOUNT")
    assert await payment_count(payments_db, saga) == 0


async def test_compensate_voids_the_authorization_once_and_a_late_execute_is_refused(payments_db, handle):
    saga = Saga(amount=1500)
    executed = await run(payments_db, handle, saga.command(EXECUTE))

    compensated = await run(payments_db, handle, saga.command(COMPENSATE))
    again = await run(payments_db, handle, saga.command(COMPENSATE))
    late_execute = await run(payments_db, handle, saga.command(EXECUTE))

    assert (compensated.outcome, compensated.amount.amount_minor) == (SUCCEEDED, 1500)
    assert compensated.reference == executed.reference
    assert (again.outcome, again.amount.amount_minor, again.reference) == (
        SUCCEEDED,
        1500,
        executed.reference,
    )
    assert (late_execute.outcome, late_execute.reason) == (FAILED, "ALREADY_COMPENSATED")
    assert (await payment_row(payments_db, saga)).status == "VOIDED"


async def test_compensate_without_execute_leaves_a_tombstone_that_refuses_the_execute(payments_db, handle):
    saga = Saga()

    compensated = await run(payments_db, handle, saga.command(COMPENSATE))
    late_execute = await run(payments_db, handle, saga.command(EXECUTE))
    compensated_again = await run(payments_db, handle, saga.command(COMPENSATE))

    assert (compensated.outcome, compensated.amount.amount_minor, compensated.reference) == (SUCCEEDED, 0, "")
    assert (late_execute.outcome, late_execute.reason) == (FAILED, "ALREADY_COMPENSATED")
    assert compensated_again.outcome == SUCCEEDED
    assert await payment_count(payments_db, saga) == 0
    async with payments_db.transaction() as conn:
        tombstone = (
            await conn.execute(
                select(saga_steps).where(
                    saga_steps.c.saga_id == saga.saga_id, saga_steps.c.action == "EXECUTE"
                )
            )
        ).one()
    assert tombstone.tombstone and not tombstone.succeeded


async def test_compensating_a_declined_execute_succeeds_without_touching_the_payment(payments_db, handle):
    saga = Saga(card="tok_expiredCard")
    await run(payments_db, handle, saga.command(EXECUTE))
    compensated = await run(payments_db, handle, saga.command(COMPENSATE))
    assert (compensated.outcome, compensated.amount.amount_minor) == (SUCCEEDED, 0)
    assert (await payment_row(payments_db, saga)).status == "DECLINED"


async def test_execute_and_compensate_racing_never_leave_an_open_authorization(payments_db, handle, sandbox):
    for _ in range(10):
        saga = Saga()
        execute, compensate = saga.command(EXECUTE), saga.command(COMPENSATE)
        executed, compensated = await asyncio.gather(
            run(payments_db, handle, execute), run(payments_db, handle, compensate)
        )
        # While the provider's answer is in flight the compensation is refused (not recorded);
        # the orchestrator re-sends it after its deadline.
        while compensated.outcome != SUCCEEDED:
            assert compensated.reason == "AUTHORIZATION_IN_FLIGHT"
            compensated = await run(payments_db, handle, saga.command(COMPENSATE))
        row = await payment_row(payments_db, saga)
        if executed.outcome == SUCCEEDED:
            assert row.status == "VOIDED"
        else:
            assert executed.reason == "ALREADY_COMPENSATED"
            assert row is None or row.status == "VOIDED"
        if row is not None and row.provider_reference:
            assert row.provider_reference not in sandbox.open_authorizations()


async def test_finalize_captures_once_and_a_repeat_succeeds_again(payments_db, handle):
    saga = Saga(amount=4200)
    executed = await run(payments_db, handle, saga.command(EXECUTE))

    finalized = await run(payments_db, handle, saga.command(FINALIZE))
    again = await run(payments_db, handle, saga.command(FINALIZE))

    assert (finalized.outcome, finalized.amount.amount_minor, finalized.reference) == (
        SUCCEEDED,
        4200,
        executed.reference,
    )
    assert (again.outcome, again.amount.amount_minor, again.reference) == (
        SUCCEEDED,
        4200,
        executed.reference,
    )
    assert (await payment_row(payments_db, saga)).status == "CAPTURED"


async def test_finalize_of_a_compensated_saga_fails_and_is_not_recorded(payments_db, handle):
    saga = Saga()
    await run(payments_db, handle, saga.command(EXECUTE))
    await run(payments_db, handle, saga.command(COMPENSATE))

    finalized = await run(payments_db, handle, saga.command(FINALIZE))
    compensated_after_capture_attempt = await run(payments_db, handle, saga.command(COMPENSATE))

    assert (finalized.outcome, finalized.reason) == (FAILED, "PAYMENT_NOT_AUTHORIZED")
    assert compensated_after_capture_attempt.outcome == SUCCEEDED
    assert (await payment_row(payments_db, saga)).status == "VOIDED"
    async with payments_db.transaction() as conn:
        actions = set(
            await conn.scalars(select(saga_steps.c.action).where(saga_steps.c.saga_id == saga.saga_id))
        )
    assert actions == {"EXECUTE", "COMPENSATE"}


async def test_compensate_after_capture_is_refused(payments_db, handle):
    saga = Saga()
    await run(payments_db, handle, saga.command(EXECUTE))
    await run(payments_db, handle, saga.command(FINALIZE))
    compensated = await run(payments_db, handle, saga.command(COMPENSATE))
    assert (compensated.outcome, compensated.reason) == (FAILED, "PAYMENT_NOT_AUTHORIZED")
    assert (await payment_row(payments_db, saga)).status == "CAPTURED"


async def test_refund_gives_back_up_to_the_amount_once_per_cancellation_saga(payments_db, handle):
    booking = Saga(amount=1000)
    executed = await run(payments_db, handle, booking.command(EXECUTE))
    await run(payments_db, handle, booking.command(FINALIZE))
    first_cancellation, second_cancellation = booking.refund_saga(600), booking.refund_saga(600)

    partial = await run(payments_db, handle, first_cancellation.command(REFUND))
    partial_again = await run(payments_db, handle, first_cancellation.command(REFUND))
    row_after_partial = await payment_row(payments_db, booking)
    rest = await run(payments_db, handle, second_cancellation.command(REFUND))
    row_after_rest = await payment_row(payments_db, booking)

    assert (partial.outcome, partial.amount.amount_minor, partial.reference) == (
        SUCCEEDED,
        600,
        executed.reference,
    )
    assert (partial_again.outcome, partial_again.amount.amount_minor) == (SUCCEEDED, 600)
    assert (row_after_partial.status, row_after_partial.refunded_minor) == ("CAPTURED", 600)
    # Never more than was captured: the second cancellation gets what is left.
    assert (rest.outcome, rest.amount.amount_minor) == (SUCCEEDED, 400)
    assert (row_after_rest.status, row_after_rest.refunded_minor) == ("REFUNDED", 1000)


async def test_a_refund_of_a_fully_refunded_booking_gives_back_nothing_more(payments_db, handle):
    booking = Saga(amount=1000)
    await run(payments_db, handle, booking.command(EXECUTE))
    await run(payments_db, handle, booking.command(FINALIZE))
    await run(payments_db, handle, booking.refund_saga(5000).command(REFUND))

    again = await run(payments_db, handle, booking.refund_saga(100).command(REFUND))

    assert (again.outcome, again.amount.amount_minor) == (SUCCEEDED, 0)
    assert (await payment_row(payments_db, booking)).refunded_minor == 1000


async def test_refund_of_a_booking_not_paid_by_card_gives_back_nothing(payments_db, handle):
    reply = await run(payments_db, handle, Saga().refund_saga(500).command(REFUND))
    assert (reply.outcome, reply.amount.amount_minor, reply.reference) == (SUCCEEDED, 0, "")


async def test_refund_before_the_capture_fails_and_succeeds_once_it_is_captured(payments_db, handle):
    booking = Saga(amount=1000)
    await run(payments_db, handle, booking.command(EXECUTE))
    cancellation = booking.refund_saga(1000)

    early = await run(payments_db, handle, cancellation.command(REFUND))
    await run(payments_db, handle, booking.command(FINALIZE))
    later = await run(payments_db, handle, cancellation.command(REFUND))

    assert (early.outcome, early.reason) == (FAILED, "PAYMENT_NOT_CAPTURED")
    assert (later.outcome, later.amount.amount_minor) == (SUCCEEDED, 1000)
    assert (await payment_row(payments_db, booking)).status == "REFUNDED"


async def test_a_command_for_another_step_is_refused(payments_db, handle):
    reply = await run(payments_db, handle, Saga().command(EXECUTE, step="wallet"))
    assert (reply.outcome, reply.reason) == (FAILED, "WRONG_STEP")
