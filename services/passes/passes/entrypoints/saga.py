"""The passes participant of the booking saga (plumbing.saga_participant.StepHandler)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.saga.v1 import saga_pb2
from passes.domain import reasons
from passes.domain.saga import StepRequest, parse_step
from passes.service.saga_steps import apply_step
from plumbing.saga_participant import reply_to
from plumbing.saga_protocol import action_from_proto

log = logging.getLogger(__name__)

STEP = "passes"


async def handle_step_command(conn: AsyncConnection, command: saga_pb2.StepCommand) -> saga_pb2.StepReply:
    step = parse_step(
        StepRequest(
            saga_id=command.saga_id,
            action=action_from_proto(command.action),
            booking_id=command.booking_id,
            company_id=command.company_id,
            customer_id=command.customer_id,
            entitlement_id=command.entitlement_id,
            credits=command.credits,
            amount_minor=command.amount.amount_minor,
            resource_id=command.resource_id,
            session_id=command.session_id,
        )
    )
    if step is None or command.step != STEP:
        log.warning(
            "refusing malformed saga command: saga=%r step=%r action=%r booking=%r",
            command.saga_id,
            command.step,
            command.action,
            command.booking_id,
        )
        return reply_to(command, succeeded=False, reason=reasons.INVALID_COMMAND)
    decision = await apply_step(conn, step)
    return reply_to(
        command,
        succeeded=decision.succeeded,
        reason=decision.reason,
        amount_minor=decision.amount_minor,
        reference=decision.reference,
    )
