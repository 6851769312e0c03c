"""The wallet's saga participant: StepCommand -> SagaStep -> handler -> StepReply."""

from __future__ import annotations

import logging
import uuid

from nats.aio.msg import Msg
from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.saga.v1 import saga_pb2
from plumbing.errors import InvalidArgument
from plumbing.messaging import Handler
from plumbing.saga_participant import StepHandler, message_id_of, reply_to
from wallet.domain.model import Outcome, StepAction
from wallet.domain.validation import INVALID_COMMAND, check_currency, parse_id
from wallet.service import handlers
from wallet.service.commands import SagaStep

log = logging.getLogger(__name__)

STEP = "wallet"

_ACTIONS = {
    saga_pb2.STEP_ACTION_EXECUTE: StepAction.EXECUTE,
    saga_pb2.STEP_ACTION_COMPENSATE: StepAction.COMPENSATE,
    saga_pb2.STEP_ACTION_FINALIZE: StepAction.FINALIZE,
    saga_pb2.STEP_ACTION_REFUND: StepAction.REFUND,
}


def step_from_proto(command: saga_pb2.StepCommand) -> SagaStep:
    """Validates a command; raises InvalidArgument (answered as FAILED, never recorded)."""
    if command.step != STEP:
        raise InvalidArgument(INVALID_COMMAND, f"step {command.step!r} is not {STEP!r}", field="step")
    action = _ACTIONS.get(command.action)
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
        attempt=command.attempt,
    )


async def handle_step_command(conn: AsyncConnection, command: saga_pb2.StepCommand) -> saga_pb2.StepReply:
    """The StepHandler of `saga.cmd.wallet` (runs in the StepConsumer's transaction)."""
    return await _handle(conn, command, dedup=True)


async def handle_step_command_without_dedup(
    conn: AsyncConnection, command: saga_pb2.StepCommand
) -> saga_pb2.StepReply:
    """TEST-ONLY mutation (`SAGA_MUTATION_NO_DEDUP=1`): a repeated EXECUTE debits again.

    The fault suite (tests/fault) runs the wallet with it to prove that its money invariant
    catches a double debit. Never use it anywhere else.
    """
    return await _handle(conn, command, dedup=False)


def step_handler(*, mutation_no_dedup: bool = False) -> StepHandler:
    """The wallet's StepHandler; the no-dedup mutation only when asked for (tests only)."""
    return handle_step_command_without_dedup if mutation_no_dedup else handle_step_command


def without_inbox(handle: Handler) -> Handler:
    """TEST-ONLY mutation (`SAGA_MUTATION_NO_DEDUP=1`): defeats the plumbing inbox.

    Gives every delivery a message id of its own before `StepConsumer` records it, so a
    redelivered command is applied again instead of being skipped.
    """

    async def handle_every_delivery(messages: list[Msg]) -> None:
        for msg in messages:
            unique = f"{message_id_of(msg)}:mutation-no-dedup:{uuid.uuid4()}"
            msg.headers = {**(msg.headers or {}), "Nats-Msg-Id": unique}
        await handle(messages)

    return handle_every_delivery


async def _handle(conn: AsyncConnection, command: saga_pb2.StepCommand, *, dedup: bool) -> saga_pb2.StepReply:
    try:
        step = step_from_proto(command)
    except InvalidArgument as error:
        log.warning("refusing saga command %s/%s: %s", command.saga_id, command.action, error.message)
        return reply_to(command, succeeded=False, reason=INVALID_COMMAND)
    operation = await handlers.handle_step(conn, step, dedup=dedup)
    return reply_to(
        command,
        succeeded=operation.outcome is Outcome.SUCCEEDED,
        reason=operation.reason,
        amount_minor=operation.moved.total,
        bonus_amount_minor=operation.moved.bonus,
        reference=operation.reference,
    )
