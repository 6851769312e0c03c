"""Domain saga commands and replies <-> the bookingplatform.saga.v1 messages on NATS."""

from __future__ import annotations

from bookingplatform.saga.v1 import saga_pb2
from bookings.domain.model import Booking
from bookings.domain.saga import Action, Command, Reply, Saga

_ACTIONS = {
    Action.EXECUTE: saga_pb2.STEP_ACTION_EXECUTE,
    Action.COMPENSATE: saga_pb2.STEP_ACTION_COMPENSATE,
    Action.FINALIZE: saga_pb2.STEP_ACTION_FINALIZE,
    Action.REFUND: saga_pb2.STEP_ACTION_REFUND,
}
_FROM_PROTO = {value: action for action, value in _ACTIONS.items()}


def step_command(saga: Saga, booking: Booking, command: Command) -> saga_pb2.StepCommand:
    message = saga_pb2.StepCommand(
        saga_id=saga.id,
        step=command.step,
        action=_ACTIONS[command.action],
        attempt=saga.attempt,
        booking_id=booking.id,
        company_id=booking.company_id,
        customer_id=booking.customer_id,
        entitlement_id=booking.plan.entitlement_id,
        credits=command.credits,
        payment_method_id=booking.plan.payment_method_id if command.step == "payments" else "",
        allow_partial=command.allow_partial,
    )
    message.amount.amount_minor = command.amount_minor
    message.amount.currency_code = saga.currency
    return message


def reply_from(message: saga_pb2.StepReply) -> Reply | None:
    action = _FROM_PROTO.get(message.action)
    if action is None:
        return None
    return Reply(
        step=message.step,
        action=action,
        succeeded=message.outcome == saga_pb2.STEP_OUTCOME_SUCCEEDED,
        reason=message.reason,
        amount_minor=message.amount.amount_minor,
        bonus_minor=message.bonus_amount_minor,
        reference=message.reference,
        attempt=message.attempt,
    )
