"""The wallet's saga participant: StepCommand -> SagaStep -> handler -> StepReply."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.saga.v1 import saga_pb2
from plumbing.errors import InvalidArgument
from plumbing.ids import parse_id
from plumbing.saga_participant import reply_to
from plumbing.saga_protocol import StepAction, action_from_proto
from wallet.domain.commands import SagaStep
from wallet.domain.model import Outcome
from wallet.domain.validation import INVALID_COMMAND, check_currency
from wallet.service.saga_steps import handle_step

log = logging.getLogger(__name__)

STEP = "wallet"


def step_from_proto(command: saga_pb2.StepCommand) -> SagaStep:
    """Validates a command; raises InvalidArgument (answered as FAILED, never recorded)."""
    if command.step != STEP:
        raise InvalidArgument(INVALID_COMMAND, f"step {command.step!r} is not {STEP!r}", field="step")
    action = action_from_proto(command.action)
    if action is None:
        raise InvalidArgument(INVALID_COMMAND, "action is not set", field="action")
    moves_money = action in (StepAction.EXECUTE, StepAction.REFUND)
    booking_id = command.booking_id
    return SagaStep(
        saga_id=parse_id(command.saga_id, "saga_id"),
        action=action,
        company_id=parse_id(command.company_id, "company_id"),
        customer_id=parse_id(command.customer_id, "customer_id"),
        booking_id=parse_id(booking_id, "booking_id") if booking_id or moves_money else None,
        amount=command.amount.amount_minor,
        currency=(
            check_currency(command.amount.currency_code, "amount.currency_code")
            if moves_money
            else command.amount.currency_code
        ),
        allow_partial=command.allow_partial,
        card_minimum=max(0, command.card_minimum_minor),
        attempt=command.attempt,
    )


async def handle_step_command(conn: AsyncConnection, command: saga_pb2.StepCommand) -> saga_pb2.StepReply:
    """The StepHandler of `saga.cmd.wallet` (runs in the StepConsumer's transaction)."""
    try:
        step = step_from_proto(command)
    except InvalidArgument as error:
        log.warning("refusing saga command %s/%s: %s", command.saga_id, command.action, error.message)
        return reply_to(command, succeeded=False, reason=INVALID_COMMAND)
    operation = await handle_step(conn, step)
    return reply_to(
        command,
        succeeded=operation.outcome is Outcome.SUCCEEDED,
        reason=operation.reason,
        amount_minor=operation.moved.total,
        bonus_amount_minor=operation.moved.bonus,
        reference=operation.reference,
    )
