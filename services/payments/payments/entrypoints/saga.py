"""The payments participant of the booking saga: StepCommand -> step -> StepReply."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.saga.v1 import saga_pb2
from payments.domain.provider import CardProvider
from payments.domain.saga import STEP, SagaStep, StepAction
from payments.service import handlers
from plumbing.saga_participant import StepHandler, reply_to

log = logging.getLogger(__name__)

_ACTIONS = {
    saga_pb2.STEP_ACTION_EXECUTE: StepAction.EXECUTE,
    saga_pb2.STEP_ACTION_COMPENSATE: StepAction.COMPENSATE,
    saga_pb2.STEP_ACTION_FINALIZE: StepAction.FINALIZE,
    saga_pb2.STEP_ACTION_REFUND: StepAction.REFUND,
}

UNKNOWN_ACTION = "UNKNOWN_ACTION"
WRONG_STEP = "WRONG_STEP"


def step_handler(provider: CardProvider) -> StepHandler:
    """The handler for plumbing.saga_participant.StepConsumer, bound to a card provider."""

    async def handle_step_command(conn: AsyncConnection, command: saga_pb2.StepCommand) -> saga_pb2.StepReply:
        action = _ACTIONS.get(command.action)
        if action is None or command.step != STEP:
            log.error("refusing saga %s: step %r action %s", command.saga_id, command.step, command.action)
            return reply_to(command, succeeded=False, reason=WRONG_STEP if action else UNKNOWN_ACTION)
        step = SagaStep(
            saga_id=command.saga_id,
            action=action,
            booking_id=command.booking_id,
            company_id=command.company_id,
            customer_id=command.customer_id,
            amount_minor=command.amount.amount_minor,
            currency=command.amount.currency_code,
            card_token=command.card_token,
        )
        decision = await handlers.handle_step(conn, provider, step)
        return reply_to(
            command,
            succeeded=decision.succeeded,
            reason=decision.reason,
            amount_minor=decision.amount_minor,
            reference=str(decision.payment_id) if decision.payment_id else "",
        )

    return handle_step_command
