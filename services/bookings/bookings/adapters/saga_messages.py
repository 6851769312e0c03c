"""Domain saga commands and replies <-> the bookingplatform.saga.v1 messages on NATS."""

from __future__ import annotations

from bookingplatform.saga.v1 import saga_pb2
from bookings.domain.model import Booking
from bookings.domain.saga import Action, Command, Reply, Saga
from plumbing.saga_protocol import StepAction, action_from_proto, action_to_proto

# Bookings' `Action` keeps its lower-case values (they are in saga rows, step-log rows and
# message ids); it meets the protocol's `StepAction` by member name.


def step_command(saga: Saga, booking: Booking, command: Command) -> saga_pb2.StepCommand:
    message = saga_pb2.StepCommand(
        saga_id=saga.id,
        step=command.step,
        action=action_to_proto(StepAction[command.action.name]),
        attempt=saga.attempt,
        booking_id=booking.id,
        company_id=booking.company_id,
        customer_id=booking.customer_id,
        entitlement_id=booking.plan.entitlement_id,
        credits=command.credits,
        payment_method_id=booking.plan.payment_method_id if command.step == "payments" else "",
        # A pass may be limited to some resources: passes checks the booked one.
        resource_id=booking.resource_id if command.step == "passes" else "",
        # A pass credit is a place in a session: passes holds none without the session.
        session_id=booking.session_id if command.step == "passes" else "",
        allow_partial=command.allow_partial,
        card_minimum_minor=command.card_minimum_minor,
    )
    message.amount.amount_minor = command.amount_minor
    message.amount.currency_code = saga.currency
    return message


def reply_from(message: saga_pb2.StepReply) -> Reply | None:
    action = action_from_proto(message.action)
    if action is None:
        return None
    return Reply(
        step=message.step,
        action=Action[action.name],
        succeeded=message.outcome == saga_pb2.STEP_OUTCOME_SUCCEEDED,
        reason=message.reason,
        amount_minor=message.amount.amount_minor,
        bonus_minor=message.bonus_amount_minor,
        reference=message.reference,
        attempt=message.attempt,
    )
